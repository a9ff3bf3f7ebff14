//! Workers: one thread, one epoll instance, one run queue and one timer wheel each.
//!
//! # The loop
//!
//! ```text
//! loop {
//!     run up to EVENT_INTERVAL tasks: the LIFO slot first (at most MAX_LIFO_STREAK in a row),
//!                                     then the FIFO queue
//!     move the remote queue (other threads' spawns and wake-ups) into the FIFO
//!     if tasks are queued:  epoll_wait(timeout 0)      -- poll I/O, never park
//!     else:                 parked = true; epoll_wait(until the next timer)
//!     dispatch the events: set readiness, wake exactly the waiting task(s)
//!     fire due timers
//! }
//! ```
//!
//! # Rules
//!
//! - A task woken *by another task on the same worker* goes into the LIFO slot and runs next,
//!   while the data it needs is still in cache (request/response pairs, ping-pong, join).
//!   A task displaced from the slot goes to the back of the FIFO. After `MAX_LIFO_STREAK`
//!   LIFO runs in a row the slot is demoted to the FIFO so that two tasks waking each other
//!   cannot starve the rest.
//! - Tasks woken by I/O or timers are queued FIFO, in event order.
//! - Wake-ups from other threads go through a lock-free intrusive stack (one CAS, no
//!   allocation) and ring the worker's eventfd **only if the worker is parked**: a busy
//!   worker picks them up between batches without any syscall on either side.
//! - The worker parks only when it has nothing to run: it sets `parked` before the final
//!   check of the remote queue, a remote pusher checks `parked` after its push, and a SeqCst
//!   fence on each side makes one of the two see the other (no lost wake-up; see `Parker`).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dext_sys::epoll::{self, Epoll, Event};
use dext_sys::eventfd::EventFd;

use crate::io::reactor::{self, ScheduledIo};
use crate::runtime::RtShared;
use crate::task::{Header, JoinHandle, TaskRef, new_task};
use crate::time::wheel::Wheel;

/// Tasks run between two looks at I/O, timers and the remote queue.
pub(crate) const EVENT_INTERVAL: u32 = 61;
/// I/O operations one task poll may complete before it is made to yield (see `coop_proceed`).
const COOP_BUDGET: u32 = 128;
/// LIFO-slot runs in a row before the slot is demoted to the FIFO.
const MAX_LIFO_STREAK: u32 = 3;
/// Events taken from epoll per call.
const EVENTS: usize = 1024;
/// While tasks are queued and polls find no I/O, the worker polls epoll only every
/// `MAX_IO_SKIP + 1` batches at most (the gap doubles after each empty poll).
const MAX_IO_SKIP: u32 = 7;
/// The epoll token of the worker's eventfd (I/O tokens are non-null pointers).
const WAKE_TOKEN: u64 = 0;

/// What other threads may touch of a worker.
pub(crate) struct WorkerShared {
    pub(crate) index: usize,
    pub(crate) epoll: Epoll,
    eventfd: EventFd,
    remote: RemoteQueue,
    parked: Parker,
    pub(crate) shutdown: AtomicBool,
    /// Tasks spawned onto this worker and not yet completed.
    pub(crate) live: AtomicUsize,
    /// The CPU this worker is pinned to, if pinned.
    pub(crate) cpu: Option<usize>,
    deferred: Mutex<Deferred>,
    has_deferred: AtomicBool,
}

/// Work other threads hand to the worker because it touches worker-local state.
#[derive(Default)]
struct Deferred {
    /// I/O registrations dropped off-worker: released after the current event batch.
    ios: Vec<Arc<ScheduledIo>>,
    /// Timers dropped off-worker: (slot key, generation) to remove from the wheel.
    timers: Vec<(u32, u32)>,
    closed: bool,
}

impl WorkerShared {
    pub(crate) fn new(index: usize, cpu: Option<usize>) -> std::io::Result<WorkerShared> {
        let epoll = Epoll::new()?;
        let eventfd = EventFd::new()?;
        epoll.add(std::os::fd::AsFd::as_fd(&eventfd), epoll::READABLE | epoll::EDGE, WAKE_TOKEN)?;
        Ok(WorkerShared {
            index,
            epoll,
            eventfd,
            remote: RemoteQueue::new(),
            parked: Parker::new(),
            shutdown: AtomicBool::new(false),
            live: AtomicUsize::new(0),
            cpu,
            deferred: Mutex::new(Deferred::default()),
            has_deferred: AtomicBool::new(false),
        })
    }

