//! One connection: read, parse, route, answer, with the timeouts.
//!
//! The loop is the one from `dext_http::h1::conn`'s docs, over a non-blocking stream:
//!
//! 1. Parse the next head from the unparsed bytes. While it is incomplete, send what is
//!    answered so far (pipelined responses go out in one write), then read: up to the idle
//!    timeout between requests, up to the header deadline once a request has started.
//! 2. Read the body into a reusable buffer (each wait up to the body timeout), unless the
//!    route streams bodies: then the handler reads it while it arrives (`crate::body`).
//! 3. Run the handler (a panic becomes a 500; the connection lives on), encode the response
//!    after the earlier ones, and go to 1.
//!
//! Buffers (read, write, body, the parsed head and the response) come from a per-worker pool
//! and go back to it, so an established connection allocates nothing per request, and a new
//! one allocates only its task.

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, RawWakerVTable};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dext_http::h1::{BodyEvent, Conn, Head, HttpDate, Limits, Status};
use dext_http::{Addresses, Body, BodyError, BodyMode, Response, StatusCode};
use dext_rt::net::TcpStream;
use dext_rt::tasks::WaitForCancellation;
use dext_rt::time::{Sleep, sleep_until, timeout, timeout_at};

use crate::Timeouts;
use crate::body::Incoming;
use crate::epoll::Shared;
use crate::instrument::{Exchange, Unsent};

/// The read buffer's first size; it grows (by doubling) while a head does not fit.
const READ_BUFFER: usize = 16 * 1024;
/// Responses are sent once this much is waiting, even in the middle of a pipelined batch.
const WRITE_BATCH: usize = 64 * 1024;
/// After the last response of a closing connection, how long unread input is drained so that
/// the close does not turn into a reset that destroys the response.
const LINGER: Duration = Duration::from_millis(500);

/// A connection's reusable state.
struct Buffers {
    input: Vec<u8>,
    out: Vec<u8>,
    body: Vec<u8>,
    head: Head,
    res: Response,
}

thread_local! {
    /// Buffers of closed connections, for the next ones on this worker.
    // Boxed so that lending and returning a set moves one pointer, not the whole struct.
    #[allow(clippy::vec_box)]
    static POOL: RefCell<Vec<Box<Buffers>>> = const { RefCell::new(Vec::new()) };
    /// The `Date` value, and when (on the worker's clock) to read the wall clock again.
    static DATE: RefCell<(HttpDate, Instant)> = RefCell::new((HttpDate::from_unix(unix_now()), Instant::now()));
}

/// How many buffer sets wait in this thread's pool (on a worker: the sets that neither an
/// open connection mid-request nor a closed one holds). For tests and diagnostics.
pub(crate) fn pooled_buffer_sets() -> usize {
    POOL.with(|p| p.borrow().len())
}

/// Pooled buffers kept per worker, beyond which closed connections' buffers are freed.
const POOL_MAX: usize = 256;

/// How often the wall clock is read for the `Date` value. The worker's clock (read once per
/// loop iteration) says when; a second's value may thus show up to this much late.
const DATE_CHECK: Duration = Duration::from_millis(50);

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The current `Date` value.
fn date() -> HttpDate {
    DATE.with(|d| {
        let mut d = d.borrow_mut();
        let now = dext_rt::time::now();
        if now >= d.1 {
            d.0.update(unix_now());
            d.1 = now + DATE_CHECK;
        }
        d.0
    })
}

impl Buffers {
    fn take(limits: &Limits) -> Box<Buffers> {
        POOL.with(|p| p.borrow_mut().pop()).unwrap_or_else(|| {
            Box::new(Buffers {
                input: vec![0; READ_BUFFER],
                out: Vec::with_capacity(READ_BUFFER),
                body: Vec::new(),
                head: Head::new(limits),
                res: Response::new(),
            })
        })
    }

    fn give_back(mut self: Box<Self>) {
        self.out.clear();
        self.body.clear();
        if self.input.len() > READ_BUFFER * 4 {
            self.input.truncate(READ_BUFFER);
            self.input.shrink_to_fit();
        }
        POOL.with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < POOL_MAX {
                p.push(self);
            }
        });
    }
}

