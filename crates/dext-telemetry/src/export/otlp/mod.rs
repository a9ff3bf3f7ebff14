//! OTLP/protobuf encoding: spans, metrics and logs as the bodies of OTLP/HTTP requests
//! (`POST /v1/traces`, `/v1/metrics`, `/v1/logs`, `Content-Type: application/x-protobuf`).
//!
//! The messages are `prost` messages (`proto.rs`). Batches copy what they take from the
//! queues into owned messages: this runs on the exporter's thread, never on a request path.

pub mod proto;

use prost::Message;

use crate::attr::{KeyValue, Value};
use crate::log::LogData;
use crate::metrics::{Family, InstrumentKind, PointValue, Snapshot};
use crate::trace::{SpanContext, SpanData, SpanKind, StatusCode};

/// The `Content-Type` of OTLP/HTTP protobuf bodies.
pub const CONTENT_TYPE: &str = "application/x-protobuf";
/// The paths of the three signals.
pub const TRACES_PATH: &str = "/v1/traces";
/// See [`TRACES_PATH`].
pub const METRICS_PATH: &str = "/v1/metrics";
/// See [`TRACES_PATH`].
pub const LOGS_PATH: &str = "/v1/logs";

fn any(v: Value<'_>) -> proto::AnyValue {
    use proto::any_value::Value as V;
    proto::AnyValue {
        value: Some(match v {
            Value::Bool(b) => V::BoolValue(b),
            Value::I64(i) => V::IntValue(i),
            Value::F64(f) => V::DoubleValue(f),
            Value::Str(s) => V::StringValue(s.into()),
        }),
    }
}

fn kv(a: KeyValue<'_>) -> proto::KeyValue {
    proto::KeyValue { key: a.key.into(), value: Some(any(a.value)) }
}

fn kvs<'a>(attrs: impl Iterator<Item = KeyValue<'a>>) -> Vec<proto::KeyValue> {
    attrs.map(kv).collect()
}

/// The group of `groups` whose scope is (`name`, `version`), made by `make` when there is
/// none yet: how spans, log records and metrics are gathered by instrumentation scope.
fn group<'g, G>(
    groups: &'g mut Vec<G>,
    scope_of: impl Fn(&G) -> &Option<proto::InstrumentationScope>,
    name: &str,
    version: &str,
    make: impl FnOnce(Option<proto::InstrumentationScope>) -> G,
) -> &'g mut G {
    let found =
        groups.iter().position(|g| scope_of(g).as_ref().is_some_and(|s| s.name == name && s.version == version));
    let i = found.unwrap_or_else(|| {
        groups.push(make(Some(proto::InstrumentationScope { name: name.into(), version: version.into() })));
        groups.len() - 1
    });
    &mut groups[i]
}

/// The resource: the attributes of the process that sends (`service.name`, ...).
#[derive(Clone, Debug, Default)]
pub struct Resource(proto::Resource);

