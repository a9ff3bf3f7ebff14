//! Timers: [`sleep`], [`sleep_until`], [`timeout`], [`interval`], on a per-worker
//! hierarchical timer wheel with millisecond resolution, and the worker's coarse clock.
//!
//! A timer lives in the wheel of the worker that first polls it. Registering, re-polling and
//! dropping a timer on that worker touch only worker-local memory: no lock, no atomic, and no
//! allocation once the wheel's entry table has grown to the number of concurrent timers.

mod sleep;
pub(crate) mod wheel;

pub use sleep::{
    Elapsed, Interval, MissedTickBehavior, Sleep, Timeout, interval, interval_at, sleep, sleep_until, timeout,
    timeout_at,
};

use std::time::Instant;

/// The current worker's coarse clock: the time read once per scheduler loop iteration
/// (after each `epoll_wait`), so reading it costs a thread-local load instead of a
/// `clock_gettime`. Off a worker it is `Instant::now()`.
///
/// It lags real time by at most the length of one batch of task polls; use it for timeouts
/// and logging timestamps, not for measuring short durations.
#[inline]
pub fn now() -> Instant {
    crate::worker::with_current(|c| c.map(|c| c.now())).unwrap_or_else(Instant::now)
}
