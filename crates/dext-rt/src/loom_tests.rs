//! Model checks of the lock-free protocols (run with `--cfg loom`; see `scripts/test.sh`).
//!
//! Each test drives the real protocol type (`State`, `AtomicWaker`, `Parker`) from loom
//! threads and asserts the property the runtime relies on in every interleaving.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize as StdAtomicUsize;
use std::task::{Wake, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

use crate::io::waker::AtomicWaker;
use crate::task::state::{CANCELLED, COMPLETE, JOIN_INTEREST, SCHEDULED, State};
use crate::worker::Parker;

/// A wake-up that arrives at any point of a poll is never lost, and the task is never in
/// two queue entries at once.
#[test]
fn task_wake_during_poll_is_not_lost() {
    loom::model(|| {
        // References: queue entry + owner (no JoinHandle in this model).
        let state = Arc::new(State::new(SCHEDULED, 2));
        let message = Arc::new(AtomicBool::new(false));
        let queued = Arc::new(AtomicUsize::new(1));

        let (s, m, q) = (state.clone(), message.clone(), queued.clone());
        let waker = thread::spawn(move || {
            m.store(true, Ordering::Release);
            if s.wake() {
                s.inc_ref();
                assert_eq!(q.fetch_add(1, Ordering::AcqRel), 0, "queued twice");
            }
        });

        // The worker: run while queued; a poll completes once it sees the message.
        let run = |state: &State, queued: &AtomicUsize, message: &AtomicBool| -> bool {
            while queued.load(Ordering::Acquire) > 0 {
                queued.fetch_sub(1, Ordering::AcqRel);
                let prev = state.start_poll();
                assert_eq!(prev & COMPLETE, 0);
                if message.load(Ordering::Acquire) {
                    state.complete();
                    return true;
                }
                if state.finish_poll() {
                    state.inc_ref();
                    assert_eq!(queued.fetch_add(1, Ordering::AcqRel), 0, "queued twice");
                }
            }
            false
        };
        let mut seen = run(&state, &queued, &message);
        waker.join().unwrap();
        // Whatever the waker queued after the worker stopped looking runs now.
        if !seen {
            seen = run(&state, &queued, &message);
        }
        assert!(seen, "the wake-up was lost");
    });
}

/// Exactly one side drops an unread output: the task completing or the JoinHandle going
/// away, whichever comes second sees the other.
#[test]
fn output_dropped_exactly_once() {
    loom::model(|| {
        let state = Arc::new(State::new(JOIN_INTEREST | SCHEDULED, 2));
        let drops = Arc::new(AtomicUsize::new(0));
        let (s, d) = (state.clone(), drops.clone());
        let task = thread::spawn(move || {
            if s.complete() & JOIN_INTEREST == 0 {
                d.fetch_add(1, Ordering::AcqRel);
            }
            s.dec_ref()
        });
        let handle_side = if state.drop_join_interest() & COMPLETE != 0 {
            drops.fetch_add(1, Ordering::AcqRel);
            state.dec_ref()
        } else {
            state.dec_ref()
        };
        let task_side = task.join().unwrap();
        assert_eq!(drops.load(Ordering::Acquire), 1);
        assert!(handle_side ^ task_side, "exactly one side frees the cell");
    });
}

/// Abort from another thread during a poll: the runner re-queues the task, and its next
/// poll sees CANCELLED.
#[test]
fn abort_during_poll_is_seen_by_the_next_run() {
    loom::model(|| {
        let state = Arc::new(State::new(SCHEDULED, 2));
        let s = state.clone();
        let aborter = thread::spawn(move || {
            if s.cancel() & (CANCELLED | COMPLETE) == 0 && s.wake() {
                s.inc_ref();
                return true;
            }
            false
        });
        if state.start_poll() & CANCELLED != 0 {
            // The abort came first: this very run cancels the task.
            aborter.join().unwrap();
            return;
        }
        let requeued = state.finish_poll();
        let aborter_queued = aborter.join().unwrap();
        assert!(!(requeued && aborter_queued), "queued twice");
        assert!(requeued || aborter_queued, "the abort's wake-up was lost");
        assert_ne!(state.start_poll() & CANCELLED, 0, "the next run sees the abort");
        assert!(state.refs() >= 1);
    });
}

struct CountingWaker(StdAtomicUsize);
impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Register-then-check versus set-then-wake: the registrant either sees the flag or is woken.
#[test]
fn atomic_waker_never_loses_a_wake() {
    loom::model(|| {
        let slot = Arc::new(AtomicWaker::new());
        let flag = Arc::new(AtomicBool::new(false));
        let counter = Arc::new(CountingWaker(StdAtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let (s2, f2) = (slot.clone(), flag.clone());
        let setter = thread::spawn(move || {
            f2.store(true, Ordering::Release);
            s2.wake();
        });
        slot.register(&waker);
        let saw = flag.load(Ordering::Acquire);
        setter.join().unwrap();
        let woken = counter.0.load(std::sync::atomic::Ordering::SeqCst) > 0;
        assert!(saw || woken, "registrant neither saw the flag nor was woken");
    });
}

/// The park handshake: a worker never sleeps on a queued task without the doorbell ringing.
#[test]
fn parker_never_sleeps_through_a_push() {
    loom::model(|| {
        let parker = Arc::new(Parker::new());
        let queue = Arc::new(AtomicUsize::new(0));
        let (p2, q2) = (parker.clone(), queue.clone());
        // The queue operations carry the orderings of the real remote stack (push: CAS
        // with release; the worker's emptiness check: a load).
        let pusher = thread::spawn(move || {
            q2.fetch_add(1, Ordering::Release);
            p2.should_ring()
        });
        let slept = parker.begin_park(|| queue.load(Ordering::Acquire) > 0);
        let rang = pusher.join().unwrap();
        if slept {
            assert!(rang, "the worker slept with a task queued and no doorbell");
        } else {
            assert!(!rang || queue.load(Ordering::SeqCst) == 1);
        }
    });
}
