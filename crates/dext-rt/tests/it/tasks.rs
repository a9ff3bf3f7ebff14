use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dext_rt::sync::oneshot;
use dext_rt::tasks::{
    Backoff, CancellationToken, Cancelled, Either, FutureExt, GroupError, TaskGroup, join, join_all, race, race_all,
    retry, retry_if, select,
};
use dext_rt::time::sleep;
use dext_rt::{Handle, JoinError, spawn, spawn_blocking, spawn_local, worker_index, yield_now};

use crate::util::{Mailbox, Peak, flag, on_worker, rt};

#[test]
fn spawn_and_join_returns_output() {
    let rt = rt(2);
    assert_eq!(rt.block_on(async { spawn(async { 40 + 2 }).await.unwrap() }), 42);
    // Off-worker spawns go round robin and complete too.
    let hs: Vec<_> = (0..10).map(|i| rt.spawn(async move { (i * 2, worker_index().unwrap()) })).collect();
    let outs: Vec<(i32, usize)> =
        rt.block_on(async move { join_all(hs).await.into_iter().map(Result::unwrap).collect() });
    assert_eq!(outs.iter().map(|o| o.0).sum::<i32>(), 90);
    assert!(outs.iter().any(|o| o.1 == 0) && outs.iter().any(|o| o.1 == 1), "round robin uses both workers");
}

#[test]
fn spawned_tasks_stay_on_the_spawning_worker() {
    let rt = rt(2);
    for w in 0..2 {
        let (me, children) = on_worker(&rt, w, async {
            let me = worker_index().unwrap();
            let hs: Vec<_> = (0..20).map(|_| spawn(async { worker_index().unwrap() })).collect();
            let children: Vec<usize> = join_all(hs).await.into_iter().map(Result::unwrap).collect();
            (me, children)
        });
        assert_eq!(me, w);
        assert!(children.iter().all(|&c| c == w), "{children:?}");
    }
}

/// Cross-worker spawn (worker 0 spawns onto worker 1) and cross-worker wake-ups: two tasks
/// on different workers ping-pong 5,000 times through a pair of mailboxes.
#[test]
fn cross_worker_spawn_and_wake() {
    let rt = rt(2);
    on_worker(&rt, 0, async {
        let on1 = Handle::current().spawn_on(1, async { worker_index() }).await.unwrap();
        assert_eq!(on1, Some(1));

        const ROUNDS: u64 = 5000;
        let (ab, ba) = (Arc::new(Mailbox::default()), Arc::new(Mailbox::default()));
        let (ab2, ba2) = (ab.clone(), ba.clone());
        let pong = Handle::current().spawn_on(1, async move {
            for _ in 0..ROUNDS {
                let v = ab2.take().await;
                assert_eq!(worker_index(), Some(1));
                ba2.put(v + 1);
            }
        });
        let mut v = 0;
        for _ in 0..ROUNDS {
            ab.put(v);
            v = ba.take().await;
            assert_eq!(worker_index(), Some(0));
        }
        pong.await.unwrap();
        assert_eq!(v, ROUNDS);
    });
}

/// A parked worker is woken by a wake-up from a plain thread (eventfd doorbell).
#[test]
fn wake_from_foreign_thread_unparks_worker() {
    let rt = rt(1);
    let mb = Arc::new(Mailbox::default());
    let mb2 = mb.clone();
    let h = rt.spawn(async move { mb2.take().await });
    std::thread::sleep(Duration::from_millis(30)); // the worker parks meanwhile
    mb.put(99);
    assert_eq!(rt.block_on(h).unwrap(), 99);
}

