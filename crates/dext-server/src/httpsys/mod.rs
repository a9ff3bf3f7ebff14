//! The Windows backend: the same [`App`] served by http.sys, the kernel's HTTP driver (the
//! stack under IIS), through `httpapi.dll`.
//!
//! ```text
//!   http.sys (kernel): connections, parsing, keep-alive, prefixes shared across processes
//!        │ request queue ── bound to one completion port
//!        ▼
//!   workers ── each: take a completion ─▶ assemble the head in place ─▶ App ─▶ send frame
//!        ▲                                                                   │
//!        └────────────── the exchange is re-armed as the next receive ◀───────┘
//! ```
//!
//! The server registers URL prefixes (`http://+:8080/app/`) rather than binding a socket, so
//! several processes, IIS among them, share one port by prefix. Each exchange (receive
//! buffer, head, body, response) goes round: receive, body reads, handler, send, receive
//! again; a fixed number are outstanding, so many connections are served by a few threads
//! with no copy of header bytes (the head points into the receive buffer) and no copy of the
//! response body (the frame points into the response).
//!
//! What the platform supports is found at start ([`Capabilities`]): under Wine (detected by
//! `ntdll!wine_get_version`) the kernel cache, entity-body streaming, timeouts and
//! `HttpShutdownRequestQueue` are missing or abort the process, so they are never called
//! there, and shutdown cancels the queue's I/O instead.

mod driver;
mod ops;
mod response;

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dext_http::h1::Limits;
use dext_http::{App, CacheHint};
use dext_sys::windows::http::{Api, CachePolicy, Queue, Session, Timeouts as SysTimeouts, UrlGroup};
use dext_sys::windows::iocp::CompletionPort;

use crate::{HttpTelemetry, Timeouts};
use driver::{KEY_QUEUE, KEY_STOP, Shared};

/// What this platform's http.sys supports, found at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Running under Wine (its version string is [`dext_sys::windows::wine_version`]).
    pub wine: bool,
    /// The kernel response and fragment cache (`HttpAddFragmentToCache`, cache policies).
    pub cache: bool,
    /// Entity-body streaming (`HttpSendResponseEntityBody`, `MORE_DATA`); without it a
    /// response goes in one buffered send.
    pub streaming: bool,
    /// Connection timeouts set on the URL groups (probed when a server starts: Wine's
    /// property setter answers `ERROR_CALL_NOT_IMPLEMENTED`).
    pub timeouts: bool,
    /// `HttpShutdownRequestQueue`; without it shutdown cancels the queue's I/O.
    pub shutdown: bool,
}

impl Capabilities {
    /// What the platform offers: under Wine, the core loop only; on Windows, everything but
    /// what a property setter reports as not implemented (timeouts are probed at start).
    pub fn detect() -> Capabilities {
        let wine = dext_sys::windows::wine_version().is_some();
        Capabilities { wine, cache: !wine, streaming: !wine, timeouts: !wine, shutdown: !wine }
    }
}

/// Receives kept pending under Wine by default (see `Builder::serve`).
const WINE_RECEIVES: usize = 256;

/// `ERROR_CALL_NOT_IMPLEMENTED`: what a property setter answers for what it does not do.
const NOT_IMPLEMENTED: i32 = 120;

/// The kernel's cache policy for a hint.
fn policy(hint: CacheHint) -> CachePolicy {
    match hint {
        CacheHint::For(d) => CachePolicy::for_seconds(u32::try_from(d.as_secs()).unwrap_or(u32::MAX)),
        CacheHint::UntilInvalidated => CachePolicy::until_flushed(),
    }
}

/// Configures and starts a [`Server`] on http.sys.
pub struct Builder {
    prefixes: Vec<String>,
    addr: Option<io::Result<SocketAddr>>,
    workers: Option<usize>,
    receives: usize,
    limits: Limits,
    timeouts: Timeouts,
    grace: Duration,
    stream_above: usize,
    signals: bool,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("prefixes", &self.prefixes)
            .field("addr", &self.addr)
            .field("workers", &self.workers)
            .field("receives", &self.receives)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// Per-request telemetry. Not yet recorded by the http.sys backend (the Linux server
    /// records it); accepted so that an application builds on both.
    pub fn telemetry(self, _telemetry: HttpTelemetry) -> Builder {
        self
    }

    /// Serves `http://HOST:PORT/` for the first address `addr` resolves to (port 0 picks a
    /// free port). Ignored when prefixes are given.
    pub fn bind(mut self, addr: impl ToSocketAddrs) -> Builder {
        self.addr = Some(crate::first_addr(addr));
        self
    }

