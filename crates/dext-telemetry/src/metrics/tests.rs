use super::*;
use crate::attr::{OwnedValue, kv};
use std::time::{Duration, UNIX_EPOCH};

fn snapshot(r: &Registry) -> Snapshot {
    r.collect(UNIX_EPOCH + Duration::from_secs(2))
}

fn points<'s>(s: &'s Snapshot, name: &str) -> Vec<&'s Point> {
    s.families.iter().filter(|f| f.name == name).flat_map(|f| f.points.iter()).collect()
}

fn attrs(p: &Point) -> Vec<(&'static str, OwnedValue)> {
    p.attributes().iter().map(|a| (a.key, a.value.into())).collect()
}

#[test]
fn counters_sum_over_threads_and_series() {
    let r = Registry::new();
    let m = r.meter("test");
    let c = m.counter("requests").unit("{request}").build();
    let get = c.bind(&[kv("method", "GET")]);
    let post = c.bind(&[kv("method", "POST"), kv("status", 200)]);
    // Binding the same set again (in another order) is the same series.
    let post2 = c.bind(&[kv("status", 200), kv("method", "POST")]);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..25_000 {
                    get.add(1);
                    post2.add(2);
                }
            });
        }
    });
    post.add(5);
    c.add(7, &[kv("method", "GET")]);
    let snap = snapshot(&r);
    let ps = points(&snap, "requests");
    assert_eq!(ps.len(), 2);
    assert_eq!(attrs(ps[0]), vec![("method", OwnedValue::Str("GET".into()))]);
    assert_eq!(ps[0].value, PointValue::Counter(100_007));
    assert_eq!(attrs(ps[1]), vec![("method", OwnedValue::Str("POST".into())), ("status", OwnedValue::I64(200))]);
    assert_eq!(ps[1].value, PointValue::Counter(200_005));
    assert_eq!(snap.time, UNIX_EPOCH + Duration::from_secs(2));
}

#[test]
fn up_down_counters_and_gauges() {
    let r = Registry::new();
    let m = r.meter("test");
    let active = m.up_down_counter("active").build().bind(&[]);
    let g = m.gauge("temperature").build();
    let bg = g.bind(&[kv("room", "a")]);
    for _ in 0..10 {
        active.add(1);
    }
    active.add(-13);
    bg.set(21.5);
    bg.set(19.25);
    g.set(-4.0, &[kv("room", "b")]);
    let snap = snapshot(&r);
    assert_eq!(points(&snap, "active")[0].value, PointValue::UpDownCounter(-3));
    let t = points(&snap, "temperature");
    assert_eq!(t[0].value, PointValue::Gauge(19.25));
    assert_eq!(t[1].value, PointValue::Gauge(-4.0));
}

#[test]
fn observable_gauges_are_read_at_collection() {
    let r = Registry::new();
    let n = Arc::new(AtomicU64::new(3));
    let n2 = n.clone();
    r.meter("test").observable_gauge("queue", "queued items", "{item}", move |o| {
        o.observe(n2.load(Relaxed) as f64, &[kv("q", "x")]);
    });
    assert_eq!(points(&snapshot(&r), "queue")[0].value, PointValue::Gauge(3.0));
    n.store(9, Relaxed);
    let snap = snapshot(&r);
    let p = points(&snap, "queue");
    assert_eq!(p[0].value, PointValue::Gauge(9.0));
    assert_eq!(attrs(p[0]), vec![("q", OwnedValue::Str("x".into()))]);
}

#[test]
fn explicit_histograms_count_and_sum() {
    let r = Registry::new();
    let h = r.meter("test").histogram("latency").unit("s").build().bind(&[]);
    let values = [0.001, 0.005, 0.007, 0.3, 0.3, 12.0, f64::NAN, -1.0];
    for v in values {
        h.record(v);
    }
    let snap = snapshot(&r);
    let PointValue::Histogram(p) = &points(&snap, "latency")[0].value else { panic!() };
    assert_eq!(&*p.bounds, HTTP_DURATION_SECONDS);
    let mut want = vec![0u64; 15];
    want[0] = 3; // -1, 0.001, 0.005
    want[1] = 1; // 0.007
    want[7] = 2; // 0.3 in (0.25, 0.5]
    want[14] = 1; // 12 above 10
    assert_eq!(p.counts, want);
    assert_eq!(p.count, 7, "NaN is not recorded");
    assert!((p.sum - (0.001 + 0.005 + 0.007 + 0.6 + 12.0 - 1.0)).abs() < 1e-12);
    // Custom boundaries; invalid ones are refused.
    let h2 = r.meter("test").histogram("sizes").boundaries(&[10.0, 100.0]).build();
    h2.record(50.0, &[]);
    let many: Vec<f64> = (0..=MAX_BOUNDARIES).map(|i| i as f64).collect();
    let h4 = r.meter("test").histogram("too-many").boundaries(&many).build();
    h4.record(1.0, &[]);
    let h3 = r.meter("test").histogram("bad").boundaries(&[2.0, 1.0]).build();
    h3.record(50.0, &[]);
    let snap = snapshot(&r);
    let PointValue::Histogram(p) = &points(&snap, "sizes")[0].value else { panic!() };
    assert_eq!(p.counts, vec![0, 1, 0]);
    let PointValue::Histogram(p) = &points(&snap, "bad")[0].value else { panic!() };
    assert_eq!(p.counts.len(), HTTP_DURATION_SECONDS.len() + 1);
    let PointValue::Histogram(p) = &points(&snap, "too-many")[0].value else { panic!() };
    assert_eq!(p.counts.len(), HTTP_DURATION_SECONDS.len() + 1, "1,001 boundaries refused");
}

