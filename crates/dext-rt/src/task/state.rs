//! The task state word: flags in the low bits, the reference count above them.
//!
//! Every transition is one atomic read-modify-write; the protocol is checked under loom
//! (`loom_tests.rs`). Callers own the consequences a transition reports (queueing the task,
//! freeing the cell).

use crate::loom::{AtomicUsize, Ordering, fence};

/// The task is in a run queue, or (while RUNNING) was woken and must be queued again after
/// this poll.
pub(crate) const SCHEDULED: usize = 1 << 0;
/// The owner worker is polling the future now.
pub(crate) const RUNNING: usize = 1 << 1;
/// The future is gone: its output (or the cancellation) is stored.
pub(crate) const COMPLETE: usize = 1 << 3;
/// Abort was requested; the owner drops the future at its next run.
pub(crate) const CANCELLED: usize = 1 << 4;
/// A JoinHandle exists and will read or drop the output.
pub(crate) const JOIN_INTEREST: usize = 1 << 5;
const REF_SHIFT: u32 = 6;
const REF_ONE: usize = 1 << REF_SHIFT;

pub(crate) struct State(AtomicUsize);

impl State {
    pub(crate) fn new(flags: usize, refs: usize) -> State {
        State(AtomicUsize::new(flags | (refs << REF_SHIFT)))
    }

    #[inline]
    pub(crate) fn is_complete(&self) -> bool {
        self.0.load(Ordering::Acquire) & COMPLETE != 0
    }

    /// Marks the task woken. Returns true if it was idle, in which case the caller must
    /// queue it (with a reference for the queue entry). Queued, running (the runner re-queues
    /// it) and complete tasks need nothing more.
    #[inline]
    pub(crate) fn wake(&self) -> bool {
        let prev = self.0.fetch_or(SCHEDULED, Ordering::AcqRel);
        prev & (SCHEDULED | RUNNING | COMPLETE) == 0
    }

    /// SCHEDULED -> RUNNING for a dequeued task (SCHEDULED set, RUNNING clear, so flipping
    /// both bits is exact). Returns the previous word: check COMPLETE and CANCELLED in it.
    #[inline]
    pub(crate) fn start_poll(&self) -> usize {
        self.0.fetch_xor(SCHEDULED | RUNNING, Ordering::AcqRel)
    }

    /// RUNNING -> idle, releasing the queue entry's reference in the same operation (the
    /// owner's reference keeps the count above zero). Returns true if the task was woken
    /// during the poll: the caller must queue it again, with a new reference.
    #[inline]
    pub(crate) fn finish_poll(&self) -> bool {
        let prev = self.0.fetch_sub(RUNNING + REF_ONE, Ordering::AcqRel);
        debug_assert!(prev & RUNNING != 0 && prev >> REF_SHIFT >= 2);
        prev & SCHEDULED != 0
    }

    /// Sets COMPLETE; returns the previous word (check JOIN_INTEREST).
    #[inline]
    pub(crate) fn complete(&self) -> usize {
        self.0.fetch_or(COMPLETE, Ordering::AcqRel)
    }

    /// Sets CANCELLED; returns the previous word.
    #[inline]
    pub(crate) fn cancel(&self) -> usize {
        self.0.fetch_or(CANCELLED, Ordering::AcqRel)
    }

    /// Clears JOIN_INTEREST; returns the previous word (check COMPLETE).
    #[inline]
    pub(crate) fn drop_join_interest(&self) -> usize {
        self.0.fetch_and(!JOIN_INTEREST, Ordering::AcqRel)
    }

    #[inline]
    pub(crate) fn inc_ref(&self) {
        let prev = self.0.fetch_add(REF_ONE, Ordering::Relaxed);
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Releases one reference; returns true if it was the last (the caller frees the cell).
    #[inline]
    pub(crate) fn dec_ref(&self) -> bool {
        if self.0.fetch_sub(REF_ONE, Ordering::Release) >> REF_SHIFT == 1 {
            fence(Ordering::Acquire);
            true
        } else {
            false
        }
    }

    #[cfg(all(test, loom))]
    pub(crate) fn refs(&self) -> usize {
        self.0.load(Ordering::Acquire) >> REF_SHIFT
    }
}
