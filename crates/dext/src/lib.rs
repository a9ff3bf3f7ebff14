//! Dext: the crate applications depend on. It re-exports the parts of the workspace that an
//! application uses, and holds the demo server (`cargo run --release` at the workspace root).
//!
//! ```no_run
//! use dext::{App, Request, Response, Server};
//!
//! async fn hello(_req: &Request<'_>, res: &mut Response) {
//!     res.content_type("text/plain").set_body("Hello, World!");
//! }
//!
//! let server = Server::builder().bind("127.0.0.1:8080").serve(App::new().get("/", hello)).unwrap();
//! server.run().unwrap();
//! ```
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod demo;

pub use dext_http::{
    App, BodyError, BodyMode, BodyReader, ContentType, Handler, Method, Request, Response, StatusCode,
};
pub use dext_server::{Builder, HttpTelemetry, Server, ShutdownHandle, Timeouts};

/// The HTTP/1.1 codec (`dext-http`).
pub use dext_http as http;
/// The runtime (`dext-rt`; Linux).
#[cfg(target_os = "linux")]
pub use dext_rt as rt;
/// The server (`dext-server`).
pub use dext_server as server;
/// Spans, metrics and logs (`dext-telemetry`).
pub use dext_telemetry as telemetry;
