//! Per-request telemetry by OTel's HTTP server semantic conventions: a server span named
//! `{method} {route}` (continuing the trace of an incoming `traceparent`, and current while
//! the handler runs, so that the handler's own spans and outgoing calls continue it), the
//! `http.server.request.duration` histogram and the `http.server.active_requests`
//! up-down counter.
//!
//! A request starts when its bytes were read and ends when its response is written: the
//! clock is read once per read and once per write of the connection, and the requests of a
//! pipelined batch share both readings. Per request, with metrics on and the span not
//! sampled: an add on this worker's cells, ids and the sampling decision; per run of requests
//! written together and answered alike (route, method, status), a subtract and one histogram
//! record through a per-worker cache of series (keyed by route, method and status: a hash and
//! a compare, no lock, no allocation once warm). A sampled request adds the span's
//! attributes and a clock read for its end.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

use dext_http::KnownHeader;
use dext_http::h1::RequestHead;
use dext_http::{Method, StatusCode};
use dext_telemetry::metrics::{BoundHistogram, BoundUpDownCounter, Histogram, Local, Registry};
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

/// Methods with a series of their own: the known ones and `_OTHER`.
const METHODS: usize = Method::ALL.len() + 1;

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
        unsent: &mut Unsent<'_>,
    ) {
        let start = *arrived.get_or_insert_with(clock::ticks);
        let method = head.method();
        if let Some(m) = &self.metrics {
            match Unsent::worker(&mut unsent.worker, self, m) {
                Some(w) => w.active[method as usize].add(1),
                None => m.active[method as usize].add(1),
            }
            // Not reached with one in flight: the connection ends each exchange first.
            if let Some(earlier) = unsent.in_flight.replace(method) {
                m.active[earlier as usize].add(-1);
            }
        }
        // Built where it stays (the connection's state), not moved there: a span moved right
        // after it is written is copied with loads wider than its stores, which the
        // processor cannot forward.
        if out.is_some() {
            // Not reached: the connection ends each exchange before the next begins.
            *out = None;
        }
        let ex = out.get_or_insert(Exchange { start, method, span: None });
        let Some(t) = &self.tracer else { return };
        // Known headers: found by the index the parser kept, not by a search.
        let parent = head.known(KnownHeader::Traceparent).and_then(|v| parse_traceparent(v).ok());
        let name = method_name(method);
        let mut trace_state = TraceState::EMPTY;
        if parent.is_some() {
            if let Some(ts) = head.known(KnownHeader::Tracestate).and_then(|v| TraceState::parse(v).ok()) {
                trace_state = ts;
            }
        }
        // Assigned, not inserted: the value goes straight to the slot, which holds no span.
        ex.span = Some(t.start_at(name, SpanKind::Server, parent.as_ref(), &trace_state, start));
        let Some(span) = &mut ex.span else { return };
        if span.is_recording() {
            describe_request(span, head, name);
        }
    }

    /// The response is encoded: the span ends, and the request waits in `unsent` for the
    /// write that sends its response, to stop being active and to have its duration.
    /// Inline: for most requests (no span recorded) this is a few stores.
    #[inline]
    pub(crate) fn end<'s>(
        &'s self,
        ex: &mut Exchange,
        route: Option<&'s str>,
        status: StatusCode,
        unsent: &mut Unsent<'s>,
    ) {
        if self.metrics.is_some() {
            unsent.in_flight = None;
            unsent.push(Answered { route, method: ex.method, status, start: ex.start });
        }
        // A span that does not record is left where it is, to go with the exchange.
        if ex.span.as_ref().is_some_and(Span::is_recording) {
            end_span(ex, route, status);
        }
    }

    /// Requests whose responses were written `now`: no longer active, and their durations
    /// recorded into the series of (route, method, status), found in this worker's front
    /// cache (bound on first sight).
    fn record(&self, m: &Metrics, worker: Option<&Worker>, answered: &[Answered<'_>], now: clock::Ticks) {
        // The scale is read once per batch. Durations in ticks fit an i64 (decades at any
        // counter rate): a signed conversion is one instruction, an unsigned one a few.
        let scale = clock::seconds_per_tick();
        let seconds = |a: &Answered<'_>| now.ticks_since(a.start) as i64 as f64 * scale;
        let recorded = worker.and_then(|w| Some((w, w.front.try_borrow_mut().ok()?))).map(|(w, mut front)| {
            for (a, n) in runs(answered) {
                let key = a.key();
                w.active[a.method as usize].add(-(n as i64));
                let slot = &mut front[key.slot()];
                match slot {
                    Some((k, h)) if *k == key => h.record_n(seconds(a), n),
                    _ => slot.insert((key, self.series(m, a, key).local())).1.record_n(seconds(a), n),
                }
            }
        });
        if recorded.is_none() {
            // Not this worker's instance, or the thread is exiting: the bound handles.
            for (a, n) in runs(answered) {
                let key = a.key();
                m.active[a.method as usize].add(-(n as i64));
                let known =
                    SERIES.try_with(|all| all.borrow().get(&(self.id, key)).map(|h| h.record_n(seconds(a), n))).ok();
                if known.flatten().is_none() {
                    self.series(m, a, key).record_n(seconds(a), n);
                }
            }
        }
    }

    /// This thread's state for this instance (made on its first request), shared with the
    /// connections that serve it; `None` when the thread's state belongs to another instance
    /// (a second server on the same workers, which records through its bound handles) or is
    /// gone (the thread is exiting).
    #[cold]
    fn worker(&self, m: &Metrics) -> Option<Rc<Worker>> {
        WORKER
            .try_with(|w| {
                let mut w = w.try_borrow_mut().ok()?;
                match &*w {
                    Some(w) if w.id == self.id => Some(w.clone()),
                    Some(_) => None,
                    None => Some(w.insert(Worker::new(self.id, m)).clone()),
                }
            })
            .ok()
            .flatten()
    }

    /// The bound series of (route, method, status), from this worker's map of every series
    /// it has recorded to (the front cache's backing), bound on first sight.
    #[cold]
    fn series(&self, m: &Metrics, a: &Answered<'_>, key: Key) -> BoundHistogram {
        let Answered { route, method, status, .. } = *a;
        let key = (self.id, key);
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

/// A recording server span's request attributes. Apart from `begin` (as
/// `describe_response` is from `end`) so that the path of the spans not sampled, most of
/// them, stays short.
#[inline(never)]
fn describe_request(span: &mut Span, head: &RequestHead<'_, '_>, method: &'static str) {
    span.set_static("http.request.method", method);
    span.set_attribute(kv("url.path", head.path()));
    span.set_static("url.scheme", "http");
    span.set_static("network.protocol.version", "1.1");
    if let Some(ua) = head.known(KnownHeader::UserAgent).and_then(|v| std::str::from_utf8(v).ok()) {
        span.set_attribute(kv("user_agent.original", ua));
    }
}

/// Ends an exchange's recording span: its response attributes, then its end time.
#[inline(never)]
fn end_span(ex: &mut Exchange, route: Option<&str>, status: StatusCode) {
    if let Some(mut span) = ex.span.take() {
        describe_response(&mut span, ex.method, route, status);
        span.end_at_ticks(clock::ticks());
    }
}

/// A recording server span's route, response status and name.
#[inline(never)]
fn describe_response(span: &mut Span, method: Method, route: Option<&str>, status: StatusCode) {
    let name = method_name(method);
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

/// A request answered: what its duration is recorded under, and when it started.
#[derive(Clone, Copy)]
pub(crate) struct Answered<'s> {
    route: Option<&'s str>,
    method: Method,
    status: StatusCode,
    start: clock::Ticks,
}

impl Answered<'_> {
    /// Its duration series' key.
    #[inline]
    fn key(&self) -> Key {
        Key {
            route: self.route.map_or(0, |r| r.as_ptr() as usize),
            rest: (u64::from(self.method as u8) << 16) | u64::from(self.status.as_u16()),
        }
    }
}

/// The runs of `answered`: requests read together (one start) and answered alike (one
/// key: route, method, status) have one duration, and a pipelined batch is recorded as one
/// run. Each run as its first request and its length.
fn runs<'a, 's>(answered: &'a [Answered<'s>]) -> Runs<'a, 's> {
    Runs(answered)
}

