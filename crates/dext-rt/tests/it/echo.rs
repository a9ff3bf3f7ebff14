use std::io::{self, IoSlice, IoSliceMut};
use std::net::Shutdown;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use dext_rt::net::{TcpListener, TcpStream};
use dext_rt::tasks::{CancellationToken, join_all};
use dext_rt::{Handle, spawn_local, worker_index};

use crate::util::{Peak, rt};

async fn echo(stream: TcpStream) -> io::Result<u64> {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
        stream.write_all(&buf[..n]).await?;
    }
}

/// 1,000 connections open at the same time on a 2-worker runtime, each listener bound with
/// SO_REUSEPORT on its own worker; every byte comes back, and both workers serve.
#[test]
fn echo_1000_concurrent_connections_on_2_workers() {
    const CONNS: usize = 1000;
    const ROUNDS: usize = 5;
    dext_sys::thread::raise_fd_limit().unwrap();
    let rt = rt(2);
    let peak = Arc::new(Peak::default());
    let served_by = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);

    // Worker 0 binds first (port 0 picks a port), worker 1 joins the same port.
    let first = rt
        .handle()
        .spawn_on(0, async { TcpListener::bind_reuseport("127.0.0.1:0").map(|l| (l.local_addr().unwrap(), l)) });
    let (addr, l0) = rt.block_on(first).unwrap().unwrap();
    let l0 = Arc::new(l0);
    let start_server = |w: usize, l: Option<Arc<TcpListener>>| {
        let (peak, served_by) = (peak.clone(), served_by.clone());
        rt.handle().spawn_on(w, async move {
            let l = match l {
                Some(l) => l,
                None => Arc::new(TcpListener::bind_reuseport(addr).unwrap()),
            };
            loop {
                let (s, _) = l.accept().await.unwrap();
                served_by[worker_index().unwrap()].fetch_add(1, Ordering::SeqCst);
                let peak = peak.clone();
                spawn_local(async move {
                    peak.enter();
                    let r = echo(s).await;
                    peak.leave();
                    r
                });
            }
        })
    };
    let s0 = start_server(0, Some(l0));
    let s1 = start_server(1, None);

    let ok = rt.block_on(async move {
        let all_connected = CancellationToken::new();
        let all_echoed = CancellationToken::new();
        let connected = Arc::new(AtomicUsize::new(0));
        let echoed = Arc::new(AtomicUsize::new(0));
        let clients = (0..CONNS).map(|i| {
            let (all_connected, connected) = (all_connected.clone(), connected.clone());
            let (all_echoed, echoed) = (all_echoed.clone(), echoed.clone());
            Handle::current().spawn_on(i, async move {
                let s = TcpStream::connect(addr).await?;
                if connected.fetch_add(1, Ordering::SeqCst) + 1 == CONNS {
                    all_connected.cancel();
                }
                all_connected.cancelled().await;
                let mut got = [0u8; 64];
                for r in 0..ROUNDS {
                    let msg = [(i * 7 + r) as u8; 64];
                    if r % 2 == 0 {
                        s.write_all(&msg).await?;
                    } else {
                        s.writev_all(&mut [IoSlice::new(&msg[..10]), IoSlice::new(&msg[10..])]).await?;
                    }
                    s.read_exact(&mut got).await?;
                    assert_eq!(got, msg, "connection {i} round {r}");
                }
                // Hold every connection open until all have echoed: the server then has
                // all of them accepted and alive at once.
                if echoed.fetch_add(1, Ordering::SeqCst) + 1 == CONNS {
                    all_echoed.cancel();
                }
                all_echoed.cancelled().await;
                s.shutdown(Shutdown::Write)?;
                // The server closes after our FIN: read sees end of stream.
                let (mut a, mut b) = ([0u8; 1], [0u8; 1]);
                let n = s.readv(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)]).await?;
                assert_eq!(n, 0);
                io::Result::Ok(())
            })
        });
        let results = join_all(clients.collect::<Vec<_>>()).await;
        results.into_iter().filter(|r| matches!(r, Ok(Ok(())))).count()
    });
    assert_eq!(ok, CONNS, "every client completed its echo rounds");
    assert_eq!(peak.max(), CONNS, "all connections were open on the server at once");
    let (a, b) = (served_by[0].load(Ordering::SeqCst), served_by[1].load(Ordering::SeqCst));
    assert_eq!(a + b, CONNS);
    assert!(a > 0 && b > 0, "SO_REUSEPORT spread connections over both workers ({a}/{b})");
    s0.abort();
    s1.abort();
}

