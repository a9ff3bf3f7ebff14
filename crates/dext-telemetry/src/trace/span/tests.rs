use super::*;
use crate::attr::{Value, kv};
use crate::trace::context::parse_traceparent;

fn serial() -> std::sync::MutexGuard<'static, ()> {
    crate::drain_turn()
}

/// The finished spans of `trace`, ordered by name (the queue does not keep an order).
fn finished(trace: TraceId) -> Vec<SpanData> {
    let mut out = Vec::new();
    drain_spans(usize::MAX, |s| {
        if s.context().trace_id == trace {
            out.push(s.clone());
        }
    });
    out.sort_by(|a, b| a.name().cmp(b.name()));
    out
}

fn tracer(sampler: Sampler) -> Tracer {
    TracerProvider::new(sampler).tracer("test", Some("1.0"))
}

#[test]
fn parents_children_and_the_current_span() {
    let _s = serial();
    let t = tracer(Sampler::AlwaysOn);
    let root = t.span("root").kind(SpanKind::Server).start();
    let rc = root.context();
    assert!(rc.is_valid() && rc.is_sampled() && rc.flags.is_random() && !rc.is_remote);
    let explicit = t.span("explicit").parent(&rc).start();
    let entered = root.enter();
    assert_eq!(current(), Some(rc));
    let implicit = t.span_parts(&["GET", " ", "/users/{id}"]).start();
    let detached = t.span("detached").root().start();
    drop(entered);
    assert_eq!(current(), None);
    let orphan = t.span("orphan").start();
    let (ec, ic, dc, oc) = (explicit.context(), implicit.context(), detached.context(), orphan.context());
    assert_eq!(ec.trace_id, rc.trace_id);
    assert_eq!(ic.trace_id, rc.trace_id);
    assert_ne!(dc.trace_id, rc.trace_id);
    assert_ne!(oc.trace_id, rc.trace_id);
    assert_ne!(ec.span_id, ic.span_id);
    implicit.end();
    explicit.end();
    root.end();
    let spans = finished(rc.trace_id);
    let names: Vec<&str> = spans.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["GET /users/{id}", "explicit", "root"], "sorted by name");
    assert_eq!(spans[0].parent_span_id(), rc.span_id);
    assert_eq!(spans[1].parent_span_id(), rc.span_id);
    assert_eq!(spans[2].parent_span_id(), SpanId::INVALID);
    assert_eq!(spans[2].kind(), SpanKind::Server);
    assert_eq!(spans[2].scope().name, "test");
    assert_eq!(spans[2].scope().version.as_deref(), Some("1.0"));
    let (start, end) = spans[2].times();
    assert!(start > 1_600_000_000_000_000_000 && end >= start, "{start} {end}");
    drop((detached, orphan));
    assert_eq!(finished(dc.trace_id).len(), 1);
}

#[test]
fn a_remote_parent_continues_its_trace() {
    let _s = serial();
    let t = tracer(Sampler::parent_based(Sampler::AlwaysOff));
    let remote = parse_traceparent(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    let ts = TraceState::parse(b"rojo=00f067aa0ba902b7").unwrap();
    let span = t.span("server").parent(&remote).trace_state(ts).start();
    let cx = span.context();
    assert_eq!(cx.trace_id, remote.trace_id);
    assert!(cx.is_sampled(), "a sampled parent samples its child");
    assert!(!cx.flags.is_random(), "the random flag is inherited, and the parent had none");
    span.end();
    let spans = finished(remote.trace_id);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].parent_span_id(), remote.span_id);
    assert_eq!(spans[0].trace_state(), "rojo=00f067aa0ba902b7");

    // An unsampled parent: the child is not recorded, not exported, and propagates
    // unsampled.
    let remote = parse_traceparent(b"00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b7-00").unwrap();
    let mut span = t.span("server").parent(&remote).start();
    span.set_attribute(kv("ignored", 1));
    assert!(!span.is_recording());
    assert!(span.context().is_valid() && !span.context().is_sampled());
    span.end();
    // No parent: the root sampler (always off) decides.
    let span = t.span("root").start();
    assert!(!span.is_recording());
    let root_trace = span.context().trace_id;
    span.end();
    assert!(finished(remote.trace_id).is_empty());
    assert!(finished(root_trace).is_empty());
}

