//! Integration tests of dext-telemetry against real receivers.
//!
//! The receivers are programs this crate does not build: `promtool` and `prometheus`
//! (Debian package `prometheus`). Where one is missing the test says so and passes,
//! unless `DEXT_REQUIRE_RECEIVERS` is set, as `scripts/test.sh` sets it after installing
//! them: then a missing receiver fails the test.

mod log;
mod prometheus;
mod util;