/// Large transfers exercise short writes (full send buffer) and edge-triggered re-arming.
#[test]
fn echo_large_payload_with_backpressure() {
    let rt = rt(2);
    let total = rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = Handle::current().spawn_on(1, async move {
            let l = l;
            let (s, _) = l.accept().await.unwrap();
            echo(s).await.unwrap()
        });
        let s = Arc::new(TcpStream::connect(addr).await.unwrap());
        let payload: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let payload = Arc::new(payload);
        // Write and read concurrently from two tasks on the same stream.
        let (w, p) = (s.clone(), payload.clone());
        let writer = dext_rt::spawn(async move {
            w.write_all(&p).await.unwrap();
            w.shutdown(Shutdown::Write).unwrap();
        });
        let mut got = Vec::with_capacity(payload.len());
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        writer.await.unwrap();
        assert!(got == *payload, "echoed bytes differ");
        server.await.unwrap()
    });
    assert_eq!(total, 8 * 1024 * 1024);
}

#[test]
fn connect_refused_is_an_error() {
    let rt = rt(1);
    let err = rt.block_on(async {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        TcpStream::connect(("127.0.0.1", port)).await.unwrap_err()
    });
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn stream_created_off_worker_is_an_error() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = TcpListener::from_std(l).unwrap_err();
    assert!(err.to_string().contains("runtime worker"), "{err}");
}

#[test]
fn peer_and_local_addresses() {
    let rt = rt(1);
    rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let c = TcpStream::connect(addr).await.unwrap();
        let (s, peer) = l.accept().await.unwrap();
        assert_eq!(peer, c.local_addr().unwrap());
        assert_eq!(s.peer_addr().unwrap(), c.local_addr().unwrap());
        assert_eq!(c.peer_addr().unwrap(), addr);
        assert!(s.nodelay().unwrap() && c.nodelay().unwrap(), "TCP_NODELAY is on by default");
    });
}

#[test]
fn try_read_never_waits() {
    let rt = rt(1);
    rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        let mut buf = [0u8; 16];
        // Nothing sent yet: WouldBlock, at once.
        let e = s.try_read(&mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        c.write_all(b"hello").await.unwrap();
        // Wait for readiness, then the bytes come without waiting.
        std::future::poll_fn(|cx| s.poll_read_ready(cx)).await;
        assert_eq!(s.try_read(&mut buf).unwrap(), 5);
        assert_eq!(&buf[..5], b"hello");
        // Drained (a short read cleared readiness): WouldBlock again, and poll_read_ready
        // now waits for the next edge.
        assert_eq!(s.try_read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
        let waited = std::future::poll_fn(|cx| std::task::Poll::Ready(s.poll_read_ready(cx).is_pending())).await;
        assert!(waited, "readiness was cleared");
        // A hang-up: end of stream, not WouldBlock.
        c.shutdown(Shutdown::Write).unwrap();
        std::future::poll_fn(|cx| s.poll_read_ready(cx)).await;
        assert_eq!(s.try_read(&mut buf).unwrap(), 0);
        assert_eq!(s.try_read(&mut buf).unwrap(), 0);
    });
}

#[cfg(feature = "futures-io")]
#[test]
fn futures_io_traits() {
    use futures_io::{AsyncRead, AsyncWrite};
    use std::future::poll_fn;
    use std::pin::Pin;
    let rt = rt(1);
    rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (mut s, _) = l.accept().await.unwrap();
        let n = poll_fn(|cx| Pin::new(&mut c).poll_write(cx, b"ping")).await.unwrap();
        assert_eq!(n, 4);
        poll_fn(|cx| Pin::new(&mut c).poll_close(cx)).await.unwrap();
        let mut buf = [0u8; 8];
        let n = poll_fn(|cx| Pin::new(&mut s).poll_read(cx, &mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"ping");
        let n = poll_fn(|cx| Pin::new(&mut s).poll_read(cx, &mut buf)).await.unwrap();
        assert_eq!(n, 0, "poll_close sent FIN");
    });
}

