//! Encoders: telemetry to bytes in the formats backends read. Sending is the driver's.

pub mod prometheus;
