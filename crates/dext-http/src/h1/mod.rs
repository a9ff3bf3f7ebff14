//! HTTP/1.1 (RFC 9112): request parsing, body decoding, response encoding and the
//! connection state machine.
//!
//! - [`parse`]: request line and header section, into a reusable [`Head`].
//! - [`decode`]: body framing: Content-Length and chunked.
//! - [`encode`]: status line, headers and body framing into an output buffer; the `Date` cache.
//! - [`conn`]: keep-alive, pipelining, `Expect: 100-continue`, half-close and error responses.

pub mod conn;
pub mod decode;
pub mod encode;
pub mod parse;

pub use conn::{BodyEvent, Conn, ResponseBody};
pub use decode::{BodyDecoder, Decoded};
pub use encode::{HttpDate, write_chunk, write_last_chunk};
pub use parse::{FieldName, Framing, Head, MethodName, RequestHead, RequestLine, Status, TargetForm};

/// Limits on what a peer may send. The defaults are safe for a public server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest request line in bytes, CRLF excluded (414 above). Default 8 KiB.
    pub max_request_line: usize,
    /// Most header fields (431 above). Default 100; at most 65,535.
    pub max_headers: usize,
    /// Longest header section in bytes, request line excluded (431 above). Default 16 KiB.
    pub max_header_bytes: usize,
    /// Largest request body in bytes after transfer decoding (413 above). Default 16 MiB.
    pub max_body: u64,
    /// Longest chunk line (size and extensions) in bytes (400 above). Default 1 KiB.
    pub max_chunk_line: usize,
    /// Longest trailer section in bytes (431 above). Default 8 KiB.
    pub max_trailer_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_line: 8 * 1024,
            max_headers: 100,
            max_header_bytes: 16 * 1024,
            max_body: 16 * 1024 * 1024,
            max_chunk_line: 1024,
            max_trailer_bytes: 8 * 1024,
        }
    }
}
