//! The HTTP layer's floor: the demo's `/plaintext` served by dext-http over a bare epoll loop,
//! with no runtime (no tasks, wakers, timers or buffer pool) and no timeouts, in the manner of
//! `../shared/bench/limit.c`. Not a server to use: it only shows what parsing, routing, the
//! handler and the encoder cost per request on their own, for comparison with the demo server
//! (whose difference from this is the runtime's and the connection loop's share) and with
//! limit.c (whose difference from this is the HTTP work's).
//!
//! ```text
//! PORT=8080 cargo run --release -p dext-server --example bare
//! ```

#[cfg(target_os = "linux")]
mod linux;

#[cfg(target_os = "linux")]
fn main() -> std::io::Result<()> {
    linux::main()
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the bare example runs on Linux only (an epoll loop)");
}
