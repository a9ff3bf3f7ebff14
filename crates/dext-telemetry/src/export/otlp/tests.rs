use super::*;
use crate::attr::kv;
use crate::metrics::Registry;
use crate::trace::{Sampler, TraceId, TracerProvider, drain_spans};

fn string(v: &Option<proto::AnyValue>) -> Option<&str> {
    match v.as_ref()?.value.as_ref()? {
        proto::any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

#[test]
fn spans_encode_as_otlp() {
    let _turn = crate::drain_turn();
    let tracer = TracerProvider::new(Sampler::AlwaysOn).tracer("otlp-test", Some("2.0"));
    let mut root = tracer.span("GET /items/{id}").kind(SpanKind::Server).root().start();
    root.set_attributes(&[kv("http.request.method", "GET"), kv("http.response.status_code", 503)]);
    root.set_status(StatusCode::Error, "unavailable");
    let cx = root.context();
    tracer.span("child").parent(&cx).start().end();
    root.end();
    let mut batch = SpanBatch::default();
    drain_spans(usize::MAX, |s| {
        if s.context().trace_id == cx.trace_id {
            batch.push(s);
        }
    });
    assert_eq!(batch.len(), 2);
    let mut body = Vec::new();
    batch.encode(&Resource::new(&[kv("service.name", "dext-test")]), &mut body);
    assert!(batch.is_empty());
    let req = proto::ExportTraceServiceRequest::decode(&body[..]).unwrap();
    let rs = &req.resource_spans[0];
    assert_eq!(rs.resource.as_ref().unwrap().attributes[0].key, "service.name");
    let ss = &rs.scope_spans[0];
    assert_eq!(ss.scope.as_ref().unwrap().name, "otlp-test");
    assert_eq!(ss.scope.as_ref().unwrap().version, "2.0");
    let root = ss.spans.iter().find(|s| s.name == "GET /items/{id}").unwrap();
    let child = ss.spans.iter().find(|s| s.name == "child").unwrap();
    assert_eq!(root.trace_id, cx.trace_id.0);
    assert_eq!(root.span_id, cx.span_id.0);
    assert!(root.parent_span_id.is_empty());
    assert_eq!(child.parent_span_id, cx.span_id.0);
    assert_eq!(child.trace_id, cx.trace_id.0);
    assert_eq!(root.kind, 2);
    assert_eq!(child.kind, 1);
    // Sampled and random W3C flags, and "is_remote is known, and false".
    assert_eq!(root.flags, 0x103);
    assert_eq!(root.attributes[0].key, "http.request.method");
    assert_eq!(string(&root.attributes[0].value), Some("GET"));
    assert_eq!(root.attributes[1].value.as_ref().unwrap().value, Some(proto::any_value::Value::IntValue(503)));
    assert_eq!(root.status, Some(proto::Status { message: "unavailable".into(), code: 2 }));
    assert!(root.end_time_unix_nano >= root.start_time_unix_nano && root.start_time_unix_nano > 0);
    assert_eq!(TraceId(root.trace_id[..].try_into().unwrap()), cx.trace_id);
}

#[test]
fn metrics_encode_as_otlp() {
    let r = Registry::new();
    let m = r.meter("otlp-metrics");
    m.counter("requests").unit("{request}").build().add(5, &[kv("route", "/a")]);
    m.up_down_counter("active").build().add(-2, &[]);
    m.gauge("temp").build().set(21.5, &[]);
    let h = m.histogram("latency").unit("s").boundaries(&[0.1, 1.0]).build();
    for v in [0.05, 0.5, 5.0] {
        h.record(v, &[]);
    }
    let e = m.histogram("sizes").exponential(Default::default()).build();
    e.record(3.0, &[]);
    let snap = r.collect(std::time::UNIX_EPOCH + std::time::Duration::from_secs(100));
    let mut body = Vec::new();
    encode_metrics(&snap, &Resource::default(), &mut body);
    let req = proto::ExportMetricsServiceRequest::decode(&body[..]).unwrap();
    let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
    use proto::metric::Data;
    use proto::number_data_point::Value as N;
    let by = |n: &str| metrics.iter().find(|m| m.name == n).and_then(|m| m.data.clone()).unwrap();
    let Data::Sum(s) = by("requests") else { panic!() };
    assert!(s.is_monotonic && s.aggregation_temporality == proto::CUMULATIVE);
    assert_eq!(s.data_points[0].value, Some(N::AsInt(5)));
    assert_eq!(s.data_points[0].time_unix_nano, 100_000_000_000);
    assert_eq!(s.data_points[0].attributes[0].key, "route");
    let Data::Sum(s) = by("active") else { panic!() };
    assert!(!s.is_monotonic);
    assert_eq!(s.data_points[0].value, Some(N::AsInt(-2)));
    let Data::Gauge(g) = by("temp") else { panic!() };
    assert_eq!(g.data_points[0].value, Some(N::AsDouble(21.5)));
    let Data::Histogram(h) = by("latency") else { panic!() };
    let p = &h.data_points[0];
    assert_eq!(
        (p.count, p.sum, &p.bucket_counts[..], &p.explicit_bounds[..]),
        (3, Some(5.55), &[1, 1, 1][..], &[0.1, 1.0][..])
    );
    let Data::ExponentialHistogram(x) = by("sizes") else { panic!() };
    let p = &x.data_points[0];
    assert_eq!(p.count, 1);
    let b = p.positive.as_ref().unwrap();
    // 3.0 at scale 3: log2(3) × 8 = 12.68 → bucket 12.
    assert_eq!((p.scale, b.offset, &b.bucket_counts[..]), (3, 12, &[1][..]));
}
