//! dext-rt versus tokio: spawn+join, ping-pong on one worker and across workers, TCP echo.
//!
//! Usage:
//!   dext-bench spawn-join     RT ITERS
//!   dext-bench pingpong-local RT ITERS
//!   dext-bench pingpong-cross RT ITERS
//!   dext-bench echo-server    RT ADDR
//!   dext-bench echo-client    ADDR CONNS SECS
//!
//! RT is `dext` (2 workers; 1 for the echo server), `tokio` (multi-thread, 2 workers; 1 for
//! the echo server) or `tokio-ct` (current-thread). Each micro-benchmark prints one line:
//! `<name> <rt> <ns per op>`; the echo client prints `echo <round trips per second>`.

use std::future::{Future, poll_fn};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use atomic_waker::AtomicWaker;

/// A one-value mailbox shared by both runtimes' ping-pong, so that the primitive costs the
/// same on both sides and only scheduling differs.
#[derive(Default)]
struct Slot {
    value: AtomicU64,
    waker: AtomicWaker,
}

impl Slot {
    fn put(&self, v: u64) {
        self.value.store(v, Ordering::Release);
        self.waker.wake();
    }
    async fn take(&self) -> u64 {
        poll_fn(|cx| {
            let v = self.value.swap(0, Ordering::Acquire);
            if v != 0 {
                return Poll::Ready(v);
            }
            self.waker.register(cx.waker());
            let v = self.value.swap(0, Ordering::Acquire);
            if v != 0 { Poll::Ready(v) } else { Poll::Pending }
        })
        .await
    }
}

async fn ping(ab: &Slot, ba: &Slot, iters: u64) {
    for i in 1..=iters {
        ab.put(i);
        let v = ba.take().await;
        debug_assert_eq!(v, i);
    }
}

async fn pong(ab: Arc<Slot>, ba: Arc<Slot>, iters: u64) {
    for _ in 0..iters {
        let v = ab.take().await;
        ba.put(v);
    }
}

fn report(name: &str, rt: &str, iters: u64, took: Duration) {
    println!("{name} {rt} {:.1}", took.as_nanos() as f64 / iters as f64);
}

// ---- dext ----

/// `DEXT_SPIN_US` sets how long an idle dext worker polls before parking (default 0).
fn dext_rt(workers: usize) -> dext_rt::Runtime {
    let spin = std::env::var("DEXT_SPIN_US").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    dext_rt::Runtime::builder().workers(workers).spin_before_park(Duration::from_micros(spin)).build().unwrap()
}

fn dext_spawn_join(iters: u64) -> Duration {
    let rt = dext_rt(2);
    rt.block_on(async move {
        let t = Instant::now();
        for i in 0..iters {
            let v = dext_rt::spawn(async move { i }).await.unwrap();
            std::hint::black_box(v);
        }
        t.elapsed()
    })
}

fn dext_pingpong(iters: u64, cross: bool) -> Duration {
    let rt = dext_rt(2);
    let h = rt.handle().clone();
    rt.block_on(async move {
        let (ab, ba) = (Arc::new(Slot::default()), Arc::new(Slot::default()));
        let other = if cross { 1 } else { 0 };
        let me = dext_rt::worker_index().unwrap();
        let pong = h.spawn_on(me + other, pong(ab.clone(), ba.clone(), iters + 100));
        ping(&ab, &ba, 100).await;
        let t = Instant::now();
        ping(&ab, &ba, iters).await;
        let took = t.elapsed();
        pong.await.unwrap();
        took
    })
}

// ---- tokio ----

fn tokio_rt(kind: &str, workers: usize) -> tokio::runtime::Runtime {
    match kind {
        "tokio" => tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap(),
        "tokio-ct" => tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
        other => panic!("unknown runtime {other}"),
    }
}

/// Runs `f` inside a task on a worker (for the multi-thread runtime, `block_on` itself runs
/// on the calling thread, which is not a worker).
fn tokio_run<F: Future<Output = Duration> + Send + 'static>(rt: &tokio::runtime::Runtime, f: F) -> Duration {
    rt.block_on(async move { tokio::spawn(f).await.unwrap() })
}

fn tokio_spawn_join(kind: &str, iters: u64) -> Duration {
    let rt = tokio_rt(kind, 2);
    tokio_run(&rt, async move {
        let t = Instant::now();
        for i in 0..iters {
            let v = tokio::spawn(async move { i }).await.unwrap();
            std::hint::black_box(v);
        }
        t.elapsed()
    })
}

