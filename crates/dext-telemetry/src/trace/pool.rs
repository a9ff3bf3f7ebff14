//! Per-thread pools of record slots, written in place while live and read in place by the
//! exporter once done: how a span is recorded and handed over with no copy and no lock.
//!
//! A slot is `FREE`, `LIVE` or `DONE`. Invariants (this module keeps them; nothing outside
//! can break them):
//! - A pool has at most one [`Owner`] at a time (made only by [`Pools::owner`] from a pool
//!   no owner holds; not `Clone`). Only the owner turns slots `FREE` → `LIVE`, so it needs
//!   no compare-and-swap.
//! - A `LIVE` slot has exactly one [`Live`] handle, the only way to reach its contents
//!   until it is finished (`DONE`) or abandoned (`FREE`). The handle may move to another
//!   thread; it never reaches the slot's data after giving it up.
//! - Only the consumer (under the consumer lock of `lease.rs`) reads `DONE` slots, then turns them
//!   `FREE`.
//! - Hand-offs are release/acquire on the state: the handle's writes happen before the
//!   consumer's read (`DONE`), the consumer's read before the owner's next write (`FREE`).
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU8, Ordering};

use super::lease::Leases;

const FREE: u8 = 0;
const LIVE: u8 = 1;
const DONE: u8 = 2;

/// How many slots `Owner::take` looks at before giving up.
pub(crate) const PROBE: usize = 8;

/// A slot's contents, on cache lines of its own.
#[repr(align(64))]
struct Data<T>(UnsafeCell<T>);

/// The states are one packed array apart from the contents: the consumer's scan reads
/// 64 states per cache line and never a line the owner is filling.
struct Pool<T> {
    states: Box<[AtomicU8]>,
    data: Box<[Data<T>]>,
}

// SAFETY: a slot's data is reached only by its one `Live` handle while `LIVE` and by the
// one consumer while `DONE`, handed over with release/acquire on `state` (module docs);
// `T: Send` because the data crosses threads.
unsafe impl<T: Send> Sync for Pool<T> {}

/// The allocating end of one pool: this thread's.
pub(crate) struct Owner<T: 'static> {
    pool: &'static Pool<T>,
    /// Where the search for a free slot starts: just past the last slot taken.
    cursor: usize,
    pools: &'static Pools<T>,
}

impl<T: Send> Owner<T> {
    /// A free slot, now live; `None` when none of the next [`PROBE`] slots is free.
    ///
    /// The consumer frees slots in about the order they were taken, so the slot at the
    /// cursor is normally free; a few steps past it skip spans that are still live (a
    /// long request's). When the exporter falls behind, giving up after a few looks keeps
    /// the cost of a refusal bounded.
    #[inline]
    pub(crate) fn take(&mut self) -> Option<Live<T>> {
        let pool = self.pool;
        let n = pool.states.len();
        let mut i = self.cursor;
        for _ in 0..PROBE.min(n) {
            if i >= n {
                i = 0;
            }
            let state = &pool.states[i];
            if state.load(Ordering::Acquire) == FREE {
                self.cursor = i + 1;
                // Only the owner leaves FREE, and the consumer's reads of the slot happened
                // before its release store of FREE (acquired above).
                state.store(LIVE, Ordering::Relaxed);
                return Some(Live { state, data: &pool.data[i].0 });
            }
            i += 1;
        }
        // Look further along next time.
        self.cursor = i;
        None
    }
}

impl<T> Drop for Owner<T> {
    fn drop(&mut self) {
        self.pools.leases.give_back(self.pool);
    }
}

/// The one handle of a live slot.
pub(crate) struct Live<T: 'static> {
    state: &'static AtomicU8,
    data: &'static UnsafeCell<T>,
}

// SAFETY: the handle is the only way to the slot's data while it is live (module docs);
// moving it to another thread moves that exclusive access, which `T: Send` allows.
unsafe impl<T: Send> Send for Live<T> {}
// SAFETY: `&Live` gives only `&T` (`get`), which `T: Sync` allows to share.
unsafe impl<T: Sync> Sync for Live<T> {}

impl<T> Live<T> {
    /// The slot's contents (as the last user left them: reset what you use).
    #[inline]
    pub(crate) fn get_mut(&mut self) -> &mut T {
        // SAFETY: the slot is LIVE and this is its only handle, borrowed mutably.
        unsafe { &mut *self.data.get() }
    }

    /// Shared access.
    #[inline]
    pub(crate) fn get(&self) -> &T {
        // SAFETY: as `get_mut`; shared borrow of the handle, shared access.
        unsafe { &*self.data.get() }
    }

    /// Hands the slot to the consumer.
    #[inline]
    pub(crate) fn finish(self) {
        self.state.store(DONE, Ordering::Release);
        std::mem::forget(self);
    }
}

