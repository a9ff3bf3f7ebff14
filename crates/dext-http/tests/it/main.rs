//! dext-http integration tests: differential against httparse, and the public API end to end.

mod conformance;
mod differential;
mod util;