#[test]
fn attributes_events_links_and_status() {
    let _s = serial();
    let t = tracer(Sampler::AlwaysOn);
    let mut span = t.span("work").start();
    let trace = span.context().trace_id;
    span.set_attributes(&[kv("a", 1), kv("b", "text"), kv("c", true), kv("d", 2.5)]);
    span.set_attribute(kv("a", 7));
    span.set_static("e", "static");
    for (i, key) in KEYS.iter().enumerate() {
        span.set_attribute(KeyValue { key, value: Value::I64(i as i64) });
    }
    span.add_event("first", &[kv("n", 1), kv("s", "x"), kv("dropped", 3)]);
    span.add_event("second", &[]);
    span.add_event("third", &[]);
    let other = t.span("other").root().start();
    span.add_link(&other.context());
    span.set_status(StatusCode::Error, "boom");
    span.end();
    let s = &finished(trace)[0];
    let attrs: Vec<_> = s.attributes().map(|a| (a.key, a.value.to_string())).collect();
    assert_eq!(attrs.len(), MAX_ATTRIBUTES);
    assert_eq!(
        &attrs[..5],
        &[
            ("a", "7".to_string()),
            ("b", "text".to_string()),
            ("c", "true".to_string()),
            ("d", "2.5".to_string()),
            ("e", "static".to_string()),
        ]
    );
    assert_eq!(s.dropped().0, 20 - (MAX_ATTRIBUTES as u16 - 5));
    let events: Vec<_> = s.events().map(|e| (e.name(), e.attributes().count())).collect();
    assert_eq!(events, [("first", 2), ("second", 0)]);
    let first = s.events().next().unwrap();
    assert_eq!(first.attributes().nth(1).unwrap().value, Value::Str("x"));
    assert!(first.time() >= s.times().0);
    assert_eq!(s.dropped().1, 1);
    assert_eq!(s.links(), &[other.context()]);
    assert_eq!(s.status(), (StatusCode::Error, "boom"));
    drop(other);

    // A rename keeps the rest.
    let mut span = t.span("GET").start();
    let trace = span.context().trace_id;
    span.set_attribute(kv("k", "v"));
    span.update_name(&["GET", " ", "/users/{id}"]);
    span.end();
    let s = &finished(trace)[0];
    assert_eq!(s.name(), "GET /users/{id}");
    assert_eq!(s.attributes().next().unwrap().value, Value::Str("v"));

    // Ok is final; Unset carries no description.
    let mut span = t.span("ok").start();
    let trace = span.context().trace_id;
    span.set_status(StatusCode::Ok, "ignored");
    span.set_status(StatusCode::Error, "too late");
    span.end_at(5);
    let s = &finished(trace)[0];
    assert_eq!(s.status(), (StatusCode::Ok, ""));
    assert_eq!(s.times().1, 5);
}

const KEYS: [&str; 20] = [
    "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17",
    "k18", "k19",
];

#[test]
fn long_text_is_cut_at_a_character_boundary() {
    let _s = serial();
    let t = tracer(Sampler::AlwaysOn);
    // 200 bytes of name, then a value of 'é's (2 bytes each) that cannot fit whole.
    let name = "n".repeat(200);
    let mut span = t.span(&name).start();
    let trace = span.context().trace_id;
    let long = "é".repeat(100);
    span.set_attribute(kv("long", long.as_str()));
    span.set_attribute(kv("after", "x"));
    span.end();
    let s = &finished(trace)[0];
    assert_eq!(s.name(), name);
    let v: Vec<_> = s.attributes().map(|a| a.value.to_string()).collect();
    assert_eq!(v[0], "é".repeat(28), "56 bytes were left");
    assert_eq!(v[1], "", "nothing left for the next string");
}

#[test]
fn a_full_pool_drops_and_counts() {
    let _s = serial();
    let before = dropped_spans();
    let t = tracer(Sampler::AlwaysOn);
    // A fresh thread has a pool of its own (or one handed on). Nothing drains meanwhile:
    // once every slot is taken, new spans are not recorded, and counted.
    let trace = std::thread::spawn(move || {
        let root = t.span("root").root().start();
        let cx = root.context();
        for _ in 0..POOL_CAPACITY + 100 {
            t.span("child").parent(&cx).start().end();
        }
        cx.trace_id
    })
    .join()
    .unwrap();
    let dropped = dropped_spans() - before;
    assert!(dropped >= 100, "dropped {dropped}");
    let kept = finished(trace).len() as u64;
    assert_eq!(kept + dropped, POOL_CAPACITY as u64 + 101, "every span kept or counted");
}