#[test]
fn spawn_local_runs_non_send_futures() {
    let rt = rt(2);
    let h = rt.handle().spawn_local_on(1, || async {
        let shared = Rc::new(std::cell::Cell::new(0));
        let hs: Vec<_> = (0..10)
            .map(|i| {
                let s = shared.clone();
                spawn_local(async move {
                    yield_now().await;
                    s.set(s.get() + i);
                    assert_eq!(worker_index(), Some(1));
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        shared.get()
    });
    assert_eq!(rt.block_on(h).unwrap(), 45);
}

#[test]
fn yield_now_lets_others_run() {
    let rt = rt(1);
    let order = rt.block_on(async {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (l1, l2) = (log.clone(), log.clone());
        let a = spawn(async move {
            for i in 0..3 {
                l1.lock().unwrap().push(format!("a{i}"));
                yield_now().await;
            }
        });
        let b = spawn(async move {
            for i in 0..3 {
                l2.lock().unwrap().push(format!("b{i}"));
                yield_now().await;
            }
        });
        a.await.unwrap();
        b.await.unwrap();
        Arc::try_unwrap(log).unwrap().into_inner().unwrap()
    });
    assert_eq!(order, ["a0", "b0", "a1", "b1", "a2", "b2"]);
}

#[test]
fn join_race_select() {
    let rt = rt(1);
    rt.block_on(async {
        let t = Instant::now();
        let (a, b) = join(
            async {
                sleep(Duration::from_millis(30)).await;
                1
            },
            async {
                sleep(Duration::from_millis(30)).await;
                "two"
            },
        )
        .await;
        assert_eq!((a, b), (1, "two"));
        assert!(t.elapsed() < Duration::from_millis(55), "join runs both concurrently: {:?}", t.elapsed());

        let (dropped, guard) = flag();
        let slow = async move {
            let _g = guard;
            sleep(Duration::from_secs(10)).await;
            1
        };
        let fast = async {
            sleep(Duration::from_millis(5)).await;
            2
        };
        assert_eq!(race(slow, fast).await, 2);
        assert!(dropped.load(Ordering::SeqCst), "the loser is dropped");

        match select(sleep(Duration::from_secs(5)), async { "ready" }).await {
            Either::Right(s) => assert_eq!(s, "ready"),
            Either::Left(()) => panic!("sleep should not win"),
        }
        let (i, v) = race_all((0..5u64).map(|i| async move {
            sleep(Duration::from_millis(50 - i * 10)).await;
            i
        }))
        .await;
        assert_eq!((i, v), (4, 4));
        assert_eq!(join_all(Vec::<std::future::Ready<u8>>::new()).await, Vec::<u8>::new());
    });
}

#[test]
fn abort_cancels_and_drops_the_future() {
    let rt = rt(2);
    rt.block_on(async {
        let (dropped, guard) = flag();
        let h = Handle::current().spawn_on(1, async move {
            let _g = guard;
            sleep(Duration::from_secs(60)).await;
        });
        sleep(Duration::from_millis(10)).await;
        assert!(!h.is_finished());
        h.abort();
        let err = h.await.unwrap_err();
        assert!(err.is_cancelled(), "{err:?}");
        assert!(dropped.load(Ordering::SeqCst), "the future was dropped on abort");

        // Abort before the task ever ran.
        let h = spawn(async { 5 });
        h.abort();
        assert!(h.await.unwrap_err().is_cancelled());

        // Abort after completion changes nothing.
        let h = spawn(async { 6 });
        let ah = h.abort_handle();
        while !h.is_finished() {
            yield_now().await;
        }
        ah.abort();
        assert_eq!(h.await.unwrap(), 6);
    });
}

#[test]
fn cancellation_token_hierarchy() {
    let rt = rt(2);
    rt.block_on(async {
        let root = CancellationToken::new();
        let child = root.child_token();
        let grandchild = child.child_token();
        let sibling = root.child_token();

        // Cancelling a child leaves the parent and siblings alone.
        child.cancel();
        assert!(child.is_cancelled() && grandchild.is_cancelled());
        assert!(!root.is_cancelled() && !sibling.is_cancelled());

        // A waiter on another worker is woken by cancel.
        let s2 = sibling.clone();
        let waiter = Handle::current().spawn_on(1, async move {
            s2.cancelled().await;
            worker_index()
        });
        sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        root.cancel();
        assert_eq!(waiter.await.unwrap(), Some(1));
        assert!(sibling.is_cancelled());
        // Children of a cancelled token start cancelled.
        assert!(root.child_token().is_cancelled());

        // with_cancel drops the future and reports Cancelled.
        let token = CancellationToken::new();
        let (dropped, guard) = flag();
        let t2 = token.clone();
        let h = spawn(async move {
            async move {
                let _g = guard;
                sleep(Duration::from_secs(60)).await;
            }
            .with_cancel(&t2)
            .await
        });
        sleep(Duration::from_millis(5)).await;
        token.cancel();
        assert_eq!(h.await.unwrap(), Err(Cancelled));
        assert!(dropped.load(Ordering::SeqCst));

        // Drop guards cancel.
        let t = CancellationToken::new();
        drop(t.clone().drop_guard());
        assert!(t.is_cancelled());
        let t = CancellationToken::new();
        let t = t.drop_guard().disarm();
        assert!(!t.is_cancelled());
    });
}

#[test]
fn fluent_timeout_and_cancel_compose() {
    let rt = rt(1);
    rt.block_on(async {
        let token = CancellationToken::new();
        let r = sleep(Duration::from_secs(5)).with_timeout(Duration::from_millis(10)).with_cancel(&token).await;
        assert!(matches!(r, Ok(Err(_))), "timeout fires first");
        let r = async { 3 }.with_timeout(Duration::from_secs(1)).with_cancel(&token).await;
        assert_eq!(r, Ok(Ok(3)));
        let h = async { worker_index() }.spawn();
        assert_eq!(h.await.unwrap(), Some(0));
    });
}

#[test]
fn task_group_first_error_cancels_the_rest() {
    let rt = rt(2);
    rt.block_on(async {
        let flags: Vec<_> = (0..4).map(|_| flag()).collect();
        let mut group = TaskGroup::<u32, String>::new();
        let mut dropped = Vec::new();
        for (i, (d, g)) in flags.into_iter().enumerate() {
            dropped.push(d);
            group.spawn(async move {
                let _g = g;
                sleep(Duration::from_secs(60)).await;
                Ok(i as u32)
            });
        }
        group.spawn(async {
            sleep(Duration::from_millis(10)).await;
            Err("boom".to_string())
        });
        let t = Instant::now();
        match group.join_all().await {
            Err(GroupError::Failed(e)) => assert_eq!(e, "boom"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(t.elapsed() < Duration::from_secs(5));
        // The cancelled siblings' futures are dropped on their worker; give it a turn.
        sleep(Duration::from_millis(10)).await;
        assert!(dropped.iter().all(|d| d.load(Ordering::SeqCst)), "siblings were cancelled");

        // All succeed: outputs in spawn order.
        let mut group = TaskGroup::<u64, ()>::new();
        for i in 0..5u64 {
            group.spawn(async move {
                sleep(Duration::from_millis(25 - i * 5)).await;
                Ok(i)
            });
        }
        assert_eq!(group.join_all().await.unwrap(), vec![0, 1, 2, 3, 4]);

        // A panic fails the group.
        let mut group = TaskGroup::<(), ()>::new();
        group.spawn(async { panic!("group task panics") });
        assert!(matches!(group.join_all().await, Err(GroupError::Panicked(_))));
    });
}

#[test]
fn task_group_drop_cancels_everything() {
    let rt = rt(2);
    rt.block_on(async {
        let (d1, g1) = flag();
        let (d2, g2) = flag();
        let mut group = TaskGroup::<(), ()>::new();
        group.spawn(async move {
            let _g = g1;
            std::future::pending::<()>().await;
            Ok(())
        });
        group.spawn(async move {
            let _g = g2;
            sleep(Duration::from_secs(60)).await;
            Ok(())
        });
        let token = group.token().clone();
        sleep(Duration::from_millis(5)).await;
        drop(group);
        assert!(token.is_cancelled());
        sleep(Duration::from_millis(10)).await;
        assert!(d1.load(Ordering::SeqCst) && d2.load(Ordering::SeqCst));
    });
}

#[test]
fn panicking_task_surfaces_in_join_handle_and_worker_survives() {
    let rt = rt(1);
    let err = rt.block_on(async { spawn(async { panic!("task exploded") }).await.unwrap_err() });
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), Some("task exploded"));
    // The single worker is still alive and runs more work, including more panics.
    for i in 0..50 {
        let r = rt.block_on(async move {
            let h = spawn(async move {
                if i % 2 == 0 {
                    panic!("again {i}");
                }
                i
            });
            h.await
        });
        match r {
            Ok(v) => assert_eq!(v, i),
            Err(e) => assert_eq!(e.panic_message(), Some(format!("again {i}").as_str())),
        }
    }
    // A panic inside block_on's own future resumes on the caller.
    let caught =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(async { panic!("in block_on") })));
    assert!(caught.is_err());
    assert_eq!(rt.block_on(async { 1 }), 1);
}

#[test]
fn spawn_blocking_runs_off_the_workers_and_is_bounded() {
    let rt = dext_rt::Runtime::builder().workers(1).max_blocking_threads(2).build().unwrap();
    rt.block_on(async {
        let (v, on_worker) = spawn_blocking(|| (6 * 7, worker_index())).await.unwrap();
        assert_eq!((v, on_worker), (42, None));

        let err = spawn_blocking(|| panic!("blocking panic")).await.unwrap_err();
        assert!(err.is_panic());

        // Six 30 ms jobs on a pool of two: never more than two at once, and the worker keeps
        // serving meanwhile.
        let peak = Arc::new(Peak::default());
        let hs: Vec<_> = (0..6)
            .map(|_| {
                let peak = peak.clone();
                spawn_blocking(move || {
                    peak.enter();
                    std::thread::sleep(Duration::from_millis(30));
                    peak.leave();
                })
            })
            .collect();
        let ticks = Arc::new(AtomicUsize::new(0));
        let t2 = ticks.clone();
        let ticker = spawn(async move {
            for _ in 0..5 {
                sleep(Duration::from_millis(5)).await;
                t2.fetch_add(1, Ordering::SeqCst);
            }
        });
        for h in join_all(hs).await {
            h.unwrap();
        }
        ticker.await.unwrap();
        assert_eq!(peak.max(), 2);
        assert_eq!(ticks.load(Ordering::SeqCst), 5);
    });
}

#[test]
fn retry_with_backoff() {
    let rt = rt(1);
    rt.block_on(async {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let t = Instant::now();
        let r: Result<u32, &str> = retry(Backoff::exponential(Duration::from_millis(4)).jitter(false), move || {
            let c = c.clone();
            async move { if c.fetch_add(1, Ordering::SeqCst) < 3 { Err("not yet") } else { Ok(9) } }
        })
        .await;
        assert_eq!(r, Ok(9));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        // Delays 4 + 8 + 16 ms.
        assert!(t.elapsed() >= Duration::from_millis(28), "{:?}", t.elapsed());

        // Exhaustion returns the last error; non-retryable errors stop at once.
        let r: Result<(), u32> =
            retry(Backoff::constant(Duration::from_millis(1)).max_retries(2), || async { Err(7) }).await;
        assert_eq!(r, Err(7));
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let r: Result<(), u32> = retry_if(
            Backoff::constant(Duration::from_millis(1)),
            move || {
                c.fetch_add(1, Ordering::SeqCst);
                async { Err(404) }
            },
            |e| *e >= 500,
        )
        .await;
        assert_eq!(r, Err(404));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let b = Backoff::exponential(Duration::from_millis(100)).max_delay(Duration::from_millis(500));
        assert_eq!(b.delay(0), Duration::from_millis(100));
        assert_eq!(b.delay(2), Duration::from_millis(400));
        assert_eq!(b.delay(3), Duration::from_millis(500));
        assert_eq!(b.delay(60), Duration::from_millis(500));
    });
}

#[test]
fn oneshot_between_threads() {
    let rt = rt(1);
    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10));
        tx.send(5u8).unwrap();
    });
    assert_eq!(rt.block_on(rx), Ok(5));
    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(rt.block_on(rx).is_err());
}