    /// Queues `task` from another thread; rings the eventfd only if the worker is parked.
    pub(crate) fn push_remote(&self, task: TaskRef) {
        match self.remote.push(task) {
            Ok(()) => self.unpark(),
            // The worker has stopped; it cancelled every task it owned, so this wake-up is
            // stale and only its reference needs releasing.
            Err(task) => drop(task),
        }
    }

    /// Queues a task that was just spawned from another thread. If the worker has stopped,
    /// the task is cancelled here (its future is `Send`, so dropping it here is fine).
    fn spawn_remote(&self, task: TaskRef) {
        match self.remote.push(task) {
            Ok(()) => self.unpark(),
            Err(task) => task.cancel_unbound(),
        }
    }

    #[inline]
    fn unpark(&self) {
        if self.parked.should_ring() {
            // A failed doorbell write leaves the worker to find the task at its next wake-up.
            let _ = self.eventfd.notify();
        }
    }

    /// Asks the worker to stop (see `Core::shutdown`).
    pub(crate) fn signal_shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        let _ = self.eventfd.notify();
    }

    /// Hands a registration that was dropped off-worker back to the worker to release.
    pub(crate) fn defer_release(&self, io: Arc<ScheduledIo>) {
        let mut d = self.deferred.lock().unwrap_or_else(|e| e.into_inner());
        if d.closed {
            // The worker has stopped: no event batch can refer to `io` any more.
            return;
        }
        d.ios.push(io);
        self.has_deferred.store(true, Ordering::Release);
    }

    /// Asks the worker to remove a timer that was dropped off-worker.
    pub(crate) fn defer_timer_cancel(&self, key: u32, generation: u32) {
        let mut d = self.deferred.lock().unwrap_or_else(|e| e.into_inner());
        if d.closed {
            return;
        }
        d.timers.push((key, generation));
        self.has_deferred.store(true, Ordering::Release);
        drop(d);
        self.unpark();
    }
}

