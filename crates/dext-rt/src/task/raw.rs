//! The task cell, its state machine, its vtable and the waker built on it.

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::join::JoinError;
use crate::worker::{self, WorkerShared};

use super::state::{CANCELLED, COMPLETE, JOIN_INTEREST, RUNNING, SCHEDULED, State};

pub(crate) struct Vtable {
    /// Polls the future (catching panics). Returns true when the task completed.
    poll: unsafe fn(NonNull<Header>) -> bool,
    /// Drops the future and stores `JoinError::Cancelled`.
    cancel: unsafe fn(NonNull<Header>),
    /// Moves the output into `*mut Poll<Result<T, JoinError>>`.
    read_output: unsafe fn(NonNull<Header>, *mut ()),
    /// Drops the stored output.
    drop_output: unsafe fn(NonNull<Header>),
    /// Frees the cell.
    dealloc: unsafe fn(NonNull<Header>),
}

/// The untyped part of every task. See the module docs of `task` for the invariants.
#[repr(C)]
pub(crate) struct Header {
    /// Flags and reference count (see `task::state`).
    pub(crate) state: State,
    /// Run-queue link: local FIFO or remote stack (a task is in at most one).
    pub(crate) next: AtomicPtr<Header>,
    /// Owned-list links, touched only by the owner worker.
    pub(crate) owned_prev: Cell<*const Header>,
    pub(crate) owned_next: Cell<*const Header>,
    pub(crate) bound: Cell<bool>,
    pub(crate) owner: Arc<WorkerShared>,
    vtable: &'static Vtable,
    pub(crate) join_waker: Mutex<Option<Waker>>,
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

#[repr(C)]
struct TaskCell<F: Future> {
    header: Header,
    stage: UnsafeCell<Stage<F>>,
}

/// An owned reference to a task: dropping it releases one reference.
pub(crate) struct TaskRef(NonNull<Header>);

// SAFETY: a TaskRef only exposes the header's atomics and the owner-only operations that the
// worker performs on its own thread (invariant 2); the future never moves between threads
// through it except for `Send` futures spawned remotely.
unsafe impl Send for TaskRef {}

impl TaskRef {
    /// Takes over a reference that the caller owns.
    ///
    /// # Safety
    /// `ptr` points to a live task and the caller gives up one reference it owned.
    #[inline]
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> TaskRef {
        TaskRef(ptr)
    }

    /// Gives up the reference without releasing it.
    #[inline]
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        ManuallyDrop::new(self).0
    }

