//! Allocation counting: proves that the runtime's steady state allocates nothing.
//!
//! A counting global allocator counts, while armed, every allocation made on the runtime's
//! worker threads (each worker marks itself through a thread-local flag before the test
//! starts). The test harness's own threads, which print results concurrently, are not
//! counted. The tests take a lock so that only one scenario runs (and counts) at a time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dext_rt::net::{TcpListener, TcpStream};
use dext_rt::time::sleep;
use dext_rt::{Handle, Runtime, spawn};

struct Counting;

static ARMED: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set on every worker thread of the runtime under test.
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    // `try_with`: the allocator may run while thread-locals are being destroyed.
    ARMED.load(Ordering::Relaxed) && TRACKED.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: forwards to the system allocator; counting has no effect on the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counted() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

static SERIAL: Mutex<()> = Mutex::new(());

/// A runtime whose workers are all tracked by the counting allocator.
fn tracked_runtime(workers: usize) -> Runtime {
    let rt = Runtime::builder().workers(workers).build().unwrap();
    for h in rt.handle().spawn_on_each(|_| async { TRACKED.with(|t| t.set(true)) }) {
        rt.block_on(h).unwrap();
    }
    rt
}

/// Counts allocations made anywhere in the process while `f` runs.
async fn count<F: std::future::Future>(f: F) -> (usize, F::Output) {
    ALLOCS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    let out = f.await;
    ARMED.store(false, Ordering::SeqCst);
    (ALLOCS.load(Ordering::SeqCst), out)
}

#[path = "../common/mailbox.rs"]
mod mailbox;
use mailbox::Mailbox;

/// 10,000 echo round trips on an established connection, server and client on different
/// workers, allocate nothing: reads, writes, readiness, wake-ups and scheduling included.
#[test]
fn steady_state_tcp_echo_allocates_nothing() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = tracked_runtime(2);
    let allocs = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Handle::current().spawn_on(1, async move {
            let (s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 256];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    return;
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
        });
        let client = Handle::current().spawn_on(0, async move {
            let c = TcpStream::connect(addr).await.unwrap();
            let msg = [7u8; 64];
            let mut got = [0u8; 64];
            // Warm up: first wake-ups, first registrations, lazily grown tables.
            for _ in 0..100 {
                c.write_all(&msg).await.unwrap();
                c.read_exact(&mut got).await.unwrap();
            }
            let (allocs, ()) = count(async {
                for _ in 0..10_000 {
                    c.write_all(&msg).await.unwrap();
                    c.read_exact(&mut got).await.unwrap();
                    assert_eq!(got, msg);
                }
            })
            .await;
            allocs
        });
        let allocs = client.await.unwrap();
        server.await.unwrap();
        allocs
    });
    assert_eq!(allocs, 0, "allocations during 10,000 echo round trips");
}

/// Waking a task allocates nothing: 10,000 same-worker and 10,000 cross-worker ping-pongs,
/// plus 1,000 timer sleeps.
#[test]
fn wakeups_and_timers_allocate_nothing() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = tracked_runtime(2);
    let (same, cross, timers) = rt.block_on(async {
        let mut results = [0usize; 2];
        for (i, target) in [0usize, 1].into_iter().enumerate() {
            let (ab, ba) = (Arc::new(Mailbox::default()), Arc::new(Mailbox::default()));
            let (ab2, ba2) = (ab.clone(), ba.clone());
            let ponger = Handle::current().spawn_on(target, async move {
                loop {
                    let v = ab2.take().await;
                    ba2.put(v + 1);
                    if v == u64::MAX - 1 {
                        return;
                    }
                }
            });
            let pinger = Handle::current().spawn_on(0, async move {
                for _ in 0..100 {
                    ab.put(0);
                    ba.take().await;
                }
                let (n, ()) = count(async {
                    for k in 0..10_000 {
                        ab.put(k);
                        assert_eq!(ba.take().await, k + 1);
                    }
                })
                .await;
                ab.put(u64::MAX - 1);
                ba.take().await;
                n
            });
            results[i] = pinger.await.unwrap();
            ponger.await.unwrap();
        }
        let timers = spawn(async {
            for _ in 0..10 {
                sleep(Duration::from_millis(1)).await;
            }
            count(async {
                for _ in 0..1_000 {
                    sleep(Duration::from_micros(100)).await;
                }
            })
            .await
            .0
        })
        .await
        .unwrap();
        (results[0], results[1], timers)
    });
    assert_eq!(same, 0, "allocations during 10,000 same-worker wake-ups");
    assert_eq!(cross, 0, "allocations during 10,000 cross-worker wake-ups");
    assert_eq!(timers, 0, "allocations during 1,000 sleeps");
}

/// The only allocation of a spawn is the task cell: 1,000 spawn+join make 1,000.
#[test]
fn spawn_allocates_one_cell() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = tracked_runtime(1);
    let n = rt.block_on(async {
        for _ in 0..10 {
            spawn(async {}).await.unwrap();
        }
        count(async {
            for i in 0..1_000u32 {
                assert_eq!(spawn(async move { i }).await.unwrap(), i);
            }
        })
        .await
        .0
    });
    assert_eq!(n, 1_000);
}