/// The iterator of [`runs`]: what is left.
struct Runs<'a, 's>(&'a [Answered<'s>]);

impl<'a, 's> Iterator for Runs<'a, 's> {
    type Item = (&'a Answered<'s>, u64);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let [a, more @ ..] = self.0 else { return None };
        let key = a.key();
        let n = 1 + more.iter().take_while(|b| b.start == a.start && b.key() == key).count();
        self.0 = &self.0[n..];
        Some((a, n as u64))
    }
}

/// How many answered requests a connection holds: past that, they are recorded before
/// their write (a clock read per this many, where one write answers more).
const UNSENT: usize = 16;

/// A connection's answered requests whose responses are not written yet. A request's
/// duration ends when the write that sends its response does ([`Unsent::settle`], after
/// each write): the requests of a pipelined batch, answered in one write, share one clock
/// reading, as they share one for their start. Dropped, it settles what it holds.
pub(crate) struct Unsent<'s> {
    tel: Option<&'s HttpTelemetry>,
    /// This thread's state for `tel`, asked for at the first request (then `Some`): its
    /// handles are reached from the connection, with no look-up of the thread's.
    worker: Option<Option<Rc<Worker>>>,
    /// The method of the request begun and not yet ended, if any: should the connection's
    /// task be dropped meanwhile (as at the end of a shutdown's grace), it stops being
    /// active when this is dropped.
    in_flight: Option<Method>,
    n: usize,
    answered: [Answered<'s>; UNSENT],
}

