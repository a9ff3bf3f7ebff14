//! The cases and each implementation's setup.

use super::{Op, op};
use std::sync::Arc;

/// Values that land in different buckets of the HTTP duration boundaries.
const VALUES: [f64; 8] = [0.0004, 0.003, 0.02, 0.07, 0.3, 0.9, 4.0, 12.0];

pub fn cases() -> Vec<(&'static str, Vec<(&'static str, Op)>)> {
    tracing_peer::install();
    dext::install_logging();
    vec![
        (
            "counter",
            vec![
                ("dext", dext::counter()),
                ("metrics", metrics_peer::counter()),
                ("prometheus-client", prometheus_peer::counter()),
                ("opentelemetry", otel::counter()),
            ],
        ),
        (
            "histogram",
            vec![
                ("dext", dext::histogram()),
                ("metrics", metrics_peer::histogram()),
                ("prometheus-client", prometheus_peer::histogram()),
                ("opentelemetry", otel::histogram()),
            ],
        ),
        ("span", vec![("dext", dext::span()), ("opentelemetry", otel::span()), ("tracing", tracing_peer::span())]),
        ("log-disabled", vec![("dext", dext::log_disabled()), ("tracing", tracing_peer::log_disabled())]),
        // Not a target: what a clock reading costs (a span takes two), against std's.
        (
            "clock",
            vec![
                (
                    "dext",
                    op(|_| {
                        std::hint::black_box(dext_telemetry::clock::ticks());
                    }),
                ),
                (
                    "std-instant",
                    op(|_| {
                        std::hint::black_box(std::time::Instant::now());
                    }),
                ),
            ],
        ),
        (
            "log-enabled",
            vec![
                (if dext::queue_sink() { "dext-queue" } else { "dext" }, dext::log_enabled()),
                ("tracing", tracing_peer::log_enabled()),
            ],
        ),
    ]
}

pub mod dext {
    use super::*;
    use dext_telemetry::kv;
    use dext_telemetry::log::{Filter, QueueSink, Record, Sink};
    use dext_telemetry::metrics::Registry;
    use dext_telemetry::trace::{Sampler, SpanKind, TracerProvider};
    use std::hint::black_box;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Discards records: what tracing's peer layer does with its events.
    struct Discard;

    impl Sink for Discard {
        fn log(&self, record: &Record<'_>) {
            black_box(record);
        }
    }

    /// Whether this process logs to the real queue (`LOG_SINK=queue`) instead of discarding.
    /// A process has one sink: the queue is measured in processes of its own, so that the
    /// discarding sink, the one compared with tracing's, tests no mode on each call.
    pub fn queue_sink() -> bool {
        std::env::var("LOG_SINK").is_ok_and(|v| v == "queue")
    }

    pub fn install_logging() {
        let filter = Filter::parse("info").unwrap();
        if queue_sink() {
            dext_telemetry::log::init(filter, &QueueSink);
        } else {
            dext_telemetry::log::init(filter, &Discard);
        }
    }

    /// Drains spans and logs as an exporter would, until `stop`.
    pub fn start_drainer(stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
        let pause = std::env::var("DRAIN_US").ok().and_then(|v| v.parse().ok()).unwrap_or(20u64);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let n = dext_telemetry::trace::drain_spans(usize::MAX, |s| {
                    black_box(s);
                }) + dext_telemetry::log::drain_logs(usize::MAX, |l| {
                    black_box(l);
                });
                // An exporter's pace: a pass every DRAIN_US µs (default 20, which empties a
                // pool long before 2,048 spans fill it at these rates). The wait spins on the
                // clock without touching shared memory: a drainer polling the queue nonstop
                // would pull every slot's cache line across cores, which no exporter does.
                let _ = n;
                let until = std::time::Instant::now() + std::time::Duration::from_micros(pause);
                while std::time::Instant::now() < until {
                    std::hint::spin_loop();
                }
            }
        })
    }

    pub fn dropped() -> u64 {
        dext_telemetry::trace::dropped_spans() + dext_telemetry::log::dropped_logs()
    }

    pub fn counter() -> Op {
        let r = Registry::new();
        let c = r.meter("bench").counter("http.server.requests").build();
        let b = c.bind(&[kv("http.request.method", "GET"), kv("http.response.status_code", 200)]);
        op(move |_| b.add(1))
    }

    pub fn histogram() -> Op {
        let r = Registry::new();
        let h = r.meter("bench").histogram("http.server.request.duration").unit("s").build();
        let b = h.bind(&[kv("http.route", "/users/{id}")]);
        op(move |i| b.record(VALUES[(i & 7) as usize]))
    }

    pub fn span() -> Op {
        let tracer = TracerProvider::new(Sampler::AlwaysOn).tracer("bench", None);
        // INLINE_DRAIN: the measuring thread drains its own spans every 1,024 (no drainer
        // on another core): the cost of a span without cross-core traffic.
        let inline = std::env::var_os("INLINE_DRAIN").is_some();
        op(move |i| {
            if inline && i % 1024 == 0 {
                dext_telemetry::trace::drain_spans(usize::MAX, |s| {
                    black_box(s);
                });
            }
            let mut s = tracer.span("GET /users/{id}").kind(SpanKind::Server).start();
            s.set_attributes(&[
                kv("http.request.method", "GET"),
                kv("http.route", "/users/{id}"),
                kv("http.response.status_code", 200),
                kv("n", i),
            ]);
            s.end();
        })
    }

    pub fn log_disabled() -> Op {
        op(|i| {
            dext_telemetry::debug!("request done"; method = "GET", status = 200, n = i);
        })
    }

    pub fn log_enabled() -> Op {
        op(|i| dext_telemetry::info!("request done"; method = "GET", status = 200, n = i))
    }
}

