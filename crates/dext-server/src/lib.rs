//! Dext's HTTP/1.1 server: `dext-http`'s sans-IO codec and router driven over `dext-rt`'s
//! epoll workers on Linux (`epoll.rs`, `conn.rs`), and the same apps served by http.sys on
//! Windows (`httpsys/`).
//!
//! ```text
//!   worker 0                          worker 1                        ...
//!   ┌──────────────────────────┐      ┌──────────────────────────┐
//!   │ SO_REUSEPORT listener    │      │ SO_REUSEPORT listener    │   one per worker, steered
//!   │   └─ accept ─▶ conn task │      │   └─ accept ─▶ conn task │   to its CPU; a connection
//!   │        read ▶ Conn ▶ App │      │        read ▶ Conn ▶ App │   never leaves the worker
//!   │        ◀ one write per   │      │        ◀ one write per   │   that accepted it
//!   │          batch           │      │          batch           │
//!   └──────────────────────────┘      └──────────────────────────┘
//! ```
//!
//! ```no_run
//! use dext_http::{App, Request, Response};
//! use dext_server::Server;
//!
//! async fn hello(_req: &Request<'_>, res: &mut Response) {
//!     res.content_type("text/plain").set_body("Hello, World!");
//! }
//!
//! let server = Server::builder().bind("127.0.0.1:8080").serve(App::new().get("/", hello)).unwrap();
//! println!("listening on http://{}", server.local_addr());
//! server.run().unwrap(); // until SIGINT or SIGTERM
//! ```
//!
//! What the server adds to the codec: sockets and buffers, the timeouts (header read, body
//! read, keep-alive idle, write), one write per batch of pipelined responses, a 500 for a
//! panicking handler (the connection and the worker live on), back-off when accept runs out
//! of file descriptors, and graceful shutdown. See `conn.rs` for one connection's loop.
#![deny(missing_docs)]
#![deny(unsafe_code)]

#[cfg(target_os = "linux")]
mod body;
#[cfg(target_os = "linux")]
mod conn;
#[cfg(target_os = "linux")]
mod epoll;
#[cfg(windows)]
pub mod httpsys;
// The http.sys driver does not record per-request telemetry yet (the epoll driver does).
#[cfg_attr(windows, allow(dead_code))]
mod instrument;
pub mod telemetry;

#[cfg(target_os = "linux")]
pub use epoll::{Builder, Server, ShutdownHandle};
#[cfg(windows)]
pub use httpsys::{Builder, Server, ShutdownHandle};
pub use instrument::HttpTelemetry;

/// How many connection buffer sets (read, write and body buffers, a parsed head and a
/// response) wait in the calling worker's pool. A connection holds a set only while it has a
/// request to read or answer, so on a worker whose connections are all idle between requests,
/// every set is here. Call it from a handler (handlers run on the worker); elsewhere it is 0.
#[cfg(target_os = "linux")]
#[doc(hidden)]
pub fn pooled_buffer_sets() -> usize {
    conn::pooled_buffer_sets()
}

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// The first address `addr` resolves to (what `Builder::bind` serves).
fn first_addr(addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?.next().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind"))
}

/// How long the server waits for a peer at each stage of an exchange.
#[derive(Clone, Debug)]
pub struct Timeouts {
    /// From the first byte of a request head (or from the connection's start, for its first
    /// request) until the head is complete; a client that trickles its head is answered 408
    /// and closed. Default: 10 s.
    pub header: Duration,
    /// The longest wait for more bytes of a request body. Default: 30 s.
    pub body: Duration,
    /// How long a keep-alive connection may wait for its next request. Default: 60 s.
    pub idle: Duration,
    /// The longest wait for the peer to take more of a response. Default: 30 s.
    pub write: Duration,
}

/// The longest timeout [`Builder::timeouts`] accepts (365 days); longer ones are cut to it.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header: Duration::from_secs(10),
            body: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            write: Duration::from_secs(30),
        }
    }
}
