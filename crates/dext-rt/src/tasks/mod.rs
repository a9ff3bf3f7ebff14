//! The tasks API: spawning, combinators, cancellation, structured concurrency, retries and
//! the fluent [`FutureExt`] style.
//!
//! ```no_run
//! use std::time::Duration;
//! use dext_rt::tasks::{CancellationToken, FutureExt};
//!
//! # async fn fetch() -> u32 { 1 }
//! # async fn demo() {
//! let token = CancellationToken::new();
//! let r = fetch().with_timeout(Duration::from_millis(50)).with_cancel(&token).await;
//! # let _ = r;
//! # }
//! ```

mod cancel;
mod combinators;
mod ext;
mod group;
mod retry;

pub use cancel::{CancellationToken, Cancelled, DropGuard, WaitForCancellation};
pub use combinators::{Either, join, join_all, race, race_all, select, yield_now};
pub use ext::{FutureExt, WithCancel};
pub use group::{GroupError, TaskGroup};
pub use retry::{Backoff, retry, retry_if};

use std::future::Future;

use crate::runtime::Handle;
use crate::task::JoinHandle;
use crate::worker;

/// Spawns a `Send` task: on the current worker (it stays there), or round robin when called
/// off-worker... which needs a runtime: off-worker, use [`Handle::spawn`].
///
/// # Panics
/// Off a runtime worker.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let target = worker::with_current(|c| c.map(|c| c.shared.clone()))
        .expect("dext-rt: spawn called off a runtime worker; use Handle::spawn");
    worker::spawn_on(&target, future)
}

/// Spawns a task that need not be `Send` on the current worker; it never leaves it.
///
/// # Panics
/// Off a runtime worker.
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let target = worker::with_current(|c| c.map(|c| c.shared.clone()))
        .expect("dext-rt: spawn_local called off a runtime worker");
    worker::spawn_on(&target, future)
}

/// Runs blocking `f` on the runtime's bounded blocking pool; the handle gives its result or
/// its panic.
///
/// # Panics
/// Off a runtime worker (use [`Handle::spawn_blocking`]).
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Handle::current().spawn_blocking(f)
}

/// The index of the worker running the caller, or `None` off-worker.
pub fn worker_index() -> Option<usize> {
    worker::with_current(|c| c.map(|c| c.shared.index))
}
