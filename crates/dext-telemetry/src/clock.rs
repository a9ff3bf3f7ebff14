//! The clock spans read: Unix nanoseconds, cheaply.
//!
//! `SystemTime::now` costs about 46 ns here (a vDSO `clock_gettime`), and a span reads the
//! clock twice. Where the CPU has an invariant time-stamp counter (constant rate, ticking
//! in every power state, synchronized across cores; CPUID 0x8000_0007 EDX bit 8), the
//! clock reads the counter (about 12 ns) and scales it: `base_ns + (tsc - base_tsc) × rate`.
//! The rate is measured against `SystemTime` at first use (a 1 ms spin, once per process)
//! and refined by [`recalibrate`], which an exporter calls now and then: each call measures
//! the rate over the whole time since the first measurement and re-anchors the base, so
//! drift against the system clock (NTP) does not accumulate. Without an invariant counter
//! (or off x86-64) the clock is `SystemTime`.
//!
//! Readers never lock: the calibration is a seqlock of three words.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod tsc {
    /// Whether the counter is invariant.
    pub(super) fn invariant() -> bool {
        let leaf = std::arch::x86_64::__cpuid(0x8000_0000).eax;
        leaf >= 0x8000_0007 && std::arch::x86_64::__cpuid(0x8000_0007).edx & (1 << 8) != 0
    }

    /// The counter.
    #[inline(always)]
    pub(super) fn read() -> u64 {
        // SAFETY: RDTSC exists on every x86-64 CPU and only reads the counter.
        unsafe { std::arch::x86_64::_rdtsc() }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod tsc {
    pub(super) fn invariant() -> bool {
        false
    }
    pub(super) fn read() -> u64 {
        0
    }
}

/// Unix time in nanoseconds from `SystemTime`.
pub fn system_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_nanos() as u64
}

struct Calibration {
    seq: AtomicU64,
    base_tsc: AtomicU64,
    base_ns: AtomicU64,
    /// Nanoseconds per tick, as a 32.32 fixed-point number.
    rate: AtomicU64,
    /// The first measurement, the origin of every later rate.
    origin: (u64, u64),
}

static CAL: OnceLock<Option<Calibration>> = OnceLock::new();

fn sample() -> (u64, u64) {
    // The counter read between two clock reads that saw the same nanosecond bracket, or
    // the middle of the closest pair: the pair is consistent to a few tens of ns.
    let mut best = (u64::MAX, 0, 0);
    for _ in 0..5 {
        let a = system_now();
        let t = tsc::read();
        let b = system_now();
        if b.saturating_sub(a) < best.0 {
            best = (b.saturating_sub(a), t, a + b.saturating_sub(a) / 2);
        }
    }
    (best.1, best.2)
}

fn calibration() -> Option<&'static Calibration> {
    CAL.get_or_init(|| {
        if !tsc::invariant() {
            return None;
        }
        let (t0, n0) = sample();
        let (mut t1, mut n1) = (t0, n0);
        while n1.saturating_sub(n0) < 1_000_000 {
            (t1, n1) = sample();
        }
        let ticks = t1.checked_sub(t0).filter(|&d| d > 0)?;
        let rate = (((n1 - n0) as u128) << 32) / ticks as u128;
        Some(Calibration {
            seq: AtomicU64::new(0),
            base_tsc: AtomicU64::new(t1),
            base_ns: AtomicU64::new(n1),
            rate: AtomicU64::new(rate as u64),
            origin: (t0, n0),
        })
    })
    .as_ref()
}

/// A raw reading of the clock: counter ticks, or Unix nanoseconds where there is no invariant
/// counter. Cheaper than [`now`] (no scaling); convert only the readings you keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ticks(u64);

/// Reads the clock, unscaled.
#[inline]
pub fn ticks() -> Ticks {
    match calibration() {
        Some(_) => Ticks(tsc::read()),
        None => Ticks(system_now()),
    }
}

impl Ticks {
    /// The counter's zero: a placeholder (a reading is almost never zero).
    pub const ZERO: Ticks = Ticks(0);

    /// This reading as Unix time in nanoseconds.
    #[inline]
    pub fn to_unix_nanos(self) -> u64 {
        let Some(c) = calibration() else { return self.0 };
        loop {
            let s = c.seq.load(Ordering::Acquire);
            let base_tsc = c.base_tsc.load(Ordering::Relaxed);
            let base_ns = c.base_ns.load(Ordering::Relaxed);
            let rate = c.rate.load(Ordering::Relaxed);
            std::sync::atomic::fence(Ordering::Acquire);
            if s & 1 == 0 && c.seq.load(Ordering::Relaxed) == s {
                // A reading from before the base is behind it (wrapping, then signed).
                let ticks = self.0.wrapping_sub(base_tsc) as i64;
                let nanos = ((i128::from(ticks) * i128::from(rate)) >> 32) as i64;
                return base_ns.wrapping_add(nanos as u64);
            }
        }
    }

