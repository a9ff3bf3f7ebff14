//! Per-thread metric cells: where bound instruments record without a shared write.
//!
//! Every counter, up-down counter and histogram series owns a few 64-bit cells, numbered
//! from one process-wide space. Each thread that records gets its own *shard*: a copy of
//! the whole cell space, allocated in chunks as cells are used. A thread writes only its
//! own shard, with a plain load and store (no `lock` prefix, no cache line shared with
//! another writer); collection sums a cell over all shards with relaxed loads. A 64-bit
//! load is never torn, and a cell only ever moves forward by its owner's writes, so a
//! collection sees each thread's count as of some recent moment.
//!
//! Shards are never freed. A thread that exits hands its shard back to a free list, still
//! holding its counts (sums stay right), and the next new thread takes it over; so there
//! are at most as many shards as threads ever alive at once. A thread that records while
//! its thread-locals are being destroyed (too late to take a shard) writes to one shared
//! shard with atomic read-modify-writes.
//!
//! With thread-per-core workers, a shard is a core's: the per-core sharding.

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};

/// Cells per chunk. A series' cells never straddle two chunks.
pub(crate) const CHUNK: usize = 1024;
/// Chunks per shard: the cell space holds `CHUNK * MAX_CHUNKS` cells (8 Mi).
pub(crate) const MAX_CHUNKS: usize = 8192;

type Chunk = [AtomicU64; CHUNK];

struct Shard {
    chunks: Box<[OnceLock<Box<Chunk>>; MAX_CHUNKS]>,
}

impl Shard {
    fn new() -> &'static Shard {
        let chunks: Box<[OnceLock<Box<Chunk>>]> = (0..MAX_CHUNKS).map(|_| OnceLock::new()).collect();
        let chunks = match chunks.try_into() {
            Ok(c) => c,
            Err(_) => unreachable!("the iterator yields MAX_CHUNKS items"),
        };
        Box::leak(Box::new(Shard { chunks }))
    }

    #[inline(always)]
    fn chunk(&self, c: u32) -> Option<&Chunk> {
        self.chunks[c as usize % MAX_CHUNKS].get().map(|b| &**b)
    }

    fn chunk_or_init(&self, c: u32) -> &Chunk {
        self.chunks[c as usize % MAX_CHUNKS].get_or_init(new_chunk)
    }
}

fn new_chunk() -> Box<Chunk> {
    let v: Box<[AtomicU64]> = (0..CHUNK).map(|_| AtomicU64::new(0)).collect();
    match v.try_into() {
        Ok(c) => c,
        Err(_) => unreachable!("the iterator yields CHUNK items"),
    }
}

/// Where a series' cells are: a chunk and the first cell in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Loc {
    chunk: u32,
    base: u32,
}

/// The next free cell number.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// Takes `n` consecutive cells (`0 < n <= CHUNK`) within one chunk, or `None` when the cell
/// space is used up.
pub(crate) fn alloc(n: usize) -> Option<Loc> {
    assert!(n > 0 && n <= CHUNK, "a series takes 1 to {CHUNK} cells");
    let n = n as u32;
    let mut cur = NEXT.load(Relaxed);
    loop {
        let mut start = cur;
        if start % CHUNK as u32 + n > CHUNK as u32 {
            start = start.next_multiple_of(CHUNK as u32);
        }
        let end = start.checked_add(n)?;
        if end as usize > CHUNK * MAX_CHUNKS {
            return None;
        }
        match NEXT.compare_exchange_weak(cur, end, Relaxed, Relaxed) {
            Ok(_) => {
                return Some(Loc { chunk: start / CHUNK as u32, base: start % CHUNK as u32 });
            }
            Err(now) => cur = now,
        }
    }
}

/// Every shard ever made, for collection.
static SHARDS: Mutex<Vec<&'static Shard>> = Mutex::new(Vec::new());
/// Shards of exited threads, for the next new thread.
static FREE: Mutex<Vec<&'static Shard>> = Mutex::new(Vec::new());
/// The shard of threads past their thread-local destructors: written with atomic RMWs.
static SHARED: OnceLock<&'static Shard> = OnceLock::new();

thread_local! {
    /// This thread's shard. A `const` thread-local without a destructor, so reading it is
    /// one load from the thread pointer.
    static LOCAL: Cell<Option<&'static Shard>> = const { Cell::new(None) };
    /// Hands the shard back when the thread exits; registered on the first record.
    static RELEASE: Release = const { Release };
}

struct Release;

impl Drop for Release {
    fn drop(&mut self) {
        if let Some(shard) = LOCAL.with(|l| l.take()) {
            lock(&FREE).push(shard);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The lists stay consistent whatever panicked while holding them (a push or a pop).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn shared() -> &'static Shard {
    SHARED.get_or_init(|| {
        let s = Shard::new();
        lock(&SHARDS).push(s);
        s
    })
}

/// A series' cells in one shard, and how to write them.
#[derive(Clone, Copy)]
pub(crate) struct Cells<'a> {
    chunk: &'a Chunk,
    base: usize,
    /// Whether other threads write these cells too (the shared shard).
    shared: bool,
}

impl Cells<'_> {
    #[inline(always)]
    fn cell(&self, i: usize) -> &AtomicU64 {
        // A series never straddles chunks, so the mask changes nothing; it lets the compiler
        // drop the bounds check.
        &self.chunk[(self.base + i) % CHUNK]
    }

    /// Adds `v` (wrapping) to cell `i`.
    #[inline(always)]
    pub(crate) fn add(&self, i: usize, v: u64) {
        let c = self.cell(i);
        if self.shared {
            c.fetch_add(v, Relaxed);
        } else {
            c.store(c.load(Relaxed).wrapping_add(v), Relaxed);
        }
    }

