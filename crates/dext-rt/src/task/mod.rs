//! Tasks: one heap cell per spawned future, reference-counted, scheduled by state transitions.
//!
//! # Layout
//!
//! A task is a single allocation, `Cell<F>` (`repr(C)`), starting with a [`Header`] followed
//! by the future or its output. Everything that is not generic over the future (the queues,
//! wakers, the worker) handles `NonNull<Header>` and calls into the typed code through the
//! header's `&'static Vtable`.
//!
//! # Invariants
//!
//! 1. **One allocation per spawn, none per wake-up.** A `Waker` is the header pointer plus a
//!    reference count increment; scheduling links the header into an intrusive queue through
//!    its `next` pointer. Nothing else is allocated over a task's life.
//! 2. **A task is polled, cancelled and has its future dropped only on its owner worker**, the
//!    worker it was spawned on. This is what makes `spawn_local` sound and keeps a task's memory
//!    in one core's cache.
//! 3. **A task is in at most one run queue at a time**: a waker enqueues the task only if its
//!    `fetch_or(SCHEDULED)` found it idle (neither SCHEDULED, RUNNING nor COMPLETE); a wake-up
//!    during a run only leaves SCHEDULED set, and the runner re-queues the task when it clears
//!    RUNNING. So a dequeued task always has SCHEDULED set and RUNNING clear, and one intrusive
//!    `next` pointer suffices for both the local FIFO and the remote stack. Each transition
//!    (wake, start, finish a poll, complete) is a single atomic RMW, never a CAS loop; the
//!    reference count shares the state word, so finishing a poll also releases the queue's
//!    reference in that same operation.
//! 4. **References**: the JoinHandle owns one, the owner worker owns one from spawn until
//!    completion (the task is on the worker's owned list meanwhile), a queue entry owns one,
//!    and each `Waker` owns one. The cell is freed when the count reaches zero, on whatever
//!    thread that happens; by then the future has been dropped by its owner (invariant 2) and
//!    the output has been taken or dropped.
//! 5. **The output is written once** by the owner before `COMPLETE` is published (release) and
//!    read once by the JoinHandle after observing `COMPLETE` (acquire). Whether the handle or
//!    the task drops an unread output is decided by one atomic transition on the state
//!    (`COMPLETE` versus `JOIN_INTEREST`), so exactly one side does it.

mod join;
mod raw;
pub(crate) mod state;

pub use join::{AbortHandle, JoinError, JoinHandle};
pub(crate) use raw::{Header, TaskRef, new_task};