/// Serves one connection until it closes.
pub(crate) async fn serve(stream: TcpStream, addrs: Addresses, shared: &Shared) {
    let mut held = None;
    if exchange(&stream, &addrs, shared, &mut held).await.is_ok() {
        let bufs = held.get_or_insert_with(|| Buffers::take(&shared.limits));
        linger(&stream, &mut bufs.input).await;
    }
    if let Some(bufs) = held {
        bufs.give_back();
    }
}

/// Why a connection loop stopped early: the stream failed, or the peer stopped taking the
/// response in time.
type Outcome = io::Result<()>;

/// Serves requests until the connection is done. The buffers are held (`held`) while there
/// is work; a connection waiting for its next request gives them back to the worker's pool,
/// so that idle connections hold none and busy ones take turns with the same few, which stay
/// in the cache.
async fn exchange(stream: &TcpStream, addrs: &Addresses, shared: &Shared, held: &mut Option<Box<Buffers>>) -> Outcome {
    let t = &shared.timeouts;
    let mut conn = Conn::new(shared.limits.clone());
    // One timer and one shutdown wait for the whole connection (see `Deadline`).
    // When the head being read must be complete; `None` while idle between requests. The
    // connection's first head is due `header` after it opened.
    let first_head = dext_rt::time::now() + t.header;
    let mut head_deadline = Some(first_head);
    let mut timer = Deadline::new(first_head);
    let mut stopping = shared.stop.cancelled();
    // `input[start..end]` holds the bytes not consumed yet.
    let (mut start, mut end) = (0, 0);
    // The `Date` value for the responses of the current batch: taken once per read (a
    // pipelined batch shares it), and again after a handler that had to wait.
    let mut stamp: Option<HttpDate> = None;
    // When the bytes of the current batch arrived, for telemetry: the clock is read once per
    // read, by the batch's first request (see `HttpTelemetry::begin`).
    let mut arrived: Option<dext_telemetry::clock::Ticks> = None;
    // Requests answered and not yet written: their durations end with the write.
    let mut unsent = Unsent::new(shared.telemetry.as_ref());
    loop {
        let Buffers { input, out, body, head, res } = &mut **held.get_or_insert_with(|| Buffers::take(&shared.limits));
        let head_len = match conn.poll_head(&input[start..end], head) {
            Ok(Status::Complete(req)) => req.len(),
            Ok(Status::Partial) => {
                if conn.is_closed() {
                    break;
                }
                if !out.is_empty() {
                    send(stream, out, t.write, &mut unsent).await?;
                }
                // Keep the unparsed bytes at the front, and room after them.
                if start > 0 {
                    input.copy_within(start..end, 0);
                    end -= start;
                    start = 0;
                }
                if end == input.len() {
                    input.resize(input.len() * 2, 0);
                }
                let n = if end == 0 && head_deadline.is_none() {
                    // Idle between requests: read what is there, else wait for the next
                    // request, or for shutdown.
                    if shared.stop.is_cancelled() {
                        break;
                    }
                    // Not charged to the task's budget: the response's write is.
                    match stream.try_read(&mut input[end..]) {
                        Ok(n) => n,
                        Err(e) if e.kind() != io::ErrorKind::WouldBlock => return Err(e),
                        Err(_) => {
                            // Nothing buffered, nothing to send, nothing to read yet: wait
                            // with the buffers back in the pool (`input[..end]` is empty).
                            if let Some(bufs) = held.take() {
                                bufs.give_back();
                            }
                            timer.set(dext_rt::time::now() + t.idle);
                            if wait_readable(stream, &mut timer, &mut stopping).await {
                                continue;
                            }
                            break;
                        }
                    }
                } else {
                    let deadline = *head_deadline.get_or_insert_with(|| dext_rt::time::now() + t.header);
                    timer.set(deadline);
                    match read_before(stream, &mut input[end..], &mut timer, None).await {
                        Some(n) => n?,
                        None => {
                            // Slowloris, or a client that went quiet mid-head: 408, close.
                            conn.write_timeout(&date(), out);
                            break;
                        }
                    }
                };
                if n == 0 {
                    conn.handle_eof();
                } else {
                    // A head has started: its deadline is set when the connection first
                    // waits for the rest of it (below), which a head read whole never does.
                    end += n;
                    stamp = None;
                    arrived = None;
                }
                continue;
            }
            Err(e) => {
                conn.write_error(e, &date(), out);
                break;
            }
        };
        head_deadline = None;

        let mut pos = start + head_len;
        // The request's telemetry (when on) and the route that served it.
        let mut exchange_telemetry = None;
        let route;
        let streamed =
            !conn.is_body_done() && shared.app.body_mode(&head.view(&input[start..end])) == BodyMode::Streamed;
        if streamed {
            // The handler reads the body while it arrives. A client that waits for
            // `100 Continue` gets it now, after the responses before this one.
            if conn.write_continue(out) {
                send(stream, out, t.write, &mut unsent).await?;
            }
            let req = head.view(&input[start..end]);
            if let Some(tel) = &shared.telemetry {
                tel.begin(&req, &mut arrived, &mut exchange_telemetry, &mut unsent);
            }
            let current = exchange_telemetry.as_ref().and_then(Exchange::context);
            let incoming = Incoming::new(stream, &mut conn, &mut timer, t.body, &input[pos..end], body);
            let served = {
                let handler = pin!(shared.app.serve_from(req, Body::Stream(&incoming), res, addrs));
                run_handler(handler, &mut stamp, current).await
            };
            let completed = served.is_some();
            route = served.flatten();
            let left = incoming.finish();
            if let Some(failed) = left.failed {
                // The body failed: the exchange ends here, with the status of the refusal
                // (the handler's where none is sent), and so does the connection.
                let status = match &failed {
                    BodyError::Invalid(e) => e.status(),
                    BodyError::TimedOut => StatusCode::REQUEST_TIMEOUT,
                    BodyError::Closed | BodyError::Io(_) => res.status(),
                };
                if let (Some(tel), Some(ex)) = (&shared.telemetry, &mut exchange_telemetry) {
                    tel.end(ex, route, status, &mut unsent);
                }
                match failed {
                    BodyError::Invalid(e) => conn.write_error(e, &date(), out),
                    BodyError::TimedOut => conn.write_timeout(&date(), out),
                    BodyError::Closed => {}
                    BodyError::Io(kind) => return Err(kind.into()),
                }
                return send(stream, out, t.write, &mut unsent).await;
            }
            pos += left.early_used;
            if !left.raw.is_empty() {
                // Read past the body (the body used every byte of the head's read): the
                // start of the next request, which goes where unparsed bytes belong.
                let n = left.raw.len();
                if input.len() < n {
                    input.resize(n, 0);
                }
                input[..n].copy_from_slice(&body[left.raw]);
                (pos, end) = (0, n);
            }
            if !completed {
                res.reset();
                res.set_status(StatusCode::INTERNAL_SERVER_ERROR);
            }
        } else {
            body.clear();
            if !conn.is_body_done()
                && !read_body(
                    stream,
                    &mut conn,
                    input,
                    start + head_len,
                    &mut end,
                    &mut pos,
                    body,
                    &mut timer,
                    t,
                    out,
                    &mut unsent,
                )
                .await?
            {
                return send(stream, out, t.write, &mut unsent).await;
            }
            let req = head.view(&input[start..end]);
            if let Some(tel) = &shared.telemetry {
                tel.begin(&req, &mut arrived, &mut exchange_telemetry, &mut unsent);
            }
            let current = exchange_telemetry.as_ref().and_then(Exchange::context);
            // Pinned where it is built: the handler's future is large (its storage is inline),
            // and each move of it is a copy.
            let served = {
                let handler = pin!(shared.app.serve_from(req, Body::Full(body), res, addrs));
                run_handler(handler, &mut stamp, current).await
            };
            let completed = served.is_some();
            route = served.flatten();
            if !completed {
                res.reset();
                res.set_status(StatusCode::INTERNAL_SERVER_ERROR);
            }
        }
        if shared.stop.is_cancelled() {
            // Shutting down: this is the connection's last response.
            res.close();
        }
        conn.write_response(res, stamp.get_or_insert_with(date), out);
        if let (Some(tel), Some(ex)) = (&shared.telemetry, &mut exchange_telemetry) {
            tel.end(ex, route, res.status(), &mut unsent);
        }
        start = pos;
        if conn.is_closed() {
            break;
        }
        if out.len() >= WRITE_BATCH {
            send(stream, out, t.write, &mut unsent).await?;
        }
    }
    match held {
        Some(bufs) => send(stream, &mut bufs.out, t.write, &mut unsent).await,
        None => Ok(()),
    }
}