impl<T> Drop for Live<T> {
    /// Abandoned: the slot goes back to its owner unread.
    fn drop(&mut self) {
        self.state.store(FREE, Ordering::Release);
    }
}

/// Every pool of one kind of record.
pub(crate) struct Pools<T: 'static> {
    capacity: usize,
    leases: Leases<Pool<T>>,
}

impl<T: Default + Send> Pools<T> {
    /// An empty set whose pools will have `capacity` slots each.
    pub(crate) const fn new(capacity: usize) -> Pools<T> {
        Pools { capacity, leases: Leases::new() }
    }

    /// An owner for a pool no one owns: a free one, else a new one (pools are never freed).
    /// `None` when the most pools are all owned.
    pub(crate) fn owner(&'static self) -> Option<Owner<T>> {
        let n = self.capacity.max(1);
        let pool = self.leases.take(|| Pool {
            states: (0..n).map(|_| AtomicU8::new(FREE)).collect(),
            data: (0..n).map(|_| Data(UnsafeCell::new(T::default()))).collect(),
        })?;
        Some(Owner { pool, cursor: 0, pools: self })
    }

    /// Counts a record that found no slot.
    pub(crate) fn note_dropped(&self) {
        self.leases.note_dropped();
    }

    /// Records dropped for want of a slot.
    pub(crate) fn dropped(&self) -> u64 {
        self.leases.dropped()
    }

    /// Hands up to `max` finished records to `f` and frees their slots; returns how many.
    pub(crate) fn drain(&self, max: usize, mut f: impl FnMut(&T)) -> usize {
        self.leases.consume(|pools| {
            let mut n = 0;
            for pool in pools {
                for (state, data) in pool.states.iter().zip(pool.data.iter()) {
                    if n == max {
                        return n;
                    }
                    if state.load(Ordering::Acquire) == DONE {
                        // SAFETY: DONE slots are the consumer's (module docs), and `consume`
                        // makes this the only consumer; the handle's writes were released by
                        // its store of DONE, acquired above.
                        f(unsafe { &*data.0.get() });
                        state.store(FREE, Ordering::Release);
                        n += 1;
                    }
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
    fn records_are_handed_over_whole_and_once() {
        static POOLS: Pools<[u64; 4]> = Pools::new(16);
        let threads = 3;
        let per = 100_000u64;
        let done = std::sync::atomic::AtomicUsize::new(0);
        let mut seen = vec![0u64; threads];
        std::thread::scope(|s| {
            for t in 0..threads {
                let done = &done;
                s.spawn(move || {
                    let mut owner = POOLS.owner().unwrap();
                    let mut held: Vec<Live<[u64; 4]>> = Vec::new();
                    for i in 0..per {
                        // Keep a few live at once, finished out of order, some moved to
                        // another thread to finish.
                        let mut live = loop {
                            match owner.take() {
                                Some(l) => break l,
                                None => std::hint::spin_loop(),
                            }
                        };
                        *live.get_mut() = [t as u64, i, i * 7, !i];
                        held.push(live);
                        if held.len() == 3 {
                            let a = held.swap_remove(0);
                            if i % 1000 == 0 {
                                std::thread::scope(|s2| {
                                    s2.spawn(move || a.finish());
                                });
                            } else {
                                a.finish();
                            }
                            held.pop().unwrap().finish();
                            held.pop().unwrap().finish();
                        }
                    }
                    for l in held {
                        l.finish();
                    }
                    done.fetch_add(1, Ordering::Release);
                });
            }
            loop {
                let finished = done.load(Ordering::Acquire) == threads;
                POOLS.drain(usize::MAX, |r| {
                    assert_eq!([r[2], r[3]], [r[1] * 7, !r[1]], "a torn record");
                    seen[r[0] as usize] += 1;
                });
                if finished && POOLS.drain(usize::MAX, |_| {}) == 0 {
                    break;
                }
            }
        });
        assert_eq!(seen, vec![per; threads]);
        // An abandoned slot is free again; a full pool refuses.
        let mut owner = POOLS.owner().unwrap();
        let held: Vec<_> = (0..16).map(|_| owner.take().unwrap()).collect();
        assert!(owner.take().is_none());
        drop(held);
        assert!(owner.take().is_some());
        // A live slot in the way is stepped over.
        let mut owner = POOLS.owner().unwrap();
        let mut all: Vec<_> = (0..16).map(|_| owner.take().unwrap()).collect();
        let keep = all.remove(3);
        drop(all);
        assert_eq!((0..15).filter_map(|_| owner.take()).count(), 15);
        drop(keep);
        assert_eq!(POOLS.drain(usize::MAX, |_| {}), 0);
    }
}
