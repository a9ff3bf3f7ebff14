//! The completion loop: worker threads take completions from one port, to which the request
//! queue is bound, and move each exchange along: receive → (body) → handler → send →
//! receive again. Handlers are the same async handlers the Linux server runs; a handler's
//! future is a task of this executor, polled by whichever worker takes its wake-up.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::task::{Context, Poll, Wake, Waker};

use dext_http::h1::{FieldName, Framing, Head, Limits, MethodName, RequestLine};
use dext_http::{Addresses, App, Body, Response, StatusCode, Version};
use dext_sys::windows::http::{Queue, Received, RequestBuffer, ResponseFrame, Verb};
use dext_sys::windows::iocp::{Completion, CompletionPort, Op};
use windows_sys::Win32::Foundation::{ERROR_HANDLE_EOF, ERROR_MORE_DATA, NO_ERROR};
use windows_sys::Win32::Networking::HttpServer::{
    HTTP_SEND_RESPONSE_FLAG_DISCONNECT, HTTP_SEND_RESPONSE_FLAG_MORE_DATA,
};

use super::Capabilities;
use super::ops;
pub(super) use super::response::Fragment;
use super::response::{self, Fragments, GENERAL_HEADERS, Plan, Progress};

/// Completion keys: the queue's I/O, a task's wake-up, a worker's stop.
pub(super) const KEY_QUEUE: usize = 1;
const KEY_WAKE: usize = 2;
pub(super) const KEY_STOP: usize = 3;

/// The first receive buffer's size; a bigger request grows it (and the exchange keeps it).
const RECEIVE_BUFFER: usize = 8 * 1024;
/// One body read's size.
const BODY_CHUNK: usize = 64 * 1024;
/// The biggest receive buffer: a request whose head needs more is answered 431.
const MAX_RECEIVE_BUFFER: usize = 1 << 20;
/// `ERROR_OPERATION_ABORTED`, `ERROR_CONNECTION_INVALID`.
const ABORTED: u32 = 995;
const CONNECTION_INVALID: i32 = 1229;

/// What the workers share.
pub(super) struct Shared {
    pub(super) app: App,
    pub(super) limits: Limits,
    pub(super) queue: Queue,
    pub(super) port: CompletionPort,
    pub(super) caps: Capabilities,
    /// Tasks woken and waiting for a worker.
    run_queue: Mutex<VecDeque<Arc<Task>>>,
    /// Exchanges in flight (in the kernel or in a handler): shutdown waits for none.
    pub(super) live: AtomicUsize,
    /// Exchanges waiting in a receive (the others are in a body read, a handler or a send).
    pub(super) receiving: AtomicUsize,
    pub(super) stopping: AtomicBool,
    /// Fragments put in the kernel cache, sent by name when a response's part is one of them.
    pub(super) fragments: RwLock<Fragments>,
    pub(super) has_fragments: AtomicBool,
    /// Bodies longer than this are streamed in pieces of this size (where the platform can).
    pub(super) stream_above: usize,
    /// Entity-body sends made (the pieces of streamed bodies after their first), for tests.
    pub(super) body_sends: AtomicUsize,
}

impl Shared {
    pub(super) fn new(
        app: App,
        limits: Limits,
        queue: Queue,
        port: CompletionPort,
        caps: Capabilities,
        stream_above: usize,
    ) -> Shared {
        Shared {
            app,
            limits,
            queue,
            port,
            caps,
            run_queue: Mutex::new(VecDeque::new()),
            live: AtomicUsize::new(0),
            receiving: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
            fragments: RwLock::new(Fragments::new()),
            has_fragments: AtomicBool::new(false),
            stream_above,
            body_sends: AtomicUsize::new(0),
        }
    }