/// Reads and decodes the current request's body into `body` (cleared first), keeping the head
/// in place at `input[..head_end]`; `*pos` and `*end` follow the unread bytes. `false` when
/// the body failed (its error response is in `out`, and the connection closes).
#[allow(clippy::too_many_arguments)]
async fn read_body(
    stream: &TcpStream,
    conn: &mut Conn,
    input: &mut Vec<u8>,
    head_end: usize,
    end: &mut usize,
    pos: &mut usize,
    body: &mut Vec<u8>,
    timer: &mut Deadline,
    t: &Timeouts,
    out: &mut Vec<u8>,
    unsent: &mut Unsent<'_>,
) -> io::Result<bool> {
    loop {
        match conn.poll_body(&input[*pos..*end]) {
            Ok((n, BodyEvent::Data(d))) => {
                body.extend_from_slice(d);
                *pos += n;
            }
            Ok((n, BodyEvent::End)) => {
                *pos += n;
                return Ok(true);
            }
            Ok((n, BodyEvent::Partial)) => {
                *pos += n;
                conn.write_continue(out);
                send(stream, out, t.write, unsent).await?;
                // Make room after the unread body bytes, keeping the head in place.
                if *pos == *end {
                    *end = head_end;
                    *pos = head_end;
                }
                if *end == input.len() {
                    input.resize(input.len() * 2, 0);
                }
                timer.set(dext_rt::time::now() + t.body);
                match read_before(stream, &mut input[*end..], timer, None).await {
                    Some(Ok(0)) => {
                        conn.handle_eof();
                        return Ok(false);
                    }
                    Some(Ok(n)) => *end += n,
                    Some(Err(e)) => return Err(e),
                    None => {
                        conn.write_timeout(&date(), out);
                        return Ok(false);
                    }
                }
            }
            Err(e) => {
                conn.write_error(e, &date(), out);
                return Ok(false);
            }
        }
    }
}

