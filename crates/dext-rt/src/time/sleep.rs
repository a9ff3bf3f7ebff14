//! `Sleep`, `Timeout` and `Interval`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::wheel;
use crate::worker::{self, WorkerShared};

/// A timer registered in a worker's wheel.
struct Entry {
    owner: Arc<WorkerShared>,
    key: u32,
    generation: u32,
}

/// A future that completes at a deadline. Created by [`sleep`] and [`sleep_until`].
///
/// Must be polled on a runtime worker. It registers in the polling worker's timer wheel on
/// first poll, and is removed from it when dropped.
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    deadline: Instant,
    entry: Option<Entry>,
}

/// Completes after `duration`.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(duration))
}

/// `now + d`, saturating at a deadline far enough to mean "never" (about 30 years), so that
/// `Duration::MAX` is a valid timeout.
pub(crate) fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d).unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30))
}

/// Completes at `deadline` (at once if it has passed).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline, entry: None }
}

impl Sleep {
    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the deadline has passed by the worker's coarse clock.
    pub fn is_elapsed(&self) -> bool {
        super::now() >= self.deadline
    }

    /// Moves the deadline; the sleep is pending again until the new deadline.
    pub fn reset(&mut self, deadline: Instant) {
        self.cancel();
        self.deadline = deadline;
    }

    fn cancel(&mut self) {
        let Some(e) = self.entry.take() else { return };
        let done = worker::with_current(|core| match core {
            Some(core) if Arc::ptr_eq(&core.shared, &e.owner) => match core.wheel.try_borrow_mut() {
                Ok(mut w) => {
                    w.remove(e.key, e.generation);
                    true
                }
                Err(_) => false,
            },
            _ => false,
        });
        if !done {
            e.owner.defer_timer_cancel(e.key, e.generation);
        }
    }

    /// Polls the timer.
    pub fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        worker::with_current(|core| {
            let core = core.expect("dext-rt: timers must be polled on a runtime worker");
            if let Some(e) = &self.entry {
                if Arc::ptr_eq(&e.owner, &core.shared) {
                    match core.wheel.borrow_mut().poll(e.key, e.generation, cx.waker()) {
                        wheel::Poll::Pending => return Poll::Pending,
                        // A deadline beyond the wheel's horizon fires at the horizon: re-arm.
                        wheel::Poll::Fired => self.entry = None,
                    }
                }
                // Moved to another worker: re-register here.
                self.cancel();
            }
            if core.now() >= self.deadline {
                return Poll::Ready(());
            }
            let (key, generation) = core.wheel.borrow_mut().insert(self.deadline, cx.waker().clone());
            self.entry = Some(Entry { owner: core.shared.clone(), key, generation });
            Poll::Pending
        })
    }
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_elapsed(cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").field("deadline", &self.deadline).finish()
    }
}

/// The error of a future that did not finish before its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::ErrorKind::TimedOut.into()
    }
}

/// A future with a deadline: `Ok(output)` if it finished in time, `Err(Elapsed)` otherwise
/// (the inner future is then dropped with the `Timeout`).
#[must_use = "futures do nothing unless polled"]
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
}

/// Runs `future` for at most `duration`.
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout_at(deadline_after(duration), future)
}

/// Runs `future` until `deadline` at most.
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout { future, sleep: sleep_until(deadline) }
}

impl<F> Timeout<F> {
    /// The inner future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// Unwraps the inner future.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned (never moved out while pinned, since
        // `into_inner` takes `self` by value only when unpinned); `sleep` is Unpin and is
        // only reached through `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let fut = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(v) = fut.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        this.sleep.poll_elapsed(cx).map(|()| Err(Elapsed(())))
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout").field("deadline", &self.sleep.deadline).finish()
    }
}

/// What an [`Interval`] does when ticks were missed (the task was late).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks at once, one per call, until caught up.
    #[default]
    Burst,
    /// Start the period again from now: ticks drift but never bunch.
    Delay,
    /// Skip the missed ticks and keep to the original schedule.
    Skip,
}

/// A periodic timer: [`Interval::tick`] completes at `start`, `start + period`, ...
#[derive(Debug)]
pub struct Interval {
    next: Instant,
    period: Duration,
    sleep: Sleep,
    missed: MissedTickBehavior,
}

/// An interval whose first tick is immediate.
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// An interval whose first tick is at `start`.
///
/// # Panics
/// If `period` is zero.
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval period must be non-zero");
    Interval { next: start, period, sleep: sleep_until(start), missed: MissedTickBehavior::default() }
}

impl Interval {
    /// Sets the missed-tick behaviour.
    pub fn set_missed_tick_behavior(&mut self, b: MissedTickBehavior) {
        self.missed = b;
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Waits for the next tick and returns its scheduled time.
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.sleep.poll_elapsed(cx).is_pending() {
            return Poll::Pending;
        }
        let now = Instant::now();
        let tick = self.next;
        let mut next = tick.checked_add(self.period).unwrap_or_else(|| deadline_after(self.period));
        if next <= now {
            next = match self.missed {
                MissedTickBehavior::Burst => next,
                MissedTickBehavior::Delay => now + self.period,
                MissedTickBehavior::Skip => {
                    let behind = now.duration_since(tick).as_nanos();
                    let periods = behind / self.period.as_nanos() + 1;
                    tick + self.period * u32::try_from(periods).unwrap_or(u32::MAX)
                }
            };
        }
        self.next = next;
        self.sleep.reset(next);
        Poll::Ready(tick)
    }
}