/// The park handshake between a worker and the threads that queue work for it.
///
/// This is Dekker's pattern: the worker writes `parked` and then reads its remote queue; a
/// pusher writes the queue and then reads `parked`. A SeqCst fence between the write and the
/// read on both sides guarantees that at least one of them sees the other's write, so either
/// the worker sees the task and does not sleep, or the pusher sees `parked` and rings the
/// doorbell. `swap(false)` makes only one pusher ring. (Fences rather than SeqCst accesses
/// alone: that is what the C++ model and loom both check; see `loom_tests.rs`.)
pub(crate) struct Parker {
    parked: crate::loom::AtomicBool,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker { parked: crate::loom::AtomicBool::new(false) }
    }

    /// Worker side: announces the intent to sleep, then runs `has_work`, which reads the
    /// queue. Returns true if the worker may sleep; false if work arrived (the announcement
    /// is withdrawn).
    pub(crate) fn begin_park(&self, has_work: impl FnOnce() -> bool) -> bool {
        self.parked.store(true, crate::loom::Ordering::SeqCst);
        crate::loom::fence(crate::loom::Ordering::SeqCst);
        if has_work() {
            self.parked.store(false, crate::loom::Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Worker side: awake again (after the sleep, or after a poll that found work).
    pub(crate) fn end_park(&self) {
        self.parked.store(false, crate::loom::Ordering::Relaxed);
    }

    /// Pusher side, after its push: true if this caller must ring the doorbell.
    #[inline]
    pub(crate) fn should_ring(&self) -> bool {
        crate::loom::fence(crate::loom::Ordering::SeqCst);
        self.parked.load(crate::loom::Ordering::Relaxed) && self.parked.swap(false, crate::loom::Ordering::AcqRel)
    }
}

/// A lock-free intrusive stack (Treiber) of tasks pushed by other threads. The worker takes
/// the whole stack at once, so there is no ABA problem. Closing swaps in a sentinel that makes
/// later pushes fail.
struct RemoteQueue {
    head: AtomicPtr<Header>,
}

/// The sentinel head of a closed stack: aligned, non-null, never a real task.
const CLOSED: *mut Header = ptr::dangling_mut::<Header>();

impl RemoteQueue {
    fn new() -> RemoteQueue {
        RemoteQueue { head: AtomicPtr::new(ptr::null_mut()) }
    }

    fn push(&self, task: TaskRef) -> Result<(), TaskRef> {
        let node = task.as_ptr().as_ptr();
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            if head == CLOSED {
                return Err(task);
            }
            task.header().next.store(head, Ordering::Relaxed);
            // Release publishes the task; the fence in `Parker::should_ring` orders this push
            // before the read of `parked`.
            match self.head.compare_exchange_weak(head, node, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => {
                    // The queue owns the reference now.
                    let _ = task.into_raw();
                    return Ok(());
                }
                Err(actual) => head = actual,
            }
        }
    }

    /// Ordered after the worker's `parked` store by the fence in `Parker::begin_park`.
    fn is_empty(&self) -> bool {
        self.head.load(Ordering::Acquire).is_null()
    }

    /// Takes every queued task, oldest first.
    fn take_all(&self, close: bool, mut f: impl FnMut(TaskRef)) {
        if !close && self.head.load(Ordering::Relaxed).is_null() {
            return;
        }
        let new = if close { CLOSED } else { ptr::null_mut() };
        let mut node = self.head.swap(new, Ordering::AcqRel);
        if node == CLOSED {
            return;
        }
        // Reverse the LIFO stack into FIFO order.
        let mut rev: *mut Header = ptr::null_mut();
        while !node.is_null() {
            // SAFETY: every node in the stack is a live task whose reference the stack owns.
            let next = unsafe { (*node).next.load(Ordering::Relaxed) };
            // SAFETY: as above.
            unsafe { (*node).next.store(rev, Ordering::Relaxed) };
            rev = node;
            node = next;
        }
        while !rev.is_null() {
            // SAFETY: as above; the reference passes from the stack to `f`.
            let next = unsafe { (*rev).next.load(Ordering::Relaxed) };
            // SAFETY: `rev` is non-null and owns a reference.
            f(unsafe { TaskRef::from_raw(NonNull::new_unchecked(rev)) });
            rev = next;
        }
    }
}

/// An intrusive FIFO of tasks, touched only by its worker.
struct LocalQueue {
    head: Cell<*const Header>,
    tail: Cell<*const Header>,
    len: Cell<usize>,
}

impl LocalQueue {
    fn push_back(&self, task: TaskRef) {
        let node = task.into_raw().as_ptr();
        // SAFETY: `node` is live (we just took its reference into the queue).
        unsafe { (*node).next.store(ptr::null_mut(), Ordering::Relaxed) };
        let tail = self.tail.get();
        if tail.is_null() {
            self.head.set(node);
        } else {
            // SAFETY: `tail` is a live task owned by this queue.
            unsafe { (*tail).next.store(node, Ordering::Relaxed) };
        }
        self.tail.set(node);
        self.len.set(self.len.get() + 1);
    }

    fn pop_front(&self) -> Option<TaskRef> {
        let head = self.head.get();
        if head.is_null() {
            return None;
        }
        // SAFETY: `head` is a live task owned by this queue.
        let next = unsafe { (*head).next.load(Ordering::Relaxed) };
        self.head.set(next);
        if next.is_null() {
            self.tail.set(ptr::null());
        }
        self.len.set(self.len.get() - 1);
        // SAFETY: the queue's reference passes to the caller.
        Some(unsafe { TaskRef::from_raw(NonNull::new_unchecked(head.cast_mut())) })
    }

    fn is_empty(&self) -> bool {
        self.head.get().is_null()
    }
}

/// The worker-local state; lives on the worker thread's stack and is reached through a
/// thread-local pointer while the worker runs.
pub(crate) struct Core {
    pub(crate) shared: Arc<WorkerShared>,
    pub(crate) rt: Arc<RtShared>,
    lifo: Cell<Option<TaskRef>>,
    lifo_streak: Cell<u32>,
    fifo: LocalQueue,
    /// True while a task is being polled: wake-ups then go to the LIFO slot.
    in_task: Cell<bool>,
    /// I/O operations left to the task being polled before it must yield.
    budget: Cell<u32>,
    /// True while an event batch is dispatched: registrations are not released then.
    dispatching: Cell<bool>,
    owned_head: Cell<*const Header>,
    pub(crate) wheel: RefCell<Wheel>,
    /// The coarse clock: read once per loop iteration.
    now: Cell<Instant>,
    /// Wakers of fired timers, woken after the wheel is released (capacity is reused).
    fired: RefCell<Vec<std::task::Waker>>,
    /// Busy batches left before the next zero-timeout epoll poll, and the current gap.
    io_skip: Cell<u32>,
    io_gap: Cell<u32>,
}

thread_local! {
    static CURRENT: Cell<*const Core> = const { Cell::new(ptr::null()) };
}

/// Calls `f` with the current worker's core, or `None` off-worker.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    let p = CURRENT.with(|c| c.get());
    // SAFETY: CURRENT is set only while the Core is alive on this thread's stack (run_worker
    // clears it before the core is dropped).
    f(if p.is_null() { None } else { Some(unsafe { &*p }) })
}