    /// Ticks from `earlier` to this reading (0 if it is not earlier): a duration to scale by
    /// [`seconds_per_tick`], for many durations at once.
    #[inline]
    pub fn ticks_since(self, earlier: Ticks) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Nanoseconds from `earlier` to this reading (0 if it is not earlier).
    #[inline]
    pub fn nanos_since(self, earlier: Ticks) -> u64 {
        let d = self.0.saturating_sub(earlier.0);
        match calibration() {
            // The rate alone: a duration needs no base, so no seqlock.
            Some(c) => ((u128::from(d) * u128::from(c.rate.load(Ordering::Relaxed))) >> 32) as u64,
            None => d,
        }
    }
}

/// The length of a tick in seconds, at the rate measured last: durations in bulk are
/// `later.ticks_since(earlier) as f64 * seconds_per_tick()`, a multiplication each.
#[inline]
pub fn seconds_per_tick() -> f64 {
    match calibration() {
        // The rate is nanoseconds per tick in 32.32 fixed point.
        Some(c) => c.rate.load(Ordering::Relaxed) as f64 * (1e-9 / (1u64 << 32) as f64),
        None => 1e-9,
    }
}

/// Unix time in nanoseconds.
#[inline]
pub fn now() -> u64 {
    ticks().to_unix_nanos()
}

/// A time as given (Unix nanoseconds) or as read (a raw clock reading, scaled when the
/// exporter asks: a span reads the clock twice, and neither reading pays for the scaling).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Time {
    Nanos(u64),
    Ticks(Ticks),
}

impl Time {
    pub(crate) fn nanos(self) -> u64 {
        match self {
            Time::Nanos(t) => t,
            Time::Ticks(t) => t.to_unix_nanos(),
        }
    }
}

/// Measures the counter's rate again over the whole time since the first measurement,
/// and re-anchors the clock to the system clock now. Cheap enough (a few clock reads) to
/// call from an exporter on every batch; harmless without a counter.
pub fn recalibrate() {
    let Some(c) = calibration() else { return };
    let (t, n) = sample();
    let (t0, n0) = c.origin;
    let (Some(ticks), Some(ns)) = (t.checked_sub(t0), n.checked_sub(n0)) else { return };
    if ticks == 0 {
        return;
    }
    let rate = ((u128::from(ns) << 32) / u128::from(ticks)) as u64;
    // One writer at a time: odd `seq` is taken.
    let mut s = c.seq.load(Ordering::Relaxed);
    loop {
        if s & 1 == 1 {
            std::hint::spin_loop();
            s = c.seq.load(Ordering::Relaxed);
            continue;
        }
        match c.seq.compare_exchange_weak(s, s + 1, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => break,
            Err(now) => s = now,
        }
    }
    std::sync::atomic::fence(Ordering::Release);
    c.base_tsc.store(t, Ordering::Relaxed);
    c.base_ns.store(n, Ordering::Relaxed);
    c.rate.store(rate, Ordering::Relaxed);
    c.seq.store(s + 2, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_bulk_scale_like_single_ones() {
        let a = ticks();
        std::thread::sleep(Duration::from_millis(3));
        let b = ticks();
        let nanos = b.nanos_since(a);
        assert!(nanos >= 3_000_000, "{nanos}");
        let seconds = b.ticks_since(a) as f64 * seconds_per_tick();
        // The same rate, in floating point: equal to a part in 10^9.
        assert!((seconds * 1e9 - nanos as f64).abs() <= 1.0 + nanos as f64 * 1e-9, "{seconds} {nanos}");
        assert_eq!(a.ticks_since(b), 0);
    }

    #[test]
    fn follows_the_system_clock() {
        for _ in 0..3 {
            let a = system_now();
            let t = now();
            let b = system_now();
            // Within 1 ms of the system clock (calibration from a 1 ms window is off by a
            // few parts per 10^5 at most).
            assert!(t + 1_000_000 >= a && t <= b + 1_000_000, "{a} {t} {b}");
            std::thread::sleep(Duration::from_millis(20));
            recalibrate();
        }
        // Durations measure: a 30 ms sleep reads as 30 ms or a little more.
        let (t0, k0) = (now(), ticks());
        std::thread::sleep(Duration::from_millis(30));
        let (t1, k1) = (now(), ticks());
        let d = t1 - t0;
        assert!((30_000_000..200_000_000).contains(&d), "{d}");
        // Raw readings convert to the same times and durations (within a microsecond).
        let kd = k1.nanos_since(k0);
        assert!(kd.abs_diff(d) < 1_000_000, "{kd} {d}");
        assert!(k0.to_unix_nanos().abs_diff(t0) < 1_000_000, "{:?} {t0}", k0.to_unix_nanos());
        assert_eq!(k0.nanos_since(k1), 0);
    }
}