    /// Adds `v` to cell `i` read as an `f64`.
    #[inline(always)]
    pub(crate) fn add_f64(&self, i: usize, v: f64) {
        let c = self.cell(i);
        if self.shared {
            let _ = c.fetch_update(Relaxed, Relaxed, |b| Some((f64::from_bits(b) + v).to_bits()));
        } else {
            c.store((f64::from_bits(c.load(Relaxed)) + v).to_bits(), Relaxed);
        }
    }
}

/// Runs `f` on this thread's cells at `loc`.
#[inline(always)]
pub(crate) fn with<R>(loc: Loc, f: impl FnOnce(Cells<'_>) -> R) -> R {
    match LOCAL.with(Cell::get).and_then(|s| s.chunk(loc.chunk)) {
        Some(chunk) => f(Cells { chunk, base: loc.base as usize, shared: false }),
        None => {
            let (chunk, shared) = slow_chunk(loc.chunk);
            f(Cells { chunk, base: loc.base as usize, shared })
        }
    }
}

/// A series' cells in the shard of the thread that made it, found once: a record through
/// it goes straight to the cells, with no look-up of the shard or the chunk. Valid while that
/// thread holds the shard, which [`Pinned::cells`] checks (one load from the thread
/// pointer); once the shard is gone (the thread is exiting), records take the ordinary
/// path.
#[derive(Clone, Copy)]
pub(crate) struct Pinned {
    shard: &'static Shard,
    chunk: &'static Chunk,
    base: u32,
}

impl Pinned {
    /// `loc`'s cells in this thread's shard (taking one and making the chunk, as a first
    /// record does); `None` when this thread has no shard of its own to take (it is past
    /// its thread-local destructors).
    pub(crate) fn new(loc: Loc) -> Option<Pinned> {
        let (chunk, shared) = slow_chunk(loc.chunk);
        let shard = LOCAL.with(Cell::get);
        match shard {
            Some(shard) if !shared => Some(Pinned { shard, chunk, base: loc.base }),
            _ => None,
        }
    }

    /// The cells, while this thread still holds the shard they are in.
    #[inline(always)]
    pub(crate) fn cells(&self) -> Option<Cells<'static>> {
        match LOCAL.with(Cell::get) {
            Some(s) if std::ptr::eq(s, self.shard) => {
                Some(Cells { chunk: self.chunk, base: self.base as usize, shared: false })
            }
            _ => None,
        }
    }
}

/// The first record of a thread, or the first into a chunk: take a shard, make the chunk.
#[cold]
#[inline(never)]
fn slow_chunk(c: u32) -> (&'static Chunk, bool) {
    if let Some(s) = LOCAL.with(Cell::get) {
        return (s.chunk_or_init(c), false);
    }
    // Registering the destructor fails once the thread's thread-locals are being destroyed;
    // such a late record goes to the shared shard.
    if RELEASE.try_with(|_| ()).is_err() {
        return (shared().chunk_or_init(c), true);
    }
    let s = lock(&FREE).pop().unwrap_or_else(|| {
        let s = Shard::new();
        lock(&SHARDS).push(s);
        s
    });
    LOCAL.with(|l| l.set(Some(s)));
    (s.chunk_or_init(c), false)
}

/// The sum of cell `i` of `loc` over every shard (wrapping).
pub(crate) fn sum(loc: Loc, i: usize) -> u64 {
    let shards = lock(&SHARDS);
    let mut total = 0u64;
    for s in shards.iter() {
        if let Some(ch) = s.chunk(loc.chunk) {
            total = total.wrapping_add(ch[(loc.base as usize + i) % CHUNK].load(Relaxed));
        }
    }
    total
}

/// Adds cells `0..out.len()` of `loc` over every shard into `out` (wrapping), and returns
/// the sum of cell `f64_cell` read as `f64`s, if one is named.
pub(crate) fn sum_into(loc: Loc, out: &mut [u64], f64_cell: Option<usize>) -> f64 {
    let shards = lock(&SHARDS);
    let mut fsum = 0.0;
    for s in shards.iter() {
        if let Some(ch) = s.chunk(loc.chunk) {
            for (i, o) in out.iter_mut().enumerate() {
                let v = ch[(loc.base as usize + i) % CHUNK].load(Relaxed);
                if Some(i) == f64_cell {
                    fsum += f64::from_bits(v);
                } else {
                    *o = o.wrapping_add(v);
                }
            }
        }
    }
    fsum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_never_straddle_a_chunk() {
        let a = alloc(CHUNK - 3).unwrap();
        let b = alloc(10).unwrap();
        assert!(b.base as usize + 10 <= CHUNK);
        assert!(a.base as usize + CHUNK - 3 <= CHUNK);
        assert_ne!((a.chunk, a.base), (b.chunk, b.base));
    }

    #[test]
    fn threads_sum_and_shards_are_reused() {
        let loc = alloc(2).unwrap();
        let threads = 8;
        for round in 0..3 {
            let hs: Vec<_> = (0..threads)
                .map(|_| {
                    std::thread::spawn(move || {
                        for _ in 0..10_000 {
                            with(loc, |c| {
                                c.add(0, 1);
                                c.add_f64(1, 0.5);
                            });
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
            let mut out = [0u64; 2];
            let f = sum_into(loc, &mut out, Some(1));
            let n = (round + 1) * threads * 10_000;
            assert_eq!(out[0], n as u64);
            assert_eq!(sum(loc, 0), n as u64);
            assert_eq!(f, n as f64 * 0.5);
        }
        // Exited threads' shards were handed on: far fewer shards than the 24 threads.
        assert!(lock(&SHARDS).len() < 3 * threads, "{}", lock(&SHARDS).len());
    }
}
