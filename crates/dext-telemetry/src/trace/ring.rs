//! Bounded single-producer single-consumer rings of pre-built slots, one per recording
//! thread: how finished spans reach the exporter without a lock or an allocation.
//!
//! A slot is written in place by its ring's one producer and read in place by the one
//! consumer; nothing is moved in or out, so a slot's buffers are reused span after span.
//!
//! Invariants (this module keeps them; nothing outside can break them):
//! - Each ring has at most one [`Producer`] at a time. A `Producer` is made only by
//!   [`Rings::producer`], from a ring that no producer holds (a new ring, or one handed
//!   back by a dropped `Producer`), and it is not `Clone`.
//! - Every consumer call takes the consumer lock (`lease.rs`), so there is one consumer.
//! - `tail` is written only by the producer, `head` only by the consumer; `head <= tail <=
//!   head + capacity`. Slots `head..tail` belong to the consumer, the others to the
//!   producer. The producer publishes a slot with a `Release` store of `tail` after writing
//!   it, the consumer acquires `tail` before reading; the consumer gives a slot back with a
//!   `Release` store of `head` after reading it, and the producer acquires `head` before
//!   writing it again.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::lease::Leases;

#[repr(align(128))]
struct Padded<T>(T);

struct Ring<T> {
    slots: Box<[UnsafeCell<T>]>,
    mask: usize,
    head: Padded<AtomicUsize>,
    tail: Padded<AtomicUsize>,
}

// SAFETY: slots are shared between the producer and the consumer only under the
// head/tail protocol in the module docs, which hands each slot to one side at a time with
// release/acquire ordering; `T: Send` because slot contents cross threads.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T: Default> Ring<T> {
    fn new(capacity: usize) -> Ring<T> {
        let capacity = capacity.next_power_of_two().max(2);
        Ring {
            slots: (0..capacity).map(|_| UnsafeCell::new(T::default())).collect(),
            mask: capacity - 1,
            head: Padded(AtomicUsize::new(0)),
            tail: Padded(AtomicUsize::new(0)),
        }
    }
}

/// The producer end of one ring. Exactly one exists per ring while it is held.
pub(crate) struct Producer<T: 'static> {
    ring: &'static Ring<T>,
    /// The consumer's `head` as last read: the ring is surely not full below it.
    head: usize,
    rings: &'static Rings<T>,
}

impl<T> Producer<T> {
    /// Writes the next slot with `fill` and publishes it; `false` (and `fill` not called)
    /// when the ring is full.
    #[inline]
    pub(crate) fn push_with(&mut self, fill: impl FnOnce(&mut T)) -> bool {
        let ring = self.ring;
        let tail = ring.tail.0.load(Ordering::Relaxed);
        if tail - self.head > ring.mask {
            self.head = ring.head.0.load(Ordering::Acquire);
            if tail - self.head > ring.mask {
                return false;
            }
        }
        // SAFETY: slot `tail` is the producer's (`tail < head + capacity`, and `head` was
        // acquired after the consumer's release of it); this is the only producer, and
        // the consumer reads it only after the release store below.
        fill(unsafe { &mut *ring.slots[tail & ring.mask].get() });
        ring.tail.0.store(tail + 1, Ordering::Release);
        true
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        // The ring goes back with its unread slots, for the consumer to read and the next
        // thread to fill.
        self.rings.leases.give_back(self.ring);
    }
}

/// The set of rings of one kind of record: where producers come from, and the consumer's
/// view of them all.
pub(crate) struct Rings<T: 'static> {
    capacity: usize,
    leases: Leases<Ring<T>>,
}

impl<T: Default + Send> Rings<T> {
    /// An empty set whose rings will hold `capacity` records each (rounded up to a power
    /// of two).
    pub(crate) const fn new(capacity: usize) -> Rings<T> {
        Rings { capacity, leases: Leases::new() }
    }

    /// A producer for a ring no one holds: a free one, else a new one (rings are never
    /// freed; there are at most as many as producers ever held at once). `None` when the
    /// most rings are all held.
    pub(crate) fn producer(&'static self) -> Option<Producer<T>> {
        let ring = self.leases.take(|| Ring::new(self.capacity))?;
        Some(Producer { ring, head: ring.head.0.load(Ordering::Acquire), rings: self })
    }

    /// Counts a record the producer could not push.
    pub(crate) fn note_dropped(&self) {
        self.leases.note_dropped();
    }

    /// How many records were dropped because their ring was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.leases.dropped()
    }

    /// Reads up to `max` published records, oldest first per ring, handing each to `f`
    /// and then its slot back to its producer. Returns how many were read.
    pub(crate) fn drain(&self, max: usize, mut f: impl FnMut(&T)) -> usize {
        self.leases.consume(|rings| {
            let mut n = 0;
            for ring in rings {
                let mut head = ring.head.0.load(Ordering::Relaxed);
                let tail = ring.tail.0.load(Ordering::Acquire);
                while head != tail && n < max {
                    // SAFETY: `head < tail`: the slot was published by the producer's release
                    // of `tail` (acquired above) and is the consumer's until `head` moves past
                    // it; `consume` makes this the only consumer.
                    f(unsafe { &*ring.slots[head & ring.mask].get() });
                    head += 1;
                    n += 1;
                    ring.head.0.store(head, Ordering::Release);
                }
            }
            n
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_arrive_in_order_once_and_overflow_is_counted() {
        static RINGS: Rings<[u64; 4]> = Rings::new(64);
        assert!(RINGS.drain(usize::MAX, |_| {}) == 0);
        let producers = 3;
        let per = 200_000u64;
        let done = std::sync::atomic::AtomicUsize::new(0);
        let mut seen = vec![Vec::new(); producers];
        std::thread::scope(|s| {
            for p in 0..producers {
                let done = &done;
                s.spawn(move || {
                    let mut prod = RINGS.producer().unwrap();
                    for i in 0..per {
                        // Retry until there is room: this test wants every record.
                        while !prod.push_with(|slot| *slot = [p as u64, i, i * 3, !i]) {
                            std::hint::spin_loop();
                        }
                    }
                    done.fetch_add(1, Ordering::Release);
                });
            }
            loop {
                let finished = done.load(Ordering::Acquire) == producers;
                RINGS.drain(usize::MAX, |r| {
                    assert_eq!([r[2], r[3]], [r[1] * 3, !r[1]], "a torn record");
                    seen[r[0] as usize].push(r[1]);
                });
                if finished && RINGS.drain(usize::MAX, |_| {}) == 0 {
                    break;
                }
            }
        });
        for s in &seen {
            assert_eq!(s.len() as u64, per);
            assert!(s.iter().enumerate().all(|(i, &v)| v == i as u64), "out of order");
        }
        // Rings were handed back and are reused; a full ring refuses.
        let mut prod = RINGS.producer().unwrap();
        let mut pushed = 0;
        while prod.push_with(|slot| *slot = [9; 4]) {
            pushed += 1;
        }
        assert_eq!(pushed, 64);
        assert!(RINGS.leases.made() <= producers);
        assert_eq!(RINGS.drain(10, |r| assert_eq!(r, &[9; 4])), 10);
        assert!(prod.push_with(|_| {}));
    }
}