/// A task whose socket is always readable (a peer that never stops sending) must not starve
/// the other tasks on its worker: the cooperative budget makes it yield.
#[test]
fn busy_reader_does_not_starve_its_worker() {
    use std::io::Write;
    use std::sync::atomic::AtomicBool;
    let rt = rt(1);
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let feeder = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let chunk = [1u8; 64 * 1024];
        while !stop2.load(Ordering::SeqCst) {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    // Without the budget this test would hang rather than fail: a watchdog turns that into
    // a failure of the whole test binary.
    let done = Arc::new(AtomicBool::new(false));
    let done2 = done.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(30));
        if !done2.load(Ordering::SeqCst) {
            eprintln!("busy_reader_does_not_starve_its_worker: worker starved for 30 s");
            std::process::exit(101);
        }
    });
    let reader = rt.spawn(async move {
        let s = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 16];
        let mut total = 0u64;
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n as u64,
            }
        }
    });
    let ticks = rt.block_on(async {
        // Let the reader get going, then time ten 2 ms sleeps on the same worker.
        dext_rt::sleep(std::time::Duration::from_millis(20)).await;
        let t = std::time::Instant::now();
        for _ in 0..10 {
            dext_rt::sleep(std::time::Duration::from_millis(2)).await;
        }
        t.elapsed()
    });
    stop.store(true, Ordering::SeqCst);
    done.store(true, Ordering::SeqCst);
    assert!(ticks < std::time::Duration::from_secs(2), "timer task starved: {ticks:?}");
    reader.abort();
    feeder.join().unwrap();
}

/// `connect` returns only once the handshake has finished: against a listener whose accept
/// queue is full, the SYN is dropped and the connect stays pending (so a timeout bounds it).
#[test]
fn connect_waits_for_the_handshake() {
    use dext_rt::tasks::FutureExt;
    let rt = rt(1);
    rt.block_on(async {
        let opts = dext_rt::ListenOptions { backlog: 0, ..Default::default() };
        let l = TcpListener::bind_with("127.0.0.1:0", &opts).unwrap();
        let addr = l.local_addr().unwrap();
        let mut held = Vec::new();
        let mut pending = 0;
        for _ in 0..4 {
            match TcpStream::connect(addr).with_timeout(std::time::Duration::from_millis(300)).await {
                Ok(Ok(s)) => {
                    assert!(s.peer_addr().is_ok(), "a connected stream knows its peer");
                    held.push(s);
                }
                Ok(Err(e)) => panic!("connect failed: {e}"),
                Err(_) => pending += 1,
            }
        }
        assert!(pending >= 1, "with the accept queue full, a connect must stay pending");
        drop(l);
    });
}

/// A waker that panics when the reactor wakes it (a foreign waker registered through a
/// hand-made `Context`) does not cost the other sockets of the same event batch their
/// wake-ups.
#[test]
fn panicking_foreign_waker_does_not_lose_the_batch() {
    use std::io::Write;
    use std::task::{Context, Wake, Waker};
    struct Boom;
    impl Wake for Boom {
        fn wake(self: Arc<Self>) {
            panic!("foreign waker panics");
        }
    }
    const N: usize = 20;
    let rt = rt(1);
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let peers: Vec<std::net::TcpStream> = (0..=N).map(|_| std::net::TcpStream::connect(addr).unwrap()).collect();
    let accepted: Vec<std::net::TcpStream> = (0..=N).map(|_| l.accept().unwrap().0).collect();
    let mut accepted = accepted.into_iter();
    let first = accepted.next().unwrap();
    let others: Vec<_> = accepted.collect();
    let ready = Arc::new(AtomicUsize::new(0));
    let r2 = ready.clone();
    let h = rt.spawn(async move {
        let bomb = TcpStream::from_std(first).unwrap();
        let streams: Vec<TcpStream> = others.into_iter().map(|s| TcpStream::from_std(s).unwrap()).collect();
        // Register the panicking waker as the reader of the first stream.
        let boom = Waker::from(Arc::new(Boom));
        let mut buf = [0u8; 8];
        assert!(bomb.poll_read(&mut Context::from_waker(&boom), &mut buf).is_pending());
        let mut reads = Vec::new();
        for s in streams {
            reads.push(dext_rt::spawn(async move {
                let mut b = [0u8; 8];
                s.read(&mut b).await.unwrap()
            }));
        }
        r2.store(1, Ordering::SeqCst);
        let mut got = Vec::new();
        for r in reads {
            got.push(r.await.unwrap());
        }
        drop(bomb);
        got
    });
    while ready.load(Ordering::SeqCst) == 0 {
        std::thread::yield_now();
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    for mut p in peers.iter() {
        p.write_all(b"x").unwrap();
    }
    let got = rt.block_on(async move { dext_rt::time::timeout(std::time::Duration::from_secs(5), h).await });
    let got = got.expect("reads were woken").unwrap();
    assert_eq!(got, vec![1; N]);
}
