use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dext_rt::net::{TcpListener, TcpStream};
use dext_rt::time::sleep;
use dext_rt::{Handle, Runtime, spawn};

use crate::util::{block_on_plain, flag};

#[test]
fn default_builder_uses_available_cpus() {
    let rt = Runtime::new().unwrap();
    assert_eq!(rt.workers(), dext_sys::thread::allowed_cpus().unwrap().len());
    let pinned = Runtime::builder().workers(2).pin_workers(true).build().unwrap();
    let cpus = dext_sys::thread::allowed_cpus().unwrap();
    for w in 0..2 {
        let cpu = crate::util::on_worker(&pinned, w, async { dext_sys::thread::allowed_cpus().unwrap() });
        assert_eq!(cpu, vec![cpus[w % cpus.len()]], "worker {w} is pinned");
    }
}

/// Shutdown with tasks in flight: sleeping tasks, a task blocked on a socket read and a
/// spawned-but-unstarted task are all cancelled, their futures dropped, their handles
/// report `Cancelled`, and the workers exit.
#[test]
fn shutdown_cancels_tasks_in_flight() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let mut handles = Vec::new();
    let mut dropped = Vec::new();
    for i in 0..20 {
        let (d, g) = flag();
        dropped.push(d);
        handles.push(rt.handle().spawn_on(i, async move {
            let _g = g;
            sleep(Duration::from_secs(3600)).await;
        }));
    }
    let (d, g) = flag();
    dropped.push(d);
    let io_task = rt.handle().spawn_on(1, async move {
        let _g = g;
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        let mut buf = [0u8; 1];
        let _ = s.read(&mut buf).await;
        drop(c);
    });
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(rt.handle().live_tasks(), 21);

    let t = Instant::now();
    let drained = rt.shutdown_timeout(Duration::from_millis(100));
    assert!(!drained, "tasks were still running at the deadline");
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(dropped.iter().all(|d| d.load(Ordering::SeqCst)), "every in-flight future was dropped");
    for h in handles {
        assert!(h.is_finished());
        assert!(block_on_plain(h).unwrap_err().is_cancelled());
    }
    assert!(block_on_plain(io_task).unwrap_err().is_cancelled());
}

/// Graceful shutdown lets in-flight tasks finish before the deadline.
#[test]
fn graceful_shutdown_drains_finishing_tasks() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..10)
        .map(|i| {
            let done = done.clone();
            rt.spawn(async move {
                sleep(Duration::from_millis(20 + i * 3)).await;
                // Work spawned during the drain is waited for too.
                let d2 = done.clone();
                spawn(async move {
                    sleep(Duration::from_millis(10)).await;
                    d2.fetch_add(1, Ordering::SeqCst);
                });
                done.fetch_add(1, Ordering::SeqCst);
                i
            })
        })
        .collect();
    assert!(rt.shutdown_timeout(Duration::from_secs(5)));
    assert_eq!(done.load(Ordering::SeqCst), 20);
    let outs: Vec<u64> = handles.into_iter().map(|h| block_on_plain(h).unwrap()).collect();
    assert_eq!(outs, (0..10).collect::<Vec<_>>());
}

/// Spawning onto a runtime that has stopped cancels the task at once instead of leaking it.
#[test]
fn spawn_after_shutdown_is_cancelled() {
    let rt = Runtime::builder().workers(1).build().unwrap();
    let handle: Handle = rt.handle().clone();
    rt.shutdown_now();
    let (d, g) = flag();
    let h = handle.spawn(async move {
        let _g = g;
        1
    });
    assert!(block_on_plain(h).unwrap_err().is_cancelled());
    assert!(d.load(Ordering::SeqCst));
}

/// Wakers that outlive the runtime are harmless.
#[test]
fn waker_outliving_runtime() {
    let rt = Runtime::builder().workers(1).build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        std::future::poll_fn(|cx| {
            tx.send(cx.waker().clone()).unwrap();
            std::task::Poll::<()>::Pending
        })
        .await
    });
    let waker = rx.recv().unwrap();
    drop(rt);
    waker.wake_by_ref();
    waker.wake();
}

#[test]
#[should_panic(expected = "off a runtime worker")]
fn spawn_off_worker_panics_with_a_clear_message() {
    drop(spawn(async {}));
}

/// A future whose destructor spawns a task during shutdown: that task is cancelled too.
#[test]
fn shutdown_cancels_tasks_spawned_by_destructors() {
    struct SpawnOnDrop(Option<crate::util::DropFlag>, Arc<std::sync::Mutex<Option<dext_rt::JoinHandle<()>>>>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let g = self.0.take();
            let h = dext_rt::spawn_local(async move {
                let _g = g;
                std::future::pending::<()>().await
            });
            *self.1.lock().unwrap() = Some(h);
        }
    }
    let rt = Runtime::builder().workers(1).build().unwrap();
    let (d, g) = flag();
    let slot = Arc::new(std::sync::Mutex::new(None));
    let s2 = slot.clone();
    rt.spawn(async move {
        let _s = SpawnOnDrop(Some(g), s2);
        std::future::pending::<()>().await
    });
    std::thread::sleep(Duration::from_millis(20));
    rt.shutdown_now();
    assert!(d.load(Ordering::SeqCst), "the task spawned during shutdown was cancelled and dropped");
    let h = slot.lock().unwrap().take().expect("destructor ran");
    assert!(block_on_plain(h).unwrap_err().is_cancelled());
}
