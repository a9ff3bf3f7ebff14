//! Per-thread structures on lease: made on demand, never freed, held by one thread at a time,
//! handed back when it exits and leased again to the next. The span pools and the log rings
//! are kept this way, so that there are at most as many as threads ever recording at once,
//! and the consumer can walk them all without a lock.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The most structures a set holds: threads past this many record nothing (counted).
pub(crate) const MAX_LEASES: usize = 1024;

/// A set of leased structures of one kind, with the consumer's lock and the count of records
/// dropped for want of room.
pub(crate) struct Leases<T: 'static> {
    /// Every structure made, `0..made`: read without a lock by the consumer.
    all: [OnceLock<&'static T>; MAX_LEASES],
    made: AtomicUsize,
    /// Made, and held by no thread.
    free: Mutex<Vec<&'static T>>,
    /// Held by the consumer while it reads.
    consumer: Mutex<()>,
    dropped: AtomicU64,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each critical section is one push or pop, or nothing (the consumer's): nothing to
    // repair after a panic.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<T: 'static> Leases<T> {
    pub(crate) const fn new() -> Leases<T> {
        Leases {
            all: [const { OnceLock::new() }; MAX_LEASES],
            made: AtomicUsize::new(0),
            free: Mutex::new(Vec::new()),
            consumer: Mutex::new(()),
            dropped: AtomicU64::new(0),
        }
    }

    /// A structure no one holds: a free one, else one from `make`; `None` when `MAX_LEASES`
    /// are all held. The caller holds it until it calls `give_back`.
    pub(crate) fn take(&self, make: impl FnOnce() -> T) -> Option<&'static T> {
        let mut free = lock(&self.free);
        if let Some(t) = free.pop() {
            return Some(t);
        }
        // Made under the `free` lock: one maker at a time.
        let i = self.made.load(Ordering::Relaxed);
        let cell = self.all.get(i)?;
        let t: &'static T = Box::leak(Box::new(make()));
        let _ = cell.set(t);
        self.made.store(i + 1, Ordering::Release);
        Some(t)
    }

    /// Hands a structure back, for the next thread.
    pub(crate) fn give_back(&self, t: &'static T) {
        lock(&self.free).push(t);
    }

    /// Runs `f` on every structure made, as the one consumer (others wait).
    pub(crate) fn consume<R>(&self, f: impl FnOnce(&mut dyn Iterator<Item = &'static T>) -> R) -> R {
        let _consumer = lock(&self.consumer);
        let made = self.made.load(Ordering::Acquire);
        f(&mut self.all[..made].iter().filter_map(|c| c.get().copied()))
    }

    /// Counts a record that found no room.
    #[cold]
    pub(crate) fn note_dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Records dropped for want of room.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// How many structures were made.
    #[cfg(test)]
    pub(crate) fn made(&self) -> usize {
        self.made.load(Ordering::Relaxed)
    }
}
