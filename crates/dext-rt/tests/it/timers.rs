use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dext_rt::tasks::join_all;
use dext_rt::time::{self, MissedTickBehavior, interval, sleep, sleep_until, timeout};
use dext_rt::{Handle, spawn};

use crate::util::rt;

/// Timers fire in deadline order, across both workers' wheels and several wheel levels.
#[test]
fn timers_fire_in_deadline_order() {
    let rt = rt(1);
    let order = rt.block_on(async {
        let base = Instant::now() + Duration::from_millis(5);
        let fired = Arc::new(Mutex::new(Vec::new()));
        // Deadlines 0..=300 ms in steps of 7 ms, spawned in a shuffled order.
        let mut delays: Vec<u64> = (0..=42).map(|i| i * 7).collect();
        let n = delays.len();
        for i in 0..n {
            delays.swap(i, (i * 17 + 5) % n);
        }
        let tasks: Vec<_> = delays
            .iter()
            .map(|&d| {
                let fired = fired.clone();
                spawn(async move {
                    sleep_until(base + Duration::from_millis(d)).await;
                    fired.lock().unwrap().push(d);
                })
            })
            .collect();
        join_all(tasks).await;
        Arc::try_unwrap(fired).unwrap().into_inner().unwrap()
    });
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(order, sorted);
    assert_eq!(order.len(), 43);
}

/// Each sleep lasts at least its duration and at most 10 ms more (median of 5 runs, so that
/// one descheduling of this shared VM does not decide the result).
#[test]
fn sleep_accuracy_within_10ms() {
    let rt = rt(2);
    let lateness = rt.block_on(async {
        let mut worst = Vec::new();
        for ms in [1u64, 5, 20, 50, 120] {
            let d = Duration::from_millis(ms);
            let mut late = Vec::new();
            for _ in 0..5 {
                let t = Instant::now();
                sleep(d).await;
                let took = t.elapsed();
                assert!(took >= d, "sleep({ms} ms) ended early: {took:?}");
                late.push(took - d);
            }
            late.sort();
            worst.push((ms, late[2]));
        }
        worst
    });
    for (ms, median) in lateness {
        assert!(median <= Duration::from_millis(10), "sleep({ms} ms) median lateness {median:?}");
    }
}

#[test]
fn many_concurrent_sleeps_on_two_workers() {
    let rt = rt(2);
    let late = rt.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (0..2000u64)
            .map(|i| {
                Handle::current().spawn_on(i as usize, async move {
                    let d = Duration::from_millis(10 + i % 90);
                    let t = Instant::now();
                    sleep(d).await;
                    t.elapsed().saturating_sub(d)
                })
            })
            .collect();
        let lates: Vec<Duration> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
        assert!(start.elapsed() < Duration::from_secs(5));
        let mut lates = lates;
        lates.sort();
        lates[lates.len() / 2]
    });
    assert!(late <= Duration::from_millis(10), "median lateness {late:?}");
}

#[test]
fn timeout_elapses_and_passes() {
    let rt = rt(1);
    rt.block_on(async {
        let t = Instant::now();
        let r = timeout(Duration::from_millis(20), sleep(Duration::from_secs(10))).await;
        assert!(r.is_err());
        let took = t.elapsed();
        assert!(took >= Duration::from_millis(20) && took < Duration::from_secs(2), "{took:?}");
        let r = timeout(Duration::from_secs(10), async { 7 }).await;
        assert_eq!(r, Ok(7));
        // A dropped timeout removes its timer: a thousand of them leave nothing pending.
        for _ in 0..1000 {
            let _ = timeout(Duration::from_secs(60), std::future::ready(())).await;
        }
    });
}

#[test]
fn interval_ticks_on_schedule() {
    let rt = rt(1);
    rt.block_on(async {
        let start = Instant::now();
        let mut iv = interval(Duration::from_millis(15));
        let first = iv.tick().await;
        assert!(first.duration_since(start) < Duration::from_millis(5), "first tick is immediate");
        let mut prev = first;
        for _ in 0..5 {
            let t = iv.tick().await;
            assert_eq!(t - prev, Duration::from_millis(15), "ticks are scheduled one period apart");
            assert!(Instant::now() >= t);
            prev = t;
        }
        // Skip: after being late by 3 periods, the next tick keeps to the original grid.
        iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
        std::thread::sleep(Duration::from_millis(50));
        let late = iv.tick().await;
        let next = iv.tick().await;
        assert_eq!((next - first).as_millis() % 15, 0, "skip keeps the grid");
        assert!(next > late);
    });
}

#[test]
fn coarse_clock_tracks_real_time() {
    let rt = rt(1);
    rt.block_on(async {
        let a = time::now();
        sleep(Duration::from_millis(30)).await;
        let b = time::now();
        assert!(b - a >= Duration::from_millis(30));
        assert!(Instant::now() >= b);
    });
    // Off a worker it is the real clock.
    let t = Instant::now();
    assert!(time::now() >= t);
}

/// Far deadlines (beyond the wheel's horizon) and `Duration::MAX` work: nothing panics, and
/// the timer stays pending.
#[test]
fn huge_durations_neither_panic_nor_fire_early() {
    let rt = rt(1);
    rt.block_on(async {
        assert_eq!(timeout(Duration::MAX, async { 1 }).await, Ok(1));
        let thirty_years = Duration::from_secs(86_400 * 365 * 30);
        assert!(timeout(Duration::from_millis(10), sleep(thirty_years)).await.is_err());
        assert!(timeout(Duration::from_millis(10), sleep(Duration::MAX)).await.is_err());
        // The timer table was cleaned up: a near timer still fires on time.
        let t = Instant::now();
        sleep(Duration::from_millis(5)).await;
        assert!(t.elapsed() >= Duration::from_millis(5));
    });
}
