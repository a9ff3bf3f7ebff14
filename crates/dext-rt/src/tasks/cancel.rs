//! `CancellationToken`: a cancellation signal shared by tasks, in a tree.
//!
//! Cancelling a token cancels all its children (and theirs), never its parent. A token can be
//! checked (`is_cancelled`), awaited (`cancelled()`), or attached to a future
//! (`fut.with_cancel(&token)`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, RawWakerVTable, Waker};

struct Node {
    cancelled: AtomicBool,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    children: Vec<Weak<Node>>,
    /// Waiters by slot; `free` lists reusable slots, so waiting allocates nothing once the
    /// table has grown.
    waiters: Vec<Option<Waker>>,
    free: Vec<usize>,
}

/// A cloneable cancellation signal; clones share it.
#[derive(Clone)]
pub struct CancellationToken {
    node: Arc<Node>,
}

/// The error of a future that was cancelled through its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation was cancelled")
    }
}

impl std::error::Error for Cancelled {}

impl Default for CancellationToken {
    fn default() -> Self {
        Self::new()
    }
}

impl CancellationToken {
    /// A new, uncancelled root token.
    pub fn new() -> CancellationToken {
        CancellationToken {
            node: Arc::new(Node { cancelled: AtomicBool::new(false), inner: Mutex::new(Inner::default()) }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.node.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A child token: cancelled when this one is (or on its own), without affecting this one.
    pub fn child_token(&self) -> CancellationToken {
        let child = CancellationToken::new();
        let mut inner = self.lock();
        if self.is_cancelled() {
            drop(inner);
            child.cancel();
            return child;
        }
        if inner.children.len() == inner.children.capacity() {
            // Forget children that are gone before growing the list.
            inner.children.retain(|c| c.strong_count() > 0);
        }
        inner.children.push(Arc::downgrade(&child.node));
        child
    }

    /// Cancels this token and every descendant; wakes all waiters. Idempotent.
    pub fn cancel(&self) {
        if self.node.cancelled.swap(true, Ordering::AcqRel) {
            return;
        }
        let (waiters, children) = {
            let mut inner = self.lock();
            let waiters: Vec<Waker> = inner.waiters.iter_mut().filter_map(Option::take).collect();
            (waiters, std::mem::take(&mut inner.children))
        };
        for w in waiters {
            w.wake();
        }
        for c in children {
            if let Some(node) = c.upgrade() {
                CancellationToken { node }.cancel();
            }
        }
    }

    /// True once cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.node.cancelled.load(Ordering::Acquire)
    }

    /// A future that completes when the token is cancelled.
    pub fn cancelled(&self) -> WaitForCancellation {
        WaitForCancellation { token: self.clone(), slot: None, registered: (0, 0) }
    }

    /// A guard that cancels the token when dropped.
    pub fn drop_guard(self) -> DropGuard {
        DropGuard { token: Some(self) }
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken").field("cancelled", &self.is_cancelled()).finish()
    }
}

/// Completes when its token is cancelled (see [`CancellationToken::cancelled`]).
#[must_use = "futures do nothing unless polled"]
pub struct WaitForCancellation {
    token: CancellationToken,
    slot: Option<usize>,
    /// The identity (data and vtable addresses, as `Waker::will_wake` compares them) of the
    /// waker stored in `slot`: polled again by the same task, this future need not take the
    /// token's lock.
    registered: (usize, usize),
}

impl WaitForCancellation {
    /// Polls for cancellation.
    pub fn poll_cancelled(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.token.is_cancelled() {
            return Poll::Ready(());
        }
        let waker = cx.waker();
        let identity = (waker.data() as usize, waker.vtable() as *const RawWakerVTable as usize);
        if self.slot.is_some() && self.registered == identity {
            return Poll::Pending;
        }
        self.registered = identity;
        let mut inner = self.token.lock();
        // Re-check under the lock: `cancel` sets the flag before taking the waiters.
        if self.token.is_cancelled() {
            return Poll::Ready(());
        }
        match self.slot {
            Some(i) => match &mut inner.waiters[i] {
                Some(w) if w.will_wake(cx.waker()) => {}
                w => *w = Some(cx.waker().clone()),
            },
            None => {
                let w = Some(cx.waker().clone());
                let i = match inner.free.pop() {
                    Some(i) => {
                        inner.waiters[i] = w;
                        i
                    }
                    None => {
                        inner.waiters.push(w);
                        inner.waiters.len() - 1
                    }
                };
                self.slot = Some(i);
            }
        }
        Poll::Pending
    }
}

impl Future for WaitForCancellation {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().poll_cancelled(cx)
    }
}

impl Drop for WaitForCancellation {
    fn drop(&mut self) {
        if let Some(i) = self.slot.take() {
            let mut inner = self.token.lock();
            inner.waiters[i] = None;
            inner.free.push(i);
        }
    }
}

impl fmt::Debug for WaitForCancellation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellation").field("token", &self.token).finish()
    }
}

/// Cancels its token when dropped (see [`CancellationToken::drop_guard`]).
#[derive(Debug)]
pub struct DropGuard {
    token: Option<CancellationToken>,
}

impl DropGuard {
    /// Gives the token back without cancelling it.
    pub fn disarm(mut self) -> CancellationToken {
        self.token.take().expect("token present until disarmed or dropped")
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(t) = self.token.take() {
            t.cancel();
        }
    }
}