impl Resource {
    /// A resource of `attrs`.
    pub fn new(attrs: &[KeyValue<'_>]) -> Resource {
        Resource(proto::Resource { attributes: kvs(attrs.iter().copied()) })
    }
}

fn span_kind(k: SpanKind) -> i32 {
    match k {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

/// OTLP span flags: the W3C flags in bits 0-7, bit 8 "has is_remote", bit 9 "is remote".
fn span_flags(cx: &SpanContext) -> u32 {
    u32::from(cx.flags.0) | 0x100 | if cx.is_remote { 0x200 } else { 0 }
}

/// A batch of one signal's queued items: what an exporter drains into and sends.
pub trait Batch: Default {
    /// The OTLP/HTTP path of the signal.
    const PATH: &'static str;

    /// Moves up to `max` items from the signal's queue into the batch; how many.
    fn drain(&mut self, max: usize) -> usize;

    /// The request body, appended to `out`; the batch is emptied.
    fn encode(&mut self, resource: &Resource, out: &mut Vec<u8>);
}

impl Batch for SpanBatch {
    const PATH: &'static str = TRACES_PATH;

    fn drain(&mut self, max: usize) -> usize {
        crate::trace::drain_spans(max, |s| self.push(s))
    }

    fn encode(&mut self, resource: &Resource, out: &mut Vec<u8>) {
        SpanBatch::encode(self, resource, out);
    }
}

impl Batch for LogBatch {
    const PATH: &'static str = LOGS_PATH;

    fn drain(&mut self, max: usize) -> usize {
        crate::log::drain_logs(max, |d| self.push(d))
    }

    fn encode(&mut self, resource: &Resource, out: &mut Vec<u8>) {
        LogBatch::encode(self, resource, out);
    }
}

/// Spans gathered for one export request, grouped by scope.
#[derive(Default)]
pub struct SpanBatch {
    scopes: Vec<proto::ScopeSpans>,
    len: usize,
}

impl SpanBatch {
    /// Adds a finished span.
    pub fn push(&mut self, s: &SpanData) {
        let scope = s.scope();
        let cx = s.context();
        let (start, end) = s.times();
        let (status, message) = s.status();
        let (dropped_attrs, dropped_events, dropped_links) = s.dropped();
        let parent = s.parent_span_id();
        let span = proto::Span {
            trace_id: cx.trace_id.0.to_vec(),
            span_id: cx.span_id.0.to_vec(),
            trace_state: s.trace_state().into(),
            parent_span_id: if parent.is_valid() { parent.0.to_vec() } else { Vec::new() },
            flags: span_flags(cx),
            name: s.name().into(),
            kind: span_kind(s.kind()),
            start_time_unix_nano: start,
            end_time_unix_nano: end,
            attributes: kvs(s.attributes()),
            dropped_attributes_count: u32::from(dropped_attrs),
            events: s
                .events()
                .map(|e| proto::Event {
                    time_unix_nano: e.time(),
                    name: e.name().into(),
                    attributes: kvs(e.attributes()),
                })
                .collect(),
            dropped_events_count: u32::from(dropped_events),
            links: s
                .links()
                .iter()
                .map(|l| proto::Link {
                    trace_id: l.trace_id.0.to_vec(),
                    span_id: l.span_id.0.to_vec(),
                    flags: span_flags(l),
                })
                .collect(),
            dropped_links_count: u32::from(dropped_links),
            status: match status {
                StatusCode::Unset => None,
                StatusCode::Ok => Some(proto::Status { message: String::new(), code: 1 }),
                StatusCode::Error => Some(proto::Status { message: message.into(), code: 2 }),
            },
        };
        let version = scope.version.as_deref().unwrap_or("");
        group(
            &mut self.scopes,
            |x| &x.scope,
            &scope.name,
            version,
            |scope| proto::ScopeSpans { scope, spans: Vec::new() },
        )
        .spans
        .push(span);
        self.len += 1;
    }

    /// How many spans it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The request body (`ExportTraceServiceRequest`), appended to `out`; the batch is
    /// emptied.
    pub fn encode(&mut self, resource: &Resource, out: &mut Vec<u8>) {
        let req = proto::ExportTraceServiceRequest {
            resource_spans: vec![proto::ResourceSpans {
                resource: Some(resource.0.clone()),
                scope_spans: std::mem::take(&mut self.scopes),
            }],
        };
        self.len = 0;
        // Encoding into a `Vec` cannot run out of room.
        let _ = req.encode(out);
    }
}

/// Log records gathered for one export request, grouped by target (as the scope).
#[derive(Default)]
pub struct LogBatch {
    scopes: Vec<proto::ScopeLogs>,
    len: usize,
}

impl LogBatch {
    /// Adds a queued record.
    pub fn push(&mut self, d: &LogData) {
        let (trace_id, span_id) = d.span();
        let rec = proto::LogRecord {
            time_unix_nano: d.time(),
            observed_time_unix_nano: d.time(),
            severity_number: d.level().severity_number(),
            severity_text: d.level().as_str().into(),
            body: Some(any(Value::Str(d.message()))),
            attributes: kvs(d.fields()),
            dropped_attributes_count: u32::from(d.dropped_fields()),
            flags: 0,
            trace_id: if trace_id.is_valid() { trace_id.0.to_vec() } else { Vec::new() },
            span_id: if span_id.is_valid() { span_id.0.to_vec() } else { Vec::new() },
        };
        group(
            &mut self.scopes,
            |x| &x.scope,
            d.target(),
            "",
            |scope| proto::ScopeLogs { scope, log_records: Vec::new() },
        )
        .log_records
        .push(rec);
        self.len += 1;
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The request body (`ExportLogsServiceRequest`), appended to `out`; the batch is
    /// emptied.
    pub fn encode(&mut self, resource: &Resource, out: &mut Vec<u8>) {
        let req = proto::ExportLogsServiceRequest {
            resource_logs: vec![proto::ResourceLogs {
                resource: Some(resource.0.clone()),
                scope_logs: std::mem::take(&mut self.scopes),
            }],
        };
        self.len = 0;
        let _ = req.encode(out);
    }
}

/// The request body (`ExportMetricsServiceRequest`) of a metrics snapshot, appended to
/// `out`. Sums and histograms are cumulative from the registry's start.
pub fn encode_metrics(snapshot: &Snapshot, resource: &Resource, out: &mut Vec<u8>) {
    let nanos = |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let (start, time) = (nanos(snapshot.start), nanos(snapshot.time));
    let mut scopes: Vec<proto::ScopeMetrics> = Vec::new();
    for f in &snapshot.families {
        let metric = metric(f, start, time);
        let version = f.scope.version.as_deref().unwrap_or("");
        group(
            &mut scopes,
            |x| &x.scope,
            &f.scope.name,
            version,
            |scope| proto::ScopeMetrics { scope, metrics: Vec::new() },
        )
        .metrics
        .push(metric);
    }
    let req = proto::ExportMetricsServiceRequest {
        resource_metrics: vec![proto::ResourceMetrics { resource: Some(resource.0.clone()), scope_metrics: scopes }],
    };
    let _ = req.encode(out);
}

fn metric(f: &Family, start: u64, time: u64) -> proto::Metric {
    use proto::metric::Data;
    use proto::number_data_point::Value as N;
    let number = |attrs, v| proto::NumberDataPoint {
        attributes: attrs,
        start_time_unix_nano: start,
        time_unix_nano: time,
        value: Some(v),
    };
    let mut numbers = Vec::new();
    let mut histograms = Vec::new();
    let mut exponentials = Vec::new();
    for p in &f.points {
        let attrs = kvs(p.attributes().iter());
        match &p.value {
            PointValue::Counter(v) => numbers.push(number(attrs, N::AsInt(*v as i64))),
            PointValue::UpDownCounter(v) => numbers.push(number(attrs, N::AsInt(*v))),
            PointValue::Gauge(v) => numbers.push(number(attrs, N::AsDouble(*v))),
            PointValue::Histogram(h) => histograms.push(proto::HistogramDataPoint {
                attributes: attrs,
                start_time_unix_nano: start,
                time_unix_nano: time,
                count: h.count,
                sum: Some(h.sum),
                bucket_counts: h.counts.clone(),
                explicit_bounds: h.bounds.to_vec(),
            }),
            PointValue::Exponential(e) => exponentials.push(proto::ExponentialHistogramDataPoint {
                attributes: attrs,
                start_time_unix_nano: start,
                time_unix_nano: time,
                count: e.count,
                sum: Some(e.sum),
                scale: e.scale,
                zero_count: e.zero_count,
                positive: Some(proto::Buckets { offset: e.offset, bucket_counts: e.counts.clone() }),
                zero_threshold: e.zero_threshold,
            }),
        }
    }
    let data = match f.kind {
        InstrumentKind::Counter => Data::Sum(proto::Sum {
            data_points: numbers,
            aggregation_temporality: proto::CUMULATIVE,
            is_monotonic: true,
        }),
        InstrumentKind::UpDownCounter => Data::Sum(proto::Sum {
            data_points: numbers,
            aggregation_temporality: proto::CUMULATIVE,
            is_monotonic: false,
        }),
        InstrumentKind::Gauge | InstrumentKind::ObservableGauge => Data::Gauge(proto::Gauge { data_points: numbers }),
        InstrumentKind::Histogram => {
            Data::Histogram(proto::Histogram { data_points: histograms, aggregation_temporality: proto::CUMULATIVE })
        }
        InstrumentKind::ExponentialHistogram => Data::ExponentialHistogram(proto::ExponentialHistogram {
            data_points: exponentials,
            aggregation_temporality: proto::CUMULATIVE,
        }),
    };
    proto::Metric { name: f.name.clone(), description: f.description.clone(), unit: f.unit.clone(), data: Some(data) }
}

#[cfg(test)]
mod tests;
