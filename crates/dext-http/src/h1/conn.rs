//! The HTTP/1.1 connection state machine: which message comes next, whether the connection
//! persists, and what goes on the wire when a request is refused.
//!
//! A [`Conn`] owns no buffer and does no I/O. The driver owns the read buffer, the output
//! buffer and the socket, and runs this loop:
//!
//! ```text
//! loop {
//!     // `input` = the read buffer's unconsumed bytes
//!     match conn.poll_head(input, &mut head) {
//!         Ok(Complete(req)) => { consume req.len(); route; read the body with poll_body;
//!                                run the handler; conn.write_response(&res, &date, &mut out) }
//!         Ok(Partial)       => { flush `out` (one write for every response of the batch);
//!                                read more; on EOF call conn.handle_eof() }
//!         Err(e)            => { conn.write_error(e, &date, &mut out); flush; close }
//!     }
//!     if conn.is_closed() { flush; close the socket }
//! }
//! ```
//!
//! Pipelining falls out of this loop: several requests in one read are parsed and answered in
//! order, and their responses accumulate in one output buffer, written once.
//!
//! States: `Head` (waiting for a request head) → `Respond` (the response is due; the body,
//! if any, is decoded meanwhile with `poll_body`) → optionally `Streaming` (a response body
//! in chunks) → back to `Head`, or to `Closed` when the request, the response or an error
//! ends the connection.
//!
//! Persistence (RFC 9112 section 9.3): HTTP/1.1 persists unless either side says `close`;
//! HTTP/1.0 persists only with `Connection: keep-alive` (echoed in the response). A response
//! sent before its request's body was read closes the connection, because the unread body
//! would be taken for the next request; drivers that want to keep such connections drain the
//! body first.
//!
//! Half-close: when the peer shuts down its sending side, the driver calls
//! [`Conn::handle_eof`] and goes on parsing what it has buffered: complete requests are
//! answered, and the first `Partial` closes the connection.

use super::Limits;
use super::decode::{BodyDecoder, Decoded};
use super::encode::{HttpDate, write_chunk, write_content_length, write_last_chunk, write_status_line};
use super::parse::{Framing, Head, RequestHead, Status};
use crate::{Error, Method, Response, StatusCode, Version};

/// What [`Conn::poll_body`] found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BodyEvent<'b> {
    /// Decoded body bytes, borrowed from the input.
    Data(&'b [u8]),
    /// The body is complete.
    End,
    /// More input is needed (the framing bytes seen so far were consumed).
    Partial,
}

/// How a response body is sent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ResponseBody {
    /// The whole body is known: Content-Length.
    Full,
    /// The body is streamed with [`Conn::write_body_chunk`]: chunked (HTTP/1.1), or delimited
    /// by closing the connection (HTTP/1.0).
    Streaming,
}

/// Where the exchange stands. Reading the request body is tracked apart (`reading_body`):
/// a response may start before the body has been read (and the body may still be read
/// while a response streams).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Waiting for a request head.
    Head,
    /// A request head arrived; its response is due.
    Respond,
    /// A response body is being streamed.
    Streaming { chunked: bool },
    /// Done: flush the output and close.
    Closed,
}

/// One HTTP/1.1 server connection's protocol state. See the module docs for the loop.
#[derive(Debug, Clone)]
pub struct Conn {
    limits: Limits,
    /// From the limits: the longest a line may be with its CRLF, and the most bytes a head
    /// can take (request line, headers, slack) before it must be an error.
    line_limit: usize,
    head_limit: usize,
    state: State,
    decoder: BodyDecoder,
    /// The current request's body has bytes still to decode.
    reading_body: bool,
    /// Bytes of the current partial head already searched for a line end.
    scanned: usize,
    /// End of the last complete line of the current partial head (0: none yet).
    line_end: usize,
    method: Method,
    version: Version,
    keep_alive: bool,
    expect_continue: bool,
    continue_sent: bool,
    peer_closed: bool,
    requests: u64,
}