    #[inline]
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: we own a reference, so the cell is alive.
        unsafe { self.0.as_ref() }
    }

    #[inline]
    pub(crate) fn as_ptr(&self) -> NonNull<Header> {
        self.0
    }

    /// Runs the task once on its owner worker. Consumes the queue's reference.
    ///
    /// Returns `Some(task)` if the task was woken while it ran and must be queued again
    /// (the reference passes to that queue entry).
    pub(crate) fn run(self, core: &worker::Core) -> Option<TaskRef> {
        let header = self.header();
        // SCHEDULED -> RUNNING in one RMW: a dequeued task has SCHEDULED set and RUNNING clear
        // (invariant 3), so flipping both bits is exact.
        let prev = header.state.start_poll();
        if prev & COMPLETE != 0 {
            // Cancelled by shutdown while queued: only the queue's reference is left. The
            // flipped bits mean nothing on a complete task.
            return None;
        }
        debug_assert!(prev & (SCHEDULED | RUNNING) == SCHEDULED);
        if !header.bound.get() {
            core.bind(&self);
        }
        let done = if prev & CANCELLED != 0 {
            // SAFETY: we are the owner worker (invariant 2) and the task is not complete.
            unsafe { (header.vtable.cancel)(self.0) };
            true
        } else {
            // SAFETY: as above; the state machine gives us exclusive access to the stage.
            unsafe { (header.vtable.poll)(self.0) }
        };
        if done {
            self.complete(core);
            return None;
        }
        // RUNNING -> idle and release the queue's reference, in one RMW (RUNNING is set, so
        // subtracting it clears it; the owner's reference keeps the count above zero).
        let ptr = self.into_raw();
        // SAFETY: the owner's reference keeps the cell alive until the task completes.
        let header = unsafe { ptr.as_ref() };
        if header.state.finish_poll() {
            // Woken during the run (the waker saw RUNNING and did not queue it): queue it
            // again, with a new reference for the queue entry.
            header.inc_ref();
            // SAFETY: we just took that reference.
            Some(unsafe { TaskRef::from_raw(ptr) })
        } else {
            None
        }
    }

    /// Publishes completion, hands the output to the JoinHandle (or drops it), unlinks the
    /// task from the owned list and releases the owner's reference.
    pub(crate) fn complete(self, core: &worker::Core) {
        let header = self.header();
        // Once COMPLETE is set, the other bits are ignored: wake-ups do nothing and the task
        // is never run again.
        let prev = header.state.complete();
        let join_waker = if prev & JOIN_INTEREST == 0 {
            // SAFETY: no JoinHandle will read the output (invariant 5), and we are the owner.
            unsafe { (header.vtable.drop_output)(self.0) };
            None
        } else {
            header.join_waker.lock().unwrap_or_else(|e| e.into_inner()).take()
        };
        header.owner.live.fetch_sub(1, Ordering::Relaxed);
        if header.bound.get() {
            core.unbind(&self);
        }
        // Wake last, with the task's bookkeeping done: a foreign waker may panic.
        if let Some(w) = join_waker {
            let _ = catch_unwind(AssertUnwindSafe(move || w.wake()));
        }
        // Dropping `self` releases the queue's reference; unbind released the owner's.
    }

    /// Cancels a bound task on its owner (used by shutdown): drops the future, completes.
    pub(crate) fn complete_cancelled(self, core: &worker::Core) {
        // SAFETY: we are the owner worker and the task is not running (shutdown runs between
        // tasks), so we have exclusive access to the stage.
        unsafe { (self.header().vtable.cancel)(self.0) };
        self.complete(core);
    }

    /// Cancels a task that never ran on a live worker (its worker is shut down): drops the
    /// future on this thread, stores the cancellation and wakes the JoinHandle.
    ///
    /// Only used for tasks whose future is `Send` (remote spawns), so dropping it here is fine.
    pub(crate) fn cancel_unbound(self) {
        let header = self.header();
        // SAFETY: the task never ran and is in no queue, so nobody else touches its stage.
        unsafe { (header.vtable.cancel)(self.0) };
        let prev = header.state.complete();
        if prev & JOIN_INTEREST == 0 {
            // SAFETY: as in `complete`.
            unsafe { (header.vtable.drop_output)(self.0) };
        } else if let Some(w) = header.join_waker.lock().unwrap_or_else(|e| e.into_inner()).take() {
            w.wake();
        }
        header.owner.live.fetch_sub(1, Ordering::Relaxed);
        // The owner's reference: released here since the task was never bound.
        header.dec_ref();
    }
}

impl Drop for TaskRef {
    #[inline]
    fn drop(&mut self) {
        self.header().dec_ref();
    }
}

impl Header {
    #[inline]
    pub(crate) fn is_complete(&self) -> bool {
        self.state.is_complete()
    }

    #[inline]
    pub(crate) fn inc_ref(&self) {
        self.state.inc_ref();
    }

    /// Releases one reference and frees the cell if it was the last.
    #[inline]
    pub(crate) fn dec_ref(&self) {
        if self.state.dec_ref() {
            // SAFETY: that was the last reference: nobody else can reach the cell.
            unsafe { (self.vtable.dealloc)(NonNull::from(self)) };
        }
    }

