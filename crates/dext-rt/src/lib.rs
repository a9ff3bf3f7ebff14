//! Dext's runtime: an epoll reactor, a thread-per-core scheduler, timers and the tasks API.
//!
//! `dext-rt` runs futures on a fixed pool of worker threads (by default one per available
//! CPU, optionally pinned). Each worker owns its own epoll instance, run queue and timer
//! wheel; a task stays on the worker that spawned it, so its memory stays in one core's cache
//! and almost nothing crosses threads. It refuses to do work stealing, to start a thread per
//! connection, or to allocate per wake-up or per I/O operation.
//!
//! ```text
//!            spawn / wake (same worker)          spawn / wake (other thread)
//!                     │                                   │
//!                     ▼                                   ▼
//!   ┌──────────── worker i ─────────────┐   lock-free remote stack ──▶ eventfd (only if parked)
//!   │ LIFO slot ─▶ FIFO queue ─▶ poll   │◀──────────────┘
//!   │        ▲                          │
//!   │        └── wake ◀── epoll_wait ◀──┼── sockets registered once, edge-triggered
//!   │                  ◀── timer wheel  │
//!   └───────────────────────────────────┘
//! ```
//!
//! # Quick start
//!
//! ```no_run
//! use dext_rt::{Runtime, net::TcpListener};
//!
//! let rt = Runtime::builder().workers(2).build().unwrap();
//! rt.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//!     let (stream, _peer) = listener.accept().await.unwrap();
//!     let mut buf = [0u8; 1024];
//!     let n = stream.read(&mut buf).await.unwrap();
//!     stream.write_all(&buf[..n]).await.unwrap();
//! });
//! ```
//!
//! # Design
//!
//! - **Tasks** (`task` internals): one allocation per spawn; the waker is the task header
//!   with a reference count, so waking allocates nothing. See the `task` module for the
//!   state machine and its invariants.
//! - **Scheduler** (`worker`): a task woken by another task on the same worker runs next
//!   (LIFO slot, at most 3 times in a row), everything else is FIFO. Every 61 tasks the worker
//!   takes in the remote queue and polls epoll with a zero timeout (after empty polls it skips
//!   the syscall for up to 7 batches while tasks keep it busy); it parks in `epoll_wait` only
//!   when it has nothing to run, optionally after spinning for
//!   [`Builder::spin_before_park`]. Cross-thread wake-ups push onto a lock-free intrusive
//!   stack and write the eventfd only if the target is parked. Each task state transition
//!   (wake, start, finish a poll) is a single atomic operation on one word that also holds
//!   the reference count.
//! - **Reactor** (`io::reactor`): sockets are registered once, edge-triggered; readiness
//!   carries a tick so that clearing it never loses an edge; short reads and writes count as
//!   "drained", saving the `EAGAIN` syscall per round trip.
//! - **Timers** ([`time`]): a 6-level hierarchical wheel per worker, millisecond resolution,
//!   entries in a reusable table, and a coarse clock read once per loop iteration.
//!
//! # Invariants that keep the steady state allocation-free
//!
//! - A wake-up is a reference-count increment and an intrusive-list link, never an
//!   allocation; re-registering the same waker (`will_wake`) does not clone it.
//! - I/O on an established stream touches only the stream's registration (allocated once,
//!   when the stream is created) and the caller's buffers.
//! - Timer entries are recycled through a free list; the queues are intrusive.
//! - The only per-spawn allocation is the task cell itself.
#![deny(missing_docs)]

mod blocking;
pub mod io;
mod loom;
#[cfg(all(test, loom))]
mod loom_tests;
mod runtime;
pub mod sync;
mod task;
pub mod tasks;
pub mod time;
mod worker;

pub use io::net;
pub use runtime::{Builder, Handle, Runtime};
pub use task::{AbortHandle, JoinError, JoinHandle};
pub use tasks::{spawn, spawn_blocking, spawn_local, worker_index, yield_now};
pub use time::{sleep, sleep_until, timeout};

/// The socket options type used by [`net::TcpListener::bind_with`].
pub use dext_sys::socket::ListenOptions;

/// The repository README's Rust examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
