//! Streamed request bodies: the connection's side of [`dext_http::Body::Stream`].
//!
//! While a streaming handler runs, [`Incoming`] owns the connection's reading state: the
//! decoder (inside [`Conn`]), the body bytes that came in with the head, a raw buffer for the
//! rest, and the connection's timer. Each [`BodySource::poll_read`] hands out decoded bytes,
//! decoding more (from the head's read first, then from the raw buffer) and reading from the
//! socket when both are used up, each wait bounded by the body timeout.
//!
//! Afterwards [`Incoming::finish`] says what happened: how many of the head's bytes the body
//! used, raw bytes read past the body's end (the start of a pipelined request, which go back
//! into the read buffer), and whether reading failed.

use std::ops::Range;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use dext_http::h1::{BodyEvent, Conn};
use dext_http::{BodyError, BodySource};
use dext_rt::net::TcpStream;

use crate::conn::Deadline;

/// The raw buffer's size: one read of body bytes at most.
const RAW: usize = 16 * 1024;

/// A body being streamed to a handler. See the module docs.
pub(crate) struct Incoming<'s> {
    // A lock rather than a `RefCell` because the handler's future must be `Send`; it is never
    // contended (one connection task uses it).
    state: Mutex<State<'s>>,
}

struct State<'s> {
    stream: &'s TcpStream,
    conn: &'s mut Conn,
    timer: &'s mut Deadline,
    wait: Duration,
    /// Bytes read with the head, after it, and how many of them the decoder took.
    early: &'s [u8],
    early_used: usize,
    /// Bytes read since; `raw[lo..hi]` is not decoded yet.
    raw: &'s mut Vec<u8>,
    lo: usize,
    hi: usize,
    /// Decoded bytes not handed out yet, in `early` or in `raw`.
    ready: Range<usize>,
    ready_in_early: bool,
    /// A read is waiting on the socket and the timer is set for it.
    waiting: bool,
    failed: Option<BodyError>,
}

/// What a streamed body left behind (see [`Incoming::finish`]).
pub(crate) struct Leftover {
    /// Bytes of the head's read that belonged to the body.
    pub early_used: usize,
    /// Where, in the raw buffer, bytes read past the body's end are.
    pub raw: Range<usize>,
    pub failed: Option<BodyError>,
}

impl<'s> Incoming<'s> {
    pub(crate) fn new(
        stream: &'s TcpStream,
        conn: &'s mut Conn,
        timer: &'s mut Deadline,
        wait: Duration,
        early: &'s [u8],
        raw: &'s mut Vec<u8>,
    ) -> Incoming<'s> {
        Incoming {
            state: Mutex::new(State {
                stream,
                conn,
                timer,
                wait,
                early,
                early_used: 0,
                raw,
                lo: 0,
                hi: 0,
                ready: 0..0,
                ready_in_early: false,
                waiting: false,
                failed: None,
            }),
        }
    }

    /// Ends the streaming; see [`Leftover`].
    pub(crate) fn finish(self) -> Leftover {
        let s = self.state.into_inner().unwrap_or_else(PoisonError::into_inner);
        Leftover { early_used: s.early_used, raw: s.lo..s.hi, failed: s.failed }
    }
}

impl BodySource for Incoming<'_> {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<Result<usize, BodyError>> {
        // A panic while the lock was held leaves the state consistent (every step updates it
        // whole), so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner).poll_read(cx, buf)
    }
}

impl State<'_> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<Result<usize, BodyError>> {
        if let Some(e) = self.failed {
            return Poll::Ready(Err(e));
        }
        loop {
            if !self.ready.is_empty() || buf.is_empty() {
                let src: &[u8] = if self.ready_in_early { self.early } else { self.raw };
                let n = self.ready.len().min(buf.len());
                buf[..n].copy_from_slice(&src[self.ready.start..self.ready.start + n]);
                self.ready.start += n;
                return Poll::Ready(Ok(n));
            }
            // Decode from the head's read while it lasts, then from the raw buffer.
            let in_early = self.early_used < self.early.len();
            let (input, base) = if in_early {
                (&self.early[self.early_used..], self.early_used)
            } else {
                (&self.raw[self.lo..self.hi], self.lo)
            };
            let (n, event) = match self.conn.poll_body(input) {
                Ok(r) => r,
                Err(e) => return self.fail(BodyError::Invalid(e)),
            };
            if let BodyEvent::Data(d) = event {
                // `d` lies within `input`: its offset there locates it in the source.
                let at = base + (d.as_ptr() as usize - input.as_ptr() as usize);
                self.ready = at..at + d.len();
                self.ready_in_early = in_early;
            }
            let partial_rest = input.len() - n;
            if in_early {
                self.early_used += n;
            } else {
                self.lo += n;
            }
            match event {
                BodyEvent::Data(_) => continue,
                BodyEvent::End => return Poll::Ready(Ok(0)),
                BodyEvent::Partial => {}
            }
            // The decoder needs more: keep the undecoded tail (a piece of framing) at the
            // front of the raw buffer and read after it.
            if self.raw.len() < RAW {
                self.raw.resize(RAW, 0);
            }
            if in_early {
                let tail = &self.early[self.early_used..];
                self.raw[..tail.len()].copy_from_slice(tail);
                self.early_used = self.early.len();
                (self.lo, self.hi) = (0, partial_rest);
            } else if self.lo > 0 {
                self.raw.copy_within(self.lo..self.hi, 0);
                (self.lo, self.hi) = (0, partial_rest);
            }
            if self.hi == self.raw.len() {
                // A framing line longer than the buffer; the decoder bounds how long.
                let grown = self.raw.len() * 2;
                self.raw.resize(grown, 0);
            }
            match self.read(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return self.fail(e),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Reads more raw bytes, within the body timeout.
    fn read(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BodyError>> {
        if !self.waiting {
            self.timer.set(dext_rt::time::now() + self.wait);
            self.waiting = true;
        }
        match self.stream.poll_read(cx, &mut self.raw[self.hi..]) {
            Poll::Ready(Ok(0)) => {
                self.conn.handle_eof();
                Poll::Ready(Err(BodyError::Closed))
            }
            Poll::Ready(Ok(n)) => {
                self.hi += n;
                self.waiting = false;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(BodyError::Io(e.kind()))),
            Poll::Pending => match self.timer.poll_expired(cx) {
                Poll::Ready(()) => Poll::Ready(Err(BodyError::TimedOut)),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn fail(&mut self, e: BodyError) -> Poll<Result<usize, BodyError>> {
        self.failed = Some(e);
        Poll::Ready(Err(e))
    }
}