impl Conn {
    /// A connection with these limits.
    pub fn new(limits: Limits) -> Conn {
        let decoder = BodyDecoder::new(Framing::None, &limits);
        Conn {
            line_limit: limits.max_request_line.saturating_add(2),
            head_limit: limits
                .max_request_line
                .saturating_mul(2)
                .saturating_add(limits.max_header_bytes)
                .saturating_add(8),
            limits,
            state: State::Head,
            decoder,
            reading_body: false,
            scanned: 0,
            line_end: 0,
            method: Method::Get,
            version: Version::Http11,
            keep_alive: true,
            expect_continue: false,
            continue_sent: false,
            peer_closed: false,
            requests: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Parses the next request head from `input`, the unconsumed bytes of the read buffer.
    ///
    /// On `Complete`, the driver consumes [`RequestHead::len`] bytes, then reads the body with
    /// [`Conn::poll_body`] (if any) and answers with [`Conn::write_response`]. `Partial` when
    /// the head is incomplete, or when this connection expects no more requests (closed, or a
    /// response still due). After [`Conn::handle_eof`], `Partial` closes the connection.
    pub fn poll_head<'h, 'b>(
        &mut self,
        input: &'b [u8],
        head: &'h mut Head,
    ) -> Result<Status<RequestHead<'h, 'b>>, Error> {
        if self.state != State::Head {
            return Ok(Status::Partial);
        }
        if input.is_empty() {
            // Between requests, with nothing read yet.
            self.scanned = 0;
            self.line_end = 0;
            return Ok(self.partial());
        }
        // A head ends with LF, so it cannot be complete before a new LF arrives: a trickle of
        // bytes (down to one per read) costs a search of the new bytes, not a re-parse. The
        // parse stops at the last LF, so a malformed line is reported once it ends, however
        // the bytes were split into reads. An unterminated line longer than the request-line
        // limit (no line may be longer), or input past all the limits, is parsed whole, to
        // report the limit error without waiting for a line end.
        if self.scanned > input.len() {
            self.scanned = 0;
            self.line_end = 0;
        }
        let new_lf = input[self.scanned..].iter().rposition(|&b| b == b'\n').map(|i| self.scanned + i + 1);
        self.scanned = input.len();
        if let Some(end) = new_lf {
            self.line_end = end;
        }
        // Whole when past all the limits, or when the unterminated line alone is longer than
        // any line may be; else up to the last line end, if a new one arrived.
        let end = if input.len() > self.head_limit || input.len() - self.line_end > self.line_limit {
            input.len()
        } else if new_lf.is_some() {
            self.line_end
        } else {
            return Ok(self.partial());
        };
        let result = head.parse(&input[..end], &self.limits);
        match &result {
            Ok(Status::Complete(req)) => {
                self.scanned = 0;
                self.line_end = 0;
                self.requests += 1;
                self.method = req.method();
                self.version = req.version();
                self.keep_alive = req.is_keep_alive();
                self.expect_continue = req.expects_continue();
                self.continue_sent = false;
                self.decoder = BodyDecoder::new(req.framing(), &self.limits);
                self.reading_body = !self.decoder.is_done();
                self.state = State::Respond;
            }
            Ok(Status::Partial) => return Ok(self.partial()),
            Err(_) => self.state = State::Closed,
        }
        result
    }

    /// `Partial`, closing the connection if the peer has stopped sending.
    fn partial<T>(&mut self) -> Status<T> {
        if self.peer_closed {
            self.state = State::Closed;
        }
        Status::Partial
    }

    /// Decodes request body bytes from `input` (the unconsumed bytes after the head). Returns
    /// the bytes consumed and the event; `End` once the body is complete (at once when there
    /// is none). The body can be read before or while the response is written.
    pub fn poll_body<'b>(&mut self, input: &'b [u8]) -> Result<(usize, BodyEvent<'b>), Error> {
        if !self.reading_body {
            return Ok((0, BodyEvent::End));
        }
        match self.decoder.decode(input) {
            Ok((n, Decoded::Data(data))) => {
                self.reading_body = !self.decoder.is_done();
                Ok((n, BodyEvent::Data(data)))
            }
            Ok((n, Decoded::End)) => {
                self.reading_body = false;
                Ok((n, BodyEvent::End))
            }
            Ok((n, Decoded::Partial)) => Ok((n, BodyEvent::Partial)),
            Err(e) => {
                self.reading_body = false;
                self.state = State::Closed;
                Err(e)
            }
        }
    }

    /// Whether a `100 Continue` is due before the body can arrive: the client asked for it,
    /// none was sent, no response has started and no body byte has been decoded.
    pub fn wants_continue(&self) -> bool {
        self.state == State::Respond
            && self.reading_body
            && self.expect_continue
            && !self.continue_sent
            && self.decoder.decoded() == 0
    }

    /// Writes `100 Continue` if [`Conn::wants_continue`]; returns whether it did.
    pub fn write_continue(&mut self, out: &mut Vec<u8>) -> bool {
        if !self.wants_continue() {
            return false;
        }
        self.continue_sent = true;
        out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
        true
    }

    /// Whether the current request's body has been fully decoded (or it had none).
    pub fn is_body_done(&self) -> bool {
        !self.reading_body
    }

    /// Writes the response to the current request, with a complete body.
    ///
    /// A response the encoder cannot send as a final response (a header the handler got
    /// wrong, or a 1xx status, which the peer would take as interim and desynchronise on) is
    /// replaced by a 500.
    pub fn write_response(&mut self, res: &Response, date: &HttpDate, out: &mut Vec<u8>) {
        if res.misuse().is_some() || res.status().is_informational() {
            self.encode(&internal_error(), ResponseBody::Full, date, out);
        } else {
            self.encode(res, ResponseBody::Full, date, out);
        }
    }

    /// Writes the status line and headers of a streamed response; the body follows with
    /// [`Conn::write_body_chunk`] and [`Conn::finish_body`]. `res`'s own body is ignored.
    /// Misuse and 1xx statuses are replaced by a complete 500, as in [`Conn::write_response`].
    pub fn write_streaming_head(&mut self, res: &Response, date: &HttpDate, out: &mut Vec<u8>) {
        if res.misuse().is_some() || res.status().is_informational() {
            self.encode(&internal_error(), ResponseBody::Full, date, out);
        } else {
            self.encode(res, ResponseBody::Streaming, date, out);
        }
    }

    /// Writes part of a streamed body.
    pub fn write_body_chunk(&mut self, data: &[u8], out: &mut Vec<u8>) {
        match self.state {
            State::Streaming { chunked: true } => write_chunk(out, data),
            State::Streaming { chunked: false } => out.extend_from_slice(data),
            _ => {}
        }
    }

    /// Ends a streamed body.
    pub fn finish_body(&mut self, out: &mut Vec<u8>) {
        if let State::Streaming { chunked } = self.state {
            if chunked {
                write_last_chunk(out);
                self.end_exchange();
            } else {
                self.state = State::Closed;
            }
        }
    }

    fn encode(&mut self, res: &Response, body: ResponseBody, date: &HttpDate, out: &mut Vec<u8>) {
        if self.state != State::Respond {
            // No request is awaiting a response; writing one would desynchronise the peer.
            return;
        }
        let status = res.status();
        // An unread body would be parsed as the next request: close instead.
        if self.reading_body || res.wants_close() {
            self.keep_alive = false;
        }
        // A 2xx to CONNECT turns the connection into a tunnel (RFC 9110 section 9.3.6): no
        // framing headers, and this codec is done with the connection.
        let tunnel = self.method == Method::Connect && (200..300).contains(&status.as_u16());
        let chunked = body == ResponseBody::Streaming && self.version == Version::Http11 && !tunnel;
        if body == ResponseBody::Streaming && !chunked {
            // HTTP/1.0 has no chunked coding: the body ends when the connection does.
            self.keep_alive = false;
        }

        // Room for everything at once: the copies below then never grow the buffer.
        let (content_type, headers, bytes, parts) =
            (res.content_type_line(), res.header_bytes(), res.body(), res.static_parts());
        let body_len = if parts.is_empty() { bytes.len() } else { res.body_len() };
        out.reserve(128 + content_type.len() + headers.len() + body_len);
        write_status_line(out, status);
        out.extend_from_slice(date.line());
        out.extend_from_slice(content_type);
        out.extend_from_slice(headers);
        let no_body = status.forbids_body() || tunnel;
        if !no_body {
            match body {
                ResponseBody::Full => write_content_length(out, body_len as u64),
                ResponseBody::Streaming if chunked => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
                ResponseBody::Streaming => {}
            }
        }
        if !self.keep_alive && !tunnel {
            out.extend_from_slice(b"Connection: close\r\n");
        } else if self.version == Version::Http10 && !tunnel {
            out.extend_from_slice(b"Connection: keep-alive\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if tunnel {
            self.state = State::Closed;
            return;
        }
        let send_body = !no_body && self.method != Method::Head;
        match body {
            ResponseBody::Full => {
                if send_body {
                    out.extend_from_slice(bytes);
                    if !parts.is_empty() {
                        extend_parts(out, parts);
                    }
                }
                self.end_exchange();
            }
            ResponseBody::Streaming if send_body => self.state = State::Streaming { chunked },
            ResponseBody::Streaming => self.end_exchange(),
        }
    }

    fn end_exchange(&mut self) {
        self.state = if self.keep_alive && !self.reading_body { State::Head } else { State::Closed };
    }

    /// Writes the response to a refused request (its status, `Connection: close`, and the
    /// error's text as body) and closes the connection. Once a response has started, nothing
    /// can be added to it: the connection just closes.
    pub fn write_error(&mut self, error: Error, date: &HttpDate, out: &mut Vec<u8>) {
        self.write_refusal(error.status(), error.as_str(), date, out);
    }

    /// Writes `408 Request Timeout` (with `Connection: close`) and closes the connection: the
    /// driver's answer to a request head or body that did not arrive in time (RFC 9110
    /// section 15.5.9). As with [`Conn::write_error`], nothing is written once a response has
    /// started.
    pub fn write_timeout(&mut self, date: &HttpDate, out: &mut Vec<u8>) {
        self.write_refusal(StatusCode::REQUEST_TIMEOUT, "request timed out", date, out);
    }

    fn write_refusal(&mut self, status: StatusCode, text: &str, date: &HttpDate, out: &mut Vec<u8>) {
        if matches!(self.state, State::Streaming { .. }) {
            self.state = State::Closed;
            return;
        }
        write_status_line(out, status);
        out.extend_from_slice(date.line());
        out.extend_from_slice(b"Content-Type: text/plain\r\n");
        write_content_length(out, text.len() as u64);
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(text.as_bytes());
        self.state = State::Closed;
    }

    /// The peer shut down its sending side. A request whose body is unfinished is dropped;
    /// complete requests still in the driver's buffer are answered: the driver keeps calling
    /// [`Conn::poll_head`] on them, and the first `Partial` closes the connection.
    pub fn handle_eof(&mut self) {
        self.peer_closed = true;
        if self.reading_body {
            self.reading_body = false;
            self.state = State::Closed;
        }
    }

    /// Whether the connection is done: flush the output, then close the socket.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Whether the connection waits for a new request head (between exchanges).
    pub fn is_idle(&self) -> bool {
        self.state == State::Head
    }

    /// Requests parsed on this connection so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }
}

/// The response that replaces one the encoder refuses to send.
fn internal_error() -> Response {
    let mut res = Response::new();
    res.set_status(StatusCode::INTERNAL_SERVER_ERROR);
    res
}

#[cfg(test)]
mod tests;

/// Appends a body's static parts ([`Response::push_static`]), out of line: most bodies have
/// none.
#[cold]
#[inline(never)]
fn extend_parts(out: &mut Vec<u8>, parts: &[&[u8]]) {
    for part in parts {
        out.extend_from_slice(part);
    }
}