/// Awaits a handler's future on this task (a request needs no task of its own), catching a
/// panic in any of its polls: its output, or `None` if it panicked. A handler that waits
/// makes the batch's `Date` value (`stamp`) stale. `current` (the request's span) is the
/// thread's current trace context during each poll.
async fn run_handler<F: Future>(
    mut fut: Pin<&mut F>,
    stamp: &mut Option<HttpDate>,
    current: Option<&dext_telemetry::trace::SpanContext>,
) -> Option<F::Output> {
    poll_fn(|cx| {
        let _entered = current.map(|cx| dext_telemetry::trace::enter(*cx));
        match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(out)) => Poll::Ready(Some(out)),
            Ok(Poll::Pending) => {
                *stamp = None;
                Poll::Pending
            }
            Err(_) => Poll::Ready(None),
        }
    })
    .await
}

/// A connection's one timer, re-armed lazily. Each wait sets when it must end; the timer is
/// moved only when that is earlier than where it is armed. When it fires before the current
/// deadline (because the deadline moved later since it was armed, as it does with every
/// keep-alive request), it is re-armed then. So a connection that keeps receiving requests
/// touches the timer wheel about once per idle period, not once per read.
pub(crate) struct Deadline {
    sleep: Sleep,
    at: Instant,
    /// The waker (data and vtable pointers) that the armed sleep registered, while that
    /// registration stands: polling again with the same waker before the sleep's deadline
    /// then needs no trip to the timer wheel.
    armed: Option<(usize, usize)>,
}

impl Deadline {
    fn new(at: Instant) -> Deadline {
        Deadline { sleep: sleep_until(at), at, armed: None }
    }