fn tokio_pingpong_local(kind: &str, iters: u64) -> Duration {
    let rt = tokio_rt(kind, 2);
    tokio_run(&rt, async move {
        let (ab, ba) = (Arc::new(Slot::default()), Arc::new(Slot::default()));
        let pong = tokio::spawn(pong(ab.clone(), ba.clone(), iters + 100));
        ping(&ab, &ba, 100).await;
        let t = Instant::now();
        ping(&ab, &ba, iters).await;
        let took = t.elapsed();
        pong.await.unwrap();
        took
    })
}

/// Cross-thread ping-pong on tokio: the multi-thread scheduler decides where tasks run, so
/// the thread-per-core equivalent is two current-thread runtimes on two threads.
fn tokio_pingpong_cross(kind: &str, iters: u64) -> Duration {
    let (ab, ba) = (Arc::new(Slot::default()), Arc::new(Slot::default()));
    match kind {
        "tokio-ct" => {
            let (ab2, ba2) = (ab.clone(), ba.clone());
            let t = std::thread::spawn(move || {
                tokio_rt("tokio-ct", 1).block_on(pong(ab2, ba2, iters + 100));
            });
            let took = tokio_rt("tokio-ct", 1).block_on(async move {
                ping(&ab, &ba, 100).await;
                let t = Instant::now();
                ping(&ab, &ba, iters).await;
                t.elapsed()
            });
            t.join().unwrap();
            took
        }
        _ => {
            let rt = tokio_rt(kind, 2);
            let pong = rt.spawn(pong(ab.clone(), ba.clone(), iters + 100));
            let took = tokio_run(&rt, async move {
                ping(&ab, &ba, 100).await;
                let t = Instant::now();
                ping(&ab, &ba, iters).await;
                t.elapsed()
            });
            rt.block_on(pong).unwrap();
            took
        }
    }
}

// ---- echo ----

fn dext_echo_server(addr: String) {
    let rt = dext_rt(1);
    rt.block_on(async move {
        let l = dext_rt::net::TcpListener::bind(addr.as_str()).unwrap();
        loop {
            let (s, _) = l.accept().await.unwrap();
            dext_rt::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    })
}

fn tokio_echo_server(kind: &str, addr: String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio_rt(kind, 1);
    rt.block_on(async move {
        let l = tokio::net::TcpListener::bind(addr.as_str()).await.unwrap();
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            s.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    })
}

/// The load generator (the same for every server): CONNS connections on one dext worker,
/// each doing 64-byte write / 64-byte read round trips for SECS seconds.
fn echo_client(addr: String, conns: usize, secs: f64) {
    let rt = dext_rt(1);
    let total = rt.block_on(async move {
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        let count = Arc::new(AtomicU64::new(0));
        let hs: Vec<_> = (0..conns)
            .map(|_| {
                let (addr, count) = (addr.clone(), count.clone());
                dext_rt::spawn(async move {
                    let s = dext_rt::net::TcpStream::connect(addr.as_str()).await.unwrap();
                    let msg = [b'x'; 64];
                    let mut got = [0u8; 64];
                    let mut n = 0;
                    while Instant::now() < deadline {
                        s.write_all(&msg).await.unwrap();
                        s.read_exact(&mut got).await.unwrap();
                        n += 1;
                    }
                    count.fetch_add(n, Ordering::Relaxed);
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        count.load(Ordering::Relaxed)
    });
    println!("echo {:.0}", total as f64 / secs);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_else(|| panic!("missing argument {i}; see the source"));
    match arg(0).as_str() {
        "spawn-join" | "pingpong-local" | "pingpong-cross" => {
            let (name, rt) = (arg(0), arg(1));
            let iters: u64 = arg(2).parse().unwrap();
            let took = match (name.as_str(), rt.as_str()) {
                ("spawn-join", "dext") => dext_spawn_join(iters),
                ("spawn-join", k) => tokio_spawn_join(k, iters),
                ("pingpong-local", "dext") => dext_pingpong(iters, false),
                ("pingpong-local", k) => tokio_pingpong_local(k, iters),
                ("pingpong-cross", "dext") => dext_pingpong(iters, true),
                ("pingpong-cross", k) => tokio_pingpong_cross(k, iters),
                _ => unreachable!(),
            };
            report(&name, &rt, iters, took);
        }
        "echo-server" => match arg(1).as_str() {
            "dext" => dext_echo_server(arg(2)),
            k => tokio_echo_server(k, arg(2)),
        },
        "echo-client" => echo_client(arg(1), arg(2).parse().unwrap(), arg(3).parse().unwrap()),
        other => panic!("unknown benchmark {other}"),
    }
}
