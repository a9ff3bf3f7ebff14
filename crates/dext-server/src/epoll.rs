//! The Linux driver: `dext-rt`'s epoll workers, one `SO_REUSEPORT` listener each.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use dext_http::h1::Limits;
use dext_http::{Addresses, App};
use dext_rt::Runtime;
use dext_rt::net::TcpListener;
use dext_rt::tasks::{CancellationToken, Either, select};

use crate::{HttpTelemetry, MAX_TIMEOUT, Timeouts, conn};

/// What every connection task shares.
pub(crate) struct Shared {
    pub(crate) app: App,
    pub(crate) limits: Limits,
    pub(crate) timeouts: Timeouts,
    pub(crate) stop: CancellationToken,
    /// Per-request telemetry; `None` when off.
    pub(crate) telemetry: Option<HttpTelemetry>,
}

/// Configures and starts a [`Server`].
pub struct Builder {
    addr: Option<io::Result<SocketAddr>>,
    workers: Option<usize>,
    pin: bool,
    limits: Limits,
    timeouts: Timeouts,
    signals: bool,
    grace: Duration,
    telemetry: Option<HttpTelemetry>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("addr", &self.addr)
            .field("workers", &self.workers)
            .field("pin", &self.pin)
            .field("limits", &self.limits)
            .field("timeouts", &self.timeouts)
            .field("signals", &self.signals)
            .field("grace", &self.grace)
            .field("telemetry", &self.telemetry.is_some())
            .finish()
    }
}

impl Builder {
    /// Per-request telemetry: a server span and the HTTP server metrics (OTel semantic
    /// conventions), as `telemetry` is configured. Default: none.
    pub fn telemetry(mut self, telemetry: HttpTelemetry) -> Builder {
        self.telemetry = telemetry.is_on().then_some(telemetry);
        self
    }

    /// The address to listen on (the first one that `addr` resolves to). Default:
    /// `127.0.0.1:8080`. Port 0 picks a free port ([`Server::local_addr`] tells which).
    pub fn bind(mut self, addr: impl ToSocketAddrs) -> Builder {
        self.addr = Some(crate::first_addr(addr));
        self
    }

    /// The number of workers, each with its own listener. Default: one per CPU this process
    /// may run on (so `taskset -c 0` gives one).
    pub fn workers(mut self, n: usize) -> Builder {
        self.workers = Some(n.max(1));
        self
    }

    /// Pins worker `i` to the `i`-th allowed CPU, and steers its listener's connections to
    /// that CPU (`SO_INCOMING_CPU`). Default: on.
    pub fn pin_workers(mut self, pin: bool) -> Builder {
        self.pin = pin;
        self
    }

    /// The codec's limits (request line, headers, body). Default: [`Limits::default`].
    pub fn limits(mut self, limits: Limits) -> Builder {
        self.limits = limits;
        self
    }

    /// The timeouts. Default: [`Timeouts::default`]. Each is capped at a year
    /// ([`MAX_TIMEOUT`]): "never" in practice, and still a point in time that can be computed.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Builder {
        let cap = |d: Duration| d.min(MAX_TIMEOUT);
        self.timeouts = Timeouts {
            header: cap(timeouts.header),
            body: cap(timeouts.body),
            idle: cap(timeouts.idle),
            write: cap(timeouts.write),
        };
        self
    }

    /// Whether [`Server::run`] stops on SIGINT and SIGTERM. When on (the default),
    /// [`Builder::serve`] blocks both signals in the calling thread and in the workers it
    /// starts, and `run` collects them; call `serve` from the main thread before starting
    /// other threads.
    pub fn handle_signals(mut self, on: bool) -> Builder {
        self.signals = on;
        self
    }

    /// How long a graceful shutdown waits for requests in flight. Default: 10 s.
    pub fn shutdown_grace(mut self, grace: Duration) -> Builder {
        self.grace = grace;
        self
    }

    /// Starts the workers and their listeners and begins serving `app`; returns once every
    /// listener is bound.
    pub fn serve(self, app: App) -> io::Result<Server> {
        let addr = self.addr.unwrap_or_else(|| Ok(SocketAddr::from(([127, 0, 0, 1], 8080))))?;
        if self.signals {
            dext_sys::signal::block_termination()?;
        }
        // Thousands of connections need more descriptors than the usual soft limit of 1,024;
        // failing to raise it is not fatal (accept backs off when descriptors run out).
        let _ = dext_sys::thread::raise_fd_limit();
        let workers = match self.workers {
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let rt = Runtime::builder().workers(workers).pin_workers(self.pin).thread_name("dext-server").build()?;
        let stop = CancellationToken::new();
        let shared = Arc::new(Shared {
            app,
            limits: self.limits,
            timeouts: self.timeouts,
            stop: stop.clone(),
            telemetry: self.telemetry,
        });

        // Worker 0 binds first, so that a port 0 becomes a real port the others share.
        let bound = start_listener(&rt, 0, addr, &shared)?;
        for i in 1..workers {
            start_listener(&rt, i, bound, &shared)?;
        }
        Ok(Server { rt: Some(rt), addr: bound, stop, signals: self.signals, grace: self.grace })
    }
}