    fn run_queue(&self) -> MutexGuard<'_, VecDeque<Arc<Task>>> {
        self.run_queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts `n` receives: the exchanges that then go round for as long as the server runs.
    pub(super) fn start_receives(&self, n: usize) -> io::Result<()> {
        for _ in 0..n {
            self.live.fetch_add(1, Ordering::AcqRel);
            if let Err((op, e)) = self.start_receive(Op::new(Exchange::new(&self.limits)), 0) {
                self.retire(op);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Starts a receive of the next request (`id` 0) or of the rest of request `id`,
    /// counted among the exchanges waiting in a receive while it is in flight.
    fn start_receive(&self, op: Op<Exchange>, id: u64) -> Result<(), (Op<Exchange>, io::Error)> {
        self.receiving.fetch_add(1, Ordering::AcqRel);
        ops::receive(&self.queue, op, id).inspect_err(|_| {
            self.receiving.fetch_sub(1, Ordering::AcqRel);
        })
    }

    /// An exchange leaves the round (shutdown, or an error that left it unusable).
    fn retire(&self, op: Op<Exchange>) {
        drop(op);
        self.live.fetch_sub(1, Ordering::AcqRel);
    }

    /// An exchange was lost with its task (a panic outside the handler, or a handler's
    /// future dropped while waiting): a new one takes its place, so the round never
    /// shrinks while the server runs.
    fn replace_lost(&self) {
        if self.stopping.load(Ordering::Acquire) {
            self.live.fetch_sub(1, Ordering::AcqRel);
        } else if let Err((op, _)) = self.start_receive(Op::new(Exchange::new(&self.limits)), 0) {
            self.retire(op);
        }
    }
}

/// Where an exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Receive,
    Body,
    Send,
}

/// One request's state, reused for the next: the receive buffer, the assembled head, the
/// body, the response and the frame that sends it.
pub(crate) struct Exchange {
    stage: Stage,
    pub(super) id: u64,
    pub(super) buf: RequestBuffer,
    /// How much of `buf` the received request fills.
    filled: usize,
    head: Head,
    body: Vec<u8>,
    pub(super) chunk: Vec<u8>,
    response: Response,
    pub(super) frame: ResponseFrame,
    /// The Content-Length value's text, which the frame points at.
    length: [u8; 20],
    /// A refusal decided before the handler (malformed head, body too large): its status.
    refusal: Option<StatusCode>,
    /// Whether the response goes to a HEAD request (no body is sent).
    head_request: bool,
    /// Where the rest of a streamed body starts, while it is being sent.
    progress: Option<Progress>,
    /// The send flags of the response (`DISCONNECT` for a response that closes).
    flags: u32,
    /// The response was replaced by a bare 500 after a failed send.
    bare: bool,
    /// The request's connection's addresses.
    addrs: Addresses,
}

impl Exchange {
    fn new(limits: &Limits) -> Exchange {
        Exchange {
            stage: Stage::Receive,
            id: 0,
            buf: RequestBuffer::new(RECEIVE_BUFFER),
            filled: 0,
            head: Head::new(limits),
            body: Vec::new(),
            chunk: Vec::new(),
            response: Response::new(),
            frame: ResponseFrame::new(),
            length: [0; 20],
            refusal: None,
            head_request: false,
            progress: None,
            flags: 0,
            bare: false,
            addrs: Addresses::UNKNOWN,
        }
    }
}

/// A handler's run for one exchange: it owns the exchange and gives it back when done.
type Run = Pin<Box<dyn Future<Output = Op<Exchange>> + Send>>;

/// A handler's run as a task of the workers: polled by whichever worker takes its wake-up.
struct Task {
    future: Mutex<Option<Run>>,
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Drop for Task {
    fn drop(&mut self) {
        // Dropped while waiting (nothing will wake it again): its exchange went with it.
        let pending = self.future.get_mut().unwrap_or_else(|e| e.into_inner()).take().is_some();
        if pending {
            self.shared.replace_lost();
        }
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.shared.run_queue().push_back(self.clone());
            // A worker takes the packet and polls the task; if posting fails, the port is
            // gone and so is the server.
            let _ = self.shared.port.post(KEY_WAKE, 0);
        }
    }
}

/// A worker: takes completions until told to stop.
pub(super) fn worker(shared: Arc<Shared>) {
    loop {
        let c = match shared.port.wait(None) {
            Ok(Some(c)) => c,
            Ok(None) => continue,
            Err(_) => return,
        };
        match c.key {
            KEY_QUEUE => on_io(&shared, c),
            KEY_WAKE => {
                let task = shared.run_queue().pop_front();
                if let Some(task) = task {
                    poll(&shared, task);
                }
            }
            _ => return,
        }
    }
}

/// A completion of the queue's I/O.
fn on_io(shared: &Arc<Shared>, c: Completion) {
    if c.overlapped.is_null() {
        // Not an operation's completion (nothing else is posted on this key).
        return;
    }
    let mut op = ops::complete(c.overlapped);
    let stage = op.get().stage;
    match stage {
        Stage::Receive => {
            shared.receiving.fetch_sub(1, Ordering::AcqRel);
            received(shared, op, c)
        }
        Stage::Body => {
            let ex = op.get_mut();
            match c.error {
                NO_ERROR if c.bytes > 0 => {
                    let n = (c.bytes as usize).min(ex.chunk.len());
                    if ex.body.len() + n > usize::try_from(shared.limits.max_body).unwrap_or(usize::MAX) {
                        ex.refusal = Some(StatusCode::PAYLOAD_TOO_LARGE);
                        return run(shared, op);
                    }
                    ex.body.extend_from_slice(&ex.chunk[..n]);
                    read_body(shared, op);
                }
                NO_ERROR | ERROR_HANDLE_EOF => run(shared, op),
                // The client went away mid-body: nothing to answer.
                _ => rearm(shared, op),
            }
        }
        Stage::Send if c.error == NO_ERROR && op.get().progress.is_some() => send_more(shared, op),
        Stage::Send => rearm(shared, op),
    }
}

/// A receive completed: the request is read in place and assembled into the exchange's head.
fn received(shared: &Arc<Shared>, op: Op<Exchange>, c: Completion) {
    match c.error {
        NO_ERROR => {}
        ERROR_MORE_DATA => return more_data(shared, op, c.bytes as usize),
        // Cancelled (shutdown).
        ABORTED => return shared.retire(op),
        // Anything else spoiled only this receive.
        _ => return rearm(shared, op),
    }
    request(shared, op, c.bytes as usize);
}

/// Receives the next request (`id` 0) or the rest of request `id`; a buffer too small is
/// grown on the spot (`ERROR_MORE_DATA` at once comes with no completion).
fn receive(shared: &Arc<Shared>, op: Op<Exchange>, id: u64) {
    match shared.start_receive(op, id) {
        Ok(()) => {}
        Err((op, e)) if e.raw_os_error() == Some(ERROR_MORE_DATA as i32) => more_data(shared, op, 0),
        // The queue refuses receives (it is shutting down or gone).
        Err((op, _)) => shared.retire(op),
    }
}

/// The request needs a bigger buffer (`need` bytes, when http.sys said): http.sys keeps it
/// under its id, which it wrote at the start of the buffer. Past the biggest buffer, the
/// request is answered 431.
fn more_data(shared: &Arc<Shared>, mut op: Op<Exchange>, need: usize) {
    let ex = op.get_mut();
    let id = ex.buf.request_id();
    if ex.buf.len() >= MAX_RECEIVE_BUFFER {
        ex.id = id;
        ex.head_request = false;
        ex.refusal = Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        return run(shared, op);
    }
    let grown = need.max(ex.buf.len() * 2).min(MAX_RECEIVE_BUFFER);
    ex.buf.grow(grown);
    receive(shared, op, id);
}

/// A whole request head (`filled` bytes of the buffer): read in place, assembled, and
/// then its body read or its handler run.
fn request(shared: &Arc<Shared>, mut op: Op<Exchange>, filled: usize) {
    let ex = op.get_mut();
    ex.filled = filled.min(ex.buf.len());
    ex.refusal = None;
    ex.body.clear();
    let Some(req) = Received::new(&ex.buf.bytes()[..ex.filled]) else {
        return rearm(shared, op);
    };
    ex.id = req.id();
    ex.head_request = req.verb() == Verb::Known("HEAD");
    ex.addrs = Addresses { remote: req.remote_addr(), local: req.local_addr() };
    for r in req.body_chunks() {
        ex.body.extend_from_slice(&req.buffer()[r]);
    }
    let more = req.more_body();
    if let Err(e) = assemble(&mut ex.head, &req, &shared.limits) {
        ex.refusal = Some(e.status());
    } else if ex.body.len() as u64 > shared.limits.max_body {
        ex.refusal = Some(StatusCode::PAYLOAD_TOO_LARGE);
    }
    if more && ex.refusal.is_none() {
        read_body(shared, op);
    } else {
        run(shared, op);
    }
}

/// The request headers http.sys knows by number past the general ones
/// (`HttpHeaderAccept` = 20 ... `HttpHeaderUserAgent` = 40).
const REQUEST_HEADERS: [&str; 21] = [
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "Authorization",
    "Cookie",
    "Expect",
    "From",
    "Host",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Max-Forwards",
    "Proxy-Authorization",
    "Referer",
    "Range",
    "TE",
    "Translate",
    "User-Agent",
];

/// The name of the request header http.sys knows as `id`.
pub(super) fn request_header_name(id: usize) -> &'static str {
    match id.checked_sub(GENERAL_HEADERS.len()) {
        None => GENERAL_HEADERS[id],
        Some(i) => REQUEST_HEADERS[i],
    }
}

/// The received request as a head of the codec's, pointing into the receive buffer: the
/// known headers (in http.sys's order of ids, named from the table), then the others in the
/// order received.
pub(super) fn assemble(head: &mut Head, req: &Received<'_>, limits: &Limits) -> Result<(), dext_http::Error> {
    let method = match req.verb() {
        Verb::Known(name) => MethodName::Static(name),
        Verb::Unknown(Some(range)) => MethodName::At(range),
        Verb::Unknown(None) => return Err(dext_http::Error::InvalidMethod),
    };
    let version = if req.version() == (1, 0) { Version::Http10 } else { Version::Http11 };
    let target = req.raw_url().ok_or(dext_http::Error::InvalidTarget)?;
    let known = (0..GENERAL_HEADERS.len() + REQUEST_HEADERS.len())
        .filter_map(|id| req.known_header(id).map(|v| (FieldName::Static(request_header_name(id)), v)));
    let unknown = req.unknown_headers().map(|(name, value)| (FieldName::At(name), value));
    let framing = match req.known_header(11).and_then(|r| std::str::from_utf8(&req.buffer()[r]).ok()?.parse().ok()) {
        Some(0) | None => Framing::None,
        Some(n) => Framing::Length(n),
    };
    head.assemble(req.buffer(), RequestLine { method, version, target }, known.chain(unknown), framing, limits)
}

/// Reads the next piece of the body.
fn read_body(shared: &Arc<Shared>, mut op: Op<Exchange>) {
    let ex = op.get_mut();
    ex.stage = Stage::Body;
    if ex.chunk.len() < BODY_CHUNK {
        ex.chunk.resize(BODY_CHUNK, 0);
    }
    match ops::receive_body(&shared.queue, op) {
        Ok(()) => {}
        // The end of the body, known at once.
        Err((op, e)) if e.raw_os_error() == Some(ERROR_HANDLE_EOF as i32) => run(shared, op),
        // The body cannot be read (the client left, or the request was cancelled): the
        // handler never sees part of a body as if it were all of it.
        Err((mut op, _)) => {
            op.get_mut().refusal = Some(StatusCode::BAD_REQUEST);
            run(shared, op);
        }
    }
}

/// Runs the handler (or the refusal) for a complete request, as a task polled here first.
fn run(shared: &Arc<Shared>, op: Op<Exchange>) {
    let app = shared.clone();
    let future = async move {
        let mut op = op;
        serve(&app.app, op.get_mut()).await;
        op
    };
    let task = Arc::new(Task {
        future: Mutex::new(Some(Box::pin(future))),
        queued: AtomicBool::new(false),
        shared: shared.clone(),
    });
    poll(shared, task);
}

/// Polls a task; a finished one sends its response.
fn poll(shared: &Arc<Shared>, task: Arc<Task>) {
    task.queued.store(false, Ordering::Release);
    let waker = Waker::from(task.clone());
    let mut cx = Context::from_waker(&waker);
    let mut slot = task.future.lock().unwrap_or_else(|e| e.into_inner());
    let Some(future) = slot.as_mut() else { return };
    // `serve` catches the handler's panics; this catches anything else, so that a worker
    // never dies (the exchange is then lost with the future, and leaves the round).
    match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
        Ok(Poll::Ready(op)) => {
            *slot = None;
            drop(slot);
            send(shared, op);
        }
        Ok(Poll::Pending) => {}
        Err(_) => {
            *slot = None;
            shared.replace_lost();
        }
    }
}

