//! dext-rt integration tests: real threads, real sockets on loopback, real clocks.

mod echo;
mod lifecycle;
mod tasks;
mod timers;
mod util;
