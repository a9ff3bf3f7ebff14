//! A hierarchical timer wheel: 6 levels of 64 slots; level `L` slots span `64^L` ms, so the
//! wheel covers 2^36 ms (about 2.2 years) ahead; later deadlines are clamped to its horizon.
//!
//! Entries live in one table (`Vec<Entry>`) with a free list and are linked into slot lists by
//! index, so insert and remove are O(1) and allocate nothing once the table has grown. An
//! entry sits at the level given by the highest bit in which its deadline differs from the
//! wheel's current time; when time reaches a slot of a higher level, its entries cascade to
//! lower levels. Every slot of level `L > 0` that holds an entry starts strictly after the
//! current time, which is what makes the next expiry cheap to find (one bit scan per level).

use std::task::Waker;
use std::time::{Duration, Instant};

const LEVELS: usize = 6;
const SLOT_BITS: u32 = 6;
const SLOTS: u64 = 1 << SLOT_BITS;
const NIL: u32 = u32::MAX;
const HORIZON: u64 = 1 << (SLOT_BITS * LEVELS as u32);

struct Entry {
    deadline: u64,
    waker: Option<Waker>,
    prev: u32,
    next: u32,
    generation: u32,
    level: u8,
    slot: u8,
    pending: bool,
}

#[derive(Clone, Copy)]
struct Level {
    occupied: u64,
    heads: [u32; SLOTS as usize],
}

/// The state of a timer when it is polled.
pub(crate) enum Poll {
    Pending,
    Fired,
}

pub(crate) struct Wheel {
    base: Instant,
    elapsed: u64,
    levels: [Level; LEVELS],
    entries: Vec<Entry>,
    free: u32,
    len: usize,
    /// At most the start of the earliest occupied slot (`u64::MAX` when none is): exact after
    /// `fire_due`, lowered by each insertion, left as is by removals. While the clock is
    /// before it, nothing can be due, and `fire_due` has nothing to scan.
    due: u64,
    /// `due` as an instant (far in the future when `due` is `u64::MAX`), so that a loop turn
    /// compares instants instead of converting the clock to milliseconds.
    due_at: Instant,
}

impl Wheel {
    pub(crate) fn new(base: Instant, now: Instant) -> Wheel {
        let mut w = Wheel {
            base,
            elapsed: 0,
            levels: [Level { occupied: 0, heads: [NIL; SLOTS as usize] }; LEVELS],
            entries: Vec::new(),
            free: NIL,
            len: 0,
            due: u64::MAX,
            due_at: now,
        };
        w.elapsed = w.ms_floor(now);
        w.set_due(u64::MAX);
        w
    }