/// The app's answer (or the refusal) in the exchange's response; a panicking handler's is a
/// 500.
async fn serve(app: &App, ex: &mut Exchange) {
    let Exchange { buf, head, body, response, refusal, filled, addrs, .. } = ex;
    if let Some(status) = refusal {
        response.reset();
        response.set_status(*status);
        response.close();
        return;
    }
    let finished = {
        let view = head.view(&buf.bytes()[..*filled]);
        let mut fut = std::pin::pin!(app.serve_from(view, Body::Full(body), &mut *response, addrs));
        std::future::poll_fn(|cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(_)) => Poll::Ready(true),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(false),
        })
        .await
    };
    if !finished {
        response.reset();
        response.set_status(StatusCode::INTERNAL_SERVER_ERROR);
    }
}

/// Sends the exchange's response: headers and the body, or its first piece when it is
/// streamed.
fn send(shared: &Arc<Shared>, mut op: Op<Exchange>) {
    let ex = op.get_mut();
    ex.stage = Stage::Send;
    let guard = shared.has_fragments.load(Ordering::Acquire).then(|| shared.fragments.read());
    let fragments = guard.as_ref().and_then(|f| f.as_ref().ok()).map(|f| &**f);
    let plan = Plan {
        fragments: fragments.filter(|_| shared.caps.cache),
        stream_above: shared.caps.streaming.then_some(shared.stream_above),
    };
    let Exchange { response, frame, length, head_request, progress, flags, .. } = ex;
    *progress = match response::frame(response, frame, length, *head_request, &plan) {
        Ok(p) => p,
        Err(_) => {
            // The response cannot be expressed (a header over 64 KiB): a bare 500.
            response.reset();
            response.set_status(StatusCode::INTERNAL_SERVER_ERROR);
            response::frame(response, frame, length, *head_request, &plan).unwrap_or(None)
        }
    };
    *flags = if response.wants_close() { HTTP_SEND_RESPONSE_FLAG_DISCONNECT } else { 0 };
    let mut first = *flags;
    if progress.is_some() {
        // The rest follows with HttpSendResponseEntityBody; the last piece carries the
        // response's own flags.
        first = HTTP_SEND_RESPONSE_FLAG_MORE_DATA;
    }
    // The kernel caches whole responses only (not streamed ones).
    let cache = response.cache_hint().filter(|_| shared.caps.cache && progress.is_none()).map(super::policy);
    drop(guard);
    if let Err((op, e)) = ops::send(&shared.queue, op, first, cache) {
        send_failed(shared, op, e);
    }
}

