//! The runtime: builder, handle, `block_on`, spawning and shutdown.

use std::future::Future;
use std::io;
use std::panic::resume_unwind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use crate::blocking::BlockingPool;
use crate::task::{JoinError, JoinHandle};
use crate::worker::{self, WorkerShared};

/// What every worker and handle shares.
pub(crate) struct RtShared {
    pub(crate) workers: Box<[Arc<WorkerShared>]>,
    next: AtomicUsize,
    pub(crate) clock_base: Instant,
    pub(crate) blocking: BlockingPool,
    /// How long an idle worker polls before it parks.
    pub(crate) spin_before_park: Duration,
}

/// Configures and builds a [`Runtime`].
#[derive(Debug, Clone)]
pub struct Builder {
    workers: Option<usize>,
    pin: bool,
    name: String,
    max_blocking_threads: usize,
    blocking_keep_alive: Duration,
    spin_before_park: Duration,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            workers: None,
            pin: false,
            name: "dext-worker".into(),
            max_blocking_threads: 64,
            blocking_keep_alive: Duration::from_secs(10),
            spin_before_park: Duration::ZERO,
        }
    }
}

impl Builder {
    /// A builder with the defaults: one worker per available CPU, unpinned.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The number of workers (at least 1).
    pub fn workers(mut self, n: usize) -> Builder {
        self.workers = Some(n.max(1));
        self
    }

    /// Pins worker `i` to the `i`-th CPU this process may run on (wrapping around).
    pub fn pin_workers(mut self, pin: bool) -> Builder {
        self.pin = pin;
        self
    }

    /// The worker threads' name prefix.
    pub fn thread_name(mut self, name: impl Into<String>) -> Builder {
        self.name = name.into();
        self
    }

    /// The most threads the blocking pool starts (at least 1; default 64). Further jobs queue.
    pub fn max_blocking_threads(mut self, n: usize) -> Builder {
        self.max_blocking_threads = n.max(1);
        self
    }

    /// How long an idle blocking thread waits for work before it exits (default 10 s).
    pub fn blocking_keep_alive(mut self, d: Duration) -> Builder {
        self.blocking_keep_alive = d;
        self
    }

    /// How long an idle worker keeps polling (epoll with a zero timeout, and its remote
    /// queue) before it parks in `epoll_wait` (default: zero, park at once).
    ///
    /// Spinning trades CPU time for latency: a parked worker costs a kernel wake-up (on a
    /// virtual machine, an inter-processor interrupt to a halted vCPU, tens of microseconds)
    /// for the next event; a spinning one picks it up at once. Worth it on a dedicated core.
    pub fn spin_before_park(mut self, d: Duration) -> Builder {
        self.spin_before_park = d;
        self
    }

    /// Starts the workers.
    pub fn build(self) -> io::Result<Runtime> {
        let cpus = dext_sys::thread::allowed_cpus().unwrap_or_default();
        let n = self.workers.unwrap_or_else(|| cpus.len().max(1));
        let mut workers = Vec::with_capacity(n);
        for i in 0..n {
            let cpu = if self.pin && !cpus.is_empty() { Some(cpus[i % cpus.len()]) } else { None };
            workers.push(Arc::new(WorkerShared::new(i, cpu)?));
        }
        let shared = Arc::new(RtShared {
            workers: workers.into_boxed_slice(),
            next: AtomicUsize::new(0),
            clock_base: Instant::now(),
            blocking: BlockingPool::new(self.max_blocking_threads, self.blocking_keep_alive),
            spin_before_park: self.spin_before_park,
        });
        let mut threads = Vec::with_capacity(n);
        for (i, w) in shared.workers.iter().enumerate() {
            let (w, rt) = (w.clone(), shared.clone());
            let t = thread::Builder::new().name(format!("{}-{i}", self.name)).spawn(move || worker::run_worker(w, rt));
            match t {
                Ok(t) => threads.push(t),
                Err(e) => {
                    let rt = Runtime { handle: Handle { shared }, threads };
                    drop(rt);
                    return Err(e);
                }
            }
        }
        Ok(Runtime { handle: Handle { shared }, threads })
    }
}

/// A running pool of workers. Dropping it shuts it down (see [`Runtime::shutdown_timeout`]).
pub struct Runtime {
    handle: Handle,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Runtime {
    /// A builder.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A runtime with the default configuration.
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A handle for spawning from anywhere.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The number of workers.
    pub fn workers(&self) -> usize {
        self.handle.workers()
    }

    /// Runs `future` on a worker and blocks the calling thread until it completes.
    ///
    /// A panic in the future resumes on the caller.
    ///
    /// # Panics
    /// If called from a worker thread (it would block the worker), or if the runtime is shut
    /// down before the future completes.
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        assert!(
            worker::with_current(|c| c.is_none()),
            "dext-rt: block_on called from a runtime worker; use .await instead"
        );
        let handle = self.handle.spawn(future);
        match wait(handle) {
            Ok(v) => v,
            Err(JoinError::Panic(p)) => resume_unwind(p),
            Err(e) => panic!("dext-rt: block_on future did not complete: {e}"),
        }
    }

    /// Spawns `future` onto a worker (round robin).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Graceful shutdown: waits up to `grace` for every task to finish on its own, then
    /// cancels the rest (their futures are dropped on their workers), and joins the workers.
    ///
    /// Returns true if every task finished within `grace`.
    pub fn shutdown_timeout(mut self, grace: Duration) -> bool {
        let drained = self.handle.wait_idle(grace);
        self.stop();
        drained
    }

