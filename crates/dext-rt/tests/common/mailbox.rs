//! A one-slot async mailbox shared by the test binaries: `put` stores a value and wakes the
//! receiver; `take` waits. Reusable, so two tasks can ping-pong through a pair of them. It
//! keeps the stored waker when the same task waits again, so waiting allocates nothing.

use std::sync::Mutex;
use std::task::{Poll, Waker};

/// A one-slot async mailbox: `put` stores a value and wakes the receiver; `take` waits.
/// Reusable, so two tasks can ping-pong through a pair of them.
#[derive(Default)]
pub struct Mailbox {
    slot: Mutex<(Option<u64>, Option<Waker>)>,
}

impl Mailbox {
    pub fn put(&self, v: u64) {
        let w = {
            let mut s = self.slot.lock().unwrap();
            assert!(s.0.is_none(), "mailbox overrun");
            s.0 = Some(v);
            s.1.take()
        };
        if let Some(w) = w {
            w.wake();
        }
    }

    pub async fn take(&self) -> u64 {
        std::future::poll_fn(|cx| {
            let mut s = self.slot.lock().unwrap();
            if let Some(v) = s.0.take() {
                return Poll::Ready(v);
            }
            match &s.1 {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => s.1 = Some(cx.waker().clone()),
            }
            Poll::Pending
        })
        .await
    }
}
