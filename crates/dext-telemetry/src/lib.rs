//! Telemetry cheap enough to leave on: spans with W3C Trace Context, metrics, and the
//! encoders that real backends read (Prometheus text and OpenMetrics).
//!
//! - [`trace`]: trace and span ids, `traceparent`/`tracestate` parsing and formatting with
//!   no allocation, samplers (always, never, trace-id ratio, parent-based).
//! - [`metrics`]: counters, up-down counters, gauges (set and observed) and histograms
//!   (explicit and base-2 exponential buckets). An instrument bound to an attribute set
//!   records into per-thread cells: no lock, no allocation, no shared cache line.
//! - [`export`]: `Snapshot` → Prometheus text / OpenMetrics bytes.
//!
//! ```text
//!   request path                          background (exporter thread, scrape handler)
//!   BoundCounter::add ─▶ this thread's cell ─┐
//!   BoundHistogram::record ─▶ cells ─────────┼─▶ Registry::collect ─▶ Snapshot ─▶ export::*
//!   parse_traceparent(&[u8]) ─▶ SpanContext  │
//! ```
//!
//! This crate does no I/O and starts no thread: a driver (the server) calls `collect` and
//! the encoders, and sends the bytes. It has no dependencies and no `unsafe` code.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod attr;
pub mod clock;
pub mod export;
pub mod metrics;
pub mod trace;

pub use attr::{KeyValue, Value, kv};