#[test]
fn local_handles_record_what_bound_handles_do() {
    let r = Registry::new();
    let m = r.meter("test");
    let c = m.counter("c").build().bind(&[]);
    let u = m.up_down_counter("u").build().bind(&[]);
    let h = m.histogram("h").build().bind(&[]);
    let cfg = ExponentialConfig { scale: 2, min_exponent: -4, max_exponent: 4, max_size: 160 };
    let e = m.histogram("e").exponential(cfg).build().bind(&[]);
    let values = [0.001, 0.005, 0.007, 0.3, 12.0, f64::NAN, 0.0, 3.5];
    // The same records through local handles on two threads, and through the bound ones.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let (lc, lu, lh, le) = (c.local(), u.local(), h.local(), e.local());
                for _ in 0..1000 {
                    lc.add(3);
                    lu.add(2);
                    lu.add(-1);
                    for v in values {
                        lh.record(v);
                        le.record(v);
                    }
                }
            });
        }
    });
    let r2 = Registry::new();
    let m2 = r2.meter("test");
    let (c2, u2, h2) = (
        m2.counter("c").build().bind(&[]),
        m2.up_down_counter("u").build().bind(&[]),
        m2.histogram("h").build().bind(&[]),
    );
    let e2 = m2.histogram("e").exponential(cfg).build().bind(&[]);
    for _ in 0..2000 {
        c2.add(3);
        u2.add(1);
        for v in values {
            h2.record(v);
            e2.record(v);
        }
    }
    let (a, b) = (snapshot(&r), snapshot(&r2));
    for name in ["c", "u"] {
        assert_eq!(points(&a, name)[0].value, points(&b, name)[0].value, "{name}");
    }
    let PointValue::Histogram(x) = &points(&a, "h")[0].value else { panic!() };
    let PointValue::Histogram(y) = &points(&b, "h")[0].value else { panic!() };
    assert_eq!((&x.counts, x.count), (&y.counts, y.count));
    // Sums added in another order differ in the last bits.
    assert!((x.sum - y.sum).abs() < 1e-6 * y.sum, "{} {}", x.sum, y.sum);
    let (PointValue::Exponential(x), PointValue::Exponential(y)) =
        (&points(&a, "e")[0].value, &points(&b, "e")[0].value)
    else {
        panic!()
    };
    assert_eq!(
        (x.scale, x.offset, &x.counts, x.zero_count, x.count),
        (y.scale, y.offset, &y.counts, y.zero_count, y.count)
    );
    assert!((x.sum - y.sum).abs() < 1e-6 * y.sum, "{} {}", x.sum, y.sum);
    assert_eq!(points(&a, "c")[0].value, PointValue::Counter(6000));
    let PointValue::Histogram(p) = &points(&a, "h")[0].value else { panic!() };
    assert_eq!(p.count, 14_000, "NaN is not recorded");
}

#[test]
fn a_batch_of_equal_values_records_what_its_records_do() {
    let cfg = ExponentialConfig { scale: 2, min_exponent: -4, max_exponent: 4, max_size: 160 };
    let values = [0.001, 0.3, 12.0, f64::NAN, 0.0, -1.0];
    // One registry records each value 7 times one by one, the other in batches of 7
    // (through a bound handle and a local one, half each).
    let histograms = |r: &Registry| {
        let m = r.meter("test");
        (m.histogram("h").build().bind(&[]), m.histogram("e").exponential(cfg).build().bind(&[]))
    };
    let (one, batch) = (Registry::new(), Registry::new());
    let (h1, e1) = histograms(&one);
    let (h2, e2) = histograms(&batch);
    let (l2, le2) = (h2.local(), e2.local());
    for (i, v) in values.into_iter().enumerate() {
        for _ in 0..7 {
            h1.record(v);
            e1.record(v);
        }
        if i % 2 == 0 {
            h2.record_n(v, 7);
            e2.record_n(v, 7);
        } else {
            l2.record_n(v, 7);
            le2.record_n(v, 7);
        }
    }
    let (a, b) = (snapshot(&one), snapshot(&batch));
    for name in ["h", "e"] {
        assert_eq!(points(&a, name)[0].value, points(&b, name)[0].value, "{name}");
    }
    let PointValue::Histogram(p) = &points(&b, "h")[0].value else { panic!() };
    assert_eq!(p.count, 35, "NaN is not recorded");
}