    /// Adds a URL prefix to serve (`http://+:8080/app/`, ending in `/`): requests under it
    /// come to this server; other processes may serve other prefixes of the same port.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Builder {
        self.prefixes.push(prefix.into());
        self
    }

    /// The number of worker threads. Default: one per CPU.
    pub fn workers(mut self, n: usize) -> Builder {
        self.workers = Some(n.max(1));
        self
    }

    /// How many receives are outstanding (exchanges going round). Default: 32 per worker;
    /// under Wine at least 256, because Wine's http.sys can lose a request that arrives
    /// while none is pending.
    pub fn receives(mut self, n: usize) -> Builder {
        self.receives = n.max(1);
        self
    }

    /// Limits: the body size (413 past it) and the head's field count and size.
    pub fn limits(mut self, limits: Limits) -> Builder {
        self.limits = limits;
        self
    }

    /// Timeouts, set on http.sys where supported: `header` (header wait), `idle` (idle
    /// connection), `body` (entity body).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Builder {
        self.timeouts = timeouts;
        self
    }

    /// Bodies longer than this are streamed in pieces of this size (headers and the first
    /// piece with `HTTP_SEND_RESPONSE_FLAG_MORE_DATA`, then `HttpSendResponseEntityBody`),
    /// where the platform streams; elsewhere (Wine) a body goes in one send. Default: 1 MiB.
    pub fn stream_above(mut self, bytes: usize) -> Builder {
        self.stream_above = bytes.max(1);
        self
    }

    /// Whether [`Server::run`] stops on the console's stop events (Ctrl-C, Ctrl-Break, the
    /// console closing), as the Linux server stops on SIGINT and SIGTERM. When on (the
    /// default), [`Builder::serve`] installs a console control handler, after which these
    /// events no longer end the process at once.
    pub fn handle_signals(mut self, on: bool) -> Builder {
        self.signals = on;
        self
    }

    /// How long a graceful shutdown waits for exchanges in flight. Default: 10 s.
    pub fn shutdown_grace(mut self, grace: Duration) -> Builder {
        self.grace = grace;
        self
    }

    /// Registers the prefixes and starts the workers with their receives outstanding.
    pub fn serve(self, app: App) -> io::Result<Server> {
        if self.signals {
            dext_sys::windows::catch_console_stop()?;
        }
        let mut caps = Capabilities::detect();
        let mut addr = None;
        let prefixes = if self.prefixes.is_empty() {
            let mut a = self.addr.unwrap_or_else(|| Ok(SocketAddr::from(([127, 0, 0, 1], 8080))))?;
            if a.port() == 0 {
                // http.sys has no port 0: take one the system says is free.
                a.set_port(std::net::TcpListener::bind(a)?.local_addr()?.port());
            }
            addr = Some(a);
            vec![format!("http://{a}/")]
        } else {
            self.prefixes
        };
        let api = Api::init()?;
        let session = Session::new(&api)?;
        let queue = Queue::new(&api)?;
        let mut groups = Vec::new();
        for (i, prefix) in prefixes.iter().enumerate() {
            // One group per prefix: Wine takes one URL per group.
            let group = UrlGroup::new(&session)?;
            group.bind(&queue)?;
            group.add_url(prefix, i as u64)?;
            // A property setter that is not implemented answers so (Wine): the platform's
            // defaults then stay, and the capability is off.
            let secs = |d: Duration| u16::try_from(d.as_secs()).unwrap_or(u16::MAX);
            let t = SysTimeouts {
                header_wait: secs(self.timeouts.header),
                idle_connection: secs(self.timeouts.idle),
                entity_body: secs(self.timeouts.body),
                ..SysTimeouts::default()
            };
            match group.set_timeouts(&t) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(NOT_IMPLEMENTED) => caps.timeouts = false,
                Err(e) => return Err(e),
            }
            groups.push(group);
        }
        let workers = self.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let port = CompletionPort::new(workers as u32)?;
        port.bind(&queue, KEY_QUEUE)?;
        let shared = Arc::new(Shared::new(app, self.limits, queue, port, caps, self.stream_above));
        let receives = match self.receives {
            // Wine's http.sys can lose a request that arrives while no receive is pending
            // (seen under load: requests never delivered, their connections left waiting),
            // where Windows queues it: there, keep enough pending for a few hundred
            // connections at once.
            0 if caps.wine => WINE_RECEIVES.max(32 * workers),
            0 => 32 * workers,
            n => n,
        };
        shared.start_receives(receives)?;
        let threads = (0..workers)
            .map(|i| {
                let shared = shared.clone();
                std::thread::Builder::new().name(format!("dext-httpsys-{i}")).spawn(move || driver::worker(shared))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Server {
            shared: Some(shared),
            threads,
            prefixes,
            addr,
            grace: self.grace,
            signals: self.signals,
            stop: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            _groups: groups,
            _session: Some(session),
            _api: Some(api),
        })
    }
}

/// A running http.sys server; see [`Server::builder`].
pub struct Server {
    shared: Option<Arc<Shared>>,
    threads: Vec<JoinHandle<()>>,
    prefixes: Vec<String>,
    addr: Option<SocketAddr>,
    grace: Duration,
    signals: bool,
    stop: Arc<std::sync::atomic::AtomicBool>,
    // Dropped after the queue's I/O has ended (fields drop in order).
    _groups: Vec<UrlGroup>,
    _session: Option<Session>,
    _api: Option<Api>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("prefixes", &self.prefixes).finish_non_exhaustive()
    }
}

