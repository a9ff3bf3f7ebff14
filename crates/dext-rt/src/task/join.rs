//! `JoinHandle`: awaits a task's output, aborts it, or asks whether it finished.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use super::raw::Header;
use super::state::COMPLETE;

/// Why a task produced no output.
#[non_exhaustive]
pub enum JoinError {
    /// The task was aborted (by its handle, its group, or runtime shutdown) before finishing.
    Cancelled,
    /// The task panicked; the payload is the panic's.
    Panic(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    /// True if the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }

    /// True if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panic(_))
    }

    /// The panic payload, or `Err(self)` if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self {
            JoinError::Panic(p) => Ok(p),
            other => Err(other),
        }
    }

    /// The panic message, when the payload is a string.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panic(p) => {
                p.downcast_ref::<&'static str>().copied().or_else(|| p.downcast_ref::<String>().map(String::as_str))
            }
            JoinError::Cancelled => None,
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("JoinError::Cancelled"),
            JoinError::Panic(_) => write!(f, "JoinError::Panic({:?})", self.panic_message()),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task was cancelled"),
            JoinError::Panic(_) => match self.panic_message() {
                Some(m) => write!(f, "task panicked: {m}"),
                None => f.write_str("task panicked"),
            },
        }
    }
}

impl std::error::Error for JoinError {}

/// An owned permission to await a task's output.
///
/// Dropping the handle detaches the task (it keeps running); [`JoinHandle::abort`] cancels it.
/// Awaiting it gives `Ok(output)`, or `Err(JoinError)` if the task panicked or was cancelled.
pub struct JoinHandle<T> {
    raw: NonNull<Header>,
    _p: PhantomData<T>,
}

// SAFETY: the handle moves the output `T` across threads, so it is Send when `T` is; the
// header's shared parts are atomics and a mutex.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads atomics (is_finished) or aborts, which is thread-safe.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// `raw` carries the JoinHandle's reference of a task whose output type is `T`.
    pub(crate) unsafe fn from_raw(raw: NonNull<Header>) -> JoinHandle<T> {
        JoinHandle { raw, _p: PhantomData }
    }

    fn header(&self) -> &Header {
        // SAFETY: the handle owns a reference, so the cell is alive.
        unsafe { self.raw.as_ref() }
    }

    /// Cancels the task: its future is dropped on its worker at the next opportunity, and
    /// awaiting this handle then gives `JoinError::Cancelled` (unless it had finished).
    pub fn abort(&self) {
        self.header().abort();
    }

    /// True once the task has finished (completed, panicked or been cancelled).
    pub fn is_finished(&self) -> bool {
        self.header().state.is_complete()
    }

    /// A handle that can abort the task without owning its output.
    pub fn abort_handle(&self) -> AbortHandle {
        self.header().inc_ref();
        AbortHandle { raw: self.raw }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let header = self.header();
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        if !header.state.is_complete() {
            let mut slot = header.join_waker.lock().unwrap_or_else(|e| e.into_inner());
            match &*slot {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
            drop(slot);
            // Re-check after publishing the waker: the task may have completed meanwhile
            // (it takes the waker under the same lock after setting COMPLETE).
            if !header.state.is_complete() {
                return Poll::Pending;
            }
        }
        // SAFETY: COMPLETE was observed with acquire, we are the unique handle, and `T` is
        // the output type (from_raw's contract).
        unsafe { header.read_output((&mut out as *mut Poll<Result<T, JoinError>>).cast()) };
        assert!(out.is_ready(), "JoinHandle polled after it returned Ready");
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let header = self.header();
        let prev = header.state.drop_join_interest();
        if prev & COMPLETE != 0 {
            // SAFETY: complete and we held join interest: the output is ours to drop
            // (invariant 5); if it was already read, the stage is empty and this is a no-op.
            unsafe { header.drop_output() };
        }
        header.dec_ref();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("finished", &self.is_finished()).finish()
    }
}

/// Aborts a task without owning its output (see [`JoinHandle::abort_handle`]).
pub struct AbortHandle {
    raw: NonNull<Header>,
}

// SAFETY: only atomics and the thread-safe abort path are used through it.
unsafe impl Send for AbortHandle {}
// SAFETY: as above.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// Cancels the task (see [`JoinHandle::abort`]).
    pub fn abort(&self) {
        // SAFETY: the handle owns a reference.
        unsafe { self.raw.as_ref() }.abort();
    }

    /// True once the task has finished.
    pub fn is_finished(&self) -> bool {
        // SAFETY: the handle owns a reference.
        unsafe { self.raw.as_ref() }.state.is_complete()
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        // SAFETY: the handle owns a reference.
        unsafe { self.raw.as_ref() }.dec_ref();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle").field("finished", &self.is_finished()).finish()
    }
}