#[test]
fn exponential_histograms_bucket_and_downscale() {
    let r = Registry::new();
    let cfg = ExponentialConfig { scale: 3, min_exponent: -10, max_exponent: 10, max_size: 160 };
    let h = r.meter("test").histogram("exp").exponential(cfg).build().bind(&[]);
    // 1.0 is the top of bucket -1; 1.5 is in bucket (log2(1.5) × 8 = 4.68 → 4).
    h.record(1.0);
    h.record(1.5);
    h.record(1.5);
    h.record(0.0);
    h.record(1e-9); // below 2^-10: the zero bucket
    h.record(-3.0); // negative: ignored
    h.record(1e9); // above 2^11: the top bucket
    let snap = snapshot(&r);
    let PointValue::Exponential(p) = &points(&snap, "exp")[0].value else { panic!() };
    assert_eq!(p.scale, 3);
    assert_eq!(p.zero_count, 2);
    assert_eq!(p.zero_threshold, 2f64.powi(-10));
    assert_eq!(p.count, 6);
    assert_eq!(p.offset, -1);
    assert_eq!(p.counts[0], 1);
    assert_eq!(p.counts[5], 2);
    let top = (11 << 3) - 1; // the bucket ending at 2^11
    assert_eq!(p.counts.len() as i32, top - p.offset + 1);
    assert_eq!(*p.counts.last().unwrap(), 1);
    assert_eq!(p.counts.iter().sum::<u64>(), 4);
    assert!((p.sum - (1.0 + 3.0 + 1e-9 + 1e9)).abs() < 1e-3);

    // Wider than max_size: the scale drops until it fits, counts merge.
    let cfg = ExponentialConfig { scale: 3, min_exponent: -20, max_exponent: 20, max_size: 10 };
    let h = r.meter("test").histogram("narrow").exponential(cfg).build().bind(&[]);
    let values = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0];
    for v in values {
        h.record(v);
    }
    let snap = snapshot(&r);
    let PointValue::Exponential(p) = &points(&snap, "narrow")[0].value else { panic!() };
    assert!(p.counts.len() <= 10, "{p:?}");
    assert_eq!(p.counts.iter().sum::<u64>(), 7);
    // Each value is in the bucket its index at the final scale names.
    let e = Exponential::new(p.scale);
    for v in values {
        let i = e.index(v) - p.offset;
        assert!(p.counts[i as usize] > 0, "{v} at scale {}", p.scale);
    }
    // 0.001..1000 spans 20 powers of two: at scale -1 (base 4) that is 10 buckets or fewer.
    assert_eq!(p.scale, -1);
}

#[test]
fn cardinality_is_limited_by_an_overflow_series() {
    let r = Registry::new();
    let c = r.meter("test").counter("limited").cardinality_limit(4).build();
    for i in 0..10 {
        c.add(1, &[kv("i", i)]);
    }
    let snap = snapshot(&r);
    let ps = points(&snap, "limited");
    assert_eq!(ps.len(), 4);
    assert_eq!(attrs(ps[3]), vec![("otel.metric.overflow", OwnedValue::Bool(true))]);
    assert_eq!(ps[3].value, PointValue::Counter(7));
    let total: u64 = ps.iter().map(|p| if let PointValue::Counter(v) = p.value { v } else { 0 }).sum();
    assert_eq!(total, 10);
}

#[test]
fn same_registration_is_the_same_instrument() {
    let r = Registry::new();
    let m = r.meter("test");
    m.counter("x").build().add(1, &[]);
    m.counter("x").build().add(2, &[]);
    // Another scope's instrument of the same name is its own.
    r.meter("other").counter("x").build().add(4, &[]);
    let snap = snapshot(&r);
    let ps = points(&snap, "x");
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].value, PointValue::Counter(3));
    assert_eq!(ps[1].value, PointValue::Counter(4));
}

#[test]
fn attribute_sets_are_canonical() {
    let a = Attributes::new(&[kv("b", 1), kv("a", "x"), kv("b", 2)]);
    let keys: Vec<_> = a.iter().map(|k| k.key).collect();
    assert_eq!(keys, ["a", "b"]);
    assert!(a.matches(&[kv("a", "x"), kv("b", 2)]));
    assert!(a.matches(&[kv("b", 9), kv("b", 2), kv("a", "x")]));
    assert!(!a.matches(&[kv("a", "x"), kv("b", 1)]));
    assert!(!a.matches(&[kv("a", "x")]));
    assert!(!a.matches(&[kv("a", "x"), kv("b", 2), kv("c", true)]));
    assert_eq!(
        Attributes::hash_of(&[kv("b", 9), kv("b", 2), kv("a", "x")]),
        Attributes::hash_of(&[kv("a", "x"), kv("b", 2)])
    );
}
