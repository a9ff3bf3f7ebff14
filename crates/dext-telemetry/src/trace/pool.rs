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
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use super::lease::Leases;

const FREE: u8 = 0;
const LIVE: u8 = 1;
const DONE: u8 = 2;

/// How many slots `Owner::take` looks at before giving up.
pub(crate) const PROBE: usize = 8;

/// How much of the next slot `Owner::take` fetches ahead: a record's first lines, the ones
/// every record writes (a span's header, first attributes and text).
const PREFETCH_BYTES: usize = 704;

/// Asks for the cache lines of `bytes` bytes from `p` (a hint: nothing is read, nothing can
/// fault).
#[inline(always)]
fn prefetch(p: *const u8, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    for off in (0..bytes).step_by(64) {
        // SAFETY: a prefetch is a hint that never faults, whatever the address; `p + off`
        // stays inside the slot (`off < bytes <= size_of::<T>()`).
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.add(off).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, bytes);
}

/// A slot's contents, on cache lines of its own.
#[repr(align(64))]
struct Data<T>(UnsafeCell<T>);

/// The states are one packed array apart from the contents: the consumer's scan reads
/// 64 states per cache line and never a line the owner is filling.
struct Pool<T> {
    states: Box<[AtomicU8]>,
    data: Box<[Data<T>]>,
    /// Where the owner should look next, plus one (0: no advice): the first free slot the
    /// consumer saw after its last pass. Taking from there keeps a pool's busy slots at its
    /// low end, as few as are live or waiting between two passes, and so in the cache,
    /// instead of cycling through the whole pool.
    restart: AtomicUsize,
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
    /// long request's). After a consumer's pass that freed slots, the cursor goes back to
    /// the first free slot it saw (`Pool::restart`). When the exporter falls behind, giving
    /// up after a few looks keeps the cost of a refusal bounded.
    #[inline]
    pub(crate) fn take(&mut self) -> Option<Live<T>> {
        let pool = self.pool;
        let n = pool.states.len();
        // A plain load and store, no read-modify-write: a piece of advice that the consumer
        // stores in between is lost, which costs only locality.
        let advice = pool.restart.load(Ordering::Relaxed);
        if advice != 0 {
            pool.restart.store(0, Ordering::Relaxed);
            self.cursor = advice - 1;
        }
        let mut i = self.cursor;
        for _ in 0..PROBE.min(n) {
            if i >= n {
                i = 0;
            }
            let state = &pool.states[i];
            if state.load(Ordering::Acquire) == FREE {
                self.cursor = i + 1;
                // The next take most likely gets the next slot: start fetching it now, so
                // that its writes, a span later, find its lines in the cache.
                if let Some(next) = pool.data.get(i + 1) {
                    prefetch(next.0.get().cast::<u8>(), std::mem::size_of::<T>().min(PREFETCH_BYTES));
                }
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
        // The next owner goes on from here: the slots behind the cursor may hold records
        // not drained yet, a run of them longer than a take looks through.
        self.pool.restart.store(self.cursor + 1, Ordering::Relaxed);
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
// SAFETY: `&Live` gives no access to the data at all (only `&mut Live` does, `get_mut`).
unsafe impl<T: Sync> Sync for Live<T> {}

impl<T> Live<T> {
    /// The slot's contents (as the last user left them: reset what you use).
    #[inline]
    pub(crate) fn get_mut(&mut self) -> &mut T {
        // SAFETY: the slot is LIVE and this is its only handle, borrowed mutably.
        unsafe { &mut *self.data.get() }
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
            restart: AtomicUsize::new(0),
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
                let (mut first_free, freed) = (None, n);
                for (i, (state, data)) in pool.states.iter().zip(pool.data.iter()).enumerate() {
                    if n == max {
                        return n;
                    }
                    match state.load(Ordering::Acquire) {
                        DONE => {
                            // SAFETY: DONE slots are the consumer's (module docs), and
                            // `consume` makes this the only consumer; the handle's writes
                            // were released by its store of DONE, acquired above.
                            f(unsafe { &*data.0.get() });
                            state.store(FREE, Ordering::Release);
                            n += 1;
                        }
                        FREE => {}
                        _ => continue,
                    }
                    first_free.get_or_insert(i);
                }
                // Advice only after freeing: a pass with nothing to take changes nothing
                // for the owner, and need not write the line it reads on every take.
                if let (Some(i), true) = (first_free, n > freed) {
                    pool.restart.store(i + 1, Ordering::Relaxed);
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

    #[test]
    fn after_a_pass_the_owner_reuses_the_first_free_slots() {
        static POOLS: Pools<u64> = Pools::new(64);
        let mut owner = POOLS.owner().unwrap();
        let addr = |l: &Live<u64>| l.data.get() as usize;
        // A long-lived span holds slot 0; ten others come and go.
        let long = owner.take().unwrap();
        let first: Vec<_> = (0..10).map(|_| owner.take().unwrap()).collect();
        let reused = addr(&first[0]);
        first.into_iter().for_each(Live::finish);
        // Without a pass, the cursor goes on to fresh slots.
        let next = owner.take().unwrap();
        assert_ne!(addr(&next), reused);
        next.finish();
        assert_eq!(POOLS.drain(usize::MAX, |_| {}), 11);
        // After it, back to the first free slot (slot 1: slot 0 is still live).
        let again = owner.take().unwrap();
        assert_eq!(addr(&again), reused);
        assert_ne!(addr(&again), addr(&long));
        drop((again, long));
    }

    #[test]
    fn a_pool_handed_on_goes_on_past_records_not_drained() {
        static POOLS: Pools<u64> = Pools::new(64);
        let mut owner = POOLS.owner().unwrap();
        for _ in 0..3 * PROBE {
            owner.take().unwrap().finish();
        }
        drop(owner);
        // The next owner (of the same pool) finds a free slot at once, though the first
        // slots are all finished and not drained.
        let mut next = POOLS.owner().unwrap();
        assert!(next.take().is_some());
    }
}
