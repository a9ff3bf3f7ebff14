//! The exposition output against `promtool check metrics` and a real Prometheus server.

use crate::util::*;
use dext_telemetry::export::prometheus::{Format, render};
use dext_telemetry::kv;
use dext_telemetry::metrics::{ExponentialConfig, Registry};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A registry with every kind of instrument, a few series each, awkward label values.
fn sample_registry() -> Registry {
    let r = Registry::new();
    let m = r.meter("dext-test");
    let req = m.counter("http.server.requests").unit("{request}").description("HTTP requests served.").build();
    req.add(41, &[kv("http.request.method", "GET"), kv("http.response.status_code", 200)]);
    req.add(2, &[kv("http.request.method", "POST"), kv("url.path", "/a \"quoted\" \\ path\nx")]);
    let active = m.up_down_counter("http.server.active_requests").unit("{request}").build();
    active.add(3, &[kv("http.request.method", "GET")]);
    let dur = m
        .histogram("http.server.request.duration")
        .unit("s")
        .description("Duration of HTTP server requests.")
        .build()
        .bind(&[kv("http.route", "/users/{id}")]);
    for v in [0.0004, 0.003, 0.02, 0.02, 0.6, 12.0] {
        dur.record(v);
    }
    let size =
        m.histogram("http.server.response.body.size").unit("By").exponential(ExponentialConfig::default()).build();
    for v in [10.0, 100.0, 1000.0, 1e5] {
        size.record(v, &[]);
    }
    m.gauge("process.memory.usage").unit("By").build().set(1.5e9, &[]);
    m.observable_gauge("system.cpu.utilization", "CPU use.", "1", |o| {
        o.observe(0.5, &[kv("cpu", 0)]);
        o.observe(0.25, &[kv("cpu", 1)]);
    });
    r
}

#[test]
fn promtool_accepts_the_text_format() {
    let Some(promtool) = receiver("promtool") else { return };
    let mut text = String::new();
    render(&sample_registry().collect(SystemTime::now()), Format::Text, &mut text);
    let (ok, out) = run_with_stdin(Command::new(promtool).args(["check", "metrics"]), &text);
    // `check metrics` exits non-zero on a parse error and on lint problems; both fail.
    assert!(ok, "promtool refused:\n{out}\n--- input ---\n{text}");
    assert!(out.trim().is_empty(), "promtool complained:\n{out}\n--- input ---\n{text}");
}

#[test]
fn prometheus_scrapes_and_stores_the_samples() {
    let Some(prometheus) = receiver("prometheus") else { return };
    let r = sample_registry();
    let scrapes = Arc::new(std::sync::Mutex::new(Vec::<Format>::new()));
    let seen = scrapes.clone();
    let port = serve(Arc::new(move |head: &str| {
        let accept = head
            .lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("accept")))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        let format = Format::negotiate(accept.as_bytes());
        seen.lock().unwrap().push(format);
        let mut body = String::new();
        render(&r.collect(SystemTime::now()), format, &mut body);
        (format.content_type().to_string(), body.into_bytes())
    }));
    let dir = temp_dir("prometheus");
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: dext\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .unwrap();
    let web = free_port();
    let _server = KillOnDrop(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{web}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.join("log")).unwrap())
            .spawn()
            .expect("start prometheus"),
    );
    let query = |q: &str| get(web, &format!("/api/v1/query?query={q}"));
    // The server stores a sample once it has scraped; bounded wait.
    let deadline = Instant::now() + Duration::from_secs(60);
    let want = [
        ("http_server_requests_total", "41"),
        ("http_server_active_requests", "3"),
        ("http_server_request_duration_seconds_count", "6"),
        ("http_server_request_duration_seconds_bucket%7Ble=%220.025%22%7D", "4"),
        ("http_server_response_body_size_bytes_count", "4"),
        ("process_memory_usage_bytes", "1500000000"),
        ("system_cpu_utilization_ratio%7Bcpu=%221%22%7D", "0.25"),
    ];
    for (q, value) in want {
        loop {
            let body = query(q);
            if let Some(body) = &body {
                let doc = dext_json::Document::parse(body.as_bytes()).expect("JSON answer");
                let result = doc.root().pointer("/data/result/0/value/1").and_then(|v| v.as_str());
                if let Some(got) = result {
                    assert_eq!(got, value, "{q}: {body}");
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no sample for {q} after 60 s; last answer {body:?}; log:\n{}",
                std::fs::read_to_string(dir.join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    // The target is healthy: a scrape that failed to parse would mark it down.
    let up = query("up").unwrap_or_default();
    assert!(up.contains("\"1\"]"), "up: {up}");
    // Prometheus 2.x asks for OpenMetrics first: that is the format it parsed.
    assert!(scrapes.lock().unwrap().contains(&Format::OpenMetrics));
    let _ = std::fs::remove_dir_all(&dir);
}