/// Binds worker `index`'s listener on that worker and starts its accept loop; returns the
/// bound address.
fn start_listener(rt: &Runtime, index: usize, addr: SocketAddr, shared: &Arc<Shared>) -> io::Result<SocketAddr> {
    let (tx, rx) = mpsc::channel();
    let shared = shared.clone();
    rt.handle().spawn_local_on(index, move || async move {
        // On a pinned worker this also sets `SO_INCOMING_CPU` to the worker's CPU.
        let listener = match TcpListener::bind_reuseport(addr) {
            Ok(l) => l,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        let _ = tx.send(listener.local_addr());
        accept_loop(listener, shared).await;
    });
    rx.recv().map_err(|_| io::Error::other("a worker stopped before binding"))?
}

/// Accepts connections until shutdown and serves each on this worker.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut backoff = Duration::from_millis(5);
    let local = listener.local_addr().ok();
    loop {
        match select(listener.accept(), shared.stop.cancelled()).await {
            Either::Left(Ok((stream, peer))) => {
                backoff = Duration::from_millis(5);
                let shared = shared.clone();
                let addrs = Addresses { remote: Some(peer), local };
                dext_rt::spawn_local(async move { conn::serve(stream, addrs, &shared).await });
            }
            Either::Left(Err(e)) if dext_sys::socket::accept_out_of_resources(&e) => {
                // The connection stays queued; wait for descriptors or memory to come back,
                // serving the connections this worker has meanwhile.
                dext_rt::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
            // The peer gave up before we accepted (ECONNABORTED) and the like.
            Either::Left(Err(_)) => {}
            Either::Right(()) => return,
        }
    }
}

/// A running server; see [`Server::builder`].
pub struct Server {
    rt: Option<Runtime>,
    addr: SocketAddr,
    stop: CancellationToken,
    signals: bool,
    grace: Duration,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Server {
    /// A builder with the defaults.
    pub fn builder() -> Builder {
        Builder {
            addr: None,
            workers: None,
            pin: true,
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            signals: true,
            grace: Duration::from_secs(10),
            telemetry: None,
        }
    }

    /// The address the listeners are bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The number of workers.
    pub fn workers(&self) -> usize {
        self.rt.as_ref().map_or(0, Runtime::workers)
    }

    /// A handle that stops the server from any thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle { stop: self.stop.clone() }
    }

    /// Serves until SIGINT or SIGTERM (when signals are handled) or until a
    /// [`ShutdownHandle`] asks, then shuts down gracefully: stops accepting, lets each
    /// connection finish the request it is on (idle connections close at once), waits up to
    /// the grace period, and stops the workers. Returns `Ok(true)` when every connection
    /// finished within the grace period.
    pub fn run(mut self) -> io::Result<bool> {
        while !self.stop.is_cancelled() {
            if self.signals {
                if dext_sys::signal::wait_termination(Duration::from_millis(100))?.is_some() {
                    break;
                }
            } else {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.stop.cancel();
        Ok(self.rt.take().is_none_or(|rt| rt.shutdown_timeout(self.grace)))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_now();
        }
    }
}

/// Stops a [`Server`] (gracefully: see [`Server::run`]).
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    stop: CancellationToken,
}

impl ShutdownHandle {
    /// Asks the server to stop; [`Server::run`] returns once it has.
    pub fn shutdown(&self) {
        self.stop.cancel();
    }
}