impl Server {
    /// A builder with the defaults (`http://127.0.0.1:8080/`, one worker per CPU).
    pub fn builder() -> Builder {
        Builder {
            prefixes: Vec::new(),
            addr: None,
            workers: None,
            receives: 0,
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            grace: Duration::from_secs(10),
            stream_above: 1 << 20,
            signals: true,
        }
    }

    /// The address of the prefix made from [`Builder::bind`] (`127.0.0.1:8080` when
    /// prefixes were given instead).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)))
    }

    /// The prefixes served.
    pub fn prefixes(&self) -> &[String] {
        &self.prefixes
    }

    /// The number of worker threads.
    pub fn workers(&self) -> usize {
        self.threads.len()
    }

    /// What the platform supports.
    pub fn capabilities(&self) -> Capabilities {
        self.shared.as_ref().map_or(Capabilities::detect(), |s| s.caps)
    }

    /// Puts `bytes` in the kernel's fragment cache under `name` (a URL under one of the
    /// server's prefixes). A response part that is these very bytes (`res.push_static(bytes)`)
    /// is then sent from the cache, by name, with no copy from the process. Where the
    /// platform has no cache (Wine), the fragment is only remembered and the part is sent
    /// from memory: handlers work the same either way.
    pub fn cache_fragment(&self, name: &str, bytes: &'static [u8], hint: CacheHint) -> io::Result<()> {
        let Some(shared) = &self.shared else { return Err(io::Error::other("the server has stopped")) };
        if shared.caps.cache {
            let expires = match hint {
                CacheHint::For(d) => Some(Instant::now() + d),
                CacheHint::UntilInvalidated => None,
            };
            shared.queue.add_fragment(name, bytes, &policy(hint))?;
            let wide: &'static [u16] = Box::leak(dext_sys::windows::wide(name).into_boxed_slice());
            let fragment = driver::Fragment { name: wide, url: name.to_string(), expires };
            let mut fragments = shared.fragments.write().unwrap_or_else(|e| e.into_inner());
            fragments.insert((bytes.as_ptr() as usize, bytes.len()), fragment);
            shared.has_fragments.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Drops the kernel's cached responses and fragments under `prefix` (`recursive`: every
    /// URL below it too). Nothing to do where the platform has no cache.
    pub fn flush_cache(&self, prefix: &str, recursive: bool) -> io::Result<()> {
        match &self.shared {
            Some(shared) if shared.caps.cache => {
                // Flushed fragments are sent from memory again.
                let mut fragments = shared.fragments.write().unwrap_or_else(|e| e.into_inner());
                fragments.retain(|_, f| !(f.url == prefix || (recursive && f.url.starts_with(prefix))));
                drop(fragments);
                shared.queue.flush_cache(prefix, recursive)
            }
            _ => Ok(()),
        }
    }

    /// How many entity-body sends streamed bodies took so far (0 where bodies go in one
    /// send). For tests.
    #[doc(hidden)]
    pub fn entity_body_sends(&self) -> usize {
        self.shared.as_ref().map_or(0, |s| s.body_sends.load(Ordering::Relaxed))
    }

    /// A handle that stops the server from any thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle { stop: self.stop.clone() }
    }

    /// Serves until a [`ShutdownHandle`] asks or, when signals are handled, a console stop
    /// event (Ctrl-C) arrives, then shuts down: no new receives, the exchanges in flight
    /// finish (up to the grace period), the queue's pending receives are cancelled.
    /// `Ok(true)` when all finished in time.
    pub fn run(mut self) -> io::Result<bool> {
        let stop_asked =
            || self.stop.load(Ordering::Acquire) || (self.signals && dext_sys::windows::console_stop_requested());
        while !stop_asked() {
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(self.stop_now(self.grace))
    }

    fn stop_now(&mut self, grace: Duration) -> bool {
        let Some(shared) = self.shared.take() else { return true };
        shared.stopping.store(true, Ordering::Release);
        let until = Instant::now() + grace;
        // Exchanges in a body read, a handler or a send finish first (a request that arrives
        // meanwhile is still served); then the receives left waiting are ended.
        let busy = || shared.live.load(Ordering::Acquire).saturating_sub(shared.receiving.load(Ordering::Acquire));
        while busy() > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        if shared.caps.shutdown {
            let _ = shared.queue.shutdown();
        }
        // Again until none is left: an exchange that was re-armed just as the flag was set
        // may post its receive after a cancel.
        while shared.live.load(Ordering::Acquire) > 0 && Instant::now() < until {
            let _ = shared.queue.cancel_all();
            std::thread::sleep(Duration::from_millis(5));
        }
        let done = shared.live.load(Ordering::Acquire) == 0;
        for _ in &self.threads {
            let _ = shared.port.post(KEY_STOP, 0);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        done
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_now(Duration::from_secs(1));
    }
}

/// Stops a [`Server`] (see [`Server::run`]).
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl ShutdownHandle {
    /// Asks the server to stop; [`Server::run`] returns once it has.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::Release);
    }
}
