//! dext-http integration tests: differential against httparse, and the public API end to end.

#[path = "../common/mod.rs"]
mod common;
mod conformance;
mod differential;
mod util;