#[test]
fn join_error_display() {
    assert_eq!(JoinError::Cancelled.to_string(), "task was cancelled");
}

struct PanicOnDrop;
impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("destructor panics");
    }
}

/// A task that finishes while dropping a live inner future whose destructor panics (a
/// timeout firing) reports the panic; its worker lives on.
#[test]
fn panicking_destructor_after_ready_is_a_task_panic() {
    let rt = rt(1);
    let err = rt.block_on(async {
        let fut = async {
            let _g = PanicOnDrop;
            std::future::pending::<()>().await
        };
        fut.with_timeout(Duration::from_millis(5)).spawn().await.unwrap_err()
    });
    assert_eq!(err.panic_message(), Some("destructor panics"));
    assert_eq!(rt.block_on(async { spawn(async { 7 }).await.unwrap() }), 7);
}

/// A group joined successfully leaves a shared token alone.
#[test]
fn task_group_success_does_not_cancel_shared_token() {
    let rt = rt(1);
    rt.block_on(async {
        let app = CancellationToken::new();
        let mut group = TaskGroup::<u8, ()>::with_token(app.clone());
        group.spawn(async { Ok(1) });
        assert_eq!(group.join_all().await.unwrap(), vec![1]);
        assert!(!app.is_cancelled());
    });
}
