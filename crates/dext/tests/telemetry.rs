//! Per-request telemetry on the real server: the server span (name, attributes, an incoming
//! `traceparent` continued, the span current inside the handler), the HTTP server metrics
//! served at `/metrics` (the demo's route, parsed by `promtool` when installed), and a real
//! Prometheus server scraping them (when installed; required when
//! `DEXT_REQUIRE_RECEIVERS` is set, as `scripts/test.sh` sets it).
#![cfg(target_os = "linux")]

use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use dext::telemetry::trace::{Sampler, SpanContext, SpanKind, TracerProvider, current, drain_spans};
use dext::{HttpTelemetry, Request, Response, Server, ShutdownHandle};

/// The tests share the demo's registry and the process's span queue: they take turns.
static SERIAL: Mutex<()> = Mutex::new(());

/// What the handler saw as the current span.
static SEEN: Mutex<Option<SpanContext>> = Mutex::new(None);

async fn traced(_req: &Request<'_>, res: &mut Response) {
    *SEEN.lock().unwrap() = current();
    res.set_body("ok");
}

async fn slow(_req: &Request<'_>, res: &mut Response) {
    dext::rt::time::sleep(Duration::from_millis(40)).await;
    res.set_body("late");
}

async fn forever(_req: &Request<'_>, res: &mut Response) {
    dext::rt::time::sleep(Duration::from_secs(60)).await;
    res.set_body("never");
}

async fn failing(_req: &Request<'_>, res: &mut Response) {
    res.set_status(dext::StatusCode::SERVICE_UNAVAILABLE);
}

