//! Tracing: span contexts and the W3C Trace Context headers, samplers, spans and the
//! queue that carries finished spans to the exporter.

pub mod context;
mod lease;
mod pool;
pub(crate) mod ring;
pub mod sampler;
mod span;

pub use context::{
    SpanContext, SpanId, TraceFlags, TraceId, TraceParentError, TraceState, TraceStateError, format_traceparent,
    parse_traceparent,
};
pub use sampler::{Decision, Ratio, Sampler};
pub use span::{
    Entered, Event, MAX_ATTRIBUTES, MAX_EVENT_ATTRIBUTES, MAX_EVENTS, MAX_LINKS, POOL_CAPACITY, Scope, Span,
    SpanBuilder, SpanData, SpanKind, StatusCode, TEXT_CAPACITY, Tracer, TracerProvider, current, drain_spans,
    dropped_spans, enter, in_context,
};
