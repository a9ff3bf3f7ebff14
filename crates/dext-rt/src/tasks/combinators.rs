//! Runtime-independent combinators: join, race, select, yield.
//!
//! All of them poll their futures in place (pinned on the caller's stack frame); none
//! allocates except `join_all` and `race_all`, which box each future once.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;

/// Waits for both futures; polls both concurrently on the calling task.
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let (mut ra, mut rb) = (None, None);
    poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            // Both are Some: checked just above.
            Poll::Ready((ra.take().unwrap(), rb.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Waits for every future; outputs in input order.
pub async fn join_all<I>(futures: I) -> Vec<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future,
{
    let mut futs: Vec<Pin<Box<I::Item>>> = futures.into_iter().map(Box::pin).collect();
    let mut outs: Vec<Option<<I::Item as Future>::Output>> = futs.iter().map(|_| None).collect();
    let mut left = futs.len();
    poll_fn(|cx| {
        for (f, o) in futs.iter_mut().zip(outs.iter_mut()) {
            if o.is_none() {
                if let Poll::Ready(v) = f.as_mut().poll(cx) {
                    *o = Some(v);
                    left -= 1;
                }
            }
        }
        if left == 0 { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    // Every slot is Some once `left` reached zero.
    outs.into_iter().map(|o| o.expect("all futures finished")).collect()
}

/// One of two outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<A, B> {
    /// The first future finished first.
    Left(A),
    /// The second future finished first.
    Right(B),
}

/// Waits for the first of two futures with different outputs; the other is dropped.
/// Polls `a` first (biased), so a tie goes to `a`.
pub async fn select<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        b.as_mut().poll(cx).map(Either::Right)
    })
    .await
}

/// Waits for the first of two futures with the same output; the other is dropped.
pub async fn race<T, A: Future<Output = T>, B: Future<Output = T>>(a: A, b: B) -> T {
    match select(a, b).await {
        Either::Left(v) | Either::Right(v) => v,
    }
}

/// Waits for the first of N futures; returns its index and output, dropping the rest.
///
/// # Panics
/// If `futures` is empty (it would never finish).
pub async fn race_all<I>(futures: I) -> (usize, <I::Item as Future>::Output)
where
    I: IntoIterator,
    I::Item: Future,
{
    let mut futs: Vec<Pin<Box<I::Item>>> = futures.into_iter().map(Box::pin).collect();
    assert!(!futs.is_empty(), "race_all of no futures would never finish");
    poll_fn(|cx| {
        for (i, f) in futs.iter_mut().enumerate() {
            if let Poll::Ready(v) = f.as_mut().poll(cx) {
                return Poll::Ready((i, v));
            }
        }
        Poll::Pending
    })
    .await
}

/// Lets other tasks run: the current task goes to the back of its worker's queue.
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
