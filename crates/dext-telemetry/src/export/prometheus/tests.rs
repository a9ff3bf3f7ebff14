use super::*;
use crate::attr::kv;
use crate::metrics::{ExponentialConfig, Registry};
use std::time::UNIX_EPOCH;

fn check(r: &Registry, format: Format, expected: &str) {
    let mut out = String::new();
    render(&r.collect(UNIX_EPOCH), format, &mut out);
    assert_eq!(out, expected, "\n--- got ---\n{out}\n--- want ---\n{expected}");
}

#[test]
fn counters_gauges_and_names() {
    let r = Registry::new();
    let m = r.meter("dext");
    let c = m.counter("http.server.requests").unit("{request}").description("Requests.").build();
    c.add(3, &[kv("http.request.method", "GET"), kv("http.response.status_code", 200)]);
    c.add(1, &[kv("http.request.method", "PO\"ST\\\n")]);
    let b = m.up_down_counter("http.server.active_requests").unit("{request}").build();
    b.add(-2, &[]);
    let g = m.gauge("process.cpu.utilization").unit("1").description("a\\b\nc\"").build();
    g.set(0.25, &[kv("ratio", 0.5)]);
    m.counter("bytes_total").unit("By").build().add(10, &[]);
    check(
        &r,
        Format::Text,
        r#"# TYPE http_server_requests_total counter
# HELP http_server_requests_total Requests.
http_server_requests_total{http_request_method="GET",http_response_status_code="200"} 3
http_server_requests_total{http_request_method="PO\"ST\\\n"} 1
# TYPE http_server_active_requests gauge
# HELP http_server_active_requests http.server.active_requests
http_server_active_requests -2
# TYPE process_cpu_utilization_ratio gauge
# HELP process_cpu_utilization_ratio a\\b\nc"
process_cpu_utilization_ratio{ratio="0.5"} 0.25
# TYPE bytes_bytes_total counter
# HELP bytes_bytes_total bytes_total
bytes_bytes_total 10
"#,
    );
    check(
        &r,
        Format::OpenMetrics,
        r#"# TYPE http_server_requests counter
# HELP http_server_requests Requests.
http_server_requests_total{http_request_method="GET",http_response_status_code="200"} 3
http_server_requests_total{http_request_method="PO\"ST\\\n"} 1
# TYPE http_server_active_requests gauge
# HELP http_server_active_requests http.server.active_requests
http_server_active_requests -2
# TYPE process_cpu_utilization_ratio gauge
# UNIT process_cpu_utilization_ratio ratio
# HELP process_cpu_utilization_ratio a\\b\nc\"
process_cpu_utilization_ratio{ratio="0.5"} 0.25
# TYPE bytes_bytes counter
# UNIT bytes_bytes bytes
# HELP bytes_bytes bytes_total
bytes_bytes_total 10
# EOF
"#,
    );
}

#[test]
fn histograms_are_cumulative() {
    let r = Registry::new();
    let h = r.meter("dext").histogram("http.server.request.duration").unit("s").boundaries(&[0.1, 1.0]).build();
    let b = h.bind(&[kv("route", "/a")]);
    for v in [0.05, 0.1, 0.5, 3.0] {
        b.record(v);
    }
    check(
        &r,
        Format::Text,
        r#"# TYPE http_server_request_duration_seconds histogram
# HELP http_server_request_duration_seconds http.server.request.duration
http_server_request_duration_seconds_bucket{route="/a",le="0.1"} 2
http_server_request_duration_seconds_bucket{route="/a",le="1.0"} 3
http_server_request_duration_seconds_bucket{route="/a",le="+Inf"} 4
http_server_request_duration_seconds_sum{route="/a"} 3.65
http_server_request_duration_seconds_count{route="/a"} 4
"#,
    );
}

#[test]
fn exponential_histograms_as_classic_buckets() {
    let r = Registry::new();
    let cfg = ExponentialConfig { scale: 0, min_exponent: -2, max_exponent: 4, max_size: 160 };
    let h = r.meter("dext").histogram("size").exponential(cfg).build();
    for v in [0.0, 1.5, 2.0, 7.0] {
        h.record(v, &[]);
    }
    // Buckets (1,2] holds 1.5 and 2; (4,8] holds 7; zero bucket up to 2^-2.
    check(
        &r,
        Format::Text,
        r#"# TYPE size histogram
# HELP size size
size_bucket{le="0.25"} 1
size_bucket{le="2.0"} 3
size_bucket{le="8.0"} 4
size_bucket{le="+Inf"} 4
size_sum 10.5
size_count 4
"#,
    );
}

#[test]
fn same_name_in_two_scopes_gets_a_scope_label() {
    let r = Registry::new();
    r.meter("a").counter("hits").build().add(1, &[]);
    r.meter("b").counter("hits").build().add(2, &[]);
    // A gauge of the same Prometheus name conflicts and is left out.
    r.meter("c").gauge("hits_total").build().set(1.0, &[]);
    check(
        &r,
        Format::Text,
        "# TYPE hits_total counter\n# HELP hits_total hits\nhits_total{otel_scope_name=\"a\"} 1\nhits_total{otel_scope_name=\"b\"} 2\n",
    );
}

#[test]
fn names_are_sanitized() {
    assert_eq!(sanitize("a.b-c/d", true), "a_b_c_d");
    assert_eq!(sanitize("a..b", true), "a_b");
    assert_eq!(sanitize("9lives", true), "_9lives");
    assert_eq!(sanitize("ns:metric", true), "ns:metric");
    assert_eq!(sanitize("ns:label", false), "ns_label");
    assert_eq!(unit_word("By/s", InstrumentKind::Gauge).as_deref(), Some("bytes_per_second"));
    assert_eq!(unit_word("{packet}", InstrumentKind::Counter), None);
    assert_eq!(unit_word("ms", InstrumentKind::Histogram).as_deref(), Some("milliseconds"));
    assert_eq!(unit_word("1", InstrumentKind::Counter), None);
    assert_eq!(Format::negotiate(b"application/openmetrics-text;version=1.0.0,text/plain;q=0.5"), Format::OpenMetrics);
    assert_eq!(Format::negotiate(b"text/plain"), Format::Text);
    assert_eq!(Format::negotiate(b""), Format::Text);
}