    pub(crate) fn set(&mut self, at: Instant) {
        self.at = at;
        if at < self.sleep.deadline() {
            self.sleep.reset(at);
            self.armed = None;
        }
    }

    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let waker = cx.waker();
        let id = (waker.data() as usize, waker.vtable() as *const RawWakerVTable as usize);
        // The wheel drops an entry only when it fires it (once the worker's clock has reached
        // its deadline: deadlines round up, and the clock is set before firing) or when the
        // sleep is reset (which disarms). So before the deadline, the registration stands.
        // (Every deadline here is within a year, `MAX_TIMEOUT`, far inside the wheel's range.)
        if self.armed == Some(id) && dext_rt::time::now() < self.sleep.deadline() {
            return Poll::Pending;
        }
        self.armed = None;
        while self.sleep.poll_elapsed(cx).is_ready() {
            if dext_rt::time::now() >= self.at {
                return Poll::Ready(());
            }
            self.sleep.reset(self.at);
        }
        self.armed = Some(id);
        Poll::Pending
    }
}

/// Reads into `buf` unless the deadline passes (or `stop` fires) first: `None` then.
async fn read_before(
    stream: &TcpStream,
    buf: &mut [u8],
    deadline: &mut Deadline,
    mut stop: Option<&mut WaitForCancellation>,
) -> Option<io::Result<usize>> {
    let mut read = pin!(stream.read(buf));
    poll_fn(|cx| {
        if let Poll::Ready(r) = read.as_mut().poll(cx) {
            return Poll::Ready(Some(r));
        }
        if let Some(stop) = stop.as_deref_mut() {
            if stop.poll_cancelled(cx).is_ready() {
                return Poll::Ready(None);
            }
        }
        deadline.poll_expired(cx).map(|()| None)
    })
    .await
}

/// Waits until the stream may be readable: `false` if the deadline passes or the server
/// stops first.
async fn wait_readable(stream: &TcpStream, deadline: &mut Deadline, stop: &mut WaitForCancellation) -> bool {
    poll_fn(|cx| {
        if stream.poll_read_ready(cx).is_ready() {
            return Poll::Ready(true);
        }
        if stop.poll_cancelled(cx).is_ready() {
            return Poll::Ready(false);
        }
        deadline.poll_expired(cx).map(|()| false)
    })
    .await
}

/// Sends everything in `out`, each wait up to `limit`.
/// Writes `out` (as `flush`), then ends the durations of the requests it answered.
async fn send(stream: &TcpStream, out: &mut Vec<u8>, limit: Duration, unsent: &mut Unsent<'_>) -> Outcome {
    let r = flush(stream, out, limit).await;
    unsent.settle();
    r
}

async fn flush(stream: &TcpStream, out: &mut Vec<u8>, limit: Duration) -> Outcome {
    if out.is_empty() {
        return Ok(());
    }
    // Usually the whole batch goes out at once, in this poll; a timer is armed only if not.
    let mut sent = 0;
    let result = match poll_fn(|cx| Poll::Ready(write_some(stream, cx, out, &mut sent))).await {
        Poll::Ready(r) => r,
        Poll::Pending => match timeout(limit, stream.write_all(&out[sent..])).await {
            Ok(r) => r,
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "the peer stopped reading")),
        },
    };
    out.clear();
    result
}

/// Writes `out[*sent..]` until all of it is sent (`Ready`) or the socket is full (`Pending`,
/// with `*sent` advanced and the waker registered).
#[inline]
fn write_some(stream: &TcpStream, cx: &mut Context<'_>, out: &[u8], sent: &mut usize) -> Poll<Outcome> {
    while *sent < out.len() {
        match stream.poll_write(cx, &out[*sent..]) {
            Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
            Poll::Ready(Ok(n)) => *sent += n,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
    }
    Poll::Ready(Ok(()))
}

/// Half-closes, then reads and discards what the peer still sends for a moment.
async fn linger(stream: &TcpStream, scratch: &mut [u8]) {
    if stream.shutdown(std::net::Shutdown::Write).is_err() {
        return;
    }
    let deadline = dext_rt::time::now() + LINGER;
    while let Ok(Ok(n)) = timeout_at(deadline, stream.read(scratch)).await {
        if n == 0 {
            break;
        }
    }
}