/// Schedules a task that was just transitioned to SCHEDULED.
#[inline]
pub(crate) fn schedule(task: TaskRef) {
    with_current(|core| match core {
        Some(core) if Arc::ptr_eq(&core.shared, &task.header().owner) => core.push_local(task),
        _ => {
            let owner = task.header().owner.clone();
            owner.push_remote(task);
        }
    })
}

/// Cooperative scheduling: charges one completed I/O operation to the running task. When the
/// task has used its budget for this poll, it is woken (so it goes to the back of the queue)
/// and must return `Pending`. This keeps a task that always finds its socket ready (a fast
/// peer, a backlog of connections) from starving the other tasks and the I/O poll.
#[inline]
pub(crate) fn coop_proceed(cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
    with_current(|core| match core {
        Some(core) if core.in_task.get() => {
            let left = core.budget.get();
            if left == 0 {
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            } else {
                core.budget.set(left - 1);
                std::task::Poll::Ready(())
            }
        }
        _ => std::task::Poll::Ready(()),
    })
}

/// Spawns onto `target`: locally if this thread is that worker, else through its remote queue.
pub(crate) fn spawn_on<F>(target: &Arc<WorkerShared>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    let (task, join) = new_task(future, target.clone());
    // SAFETY: `join` carries the JoinHandle's reference and the output type is F::Output.
    let handle = unsafe { JoinHandle::from_raw(join) };
    with_current(|core| match core {
        Some(core) if Arc::ptr_eq(&core.shared, target) => {
            core.bind(&task);
            core.fifo.push_back(task);
        }
        _ => target.spawn_remote(task),
    });
    handle
}

impl Core {
    fn new(shared: Arc<WorkerShared>, rt: Arc<RtShared>) -> Core {
        let now = Instant::now();
        let wheel = Wheel::new(rt.clock_base, now);
        Core {
            shared,
            rt,
            lifo: Cell::new(None),
            lifo_streak: Cell::new(0),
            fifo: LocalQueue { head: Cell::new(ptr::null()), tail: Cell::new(ptr::null()), len: Cell::new(0) },
            in_task: Cell::new(false),
            budget: Cell::new(COOP_BUDGET),
            dispatching: Cell::new(false),
            owned_head: Cell::new(ptr::null()),
            wheel: RefCell::new(wheel),
            now: Cell::new(now),
            fired: RefCell::new(Vec::new()),
            io_skip: Cell::new(0),
            io_gap: Cell::new(0),
        }
    }