    /// Cancels every task at once and joins the workers (same as dropping the runtime).
    pub fn shutdown_now(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        for w in self.handle.shared.workers.iter() {
            w.signal_shutdown();
        }
        for t in self.threads.drain(..) {
            // A worker thread never panics out of its loop (task panics are caught); if it
            // did, there is nothing more to clean up for it.
            let _ = t.join();
        }
        self.handle.shared.blocking.shutdown();
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("workers", &self.workers()).finish()
    }
}

/// A cloneable handle to a runtime: spawns from any thread.
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<RtShared>,
}

impl Handle {
    /// The handle of the runtime whose worker is running the caller.
    ///
    /// # Panics
    /// Off a runtime worker.
    pub fn current() -> Handle {
        Self::try_current().expect("dext-rt: Handle::current() called off a runtime worker")
    }

    /// The current runtime's handle, or `None` off a worker.
    pub fn try_current() -> Option<Handle> {
        worker::with_current(|c| c.map(|c| Handle { shared: c.rt.clone() }))
    }

    /// The number of workers.
    pub fn workers(&self) -> usize {
        self.shared.workers.len()
    }

    /// Spawns `future`: on the current worker if called from one of this runtime's workers
    /// (so that the task stays on the core that spawned it), else on the next worker in
    /// round-robin order.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let target = worker::with_current(|c| match c {
            Some(c) if Arc::ptr_eq(&c.rt, &self.shared) => c.shared.clone(),
            _ => self.next_worker(),
        });
        worker::spawn_on(&target, future)
    }

    /// Spawns `future` on worker `index % workers`.
    pub fn spawn_on<F>(&self, index: usize, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let target = &self.shared.workers[index % self.shared.workers.len()];
        worker::spawn_on(target, future)
    }

    /// Builds a future with `make` on worker `index % workers` and runs it there; the future
    /// need not be `Send` (it never leaves that worker), only `make` must be.
    pub fn spawn_local_on<F, Fut>(&self, index: usize, make: F) -> JoinHandle<Fut::Output>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let target = &self.shared.workers[index % self.shared.workers.len()];
        worker::spawn_on(target, LocalStart::new(make))
    }

    /// Runs `make(i)` on every worker `i` (e.g. one `SO_REUSEPORT` listener per worker) and
    /// returns their handles in worker order.
    pub fn spawn_on_each<F, Fut>(&self, make: F) -> Vec<JoinHandle<Fut::Output>>
    where
        F: Fn(usize) -> Fut + Send + Sync + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let make = Arc::new(make);
        (0..self.workers())
            .map(|i| {
                let make = make.clone();
                // The future is built on its worker, so it need not be Send.
                let target = &self.shared.workers[i];
                worker::spawn_on(target, LocalStart::new(move || make(i)))
            })
            .collect()
    }

    /// Runs `f` on the blocking pool; see [`crate::spawn_blocking`].
    pub fn spawn_blocking<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let rx = self.shared.blocking.run(f);
        self.spawn(async move {
            match rx.await {
                Ok(Ok(v)) => v,
                Ok(Err(panic)) => resume_unwind(panic),
                // The pool dropped the job unrun, which happens only at shutdown, after the
                // workers stopped: this task is cancelled with them.
                Err(_) => std::future::pending().await,
            }
        })
    }

    fn next_worker(&self) -> Arc<WorkerShared> {
        let i = self.shared.next.fetch_add(1, Ordering::Relaxed);
        self.shared.workers[i % self.shared.workers.len()].clone()
    }

    /// Tasks spawned and not yet finished, over all workers.
    pub fn live_tasks(&self) -> usize {
        self.shared.workers.iter().map(|w| w.live.load(Ordering::SeqCst)).sum()
    }

    /// Waits (polling every millisecond) until no task is live or `grace` has passed.
    fn wait_idle(&self, grace: Duration) -> bool {
        let deadline = Instant::now() + grace;
        loop {
            // Two consecutive zero readings, so that a task spawned by a task finishing in
            // between is not missed.
            if self.live_tasks() == 0 && self.live_tasks() == 0 {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(1));
        }
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").field("workers", &self.workers()).finish()
    }
}

/// A future that builds its inner future on first poll, on the worker that polls it.
struct LocalStart<F, Fut> {
    make: Option<F>,
    fut: Option<std::pin::Pin<Box<Fut>>>,
}

impl<F, Fut> LocalStart<F, Fut> {
    fn new(make: F) -> Self {
        LocalStart { make: Some(make), fut: None }
    }
}

// `make` is moved out, never pinned, and the built future is boxed: nothing is pinned in place.
impl<F, Fut> Unpin for LocalStart<F, Fut> {}

impl<F: FnOnce() -> Fut, Fut: Future> Future for LocalStart<F, Fut> {
    type Output = Fut::Output;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Fut::Output> {
        if let Some(make) = self.make.take() {
            self.fut = Some(Box::pin(make()));
        }
        match self.fut.as_mut() {
            Some(f) => f.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }
}

/// Wakes a thread blocked in [`wait`].
struct ThreadWaker {
    thread: Thread,
    woken: Mutex<bool>,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        *self.woken.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.thread.unpark();
    }
}

/// Blocks the calling (non-worker) thread until `handle` completes.
fn wait<T>(mut handle: JoinHandle<T>) -> Result<T, JoinError> {
    let tw = Arc::new(ThreadWaker { thread: thread::current(), woken: Mutex::new(false) });
    let waker = Waker::from(tw.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = std::pin::Pin::new(&mut handle).poll(&mut cx) {
            return v;
        }
        loop {
            let mut woken = tw.woken.lock().unwrap_or_else(|e| e.into_inner());
            if *woken {
                *woken = false;
                break;
            }
            drop(woken);
            thread::park();
        }
    }
}