#[test]
fn a_task_carries_its_context_across_polls() {
    let _s = serial();
    let t = tracer(Sampler::AlwaysOn);
    let parent = t.span("task").root().start();
    let cx = parent.context();
    let mut yielded = false;
    let task = in_context(
        cx,
        std::future::poll_fn(|w| {
            if !yielded {
                yielded = true;
                w.waker().wake_by_ref();
                return std::task::Poll::Pending;
            }
            std::task::Poll::Ready(t.span("inner").start().context())
        }),
    );
    let mut task = std::pin::pin!(task);
    let waker = std::task::Waker::noop();
    let mut ctx = std::task::Context::from_waker(waker);
    assert!(task.as_mut().poll(&mut ctx).is_pending());
    // Between polls the context is not current.
    assert_eq!(current(), None);
    let std::task::Poll::Ready(inner) = task.as_mut().poll(&mut ctx) else { panic!() };
    assert_eq!(inner.trace_id, cx.trace_id);
    drop(parent);
    let spans = finished(cx.trace_id);
    assert_eq!(spans[0].name(), "inner");
    assert_eq!(spans[0].parent_span_id(), cx.span_id);
    assert_eq!(spans[1].name(), "task");
}

#[test]
fn a_ratio_sampler_samples_its_fraction_of_new_traces() {
    let _s = serial();
    let t = tracer(Sampler::parent_based(Sampler::ratio(0.1)));
    let reference = Sampler::ratio(0.1);
    let n = 100_000;
    let mut sampled = 0;
    for _ in 0..n {
        let s = t.span("r").root().start();
        sampled += usize::from(s.context().is_sampled());
        assert_eq!(s.is_recording(), s.context().is_sampled());
        // The tracer decides from the randomness it put into the id: the same decision as
        // a sampler reading it back from the id's bytes (as a child's sampler downstream).
        let id = s.context().trace_id;
        assert_eq!(s.context().is_sampled(), reference.decide(None, id).is_sampled(), "{id:?}");
        drop(s);
        let _ = drain_spans(usize::MAX, |_| {});
    }
    let share = sampled as f64 / n as f64;
    assert!((share - 0.1).abs() < 0.01, "sampled {share}");
}

#[test]
fn a_key_set_again_replaces_its_value_whatever_its_address() {
    let _s = serial();
    let t = tracer(Sampler::AlwaysOn);
    let mut span = t.span("keys").start();
    let trace = span.context().trace_id;
    // Same text at another address; and lengths 3 and 67 share a bit of the length filter.
    let copy: &'static str = Box::leak(String::from("abc").into_boxed_str());
    let long: &'static str = Box::leak("k".repeat(67).into_boxed_str());
    span.set_attribute(kv("abc", 1));
    span.set_attribute(kv(long, 2));
    span.set_attribute(kv("xyz", 3));
    span.set_attribute(kv(copy, 4));
    span.set_attribute(kv(long, 5));
    // Same length, first and last byte as `abc`, yet another key.
    span.set_attribute(kv("axc", 6));
    span.end();
    let s = &finished(trace)[0];
    let attrs: Vec<_> = s.attributes().map(|a| (a.key.len(), a.key.as_bytes()[1], a.value.to_string())).collect();
    let expected = [(3, b'b', "4"), (67, b'k', "5"), (3, b'y', "3"), (3, b'x', "6")];
    assert_eq!(attrs, expected.map(|(n, b, v)| (n, b, v.to_string())));
}

#[test]
fn the_current_context_is_kept_whole_and_restored() {
    let remote = parse_traceparent(b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03").unwrap();
    let local = SpanContext { is_remote: false, flags: TraceFlags(0), ..remote };
    assert_eq!(current(), None);
    {
        let _outer = enter(remote);
        assert_eq!(current(), Some(remote));
        {
            let _inner = enter(local);
            assert_eq!(current(), Some(local));
        }
        assert_eq!(current(), Some(remote));
    }
    assert_eq!(current(), None);
}
