//! Spans, metrics and logs exported by `OtlpExporter` arrive at a real OTLP receiver with
//! the right ids, attributes and values; a receiver that is down costs the application
//! nothing, and what could not be delivered is counted.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dext_server::telemetry::{OtlpConfig, OtlpExporter};
use dext_telemetry::export::retry::Backoff;
use dext_telemetry::log::{Filter, QueueSink};
use dext_telemetry::metrics::Registry;
use dext_telemetry::trace::{Sampler, SpanKind, StatusCode, TracerProvider};
use dext_telemetry::{info, kv};

struct Receiver {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    port: u16,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Held by each test for its whole run: finished spans and logs sit in process-wide queues,
/// and one test's exporter would drain (and lose) what the other recorded.
static EXCLUSIVE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `python3 -m oteltap`, which prints what it receives as NDJSON, or `None` when it
/// is not installed (and not required).
fn oteltap() -> Option<Receiver> {
    let installed = Command::new("python3")
        .args(["-c", "import oteltap"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var_os("DEXT_REQUIRE_RECEIVERS").is_none(),
            "oteltap is required (DEXT_REQUIRE_RECEIVERS is set) but python3 cannot import it"
        );
        eprintln!("skipped: the oteltap receiver is not installed");
        return None;
    }
    let port = free_port();
    let mut child = Command::new("python3")
        .args(["-u", "-m", "oteltap", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start oteltap");
    let out = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "oteltap did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Receiver { child, lines, port })
}

/// Lines from the receiver until `done` says all were seen, or 30 s.
fn await_lines(r: &Receiver, mut done: impl FnMut(&str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match r.lines.recv_timeout(left) {
            Ok(line) => {
                let finished = done(&line);
                seen.push(line);
                if finished {
                    return seen;
                }
            }
            Err(_) => panic!("not everything arrived in 30 s; received:\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn spans_metrics_and_logs_arrive_at_a_real_receiver() {
    let _exclusive = exclusive();
    let Some(rx) = oteltap() else { return };
    dext_telemetry::log::init(Filter::parse("info").unwrap(), &QueueSink);
    let registry = Registry::new();
    let meter = registry.meter("dext-otlp-test");
    let requests = meter.counter("test.requests").unit("{request}").build().bind(&[kv("route", "/otlp")]);
    let latency = meter.histogram("test.duration").unit("s").build().bind(&[kv("route", "/otlp")]);
    requests.add(42);
    latency.record(0.25);

    let tracer = TracerProvider::new(Sampler::AlwaysOn).tracer("dext-otlp-test", Some("1.2.3"));
    let mut span = tracer.span("GET /otlp").kind(SpanKind::Server).root().start();
    span.set_attributes(&[kv("http.request.method", "GET"), kv("http.response.status_code", 201)]);
    span.set_status(StatusCode::Error, "deliberate");
    let cx = span.context();
    {
        let _in = span.enter();
        info!("handled the otlp request"; answer = 42, "http.route" = "/otlp");
    }
    span.end();

    let endpoint: SocketAddr = ([127, 0, 0, 1], rx.port).into();
    let mut config = OtlpConfig::new(endpoint);
    config.resource = vec![("service.name", "dext-otlp-test".into())];
    config.interval = Duration::from_millis(100);
    config.metrics = Some((registry.clone(), Duration::from_millis(100)));
    let exporter = OtlpExporter::start(config).unwrap();

    let trace_hex = cx.trace_id.to_string();
    let span_hex = cx.span_id.to_string();
    let (mut got_span, mut got_log, mut got_metric, mut got_histogram) = (false, false, false, false);
    let lines = await_lines(&rx, |line| {
        got_span |= line.contains("GET /otlp");
        got_log |= line.contains("handled the otlp request");
        got_metric |= line.contains("test.requests");
        got_histogram |= line.contains("test.duration");
        got_span && got_log && got_metric && got_histogram
    });
    exporter.shutdown();
    if std::env::var_os("SHOW_OTLP").is_some() {
        eprintln!("{}", lines.join("\n"));
    }

    // Each item as the receiver decoded it (protobuf's JSON mapping: ids in hex, 64-bit
    // integers as strings).
    let find = |needle: &str| lines.iter().find(|l| l.contains(needle)).unwrap().clone();
    let str_at =
        |doc: &dext_json::Document<'_>, p: &str| doc.root().pointer(p).and_then(|v| v.as_str()).map(String::from);
    let num_at = |doc: &dext_json::Document<'_>, p: &str| doc.root().pointer(p).and_then(|v| v.as_f64());
    // A 64-bit integer: a string in the JSON mapping, or a number in some printers.
    let int_at = |doc: &dext_json::Document<'_>, p: &str| {
        doc.root().pointer(p).and_then(|v| v.as_str().map(String::from).or(v.as_f64().map(|f| f.to_string())))
    };

    let line = find("GET /otlp");
    let doc = dext_json::Document::parse(line.as_bytes()).expect("NDJSON line");
    assert_eq!(str_at(&doc, "/traceId").as_deref(), Some(trace_hex.as_str()), "{line}");
    assert_eq!(str_at(&doc, "/spanId").as_deref(), Some(span_hex.as_str()), "{line}");
    assert_eq!(num_at(&doc, "/kind"), Some(2.0), "SERVER: {line}");
    assert_eq!(str_at(&doc, "/attributes/0/key").as_deref(), Some("http.request.method"), "{line}");
    assert_eq!(str_at(&doc, "/attributes/0/value/stringValue").as_deref(), Some("GET"), "{line}");
    assert_eq!(int_at(&doc, "/attributes/1/value/intValue").as_deref(), Some("201"), "{line}");
    assert_eq!(str_at(&doc, "/status/message").as_deref(), Some("deliberate"), "{line}");
    assert_eq!(num_at(&doc, "/status/code"), Some(2.0), "ERROR: {line}");

    let line = find("handled the otlp request");
    let doc = dext_json::Document::parse(line.as_bytes()).expect("NDJSON line");
    assert_eq!(str_at(&doc, "/traceId").as_deref(), Some(trace_hex.as_str()), "the log names its span: {line}");
    assert_eq!(str_at(&doc, "/spanId").as_deref(), Some(span_hex.as_str()), "{line}");
    assert_eq!(num_at(&doc, "/severityNumber"), Some(9.0), "INFO: {line}");
    assert_eq!(str_at(&doc, "/attributes/0/key").as_deref(), Some("answer"), "{line}");
    assert_eq!(int_at(&doc, "/attributes/0/value/intValue").as_deref(), Some("42"), "{line}");
    assert_eq!(str_at(&doc, "/attributes/1/value/stringValue").as_deref(), Some("/otlp"), "{line}");

    let line = find("test.requests");
    let doc = dext_json::Document::parse(line.as_bytes()).expect("NDJSON line");
    assert_eq!(doc.root().pointer("/sum/isMonotonic").and_then(|v| v.as_bool()), Some(true), "{line}");
    assert_eq!(str_at(&doc, "/sum/dataPoints/0/attributes/0/value/stringValue").as_deref(), Some("/otlp"));
    assert_eq!(int_at(&doc, "/sum/dataPoints/0/asInt").as_deref(), Some("42"), "{line}");

    let line = find("test.duration");
    let doc = dext_json::Document::parse(line.as_bytes()).expect("NDJSON line");
    assert_eq!(int_at(&doc, "/histogram/dataPoints/0/count").as_deref(), Some("1"), "{line}");
    assert_eq!(num_at(&doc, "/histogram/dataPoints/0/sum"), Some(0.25), "{line}");
    assert_eq!(num_at(&doc, "/histogram/dataPoints/0/explicitBounds/7"), Some(0.5), "{line}");
}

#[test]
fn a_receiver_that_is_down_costs_nothing_and_drops_are_counted() {
    let _exclusive = exclusive();
    // A port with nothing listening.
    let port = free_port();
    let mut config = OtlpConfig::new(([127, 0, 0, 1], port).into());
    config.interval = Duration::from_millis(20);
    config.timeout = Duration::from_millis(200);
    config.backoff = Backoff { initial: Duration::from_millis(10), max: Duration::from_millis(20), max_attempts: 2 };
    config.max_pending = 4;
    let exporter = OtlpExporter::start(config).unwrap();
    let tracer = TracerProvider::new(Sampler::AlwaysOn).tracer("down", None);
    // Spans keep being recorded at full speed while the exporter fails.
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < Duration::from_millis(500) {
        let mut s = tracer.span("work").root().start();
        s.set_attribute(kv("n", n));
        s.end();
        n += 1;
    }
    assert!(n > 10_000, "only {n} spans in 500 ms");
    let deadline = Instant::now() + Duration::from_secs(10);
    // Requests are dropped (the bounded queue is full) and retried (each failed attempt),
    // in whichever order the exporter gets to them.
    let stats = exporter.stats();
    let count = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    while count(&stats.dropped) == 0 || count(&stats.retries) == 0 {
        assert!(
            Instant::now() < deadline,
            "in 10 s: {} dropped, {} retries",
            count(&stats.dropped),
            count(&stats.retries)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(count(&stats.delivered), 0);
    // Shutting down with the receiver still down returns promptly.
    let t = Instant::now();
    exporter.shutdown();
    assert!(t.elapsed() < Duration::from_secs(5), "shutdown took {:?}", t.elapsed());
}