/// A send refused at once. The client gone (`ERROR_CONNECTION_INVALID`) needs nothing; for
/// anything else the request would wait for an answer that never comes, so it gets a bare
/// 500 that closes the connection (once).
fn send_failed(shared: &Arc<Shared>, mut op: Op<Exchange>, e: io::Error) {
    let ex = op.get_mut();
    if e.raw_os_error() == Some(CONNECTION_INVALID) || ex.bare {
        return rearm(shared, op);
    }
    ex.bare = true;
    ex.progress = None;
    response::bare(&mut ex.frame, &mut ex.length, StatusCode::INTERNAL_SERVER_ERROR);
    if let Err((op, _)) = ops::send(&shared.queue, op, HTTP_SEND_RESPONSE_FLAG_DISCONNECT, None) {
        rearm(shared, op);
    }
}

/// Sends the next piece of a streamed body (only where the platform streams: under Wine
/// `HttpSendResponseEntityBody` aborts the process, and bodies go in one send).
fn send_more(shared: &Arc<Shared>, mut op: Op<Exchange>) {
    let ex = op.get_mut();
    let Some(from) = ex.progress else { return rearm(shared, op) };
    let plan = Plan { fragments: None, stream_above: Some(shared.stream_above) };
    let Exchange { response, frame, progress, flags, .. } = ex;
    frame.clear();
    *progress = response::body(response, frame, from, Some(shared.stream_above), &plan).unwrap_or(None);
    let flags = if progress.is_some() { HTTP_SEND_RESPONSE_FLAG_MORE_DATA } else { *flags };
    shared.body_sends.fetch_add(1, Ordering::Relaxed);
    if let Err((op, _)) = ops::send_body(&shared.queue, op, flags) {
        // The response has started: nothing more can be said on it.
        rearm(shared, op);
    }
}

/// The exchange goes round again: a new receive, unless the server is stopping.
fn rearm(shared: &Arc<Shared>, mut op: Op<Exchange>) {
    if shared.stopping.load(Ordering::Acquire) {
        return shared.retire(op);
    }
    let ex = op.get_mut();
    ex.stage = Stage::Receive;
    ex.id = 0;
    ex.progress = None;
    ex.bare = false;
    receive(shared, op, 0);
}
