use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

use super::Wheel;

struct Flag(AtomicUsize);
impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn waker() -> Waker {
    Waker::from(Arc::new(Flag(AtomicUsize::new(0))))
}

/// Inserts timers at the given millisecond offsets, advances the wheel 1 ms at a time (or in
/// the given steps), and checks that each fires exactly at its deadline, never before.
fn check(offsets: &[u64], step_ms: u64) {
    let base = Instant::now();
    let mut w = Wheel::new(base, base);
    let mut keys = Vec::new();
    for &off in offsets {
        keys.push((off, w.insert(base + Duration::from_millis(off), waker())));
    }
    let max = offsets.iter().copied().max().unwrap_or(0);
    let mut fired_at = vec![None; offsets.len()];
    let mut out = Vec::new();
    let mut t = 0;
    while t <= max + step_ms {
        out.clear();
        w.fire_due(base + Duration::from_millis(t), &mut out);
        for (i, (_, (k, g))) in keys.iter().enumerate() {
            if fired_at[i].is_none() && !w.is_live(*k, *g) {
                fired_at[i] = Some(t);
            }
        }
        // The next timeout never points past the earliest pending deadline.
        if let Some(d) = w.next_timeout(base + Duration::from_millis(t)) {
            let earliest =
                keys.iter().zip(&fired_at).filter(|(_, f)| f.is_none()).map(|((off, _), _)| *off).min().unwrap();
            assert!(t + d.as_millis() as u64 <= earliest.max(t), "timeout {d:?} at {t} overshoots {earliest}");
        }
        t += step_ms;
    }
    for (i, (off, _)) in keys.iter().enumerate() {
        let at = fired_at[i].unwrap_or_else(|| panic!("timer at {off} never fired"));
        assert!(at >= *off, "timer at {off} fired early at {at}");
        assert!(at < off + step_ms.max(1), "timer at {off} fired late at {at}");
    }
    assert_eq!(w.len(), 0);
}

#[test]
fn fires_at_deadline_across_levels() {
    check(&[0, 1, 2, 63, 64, 65, 127, 128, 4095, 4096, 4097, 70_000], 1);
}

#[test]
fn fires_with_coarse_steps() {
    check(&[5, 17, 64, 300, 5000, 262_144, 262_145], 7);
}

#[test]
fn random_deadlines() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut offs = Vec::new();
    for _ in 0..300 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        offs.push(x % 20_000);
    }
    check(&offs, 3);
}

#[test]
fn remove_and_reuse_keys() {
    let base = Instant::now();
    let mut w = Wheel::new(base, base);
    let (k1, g1) = w.insert(base + Duration::from_millis(10), waker());
    w.remove(k1, g1);
    assert_eq!(w.len(), 0);
    assert!(w.next_timeout(base).is_none());
    let (k2, g2) = w.insert(base + Duration::from_millis(20), waker());
    assert_eq!(k1, k2, "freed entries are reused");
    assert_ne!(g1, g2, "a reused entry gets a new generation");
    // Removing with the stale generation does nothing.
    w.remove(k1, g1);
    assert_eq!(w.len(), 1);
    let mut out = Vec::new();
    w.fire_due(base + Duration::from_millis(19), &mut out);
    assert!(out.is_empty());
    w.fire_due(base + Duration::from_millis(20), &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn ordering_of_wakeups() {
    let base = Instant::now();
    let mut w = Wheel::new(base, base);
    let wakers: Vec<Waker> = (0..5).map(|_| waker()).collect();
    // Deadlines 100, 90, 80, 70, 60 inserted in that order.
    for (i, wk) in wakers.iter().enumerate() {
        w.insert(base + Duration::from_millis(100 - i as u64 * 10), wk.clone());
    }
    let mut out = Vec::new();
    w.fire_due(base + Duration::from_millis(75), &mut out);
    assert_eq!(out.len(), 2, "deadlines 60 and 70 fired; 80, 90, 100 pending");
    assert!(out[0].will_wake(&wakers[4]) && out[1].will_wake(&wakers[3]), "earliest first");
    out.clear();
    w.fire_due(base + Duration::from_millis(1000), &mut out);
    assert_eq!(out.len(), 3);
    assert!(out[0].will_wake(&wakers[2]) && out[1].will_wake(&wakers[1]) && out[2].will_wake(&wakers[0]));
}

/// Deadlines beyond the horizon are clamped into the top level, even when the clamped
/// deadline crosses a 2^36 ms block boundary; they fire at the horizon, never loop, never
/// index past the last level.
#[test]
fn far_deadlines_are_clamped_to_the_horizon() {
    for start_ms in [0u64, 1, 5, (1 << 36) - 5, (1 << 36) + 12_345] {
        let base = Instant::now();
        let mut w = Wheel::new(base, base);
        w.set_elapsed_for_test(start_ms);
        let now = base + Duration::from_millis(start_ms);
        let far = now + Duration::from_secs(86_400 * 365 * 30);
        let near = now + Duration::from_millis(10);
        let (kf, gf) = w.insert(far, waker());
        let (kn, gn) = w.insert(near, waker());
        let t = w.next_timeout(now).unwrap();
        assert!(t <= Duration::from_millis(10), "{start_ms}: next timeout {t:?}");
        let mut out = Vec::new();
        w.fire_due(near, &mut out);
        assert_eq!(out.len(), 1, "{start_ms}: only the near timer fired");
        assert!(!w.is_live(kn, gn) && w.is_live(kf, gf));
        // Just before the horizon nothing fires; at the horizon the clamped timer does.
        let horizon = now + Wheel::horizon();
        out.clear();
        w.fire_due(horizon - Duration::from_millis(1), &mut out);
        assert!(out.is_empty(), "{start_ms}: fired before the horizon");
        w.fire_due(horizon, &mut out);
        assert_eq!(out.len(), 1, "{start_ms}: fired at the horizon");
        assert_eq!(w.len(), 0);
    }
}

#[test]
fn next_timeout_is_never_late_and_catches_up_after_removals() {
    let base = Instant::now();
    let mut w = Wheel::new(base, base);
    let (k1, g1) = w.insert(base + Duration::from_millis(10), waker());
    let _k2 = w.insert(base + Duration::from_millis(5_000), waker());
    assert_eq!(w.next_timeout(base), Some(Duration::from_millis(10)));
    // Removing the earlier timer may leave the wait short (here: still 10 ms), never long.
    w.remove(k1, g1);
    let first = w.next_timeout(base).unwrap();
    assert!(first <= Duration::from_millis(5_000));
    // Waking then fires nothing, and the next wait ends no later than the remaining timer:
    // at the start of its slot (level 2, 4,096 ms wide), where it moves to a lower level.
    let mut out = Vec::new();
    w.fire_due(base + first, &mut out);
    assert!(out.is_empty());
    let next = w.next_timeout(base + first).unwrap();
    assert!(first + next <= Duration::from_millis(5_000) && first + next == Duration::from_millis(4_096), "{next:?}");
    w.fire_due(base + Duration::from_millis(4_999), &mut out);
    assert!(out.is_empty());
    w.fire_due(base + Duration::from_millis(5_000), &mut out);
    assert_eq!(out.len(), 1);
    assert!(w.next_timeout(base).is_none());
}
