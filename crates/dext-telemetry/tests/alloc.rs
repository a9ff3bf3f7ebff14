//! Recording allocates nothing in steady state: bound counters, up-down counters, gauges
//! and histograms (explicit and exponential), counted by a counting global allocator over
//! many records on threads that have recorded before.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use dext_telemetry::kv;
use dext_telemetry::metrics::{ExponentialConfig, Registry};
use dext_telemetry::trace::{TraceState, parse_traceparent};

struct Counting;

thread_local! {
    /// Allocations made by this thread while counting is on.
    static COUNT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note() {
    // `try_with`: the allocator may run while thread-locals are torn down.
    let _ = COUNT.try_with(|c| {
        if let Some(n) = c.get() {
            c.set(Some(n + 1));
        }
    });
}

// SAFETY: forwards every call to the system allocator unchanged; counting touches no heap.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations `f` makes on this thread.
fn count(f: impl FnOnce()) -> usize {
    COUNT.with(|c| c.set(Some(0)));
    f();
    COUNT.with(|c| c.replace(None)).unwrap_or(0)
}

#[test]
fn recording_allocates_nothing() {
    let r = Registry::new();
    let m = r.meter("alloc");
    let counter = m.counter("c").build().bind(&[kv("method", "GET"), kv("status", 200)]);
    let updown = m.up_down_counter("u").build().bind(&[kv("a", true)]);
    let gauge = m.gauge("g").build().bind(&[]);
    let hist = m.histogram("h").unit("s").build().bind(&[kv("route", "/users/{id}")]);
    let exp = m.histogram("e").exponential(ExponentialConfig::default()).build().bind(&[]);
    let record = |i: u64| {
        counter.add(1);
        updown.add(if i % 2 == 0 { 1 } else { -1 });
        gauge.set(i as f64);
        hist.record(i as f64 * 1e-4);
        exp.record(i as f64 * 1e-4);
    };
    let threads = 2;
    let n = 100_000;
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                // The first record of a thread takes its shard and chunk: not steady state.
                record(1);
                let allocs = count(|| (0..n).for_each(record));
                assert_eq!(allocs, 0, "{allocs} allocations in {n} rounds of records");
            });
        }
    });
    // And the records arrived.
    let snap = r.collect(std::time::SystemTime::now());
    let total = snap.families[0].points[0].value.clone();
    assert_eq!(total, dext_telemetry::metrics::PointValue::Counter(threads * (n + 1)));
}

#[test]
fn trace_context_parsing_allocates_nothing() {
    let tp = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let ts = b"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,a@b=c d";
    let mut members = 0;
    let allocs = count(|| {
        for _ in 0..10_000 {
            assert!(parse_traceparent(tp).unwrap().is_sampled());
            members += TraceState::parse(ts).unwrap().members().count();
        }
    });
    assert_eq!(allocs, 0);
    assert_eq!(members, 30_000);
}

#[test]
fn sampled_spans_allocate_nothing() {
    use dext_telemetry::trace::{Sampler, SpanKind, TracerProvider, drain_spans};
    let tracer = TracerProvider::new(Sampler::AlwaysOn).tracer("alloc", None);
    let route = String::from("/users/{id}");
    let one = |i: i64| {
        let mut span = tracer.span_parts(&["GET", " ", &route]).kind(SpanKind::Server).start();
        span.set_attributes(&[
            kv("http.request.method", "GET"),
            kv("http.route", route.as_str()),
            kv("http.response.status_code", 200),
            kv("n", i),
        ]);
        span.end();
    };
    // Warm up: this thread's ring is taken on its first span.
    one(0);
    let (mut seen, mut ok) = (0, true);
    let mut drain = || {
        drain_spans(usize::MAX, |s| {
            if s.name() == "GET /users/{id}" {
                seen += 1;
                ok &= s.attributes().count() == 4;
            }
        })
    };
    let allocs = count(|| {
        for i in 0..10_000 {
            one(i);
            if i % 1000 == 0 {
                drain();
            }
        }
        drain();
    });
    assert_eq!(allocs, 0);
    assert!(ok);
    // The other tests of this binary start no spans of this name.
    assert_eq!(seen, 10_001);
}

#[test]
fn enabled_log_calls_allocate_nothing() {
    use dext_telemetry::log::{Filter, QueueSink, drain_logs};
    dext_telemetry::log::init(Filter::parse("info").unwrap(), &QueueSink);
    let route = String::from("/users/{id}");
    let one = |i: i64| {
        dext_telemetry::info!("request {} done", i; method = "GET", route = route.as_str(), status = 200);
    };
    one(0);
    let mut seen = 0;
    let mut drain = || drain_logs(usize::MAX, |d| seen += usize::from(d.fields().count() == 3));
    let allocs = count(|| {
        for i in 0..10_000 {
            one(i);
            if i % 500 == 0 {
                drain();
            }
        }
        drain();
    });
    assert_eq!(allocs, 0);
    assert_eq!(seen, 10_001);
}
