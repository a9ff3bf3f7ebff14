//! The logging pipeline end to end: macros, filter, call-site caching, the queue sink, the
//! `log` bridge, and the formatted output read back by a JSON reader.

use dext_telemetry::log::{Filter, Level, LogBridge, QueueSink, drain_logs, set_filter};
use dext_telemetry::trace::{Sampler, TracerProvider};
use dext_telemetry::{Value, debug, error, info, warn};

/// A drained record: level, target, message, fields as text, whether a span was current.
type Drained = (Level, String, String, Vec<(String, String)>, bool);

fn drained() -> Vec<Drained> {
    let mut out = Vec::new();
    drain_logs(usize::MAX, |d| {
        // Each record's JSON line, read back by a real JSON reader, says what it holds.
        let mut line = String::new();
        d.write_json(&mut line);
        let doc = dext_json::Document::parse(line.as_bytes()).unwrap_or_else(|e| panic!("{e}: {line}"));
        let root = doc.root();
        assert_eq!(root.pointer("/message").and_then(|v| v.as_str()), Some(d.message()));
        assert_eq!(root.pointer("/level").and_then(|v| v.as_str()), Some(d.level().as_str()));
        for f in d.fields() {
            let v = root.pointer(&format!("/{}", f.key)).unwrap_or_else(|| panic!("{line}"));
            let same = match f.value {
                Value::Str(s) => v.as_str() == Some(s),
                Value::I64(i) => v.as_i64() == Some(i),
                Value::F64(x) => v.as_f64() == Some(x),
                Value::Bool(b) => v.as_bool() == Some(b),
            };
            assert!(same, "{}: {line}", f.key);
        }
        let mut text = String::new();
        d.write_text(&mut text);
        assert!(text.contains(d.message()) && text.ends_with('\n'));
        out.push((
            d.level(),
            d.target().to_string(),
            d.message().to_string(),
            d.fields().map(|f| (f.key.to_string(), f.value.to_string())).collect(),
            d.span().0.is_valid(),
        ))
    });
    out
}

fn call(i: i32) {
    // One call site, whose verdict is cached after the first call.
    debug!("cached {}", i; n = i);
}

#[test]
fn filtered_records_reach_the_queue_with_their_fields() {
    assert!(dext_telemetry::log::init(Filter::parse("info,it::quiet=error").unwrap(), &QueueSink));
    log::set_logger(&LogBridge).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let _ = drained();

    let tracer = TracerProvider::new(Sampler::AlwaysOn).tracer("log-test", None);
    let span = tracer.span("request").start();
    let entered = span.enter();
    info!("served {} bytes", 42; method = "GET", "http.response.status_code" = 200, ms = 1.25);
    drop(entered);
    warn!(target: "it::quiet", "not shown"; x = 1);
    error!(target: "it::quiet::deeper", "shown");
    debug!("not shown either");
    call(1);
    log::info!(target: "some_dependency", "from the log crate {}", 7);
    log::debug!(target: "some_dependency", "filtered");
    let got = drained();
    let fields = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    assert_eq!(
        got,
        vec![
            (
                Level::Info,
                "it::log".into(),
                "served 42 bytes".into(),
                fields(&[("method", "GET"), ("http.response.status_code", "200"), ("ms", "1.25")]),
                true
            ),
            (Level::Error, "it::quiet::deeper".into(), "shown".into(), vec![], false),
            (Level::Info, "some_dependency".into(), "from the log crate 7".into(), vec![], false),
        ]
    );

    // A new filter clears the call sites' cached verdicts.
    set_filter(Filter::parse("debug").unwrap());
    call(2);
    warn!(target: "it::quiet", "now shown"; x = Value::Bool(true));
    // The bridge's per-thread copy of the filter follows the change too.
    log::debug!(target: "some_dependency", "now through");
    let got = drained();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[2].2, "now through");
    assert_eq!(got[0].2, "cached 2");
    assert_eq!(got[0].3, fields(&[("n", "2")]));
    assert_eq!(got[1].2, "now shown");
    set_filter(Filter::parse("off").unwrap());
    assert_eq!(dext_telemetry::log::max_level(), None);
    call(3);
    error!("off");
    assert!(drained().is_empty());
}
