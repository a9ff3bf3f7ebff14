//! Per-request telemetry by OTel's HTTP server semantic conventions: a server span named
//! `{method} {route}` (continuing the trace of an incoming `traceparent`, and current while
//! the handler runs, so that the handler's own spans and outgoing calls continue it), the
//! `http.server.request.duration` histogram and the `http.server.active_requests`
//! up-down counter.
//!
//! Per request, with metrics on and the span not sampled: two clock reads, an add and a
//! subtract on this worker's cells, one histogram record through a per-worker cache of
//! bound series (keyed by route, method and status: a look-up, no lock, no allocation once
//! warm), and the sampling decision. A sampled request adds the span's attributes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use dext_http::KnownHeader;
use dext_http::h1::RequestHead;
use dext_http::{Method, StatusCode};
use dext_telemetry::metrics::{BoundHistogram, BoundUpDownCounter, Histogram, Registry};
use dext_telemetry::trace::{
    Span, SpanContext, SpanKind, StatusCode as SpanStatus, TraceState, Tracer, parse_traceparent,
};
use dext_telemetry::{clock, kv};

/// What the server records about each request. Give it to `Builder::telemetry`.
#[derive(Clone, Default)]
pub struct HttpTelemetry {
    id: u32,
    tracer: Option<Tracer>,
    metrics: Option<Metrics>,
}

#[derive(Clone)]
struct Metrics {
    duration: Histogram,
    /// One bound series per method (`Method as usize`), the last for unknown methods.
    active: Vec<BoundUpDownCounter>,
}

/// OTel's `http.request.method`: the method, or `_OTHER` for one it does not know.
fn method_name(m: Method) -> &'static str {
    match m {
        Method::Other => "_OTHER",
        m => m.as_str(),
    }
}

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

