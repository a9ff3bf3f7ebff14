//! `AtomicWaker`: one waker slot that a task registers into and the reactor takes from, from
//! different threads, without a lock.
//!
//! States: `WAITING` (idle), `REGISTERING` (a registrant owns the slot), `WAKING` (a waker
//! owns the slot). A wake that arrives while a registration is in progress sets `WAKING` on
//! top of `REGISTERING`; the registrant sees it when it releases and wakes the new waker
//! itself, so no wake-up is lost.

use std::task::Waker;

use crate::loom::{AtomicUsize, Ordering, UnsafeCell};

const WAITING: usize = 0;
const REGISTERING: usize = 1;
const WAKING: usize = 2;

pub(crate) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker slot is only accessed by the thread that won the state transition
// (REGISTERING or WAKING), which gives exclusive access; Waker itself is Send + Sync.
unsafe impl Send for AtomicWaker {}
// SAFETY: as above.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    pub(crate) fn new() -> AtomicWaker {
        AtomicWaker { state: AtomicUsize::new(WAITING), waker: UnsafeCell::new(None) }
    }

    /// Stores `waker` to be woken by the next [`AtomicWaker::wake`]. Cheap when the same
    /// task registers again: nothing is cloned.
    pub(crate) fn register(&self, waker: &Waker) {
        match self.state.compare_exchange(WAITING, REGISTERING, Ordering::Acquire, Ordering::Acquire) {
            Ok(_) => {
                self.waker.with_mut(|slot| {
                    // SAFETY: REGISTERING gives us exclusive access to the slot.
                    let slot = unsafe { &mut *slot };
                    match slot {
                        Some(old) if old.will_wake(waker) => {}
                        _ => *slot = Some(waker.clone()),
                    }
                });
                if let Err(actual) =
                    self.state.compare_exchange(REGISTERING, WAITING, Ordering::AcqRel, Ordering::Acquire)
                {
                    // A wake arrived meanwhile (state is REGISTERING | WAKING): honour it.
                    debug_assert_eq!(actual, REGISTERING | WAKING);
                    // SAFETY: still exclusive: wakers back off while REGISTERING is set.
                    let w = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                    self.state.swap(WAITING, Ordering::AcqRel);
                    if let Some(w) = w {
                        w.wake();
                    }
                }
            }
            Err(WAKING) => {
                // A wake is in progress: the task is being woken anyway, so poll again soon.
                waker.wake_by_ref();
            }
            Err(_) => {
                // Concurrent registration from two threads; the other one wins. Wake so that
                // this caller does not wait forever.
                waker.wake_by_ref();
            }
        }
    }

    /// Takes and wakes the registered waker, if any.
    pub(crate) fn wake(&self) {
        if let Some(w) = self.take() {
            w.wake();
        }
    }

    pub(crate) fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            WAITING => {
                // SAFETY: WAKING gives us exclusive access to the slot.
                let w = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                self.state.fetch_and(!WAKING, Ordering::Release);
                w
            }
            // A registrant (or another waker) owns the slot and will see WAKING.
            _ => None,
        }
    }
}
