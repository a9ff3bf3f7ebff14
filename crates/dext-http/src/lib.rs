//! Sans-IO HTTP/1.1 for Dext: a strict, zero-allocation request parser, body decoders, a
//! response encoder, the connection state machine, and a radix-tree router.
//!
//! # What it does
//!
//! It turns bytes into requests and responses into bytes. Requests are views into the
//! connection's read buffer (`&[u8]` and `&str` borrowed from it), never copied into
//! `String`s or maps. Parsing, routing and encoding allocate nothing once a connection's
//! reusable storage ([`h1::Head`], [`Response`]) is warm.
//!
//! # What it refuses to do
//!
//! No I/O, no clock, no executor: a driver (`dext-server`) owns sockets, buffers and time and
//! feeds this crate. No leniency: input outside RFC 9112's grammar is refused with the status
//! that goes on the wire and the connection is closed (see [`Error`]).
//!
//! # Data flow
//!
//! ```text
//!  read buffer ──► h1::Conn::poll_head ──► RequestHead (views) ──► Router::at ──► handler
//!                  h1::Conn::poll_body ──► body slices                              │
//!  output buffer ◄── h1::Conn::write_response ◄──────────────── Response ◄──────────┘
//! ```
//!
//! # Example
//!
//! ```
//! use dext_http::h1::{Conn, Head, HttpDate, Limits, Status};
//! use dext_http::{Response, StatusCode};
//!
//! let mut conn = Conn::new(Limits::default());
//! let mut head = Head::new(conn.limits());
//! let input = b"GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\n";
//! let Status::Complete(req) = conn.poll_head(input, &mut head).unwrap() else { panic!("partial") };
//! assert_eq!(req.path(), "/hello");
//! assert_eq!(req.host(), Some("example.com"));
//!
//! let mut res = Response::new();
//! res.set_status(StatusCode::OK).content_type("text/plain").set_body("hi");
//! let mut out = Vec::new();
//! conn.write_response(&res, &HttpDate::from_unix(0), &mut out);
//! assert!(out.starts_with(b"HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"));
//! assert!(out.ends_with(b"Content-Length: 2\r\n\r\nhi"));
//! ```

#![deny(unsafe_code)]
#![deny(missing_docs)]

mod error;
pub mod h1;
mod header;
mod method;
mod response;
pub mod router;
mod service;
pub mod simd;
mod status;

pub use error::{Error, ErrorKind};
pub use header::{Header, KnownHeader};
pub use method::{Method, Version};
pub use response::{CacheHint, ContentType, Response};
pub use service::{
    Addresses, App, Body, BodyError, BodyMode, BodyReader, BodySource, Handler, HandlerFn, HandlerFuture,
    INLINE_CAPACITY, Request, Route,
};
pub use status::StatusCode;