impl HttpTelemetry {
    /// Records nothing until given a tracer or a registry.
    pub fn new() -> HttpTelemetry {
        HttpTelemetry { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), tracer: None, metrics: None }
    }

    /// Starts a server span per request with `tracer` (whose provider's sampler decides).
    pub fn with_tracer(mut self, tracer: Tracer) -> HttpTelemetry {
        self.tracer = Some(tracer);
        self
    }

    /// Records `http.server.request.duration` and `http.server.active_requests` in
    /// `registry` (scope `dext-server`).
    pub fn with_metrics(mut self, registry: &Registry) -> HttpTelemetry {
        let meter = registry.meter_with_version("dext-server", Some(env!("CARGO_PKG_VERSION")));
        let duration = meter
            .histogram("http.server.request.duration")
            .unit("s")
            .description("Duration of HTTP server requests.")
            .build();
        let active = meter
            .up_down_counter("http.server.active_requests")
            .unit("{request}")
            .description("Number of active HTTP server requests.")
            .build();
        let active = Method::ALL
            .iter()
            .chain([Method::Other].iter())
            .map(|&m| active.bind(&[kv("http.request.method", method_name(m)), kv("url.scheme", "http")]))
            .collect();
        self.metrics = Some(Metrics { duration, active });
        self
    }

    /// Whether anything is recorded.
    pub(crate) fn is_on(&self) -> bool {
        self.tracer.is_some() || self.metrics.is_some()
    }

    /// A request's head is complete: counts it active, starts its span. Its start is when
    /// its bytes arrived: `arrived`, the clock read once per read of the connection (so the
    /// requests of a pipelined batch share one reading, and a request that waited behind
    /// others in the buffer is charged that wait), taken now if this is the first request
    /// since the read.
    pub(crate) fn begin(
        &self,
        head: &RequestHead<'_, '_>,
        arrived: &mut Option<clock::Ticks>,
        out: &mut Option<Exchange>,
    ) {
        let start = *arrived.get_or_insert_with(clock::ticks);
        let method = head.method();
        if let Some(m) = &self.metrics {
            m.active[method as usize].add(1);
        }
        // Built where it stays (the connection's state), not moved there: a span moved right
        // after it is written is copied with loads wider than its stores, which the
        // processor cannot forward.
        let ex = out.insert(Exchange { start, method, span: None });
        let Some(t) = &self.tracer else { return };
        // Known headers: found by the index the parser kept, not by a search.
        let parent = head.known(KnownHeader::Traceparent).and_then(|v| parse_traceparent(v).ok());
        let name = method_name(method);
        let mut b = t.span(name).kind(SpanKind::Server).start_ticks(start);
        b = match &parent {
            Some(p) => b.parent(p),
            None => b.root(),
        };
        if parent.is_some() {
            if let Some(ts) = head.known(KnownHeader::Tracestate).and_then(|v| TraceState::parse(v).ok()) {
                b = b.trace_state(ts);
            }
        }
        let span = ex.span.insert(b.start());
        if span.is_recording() {
            span.set_static("http.request.method", name);
            span.set_attribute(kv("url.path", head.path()));
            span.set_static("url.scheme", "http");
            span.set_static("network.protocol.version", "1.1");
            if let Some(ua) = head.known(KnownHeader::UserAgent).and_then(|v| std::str::from_utf8(v).ok()) {
                span.set_attribute(kv("user_agent.original", ua));
            }
        }
    }

    /// The response is encoded: records the duration, ends the span.
    pub(crate) fn end(&self, ex: Exchange, route: Option<&str>, status: StatusCode) {
        let now = clock::ticks();
        if let Some(m) = &self.metrics {
            m.active[ex.method as usize].add(-1);
            let seconds = now.nanos_since(ex.start) as f64 * 1e-9;
            self.record(m, route, ex.method, status, seconds);
        }
        if let Some(mut span) = ex.span {
            if span.is_recording() {
                let name = method_name(ex.method);
                if let Some(r) = route {
                    span.update_name(&[name, " ", r]);
                    span.set_attribute(kv("http.route", r));
                }
                span.set_attribute(kv("http.response.status_code", status.as_u16()));
                if status.as_u16() >= 500 {
                    // Server spans: only 5xx are errors (4xx are the client's).
                    span.set_status(SpanStatus::Error, "");
                }
            }
            span.end_at_ticks(now);
        }
    }

    /// Records into the duration series of (route, method, status), found in this worker's
    /// cache (bound on first sight).
    #[inline]
    fn record(&self, m: &Metrics, route: Option<&str>, method: Method, status: StatusCode, seconds: f64) {
        let key = Key {
            route: route.map_or(0, |r| r.as_ptr() as usize),
            rest: (u64::from(self.id) << 32) | (u64::from(method as u8) << 16) | u64::from(status.as_u16()),
        };
        let recorded = FRONT.try_with(|front| {
            let mut front = front.try_borrow_mut().ok()?;
            let slot = &mut front[key.slot()];
            match slot {
                Some((k, h)) if *k == key => h.record(seconds),
                _ => slot.insert((key, self.series(m, route, method, status, key))).1.record(seconds),
            }
            Some(())
        });
        if recorded.ok().flatten().is_none() {
            // This thread's cache is gone (the thread is exiting): bind on the spot.
            self.series(m, route, method, status, key).record(seconds);
        }
    }

    /// The bound series of (route, method, status), from this worker's map of every series
    /// it has recorded to (the front cache's backing), bound on first sight.
    #[cold]
    fn series(&self, m: &Metrics, route: Option<&str>, method: Method, status: StatusCode, key: Key) -> BoundHistogram {
        let found = SERIES.try_with(|all| all.borrow().get(&key).cloned()).ok().flatten();
        if let Some(h) = found {
            return h;
        }
        let method_attr = kv("http.request.method", method_name(method));
        let status_attr = kv("http.response.status_code", status.as_u16());
        let h = match route {
            Some(r) => m.duration.bind(&[
                method_attr,
                status_attr,
                kv("http.route", r),
                kv("url.scheme", "http"),
                kv("network.protocol.version", "1.1"),
            ]),
            None => m.duration.bind(&[
                method_attr,
                status_attr,
                kv("url.scheme", "http"),
                kv("network.protocol.version", "1.1"),
            ]),
        };
        let _ = SERIES.try_with(|all| all.borrow_mut().insert(key, h.clone()));
        h
    }
}

/// A request between `begin` and `end`.
pub(crate) struct Exchange {
    start: clock::Ticks,
    method: Method,
    span: Option<Span>,
}

impl Exchange {
    /// The span's context, to make current while the handler runs.
    pub(crate) fn context(&self) -> Option<&SpanContext> {
        self.span.as_ref().map(Span::span_context)
    }
}

/// A duration series' key: the route pattern's address (0 for none), and the instance,
/// method and status packed in one word.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    route: usize,
    rest: u64,
}

/// Entries in a worker's front cache of duration series.
const FRONT_SLOTS: usize = 64;

impl Key {
    /// The key's front cache slot: the top bits of a multiplicative hash.
    #[inline]
    fn slot(self) -> usize {
        let h = (self.route as u64 ^ self.rest.rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> (64 - FRONT_SLOTS.trailing_zeros())) as usize
    }
}

type Front = [Option<(Key, BoundHistogram)>; FRONT_SLOTS];

thread_local! {
    /// The duration series this worker recorded to last, direct-mapped by key: a hit is a
    /// hash and one compare. A miss goes to `SERIES`.
    static FRONT: RefCell<Front> = const { RefCell::new([const { None }; FRONT_SLOTS]) };
    /// Every duration series this worker has recorded to, by key.
    static SERIES: RefCell<HashMap<Key, BoundHistogram>> = RefCell::new(HashMap::new());
}