    // Milliseconds from seconds and sub-second parts: `Duration::as_millis` works in `u128`.
    fn ms_floor(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.base);
        d.as_secs() * 1000 + u64::from(d.subsec_millis())
    }

    /// Deadlines round up, so that a timer never fires early.
    fn ms_ceil(&self, t: Instant) -> u64 {
        let d = t.saturating_duration_since(self.base);
        d.as_secs() * 1000 + u64::from(d.subsec_nanos().div_ceil(1_000_000))
    }

    /// Number of pending timers.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Adds a timer; returns its (key, generation).
    pub(crate) fn insert(&mut self, deadline: Instant, waker: Waker) -> (u32, u32) {
        let deadline = self.ms_ceil(deadline);
        let key = if self.free != NIL {
            let k = self.free;
            self.free = self.entries[k as usize].next;
            k
        } else {
            let k = u32::try_from(self.entries.len()).expect("fewer than 2^32 timers");
            self.entries.push(Entry {
                deadline: 0,
                waker: None,
                prev: NIL,
                next: NIL,
                generation: 0,
                level: 0,
                slot: 0,
                pending: false,
            });
            k
        };
        let e = &mut self.entries[key as usize];
        e.deadline = deadline;
        e.waker = Some(waker);
        e.pending = true;
        let generation = e.generation;
        self.link(key);
        self.len += 1;
        (key, generation)
    }

    fn level_for(&self, deadline: u64) -> usize {
        if deadline <= self.elapsed {
            return 0;
        }
        let masked = (deadline ^ self.elapsed) | (SLOTS - 1);
        let significant = 63 - masked.leading_zeros();
        // A deadline within the horizon but across a 2^36 ms boundary gives level 6; it
        // belongs in the top level, whose slot then lies in the next block (see
        // `next_expiration`).
        ((significant / SLOT_BITS) as usize).min(LEVELS - 1)
    }

    fn link(&mut self, key: u32) {
        let mut deadline = self.entries[key as usize].deadline;
        if deadline >= self.elapsed + HORIZON {
            deadline = self.elapsed + HORIZON - 1;
            self.entries[key as usize].deadline = deadline;
        }
        let level = self.level_for(deadline);
        let slot = if deadline <= self.elapsed {
            (self.elapsed & (SLOTS - 1)) as usize
        } else {
            ((deadline >> (SLOT_BITS * level as u32)) & (SLOTS - 1)) as usize
        };
        let head = self.levels[level].heads[slot];
        {
            let e = &mut self.entries[key as usize];
            e.level = level as u8;
            e.slot = slot as u8;
            e.prev = NIL;
            e.next = head;
        }
        if head != NIL {
            self.entries[head as usize].prev = key;
        }
        self.levels[level].heads[slot] = key;
        self.levels[level].occupied |= 1 << slot;
        // The slot starts no earlier than the deadline with the bits below the level cleared
        // (later, for a top-level slot of the next block).
        let start =
            if level == 0 { deadline.max(self.elapsed) } else { deadline & !((1 << (SLOT_BITS * level as u32)) - 1) };
        if start < self.due {
            self.set_due(start);
        }
    }

    fn unlink(&mut self, key: u32) {
        let (prev, next, level, slot) = {
            let e = &self.entries[key as usize];
            (e.prev, e.next, e.level as usize, e.slot as usize)
        };
        if prev == NIL {
            self.levels[level].heads[slot] = next;
            if next == NIL {
                self.levels[level].occupied &= !(1 << slot);
            }
        } else {
            self.entries[prev as usize].next = next;
        }
        if next != NIL {
            self.entries[next as usize].prev = prev;
        }
    }

    fn release(&mut self, key: u32) -> Option<Waker> {
        let e = &mut self.entries[key as usize];
        e.pending = false;
        e.generation = e.generation.wrapping_add(1);
        e.next = self.free;
        self.free = key;
        self.len -= 1;
        e.waker.take()
    }

    fn is_live(&self, key: u32, generation: u32) -> bool {
        self.entries.get(key as usize).is_some_and(|e| e.pending && e.generation == generation)
    }

    #[cfg(test)]
    /// The wheel's horizon: deadlines later than `now + horizon()` fire at the horizon, and
    /// their owner re-arms them.
    pub(crate) fn horizon() -> Duration {
        Duration::from_millis(HORIZON - 1)
    }

    /// Polls a timer: `Fired` if it has fired (or is unknown), else stores `waker`.
    pub(crate) fn poll(&mut self, key: u32, generation: u32, waker: &Waker) -> Poll {
        if !self.is_live(key, generation) {
            return Poll::Fired;
        }
        let e = &mut self.entries[key as usize];
        match &e.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => e.waker = Some(waker.clone()),
        }
        Poll::Pending
    }

    /// Removes a pending timer; a timer that already fired is ignored.
    pub(crate) fn remove(&mut self, key: u32, generation: u32) {
        if self.is_live(key, generation) {
            self.unlink(key);
            drop(self.release(key));
            if self.len == 0 {
                self.set_due(u64::MAX);
            }
        }
    }

    /// The earliest slot that holds an entry: (level, slot, slot start in ms).
    fn next_expiration(&self) -> Option<(usize, usize, u64)> {
        let mut best: Option<(usize, usize, u64)> = None;
        for (level, lv) in self.levels.iter().enumerate() {
            if lv.occupied == 0 {
                continue;
            }
            let shift = SLOT_BITS * level as u32;
            let pos = (self.elapsed >> shift) & (SLOTS - 1);
            // Search from the first slot that can start after `elapsed`: the current slot on
            // level 0 (it holds due entries), the next one on higher levels (there the
            // current slot, if occupied, belongs to the next block).
            let from = if level == 0 { pos } else { (pos + 1) & (SLOTS - 1) };
            let rotated = lv.occupied.rotate_right(from as u32);
            let slot = (from + rotated.trailing_zeros() as u64) & (SLOTS - 1);
            let level_range = 1u64 << (shift + SLOT_BITS);
            let block_start = self.elapsed & !(level_range - 1);
            let mut start = block_start + (slot << shift);
            // Level 0 holds due entries in the current slot (start == elapsed). On higher
            // levels a slot at or before the current position belongs to the next block (only
            // the top level wraps like this, for deadlines clamped to the horizon).
            if (level == 0 && slot < pos) || (level > 0 && start <= self.elapsed) {
                start += level_range;
            }
            if best.is_none_or(|(_, _, s)| start < s) {
                best = Some((level, slot as usize, start));
            }
        }
        best
    }

    /// How long `epoll_wait` may sleep before the next timer is due; `None` if none is set.
    ///
    /// This reads the `due` bound, which a removal can leave early: the wait may then end
    /// before anything is due, never after.
    pub(crate) fn next_timeout(&self, now: Instant) -> Option<Duration> {
        if self.due == u64::MAX {
            return None;
        }
        Some(self.due_at.saturating_duration_since(now))
    }

    fn set_due(&mut self, ms: u64) {
        self.due = ms;
        // Past the horizon from the base (about 2.2 years of milliseconds, far inside what an
        // `Instant` holds) stands for "never".
        self.due_at = self.base + Duration::from_millis(ms.min(HORIZON * 4));
    }

    /// Fires every timer due at `now`, pushing their wakers into `out` (the caller wakes them
    /// after releasing the wheel, so that a woken task may touch timers).
    pub(crate) fn fire_due(&mut self, now: Instant, out: &mut Vec<Waker>) {
        if now < self.due_at {
            // Before the earliest slot: nothing is due, and the wheel's time can stay behind
            // (every position is relative to it; the next firing catches up).
            return;
        }
        let now_ms = self.ms_floor(now);
        let mut due = u64::MAX;
        while let Some((level, slot, start)) = self.next_expiration() {
            if start > now_ms {
                due = start;
                break;
            }
            self.elapsed = self.elapsed.max(start);
            let mut key = self.levels[level].heads[slot];
            self.levels[level].heads[slot] = NIL;
            self.levels[level].occupied &= !(1 << slot);
            while key != NIL {
                let next = self.entries[key as usize].next;
                if self.entries[key as usize].deadline <= now_ms {
                    if let Some(w) = self.release(key) {
                        out.push(w);
                    }
                } else {
                    self.link(key);
                }
                key = next;
            }
        }
        self.elapsed = self.elapsed.max(now_ms);
        self.set_due(due);
    }

    /// Drops every timer (runtime shutdown).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.levels = [Level { occupied: 0, heads: [NIL; SLOTS as usize] }; LEVELS];
        self.free = NIL;
        self.len = 0;
        self.set_due(u64::MAX);
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
impl Wheel {
    pub(crate) fn set_elapsed_for_test(&mut self, ms: u64) {
        self.elapsed = ms;
    }
}