    /// Moves the output into `dst`, a `*mut Poll<Result<T, JoinError>>` of the right `T`.
    ///
    /// # Safety
    /// The task is `COMPLETE` (observed with acquire), the caller is its unique JoinHandle,
    /// and `T` is the future's output type.
    pub(crate) unsafe fn read_output(&self, dst: *mut ()) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.vtable.read_output)(NonNull::from(self), dst) }
    }

    /// # Safety
    /// As for [`Header::read_output`], and the output was not read.
    pub(crate) unsafe fn drop_output(&self) {
        // SAFETY: forwarded from the caller.
        unsafe { (self.vtable.drop_output)(NonNull::from(self)) }
    }

    /// Wakes the task: queues it if it is idle. If it is queued already, or running (the
    /// runner re-queues it when it sees SCHEDULED), or complete, nothing more is needed.
    /// One atomic RMW in every case. `owned_ref` says whether the caller gives a reference.
    /// Inlined into the waker entry points: it is the hottest path of every wake-up.
    #[inline(always)]
    pub(crate) fn wake(&self, owned_ref: bool) {
        if self.state.wake() {
            if !owned_ref {
                self.inc_ref();
            }
            // SAFETY: the queue entry owns the reference we hold or just took.
            let task = unsafe { TaskRef::from_raw(NonNull::from(self)) };
            worker::schedule(task);
        } else if owned_ref {
            self.dec_ref();
        }
    }

    /// Requests cancellation; the owner drops the future at its next run.
    pub(crate) fn abort(&self) {
        let prev = self.state.cancel();
        if prev & (CANCELLED | COMPLETE) == 0 {
            self.wake(false);
        }
    }
}

static WAKER_VTABLE: RawWakerVTable = RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

unsafe fn waker_clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is a header pointer holding a reference (the waker's).
    let header = unsafe { &*data.cast::<Header>() };
    header.inc_ref();
    RawWaker::new(data, &WAKER_VTABLE)
}

unsafe fn waker_wake(data: *const ()) {
    // SAFETY: as in waker_clone; the waker's reference passes to `wake`.
    let header = unsafe { &*data.cast::<Header>() };
    header.wake(true);
}

unsafe fn waker_wake_by_ref(data: *const ()) {
    // SAFETY: as in waker_clone.
    let header = unsafe { &*data.cast::<Header>() };
    header.wake(false);
}

unsafe fn waker_drop(data: *const ()) {
    // SAFETY: as in waker_clone; the waker's reference is released.
    let header = unsafe { &*data.cast::<Header>() };
    header.dec_ref();
}

/// Allocates a task for `future` owned by `owner`. Returns the queue's reference and the
/// JoinHandle's reference; the owner's reference is implicit until completion.
pub(crate) fn new_task<F>(future: F, owner: Arc<WorkerShared>) -> (TaskRef, NonNull<Header>)
where
    F: Future + 'static,
{
    owner.live.fetch_add(1, Ordering::Relaxed);
    let cell = Box::new(TaskCell {
        header: Header {
            // References: queue + JoinHandle + owner.
            state: State::new(SCHEDULED | JOIN_INTEREST, 3),
            next: AtomicPtr::new(ptr::null_mut()),
            owned_prev: Cell::new(ptr::null()),
            owned_next: Cell::new(ptr::null()),
            bound: Cell::new(false),
            owner,
            vtable: vtable_of::<F>(),
            join_waker: Mutex::new(None),
        },
        stage: UnsafeCell::new(Stage::Running(future)),
    });
    let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
    // SAFETY: the queue's reference was counted above.
    (unsafe { TaskRef::from_raw(ptr) }, ptr)
}

fn vtable_of<F: Future + 'static>() -> &'static Vtable {
    struct V<F>(F);
    impl<F: Future + 'static> V<F> {
        const VTABLE: Vtable = Vtable {
            poll: poll_task::<F>,
            cancel: cancel_task::<F>,
            read_output: read_output::<F>,
            drop_output: drop_output::<F>,
            dealloc: dealloc::<F>,
        };
    }
    &V::<F>::VTABLE
}

/// # Safety
/// `ptr` is the header of a live `TaskCell<F>`.
unsafe fn stage<'a, F: Future>(ptr: NonNull<Header>) -> &'a mut Stage<F> {
    // SAFETY: `TaskCell` is repr(C) with the header first, so the pointer casts; exclusive
    // access to the stage is guaranteed by the state machine at every call site.
    unsafe { &mut *(*ptr.cast::<TaskCell<F>>().as_ptr()).stage.get() }
}

