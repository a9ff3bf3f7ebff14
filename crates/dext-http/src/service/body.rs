//! Request bodies as handlers see them: buffered whole before the handler runs (the
//! default), or streamed to it while it runs ([`BodyMode::Streamed`], chosen per route).
//!
//! A buffered body is a slice ([`Request::body`](super::Request::body)). A streamed body is
//! read through a [`BodyReader`] ([`Request::body_reader`](super::Request::body_reader)), which
//! pulls decoded bytes from the driver's [`BodySource`] as the handler asks for them, so a
//! large upload never has to fit in memory. The reader works on buffered bodies too, so a
//! handler written against it serves either kind of route.
//!
//! The size limit ([`Limits::max_body`](crate::h1::Limits::max_body)) holds for both: a
//! buffered body over it is refused before the handler runs; a streamed one makes the read
//! that crosses it fail with [`BodyError::Invalid`], and the driver then answers with that
//! error's status instead of the handler's response.

use core::fmt;
use core::future::poll_fn;
use core::task::{Context, Poll};

use crate::Error;

/// How a route receives request bodies.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum BodyMode {
    /// The driver reads the whole body (up to the size limit) before calling the handler,
    /// which finds it in [`Request::body`](super::Request::body).
    #[default]
    Buffered,
    /// The handler is called as soon as the head is parsed and reads the body itself with
    /// [`Request::body_reader`](super::Request::body_reader). A body the handler leaves unread
    /// closes the connection after the response (the unread bytes cannot be told apart from
    /// the next request).
    Streamed,
}

/// Why a streamed body could not be read. Once a read fails, every later read fails the same
/// way.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BodyError {
    /// The body broke the framing rules or the size limit. The driver answers with this
    /// error's status (400 or 413) instead of the handler's response, and closes.
    Invalid(Error),
    /// The client did not send the next bytes within the body timeout. The driver answers
    /// 408 instead of the handler's response, and closes.
    TimedOut,
    /// The connection ended before the body did.
    Closed,
    /// The connection failed.
    Io(std::io::ErrorKind),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Invalid(e) => write!(f, "invalid request body: {e}"),
            BodyError::TimedOut => f.write_str("the request body did not arrive in time"),
            BodyError::Closed => f.write_str("the connection closed before the request body ended"),
            BodyError::Io(kind) => write!(f, "reading the request body failed: {kind}"),
        }
    }
}

impl std::error::Error for BodyError {}

/// Where a streamed body comes from: the driver's side of [`Body::Stream`]. `poll_read`
/// copies decoded body bytes into `buf` and returns how many, `0` once the body has ended.
///
/// It takes `&self` because the request (and so the source) is shared with the handler;
/// implementations keep their state behind a lock. `Sync` keeps handler futures `Send`.
pub trait BodySource: Sync {
    /// Reads decoded body bytes into `buf`: `Ok(0)` at the end of the body (or for an empty
    /// `buf`).
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<Result<usize, BodyError>>;
}

/// A request's body: all of it, or a source to read it from.
#[derive(Clone, Copy)]
pub enum Body<'a> {
    /// The whole body, after transfer decoding.
    Full(&'a [u8]),
    /// A body still arriving.
    Stream(&'a dyn BodySource),
}

impl fmt::Debug for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Full(b) => f.debug_tuple("Full").field(&b.len()).finish(),
            Body::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// Reads a request body in pieces, whichever way it arrives. See the module docs.
#[derive(Debug)]
pub struct BodyReader<'a> {
    body: Body<'a>,
    /// Bytes of a `Full` body handed out so far.
    pos: usize,
}

/// Bytes [`BodyReader::read_to_end`] makes room for at least, per read.
const READ_TO_END_STEP: usize = 16 * 1024;

impl<'a> BodyReader<'a> {
    /// A reader at the start of `body`.
    pub fn new(body: Body<'a>) -> BodyReader<'a> {
        BodyReader { body, pos: 0 }
    }

    /// Polls a read of decoded body bytes into `buf`: `Ok(0)` at the end of the body.
    pub fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<Result<usize, BodyError>> {
        match self.body {
            Body::Full(all) => {
                let rest = &all[self.pos..];
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.pos += n;
                Poll::Ready(Ok(n))
            }
            Body::Stream(source) => source.poll_read(cx, buf),
        }
    }

    /// Reads decoded body bytes into `buf`: `Ok(0)` at the end of the body.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, BodyError> {
        poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Appends the rest of the body to `out`; returns how many bytes that was. The size limit
    /// bounds how much this can be.
    pub async fn read_to_end(&mut self, out: &mut Vec<u8>) -> Result<usize, BodyError> {
        if let Body::Full(all) = self.body {
            let rest = &all[self.pos..];
            out.extend_from_slice(rest);
            self.pos = all.len();
            return Ok(rest.len());
        }
        let first = out.len();
        loop {
            let len = out.len();
            // Read into the spare capacity (made initialised), at least a step's worth.
            let room = (out.capacity() - len).max(READ_TO_END_STEP);
            out.resize(len + room, 0);
            let got = self.read(&mut out[len..]).await;
            let n = *got.as_ref().unwrap_or(&0);
            out.truncate(len + n);
            match got {
                Ok(0) => return Ok(out.len() - first),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
    }
}