    /// The worker's coarse clock (updated once per loop iteration).
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        self.now.get()
    }

    pub(crate) fn is_dispatching(&self) -> bool {
        self.dispatching.get()
    }

    #[inline]
    fn push_local(&self, task: TaskRef) {
        if self.in_task.get() {
            if let Some(prev) = self.lifo.replace(Some(task)) {
                self.fifo.push_back(prev);
            }
        } else {
            self.fifo.push_back(task);
        }
    }

    fn next_task(&self) -> Option<TaskRef> {
        if self.lifo_streak.get() < MAX_LIFO_STREAK {
            if let Some(t) = self.lifo.take() {
                self.lifo_streak.set(self.lifo_streak.get() + 1);
                return Some(t);
            }
        } else if let Some(t) = self.lifo.take() {
            self.fifo.push_back(t);
        }
        self.lifo_streak.set(0);
        self.fifo.pop_front()
    }

    fn has_tasks(&self) -> bool {
        // SAFETY-free peek: Cell<Option<TaskRef>> cannot be borrowed, so take and put back.
        let lifo = self.lifo.take();
        let has = lifo.is_some();
        self.lifo.set(lifo);
        has || !self.fifo.is_empty()
    }

    /// Links a task into the owned list (the owner's reference lives there).
    pub(crate) fn bind(&self, task: &TaskRef) {
        let h = task.header();
        debug_assert!(!h.bound.get());
        h.bound.set(true);
        let head = self.owned_head.get();
        h.owned_prev.set(ptr::null());
        h.owned_next.set(head);
        if !head.is_null() {
            // SAFETY: tasks in the owned list are alive (the list owns a reference to each).
            unsafe { (*head).owned_prev.set(h) };
        }
        self.owned_head.set(h);
    }

    /// Unlinks a completed task and releases the owner's reference.
    pub(crate) fn unbind(&self, task: &TaskRef) {
        let h = task.header();
        let (prev, next) = (h.owned_prev.get(), h.owned_next.get());
        if prev.is_null() {
            self.owned_head.set(next);
        } else {
            // SAFETY: neighbours in the owned list are alive.
            unsafe { (*prev).owned_next.set(next) };
        }
        if !next.is_null() {
            // SAFETY: as above.
            unsafe { (*next).owned_prev.set(prev) };
        }
        h.bound.set(false);
        h.owned_prev.set(ptr::null());
        h.owned_next.set(ptr::null());
        h.dec_ref();
    }

    #[inline]
    fn run_task(&self, task: TaskRef) {
        self.in_task.set(true);
        self.budget.set(COOP_BUDGET);
        let again = task.run(self);
        self.in_task.set(false);
        if let Some(t) = again {
            // Woken by itself (yield) or while running: back of the queue, for fairness.
            self.fifo.push_back(t);
        }
    }

    fn drain_remote(&self) {
        self.shared.remote.take_all(false, |t| self.fifo.push_back(t));
    }

    fn handle_deferred(&self) {
        if !self.shared.has_deferred.load(Ordering::Acquire) {
            return;
        }
        let (ios, timers) = {
            let mut d = self.shared.deferred.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.has_deferred.store(false, Ordering::Relaxed);
            (std::mem::take(&mut d.ios), std::mem::take(&mut d.timers))
        };
        drop(ios);
        let mut wheel = self.wheel.borrow_mut();
        for (key, generation) in timers {
            wheel.remove(key, generation);
        }
    }

    fn turn(&self, events: &mut [Event]) {
        self.drain_remote();
        self.handle_deferred();
        let busy = self.has_tasks();
        if busy && self.io_skip.get() > 0 {
            // Tasks are queued and recent polls found no I/O: skip the syscall this time.
            self.io_skip.set(self.io_skip.get() - 1);
            self.advance_clock(Instant::now());
            return;
        }
        let spin = self.rt.spin_before_park;
        if !busy && !spin.is_zero() {
            if let Some(n) = self.spin(events, spin) {
                self.after_poll(events, n, false);
                return;
            }
        }
        let timeout = if busy {
            Some(Duration::ZERO)
        } else {
            let may_sleep = self
                .shared
                .parked
                .begin_park(|| !self.shared.remote.is_empty() || self.shared.shutdown.load(Ordering::SeqCst));
            if !may_sleep {
                return;
            }
            self.wheel.borrow().next_timeout(Instant::now())
        };
        let n = match self.shared.epoll.wait(events, timeout) {
            Ok(n) => n,
            // epoll_wait fails only on programming errors (bad fd or buffer); a worker
            // cannot run without its poller.
            Err(e) => panic!("epoll_wait failed: {e}"),
        };
        self.shared.parked.end_park();
        self.after_poll(events, n, busy);
    }

    /// Polls epoll without blocking until an event or a remote task arrives, for at most
    /// `spin` (cut short by the next timer). Returns the number of events, or `None` if
    /// nothing came and the worker should park.
    ///
    /// On a virtual machine, waking a halted vCPU costs tens of microseconds; a worker that
    /// spins briefly before parking answers the next request or wake-up without that cost.
    fn spin(&self, events: &mut [Event], spin: Duration) -> Option<usize> {
        let start = Instant::now();
        let mut until = start + spin;
        if let Some(t) = self.wheel.borrow().next_timeout(start) {
            until = until.min(start + t);
        }
        loop {
            let n = self.shared.epoll.wait(events, Some(Duration::ZERO)).unwrap_or(0);
            if n > 0 || !self.shared.remote.is_empty() || self.shared.shutdown.load(Ordering::Relaxed) {
                return Some(n);
            }
            if Instant::now() >= until {
                return if until < start + spin { Some(0) } else { None };
            }
            std::hint::spin_loop();
        }
    }

    fn after_poll(&self, events: &[Event], n: usize, busy: bool) {
        if busy && n == 0 {
            let gap = (self.io_gap.get() * 2 + 1).min(MAX_IO_SKIP);
            self.io_gap.set(gap);
            self.io_skip.set(gap);
        } else {
            self.io_gap.set(0);
        }
        self.dispatching.set(true);
        for ev in &events[..n] {
            if ev.token() == WAKE_TOKEN {
                // The doorbell: nothing to do (it is edge-triggered and never read; see
                // `EventFd::notify`), the remote queue is drained at the next turn.
            } else {
                // A waker that panics must not cost the rest of the batch its wake-ups: the
                // sockets are edge-triggered and would not be reported again.
                let _ = std::panic::catch_unwind(|| {
                    // SAFETY: every non-zero token is a registration kept alive by the epoll's
                    // reference, which is released only outside a dispatch (see io::reactor).
                    unsafe { reactor::dispatch(ev.token(), ev.readiness()) }
                });
            }
        }
        self.dispatching.set(false);
        self.advance_clock(Instant::now());
    }

    /// Sets the coarse clock and fires the timers due by then.
    fn advance_clock(&self, now: Instant) {
        self.now.set(now);
        let mut fired = self.fired.borrow_mut();
        self.wheel.borrow_mut().fire_due(now, &mut fired);
        if fired.is_empty() {
            // Most turns: nothing fired, and an empty drain still costs its set-up and drop.
            return;
        }
        for w in fired.drain(..) {
            // The fired entries are already released: a panicking waker must not drop the
            // wakers after it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || w.wake()));
        }
    }

    /// Stops the worker: cancels every task it owns (dropping their futures here, on their
    /// thread), then releases what is left in its queues and timers.
    fn shutdown(&self) {
        self.shared.remote.take_all(true, |t| self.fifo.push_back(t));
        // Cancelling a task drops its future, whose destructors may wake or spawn other local
        // tasks: repeat until both the owned list and the queues are empty.
        loop {
            let head = self.owned_head.get();
            if !head.is_null() {
                // SAFETY: the owned list holds a reference to `head`; take one for the call.
                let task = unsafe {
                    (*head).inc_ref();
                    TaskRef::from_raw(NonNull::new_unchecked(head.cast_mut()))
                };
                task.complete_cancelled(self);
                continue;
            }
            let Some(t) = self.next_task() else { break };
            if t.header().is_complete() {
                // Already cancelled: only the queue's reference is left to release.
                drop(t);
            } else {
                // Spawned here during shutdown, or never run: cancel it now.
                if !t.header().bound.get() {
                    self.bind(&t);
                }
                t.complete_cancelled(self);
            }
        }
        self.wheel.borrow_mut().clear();
        let mut d = self.shared.deferred.lock().unwrap_or_else(|e| e.into_inner());
        d.closed = true;
        d.ios.clear();
        d.timers.clear();
    }
}

