//! Telemetry cheap enough to leave on: spans with W3C Trace Context, metrics, structured
//! logs, and the encoders that real backends read (Prometheus text and OpenMetrics).
//!
//! - [`mod@trace`]: trace and span ids, `traceparent`/`tracestate` parsing and formatting
//!   with no allocation, samplers (always, never, trace-id ratio, parent-based), spans
//!   recorded inline and queued for export through per-thread rings.
//! - [`mod@log`]: levels, per-target filters, macros whose disabled calls cost a load and a
//!   compare, the queue sink (records copied into per-thread rings, formatted as text or
//!   JSON lines by the exporter's side), the `log` crate bridge (feature `log`).
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
//! This crate does no I/O and starts no thread: a driver (the server) calls `collect`,
//! drains the span and log queues, runs the encoders and sends the bytes. It has no
//! dependencies (`log` behind its feature). Its `unsafe` code is in two modules:
//! `trace/ring.rs` (the single-producer single-consumer rings) and `clock.rs` (`RDTSC`).
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod attr;
pub mod clock;
pub mod export;
mod inline;
pub mod log;
pub mod metrics;
pub mod trace;

/// Finished spans go to process-wide queues: unit tests that record and drain them take
/// turns, or one test's drain takes another's spans.
#[cfg(test)]
pub(crate) fn drain_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

pub use attr::{KeyValue, Value, kv};
