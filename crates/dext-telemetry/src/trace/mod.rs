//! Tracing: span contexts and the W3C Trace Context headers, samplers.

pub mod context;
pub mod sampler;

pub use context::{
    SpanContext, SpanId, TraceFlags, TraceId, TraceParentError, TraceState, TraceStateError, format_traceparent,
    parse_traceparent,
};
pub use sampler::{Decision, Ratio, Sampler};