impl<'s> Unsent<'s> {
    /// None yet, for a connection of a server with `tel`.
    pub(crate) fn new(tel: Option<&'s HttpTelemetry>) -> Unsent<'s> {
        // The entries past `n` are placeholders, never read.
        let blank = Answered { route: None, method: Method::Other, status: StatusCode::OK, start: clock::Ticks::ZERO };
        Unsent { tel, worker: None, in_flight: None, n: 0, answered: [blank; UNSENT] }
    }

    /// This thread's state for `tel` (`HttpTelemetry::worker`), asked for once: `slot` is an
    /// `Unsent`'s `worker` (a field, so that the answered requests can be borrowed beside it).
    #[inline]
    fn worker<'w>(slot: &'w mut Option<Option<Rc<Worker>>>, tel: &HttpTelemetry, m: &Metrics) -> Option<&'w Worker> {
        slot.get_or_insert_with(|| tel.worker(m)).as_deref()
    }

    #[inline]
    fn push(&mut self, a: Answered<'s>) {
        if self.n == UNSENT {
            self.settle_all();
        }
        self.answered[self.n] = a;
        self.n += 1;
    }

    /// The responses of the requests held were written (or failed to be): records their
    /// durations, to now.
    #[inline]
    pub(crate) fn settle(&mut self) {
        if self.n != 0 {
            self.settle_all();
        }
    }

    fn settle_all(&mut self) {
        let n = std::mem::take(&mut self.n);
        if let Some((tel, m)) = self.tel.and_then(|t| Some((t, t.metrics.as_ref()?))) {
            let Unsent { worker, answered, .. } = self;
            tel.record(m, Unsent::worker(worker, tel, m), &answered[..n], clock::ticks());
        }
    }
}

