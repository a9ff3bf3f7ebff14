//! Encoders: telemetry to bytes in the formats backends read. Sending is the driver's.

#[cfg(feature = "otlp")]
pub mod otlp;
pub mod prometheus;
pub mod retry;
