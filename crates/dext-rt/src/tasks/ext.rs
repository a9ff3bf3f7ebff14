//! The fluent style: `fut.with_timeout(d).with_cancel(&token).spawn()`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::cancel::{CancellationToken, Cancelled, WaitForCancellation};
use crate::task::JoinHandle;
use crate::time::{Timeout, timeout, timeout_at};

/// Fluent combinators for every future.
pub trait FutureExt: Future + Sized {
    /// Fails with `Elapsed` if the future takes longer than `d`.
    fn with_timeout(self, d: Duration) -> Timeout<Self> {
        timeout(d, self)
    }

    /// Fails with `Elapsed` if the future is not done by `deadline`.
    fn with_deadline(self, deadline: Instant) -> Timeout<Self> {
        timeout_at(deadline, self)
    }

    /// Fails with [`Cancelled`] (dropping the future) once `token` is cancelled.
    fn with_cancel(self, token: &CancellationToken) -> WithCancel<Self> {
        WithCancel { future: self, cancelled: token.cancelled() }
    }

    /// Spawns the future on the current worker (see [`crate::spawn`]).
    fn spawn(self) -> JoinHandle<Self::Output>
    where
        Self: Send + 'static,
        Self::Output: Send + 'static,
    {
        super::spawn(self)
    }

    /// Spawns the future on the current worker without requiring `Send`.
    fn spawn_local(self) -> JoinHandle<Self::Output>
    where
        Self: 'static,
    {
        super::spawn_local(self)
    }
}

impl<F: Future> FutureExt for F {}

/// A future that stops with [`Cancelled`] when its token is cancelled.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct WithCancel<F> {
    future: F,
    cancelled: WaitForCancellation,
}

impl<F: Future> Future for WithCancel<F> {
    type Output = Result<F::Output, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned and never moved; `cancelled` is Unpin and
        // only reached through `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        if this.cancelled.poll_cancelled(cx).is_ready() {
            return Poll::Ready(Err(Cancelled));
        }
        // SAFETY: see above.
        let fut = unsafe { Pin::new_unchecked(&mut this.future) };
        fut.poll(cx).map(Ok)
    }
}