struct Running {
    addr: SocketAddr,
    stop: ShutdownHandle,
    thread: Option<thread::JoinHandle<std::io::Result<bool>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start() -> Running {
    start_with_grace(Duration::from_secs(10))
}

/// A server whose graceful shutdown waits `grace` for requests in flight.
fn start_with_grace(grace: Duration) -> Running {
    let tracer = TracerProvider::new(Sampler::parent_based(Sampler::AlwaysOn)).tracer("dext-server", None);
    let telemetry = HttpTelemetry::new().with_tracer(tracer).with_metrics(dext::demo::registry());
    let app = dext::demo::app()
        .get("/traced/:name", traced)
        .get("/failing", failing)
        .get("/slow", slow)
        .get("/forever", forever);
    let server = Server::builder()
        .workers(1)
        .telemetry(telemetry)
        .shutdown_grace(grace)
        .bind("127.0.0.1:0")
        .handle_signals(false)
        .serve(app)
        .unwrap();
    let (addr, stop) = (server.local_addr(), server.shutdown_handle());
    Running { addr, stop, thread: Some(thread::spawn(move || server.run())) }
}

/// One request on a new connection; the status and the body.
fn get(addr: SocketAddr, path: &str, extra: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: dext-test\r\n{extra}Connection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[test]
fn requests_get_server_spans_and_metrics() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = start();
    let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let (status, _) =
        get(server.addr, "/traced/ab%20c?x=1", &format!("traceparent: {parent}\r\ntracestate: congo=t61\r\n"));
    assert_eq!(status, 200);
    assert_eq!(get(server.addr, "/users/7", "").0, 200);
    assert_eq!(get(server.addr, "/nowhere", "").0, 404);
    assert_eq!(get(server.addr, "/failing", "").0, 503);

    // The span of the traced request continues the incoming trace, and was current in the
    // handler.
    let mut spans: Vec<dext::telemetry::trace::SpanData> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let names = ["GET /traced/:name", "GET /users/:id", "GET", "GET /failing"];
    while !names.iter().all(|n| spans.iter().any(|s| s.name() == *n)) && Instant::now() < deadline {
        drain_spans(usize::MAX, |s| {
            if s.scope().name == "dext-server" {
                spans.push(s.clone());
            }
        });
        thread::sleep(Duration::from_millis(10));
    }
    let find = |name: &str| {
        spans.iter().find(|s| s.name() == name).unwrap_or_else(|| {
            let names: Vec<&str> = spans.iter().map(|s| s.name()).collect();
            panic!("no span {name} among {names:?}; {} dropped", dext::telemetry::trace::dropped_spans())
        })
    };
    let traced = find("GET /traced/:name");
    assert_eq!(traced.context().trace_id.to_string(), "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(traced.parent_span_id().to_string(), "b7ad6b7169203331");
    assert_eq!(traced.trace_state(), "congo=t61");
    assert_eq!(traced.kind(), SpanKind::Server);
    let seen = SEEN.lock().unwrap().expect("the handler saw a current span");
    assert_eq!(seen.span_id, traced.context().span_id);
    let attrs: Vec<(String, String)> = traced.attributes().map(|a| (a.key.to_string(), a.value.to_string())).collect();
    let attr = |k: &str| attrs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    assert_eq!(attr("http.request.method"), Some("GET"));
    assert_eq!(attr("url.path"), Some("/traced/ab%20c"));
    assert_eq!(attr("url.scheme"), Some("http"));
    assert_eq!(attr("http.route"), Some("/traced/:name"));
    assert_eq!(attr("http.response.status_code"), Some("200"));
    assert_eq!(attr("network.protocol.version"), Some("1.1"));
    assert_eq!(attr("user_agent.original"), Some("dext-test"));
    // No route: the span is named by the method alone; 5xx is an error, 4xx is not.
    let missing = find("GET");
    assert_eq!(missing.status().0, dext::telemetry::trace::StatusCode::Unset);
    assert_eq!(find("GET /failing").status().0, dext::telemetry::trace::StatusCode::Error);
    // A root span where no traceparent came.
    assert_eq!(find("GET /users/:id").parent_span_id(), dext::telemetry::trace::SpanId::INVALID);

    // The metrics, as the demo's /metrics serves them.
    let (status, text) = get(server.addr, "/metrics", "");
    assert_eq!(status, 200);
    let line =
        |prefix: &str| text.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix} in\n{text}"));
    assert!(line(r#"http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/traced/:name",network_protocol_version="1.1",url_scheme="http"}"#).ends_with(" 1"));
    assert!(line(r#"http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="404",network_protocol_version="1.1",url_scheme="http"}"#).ends_with(" 1"));
    assert!(line(r#"http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="503",http_route="/failing""#).ends_with(" 1"));
    // The /metrics request itself is the one in flight.
    assert!(
        line(r#"http_server_active_requests{http_request_method="GET",url_scheme="http"}"#).ends_with(" 1"),
        "{text}"
    );

    if let Some(promtool) = which("promtool") {
        let mut child = Command::new(promtool)
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && said.trim().is_empty(), "promtool: {said}\n{text}");
    }
}

/// The value of the `/metrics` line that starts with `prefix` (0 when there is none yet).
fn metric(addr: SocketAddr, prefix: &str) -> f64 {
    let (status, text) = get(addr, "/metrics", "");
    assert_eq!(status, 200);
    text.lines().find(|l| l.starts_with(prefix)).map_or(0.0, |l| l.rsplit(' ').next().unwrap().parse().unwrap())
}

#[test]
fn a_duration_runs_from_the_read_to_the_write_of_the_response() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = start();
    let series = r#"{http_request_method="GET",http_response_status_code="200",http_route="/slow",network_protocol_version="1.1",url_scheme="http"}"#;
    let before = (
        metric(server.addr, &format!("http_server_request_duration_seconds_count{series}")),
        metric(server.addr, &format!("http_server_request_duration_seconds_sum{series}")),
    );
    // Two requests in one write: both arrive at once; the second waits for the first's
    // 40 ms, then takes its own; both responses go out in one write, after 80 ms.
    let mut s = TcpStream::connect(server.addr).unwrap();
    let t = Instant::now();
    s.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let took = t.elapsed().as_secs_f64();
    assert_eq!(text.matches("late").count(), 2, "{text}");
    let count = metric(server.addr, &format!("http_server_request_duration_seconds_count{series}")) - before.0;
    let sum = metric(server.addr, &format!("http_server_request_duration_seconds_sum{series}")) - before.1;
    assert_eq!(count, 2.0);
    // Each: from the read of both to the write of both (80 ms or more), and no more than
    // the client saw.
    assert!(sum >= 2.0 * 0.080 && sum <= 2.0 * took, "sum {sum} s, the client waited {took} s");
}

#[test]
fn a_request_whose_body_fails_is_counted_and_no_longer_active() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = start();
    let series = r#"{http_request_method="POST",http_response_status_code="400",http_route="/echo",network_protocol_version="1.1",url_scheme="http"}"#;
    let count = format!("http_server_request_duration_seconds_count{series}");
    let before = metric(server.addr, &count);
    // A streamed body whose chunk size is not hex: 400, and the connection closes.
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert_eq!(metric(server.addr, &count) - before, 1.0);
    let active = r#"http_server_active_requests{http_request_method="POST",url_scheme="http"}"#;
    assert_eq!(metric(server.addr, active), 0.0);
}

#[test]
fn a_request_cut_off_by_shutdown_is_no_longer_active() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // A second server on the same registry reads the gauge (its own scrape counts itself,
    // the same each time).
    let witness = start();
    let active = r#"http_server_active_requests{http_request_method="GET",url_scheme="http"}"#;
    let before = metric(witness.addr, active);
    let cut = start_with_grace(Duration::from_millis(100));
    let mut s = TcpStream::connect(cut.addr).unwrap();
    s.write_all(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while metric(witness.addr, active) != before + 1.0 {
        assert!(Instant::now() < deadline, "the request never became active");
        thread::sleep(Duration::from_millis(5));
    }
    // The grace runs out with the handler still waiting: its task is dropped.
    drop(cut);
    assert_eq!(metric(witness.addr, active), before);
}

#[test]
fn prometheus_scrapes_the_demo_server() {
    let Some(prometheus) = which("prometheus") else { return };
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = start();
    for _ in 0..3 {
        assert_eq!(get(server.addr, "/plaintext", "").0, 200);
    }
    let dir = std::env::temp_dir().join(format!("dext-demo-prometheus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ['{}']\n",
            server.addr
        ),
    )
    .unwrap();
    let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut child = Command::new(prometheus)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address={web}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let query = r#"/api/v1/query?query=http_server_request_duration_seconds_count%7Bhttp_route=%22/plaintext%22%7D"#;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    let found = loop {
        if let Ok(mut s) = TcpStream::connect(web) {
            let _ = write!(s, "GET {query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut text = String::new();
            let _ = BufReader::new(s).read_to_string(&mut text);
            // The value is a string in Prometheus's answer: ["<time>","3"].
            if text.contains("\"3\"]") {
                break true;
            }
            last = text;
        }
        if Instant::now() > deadline {
            break false;
        }
        thread::sleep(Duration::from_millis(200));
    };
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(found, "Prometheus did not store the demo's request count; last answer: {last}");
}

/// A program on PATH, or `None` (which fails when receivers are required).
fn which(name: &str) -> Option<std::path::PathBuf> {
    let found =
        std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|p| p.is_file()));
    if found.is_none() {
        assert!(std::env::var_os("DEXT_REQUIRE_RECEIVERS").is_none(), "{name} is required but not on PATH");
        eprintln!("skipped: {name} is not installed");
    }
    found
}