/// Runs worker `index` on the current thread until shutdown.
pub(crate) fn run_worker(shared: Arc<WorkerShared>, rt: Arc<RtShared>) {
    if let Some(cpu) = shared.cpu {
        // Pinning is best effort: a CPU outside this process's set is reported, not fatal.
        if let Err(e) = dext_sys::thread::pin_current_thread(cpu) {
            eprintln!("dext-rt: could not pin worker {} to cpu {cpu}: {e}", shared.index);
        }
    }
    let core = Core::new(shared, rt);
    CURRENT.with(|c| c.set(&core));
    let mut events = vec![Event::EMPTY; EVENTS];
    while !core.shared.shutdown.load(Ordering::Acquire) {
        // Task panics are caught where the task is polled; this is the last line of defence
        // (a panicking foreign waker, a bug): the worker logs it and goes on, because a dead
        // worker would strand every task it owns.
        let turn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut n = 0;
            while n < EVENT_INTERVAL {
                match core.next_task() {
                    Some(t) => core.run_task(t),
                    None => break,
                }
                n += 1;
            }
            core.turn(&mut events);
        }));
        if turn.is_err() {
            core.in_task.set(false);
            core.dispatching.set(false);
            eprintln!("dext-rt: worker {} recovered from a panic outside any task", core.shared.index);
        }
    }
    core.shutdown();
    CURRENT.with(|c| c.set(ptr::null()));
}