unsafe fn poll_task<F: Future>(ptr: NonNull<Header>) -> bool {
    // SAFETY: the worker calls this only while it holds RUNNING for this task.
    let stage = unsafe { stage::<F>(ptr) };
    let Stage::Running(fut) = stage else { return true };
    // SAFETY: the cell is heap-allocated and never moves; the future is dropped in place.
    let fut = unsafe { Pin::new_unchecked(fut) };
    // SAFETY: the header is alive (the queue's reference is held by our caller).
    let header = unsafe { ptr.as_ref() };
    let waker = ManuallyDrop::new(raw_waker_borrowed(header));
    let mut cx = Context::from_waker(&waker);
    match catch_unwind(AssertUnwindSafe(|| fut.poll(&mut cx))) {
        Ok(Poll::Pending) => false,
        Ok(Poll::Ready(out)) => {
            // Drop the finished future under `catch_unwind` too: a combinator that finishes
            // early (a timeout) drops live futures here, and their destructors may panic.
            let old = std::mem::replace(stage, Stage::Consumed);
            *stage = match catch_unwind(AssertUnwindSafe(move || drop(old))) {
                Ok(()) => Stage::Finished(Ok(out)),
                Err(payload) => {
                    let _ = catch_unwind(AssertUnwindSafe(move || drop(out)));
                    Stage::Finished(Err(JoinError::Panic(payload)))
                }
            };
            true
        }
        Err(payload) => {
            store_panic(stage, payload);
            true
        }
    }
}

fn store_panic<F: Future>(stage: &mut Stage<F>, payload: Box<dyn Any + Send>) {
    // Dropping the future may panic too; that second panic is swallowed, the first is kept.
    let old = std::mem::replace(stage, Stage::Consumed);
    let _ = catch_unwind(AssertUnwindSafe(move || drop(old)));
    *stage = Stage::Finished(Err(JoinError::Panic(payload)));
}

/// A waker for the duration of one poll that borrows the queue's reference instead of
/// taking its own: wrapped in `ManuallyDrop` by the caller so that it is never released.
/// Cloning it (to store it) takes a real reference.
fn raw_waker_borrowed(header: &Header) -> Waker {
    let raw = RawWaker::new((header as *const Header).cast(), &WAKER_VTABLE);
    // SAFETY: the caller holds a reference for the whole poll and never drops this waker.
    unsafe { Waker::from_raw(raw) }
}

unsafe fn cancel_task<F: Future>(ptr: NonNull<Header>) {
    // SAFETY: called by the owner holding RUNNING, or on a never-run task.
    let stage = unsafe { stage::<F>(ptr) };
    let old = std::mem::replace(stage, Stage::Consumed);
    // A panicking destructor must not take the worker down.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(old)));
    *stage = Stage::Finished(Err(JoinError::Cancelled));
}

unsafe fn read_output<F: Future>(ptr: NonNull<Header>, dst: *mut ()) {
    // SAFETY: caller observed COMPLETE and is the unique JoinHandle (invariant 5).
    let stage = unsafe { stage::<F>(ptr) };
    // A second read (a handle polled after Ready) finds the stage consumed and leaves `dst`
    // untouched; the handle reports that misuse.
    if let Stage::Finished(out) = std::mem::replace(stage, Stage::Consumed) {
        // SAFETY: the JoinHandle<F::Output> passes a `Poll<Result<F::Output, JoinError>>`.
        unsafe { *dst.cast::<Poll<Result<F::Output, JoinError>>>() = Poll::Ready(out) };
    }
}

unsafe fn drop_output<F: Future>(ptr: NonNull<Header>) {
    // SAFETY: exactly one side drops the output (invariant 5).
    let stage = unsafe { stage::<F>(ptr) };
    let old = std::mem::replace(stage, Stage::Consumed);
    let _ = catch_unwind(AssertUnwindSafe(move || drop(old)));
}

unsafe fn dealloc<F: Future>(ptr: NonNull<Header>) {
    // SAFETY: the last reference is gone; the cell was allocated as Box<TaskCell<F>>.
    drop(unsafe { Box::from_raw(ptr.cast::<TaskCell<F>>().as_ptr()) });
}