pub mod metrics_peer {
    use super::*;

    fn install() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
            // Kept alive by the global recorder; its handle renders the exposition.
            metrics::set_global_recorder(recorder).unwrap();
        });
    }

    pub fn counter() -> Op {
        install();
        let c = metrics::counter!("http_server_requests", "method" => "GET", "status" => "200");
        op(move |_| c.increment(1))
    }

    pub fn histogram() -> Op {
        install();
        let h = metrics::histogram!("http_server_request_duration_seconds", "route" => "/users/{id}");
        op(move |i| h.record(VALUES[(i & 7) as usize]))
    }
}

pub mod prometheus_peer {
    use super::*;
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::family::Family;
    use prometheus_client::metrics::histogram::Histogram;
    use prometheus_client::registry::Registry;

    pub fn counter() -> Op {
        let mut registry = Registry::default();
        let family = Family::<Vec<(String, String)>, Counter>::default();
        registry.register("http_server_requests", "Requests", family.clone());
        let labels = vec![("method".to_string(), "GET".to_string()), ("status".to_string(), "200".to_string())];
        // Bound: the family's counter for these labels, looked up once.
        let c = family.get_or_create(&labels).clone();
        Box::leak(Box::new(registry));
        op(move |_| {
            c.inc();
        })
    }

    pub fn histogram() -> Op {
        let mut registry = Registry::default();
        let h = Histogram::new(dext_telemetry::metrics::HTTP_DURATION_SECONDS.iter().copied());
        registry.register("http_server_request_duration_seconds", "Durations", h.clone());
        Box::leak(Box::new(registry));
        op(move |i| h.observe(VALUES[(i & 7) as usize]))
    }
}

pub mod otel {
    use super::*;
    use opentelemetry::KeyValue;
    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry::trace::{Span as _, SpanKind, Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::metrics::{ManualReader, SdkMeterProvider};
    use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanData, SpanExporter};

    fn meter() -> opentelemetry::metrics::Meter {
        let provider = SdkMeterProvider::builder().with_reader(ManualReader::builder().build()).build();
        let meter = provider.meter("bench");
        Box::leak(Box::new(provider));
        meter
    }

    /// Bound instruments (the SDK's experimental `bind`), its fastest path.
    pub fn counter() -> Op {
        let c = meter().u64_counter("http.server.requests").build();
        let attrs = [KeyValue::new("http.request.method", "GET"), KeyValue::new("http.response.status_code", 200)];
        let b = c.bind(&attrs);
        op(move |_| b.add(1))
    }

    pub fn histogram() -> Op {
        let h = meter().f64_histogram("http.server.request.duration").with_unit("s").build();
        let b = h.bind(&[KeyValue::new("http.route", "/users/{id}")]);
        op(move |i| b.record(VALUES[(i & 7) as usize]))
    }

    #[derive(Debug)]
    struct Discard;

    impl SpanExporter for Discard {
        fn export(&self, batch: Vec<SpanData>) -> impl std::future::Future<Output = OTelSdkResult> + Send {
            std::hint::black_box(batch);
            std::future::ready(Ok(()))
        }
    }

    pub fn span() -> Op {
        let provider =
            SdkTracerProvider::builder().with_sampler(Sampler::AlwaysOn).with_batch_exporter(Discard).build();
        let tracer = provider.tracer("bench");
        Box::leak(Box::new(provider));
        op(move |i| {
            let mut s = tracer.span_builder("GET /users/{id}").with_kind(SpanKind::Server).start(&tracer);
            s.set_attribute(KeyValue::new("http.request.method", "GET"));
            s.set_attribute(KeyValue::new("http.route", "/users/{id}"));
            s.set_attribute(KeyValue::new("http.response.status_code", 200));
            s.set_attribute(KeyValue::new("n", i as i64));
            s.end();
        })
    }
}

pub mod tracing_peer {
    use super::*;
    use tracing_subscriber::layer::{Context, SubscriberExt};

    /// A layer that takes every event and does nothing with it: the discarding sink.
    struct Discard;

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Discard {
        fn on_event(&self, event: &tracing::Event<'_>, _cx: Context<'_, S>) {
            std::hint::black_box(event);
        }
    }

    pub fn install() {
        let subscriber =
            tracing_subscriber::registry().with(tracing_subscriber::filter::LevelFilter::INFO).with(Discard);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    }

    pub fn span() -> Op {
        op(|i| {
            let s = tracing::info_span!(
                "GET /users/{id}",
                http.request.method = "GET",
                http.route = "/users/{id}",
                http.response.status_code = 200,
                n = i
            );
            drop(s);
        })
    }

    pub fn log_disabled() -> Op {
        op(|i| {
            tracing::debug!(method = "GET", status = 200, n = i, "request done");
        })
    }

    pub fn log_enabled() -> Op {
        op(|i| {
            tracing::info!(method = "GET", status = 200, n = i, "request done");
        })
    }
}