impl Drop for Unsent<'_> {
    fn drop(&mut self) {
        self.settle();
        if let (Some(method), Some(m)) = (self.in_flight, self.tel.and_then(|t| t.metrics.as_ref())) {
            m.active[method as usize].add(-1);
        }
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

/// A duration series' key: the route pattern's address (0 for none), and the method and
/// status packed in one word.
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

/// A worker's handles for one instance, made on its first request and shared (`Rc`) by the
/// thread and its connections, which reach it without a thread-local look-up: the series as
/// this thread's handles (`Local`: their cells found once, so that a record is a store at a
/// known address, not a chain of look-ups that each miss the cache between two requests).
struct Worker {
    /// The instance (`HttpTelemetry::id`) these are for.
    id: u32,
    /// `http.server.active_requests`, by method (as `Metrics::active`), inline: one line
    /// fewer to fetch per request.
    active: [Local<BoundUpDownCounter>; METHODS],
    /// The duration series recorded to last, direct-mapped by key: a hit is a hash and one
    /// compare. A miss goes to `SERIES`.
    front: RefCell<Front>,
}

/// A worker's front cache of duration series: (key, series) by the key's slot.
type Front = [Option<(Key, Local<BoundHistogram>)>; FRONT_SLOTS];

impl Worker {
    fn new(id: u32, m: &Metrics) -> Rc<Worker> {
        Rc::new(Worker {
            id,
            active: std::array::from_fn(|i| m.active[i].local()),
            front: RefCell::new([const { None }; FRONT_SLOTS]),
        })
    }
}

thread_local! {
    /// This worker's handles for the first instance that served a request on it.
    static WORKER: RefCell<Option<Rc<Worker>>> = const { RefCell::new(None) };
    /// Every duration series this worker has recorded to, by instance and key.
    static SERIES: RefCell<HashMap<(u32, Key), BoundHistogram>> = RefCell::new(HashMap::new());
}

#[cfg(test)]
mod tests {
    use super::*;
    use dext_telemetry::metrics::{Point, PointValue, Snapshot};

    /// The points of `snap`'s family `name` that carry every attribute of `attrs` (key, value).
    fn points<'a>(snap: &'a Snapshot, name: &'a str, attrs: &'a [(&str, &str)]) -> impl Iterator<Item = &'a Point> {
        let has =
            |p: &Point, (k, v): &(&str, &str)| p.attributes().iter().any(|a| a.key == *k && a.value.to_string() == *v);
        snap.families
            .iter()
            .filter(move |f| f.name == name)
            .flat_map(|f| f.points.iter())
            .filter(move |p| attrs.iter().all(|a| has(p, a)))
    }

    /// `(count, active)` of `registry`'s duration series for `route` and its GET active count.
    fn counts(registry: &Registry, route: &str) -> (u64, i64) {
        let snap = registry.collect(std::time::SystemTime::now());
        let count = points(&snap, "http.server.request.duration", &[("http.route", route)])
            .map(|p| match &p.value {
                PointValue::Histogram(h) => h.count,
                _ => 0,
            })
            .sum();
        let active = points(&snap, "http.server.active_requests", &[("http.request.method", "GET")])
            .map(|p| match p.value {
                PointValue::UpDownCounter(v) => v,
                _ => 0,
            })
            .sum();
        (count, active)
    }

    #[test]
    fn runs_of_alike_requests_count_each_request() {
        // A write answering requests of two routes, two reads and two statuses: runs of
        // alike ones are recorded together, and every request is counted once.
        let r = Registry::new();
        let t = HttpTelemetry::new().with_metrics(&r);
        let m = t.metrics.as_ref().unwrap();
        let (a, b): (&'static str, &'static str) = ("/a", "/b");
        let first = clock::ticks();
        std::thread::sleep(std::time::Duration::from_millis(3));
        let second = clock::ticks();
        let answered = |route, status, start| Answered { route: Some(route), method: Method::Get, status, start };
        let batch = [
            answered(a, StatusCode::OK, first),
            answered(a, StatusCode::OK, first),
            answered(b, StatusCode::OK, first),
            answered(a, StatusCode::OK, first),
            answered(a, StatusCode::OK, second),
            answered(a, StatusCode::NOT_FOUND, second),
            answered(b, StatusCode::OK, second),
        ];
        m.active[Method::Get as usize].add(batch.len() as i64);
        let mut unsent = Unsent::new(Some(&t));
        for x in batch {
            unsent.push(x);
        }
        unsent.settle();
        let end = clock::ticks();
        assert_eq!(counts(&r, a), (5, 0));
        assert_eq!(counts(&r, b).0, 2);
        let snap = r.collect(std::time::SystemTime::now());
        // Each run has its own read's duration: three from the first read, one from the
        // second, 3 ms later.
        let duration = "http.server.request.duration";
        let ok_a = points(&snap, duration, &[("http.route", a), ("http.response.status_code", "200")])
            .map(|p| match &p.value {
                PointValue::Histogram(h) => h.sum,
                _ => 0.0,
            })
            .sum::<f64>();
        let upto = |t: clock::Ticks| end.nanos_since(t) as f64 * 1e-9;
        assert!(ok_a <= 3.0 * upto(first) + upto(second) + 1e-6, "{ok_a}");
        assert!(ok_a >= 3.0 * upto(first) - 1e-3, "{ok_a}");
        let not_found = points(&snap, duration, &[("http.response.status_code", "404")]).count();
        assert_eq!(not_found, 1);
    }

    #[test]
    fn a_second_instance_on_a_worker_records_through_its_bound_handles() {
        // Two servers' telemetry on one thread: the first takes the thread's worker state,
        // the second records through its bound handles (and a cache of them); both count.
        let (r1, r2) = (Registry::new(), Registry::new());
        let (t1, t2) = (HttpTelemetry::new().with_metrics(&r1), HttpTelemetry::new().with_metrics(&r2));
        let route: &'static str = "/a";
        for round in 1..=3u64 {
            for t in [&t1, &t2] {
                let m = t.metrics.as_ref().unwrap();
                m.active[Method::Get as usize].add(2);
                let mut unsent = Unsent::new(Some(t));
                for _ in 0..2 {
                    unsent.push(Answered {
                        route: Some(route),
                        method: Method::Get,
                        status: StatusCode::OK,
                        start: clock::ticks(),
                    });
                }
                unsent.settle();
            }
            assert_eq!(counts(&r1, route), (2 * round, 0));
            assert_eq!(counts(&r2, route), (2 * round, 0));
        }
    }
}
