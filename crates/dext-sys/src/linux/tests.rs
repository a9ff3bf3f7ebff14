use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use super::epoll::{self, Epoll, Event};
use super::eventfd::EventFd;
use super::io;
use super::socket::{ListenOptions, Socket};
use super::thread;

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
fn eventfd_wakes_epoll_edge_triggered() {
    let ep = Epoll::new().unwrap();
    let efd = EventFd::new().unwrap();
    ep.add(efd.as_fd(), epoll::READABLE | epoll::EDGE, 7).unwrap();
    let mut evs = [Event::EMPTY; 4];
    assert_eq!(ep.wait(&mut evs, Some(Duration::ZERO)).unwrap(), 0);
    efd.notify().unwrap();
    let n = ep.wait(&mut evs, Some(Duration::from_secs(1))).unwrap();
    assert_eq!(n, 1);
    assert_eq!(evs[0].token(), 7);
    assert!(evs[0].readiness() & epoll::READABLE != 0);
    // Edge-triggered: no new edge without a new write, even though the counter is unread.
    assert_eq!(ep.wait(&mut evs, Some(Duration::ZERO)).unwrap(), 0);
    efd.notify().unwrap();
    assert_eq!(ep.wait(&mut evs, Some(Duration::ZERO)).unwrap(), 1);
    assert_eq!(efd.reset().unwrap(), 2);
    assert_eq!(efd.reset().unwrap(), 0);
}

#[test]
fn epoll_timeout_never_ends_early() {
    let ep = Epoll::new().unwrap();
    let mut evs = [Event::EMPTY; 1];
    let t = Instant::now();
    ep.wait(&mut evs, Some(Duration::from_micros(2500))).unwrap();
    assert!(t.elapsed() >= Duration::from_micros(2500));
}

#[test]
fn listen_accept_read_write_vectored() {
    let l = Socket::listen_tcp(&loopback(), &ListenOptions::default()).unwrap();
    let addr = l.local_addr().unwrap();
    // Nothing to accept yet: a non-blocking listener says WouldBlock.
    assert_eq!(l.accept().unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    let mut client = TcpStream::connect(addr).unwrap();
    let (conn, peer) = loop {
        match l.accept() {
            Ok(x) => break x,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(peer, client.local_addr().unwrap());
    assert_eq!(conn.peer_addr().unwrap(), client.local_addr().unwrap());
    conn.set_nodelay(true).unwrap();
    assert!(conn.nodelay().unwrap());

    client.write_all(b"hello world").unwrap();
    let mut a = [0u8; 5];
    let mut b = [0u8; 6];
    let mut got = 0;
    while got < 11 {
        let mut bufs = [IoSliceMut::new(&mut a[got.min(5)..]), IoSliceMut::new(&mut b[got.saturating_sub(5)..])];
        match io::readv(conn.as_fd(), &mut bufs) {
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(&a, b"hello");
    assert_eq!(&b, b" world");

    let n = io::writev(conn.as_fd(), &[IoSlice::new(b"ab"), IoSlice::new(b"cd")]).unwrap();
    assert_eq!(n, 4);
    assert_eq!(io::write(conn.as_fd(), b"e").unwrap(), 1);
    conn.shutdown(Shutdown::Write).unwrap();
    let mut out = String::new();
    client.read_to_string(&mut out).unwrap();
    assert_eq!(out, "abcde");
    // After the client's end closes, read returns 0 on the server side.
    drop(client);
    let mut buf = [0u8; 8];
    loop {
        match io::read(conn.as_fd(), &mut buf) {
            Ok(0) => break,
            Ok(n) => panic!("unexpected {n} bytes"),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn reuse_port_lets_two_listeners_share() {
    let opts = ListenOptions { reuse_port: true, incoming_cpu: Some(0), ..ListenOptions::default() };
    let a = Socket::listen_tcp(&loopback(), &opts).unwrap();
    let addr = a.local_addr().unwrap();
    let b = Socket::listen_tcp(&addr, &opts).unwrap();
    assert_eq!(b.local_addr().unwrap(), addr);
    // Without SO_REUSEPORT the same bind fails.
    let err = Socket::listen_tcp(&addr, &ListenOptions::default()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}

#[test]
fn nonblocking_connect_reports_refusal_through_so_error() {
    // Find a port nobody listens on: bind, read the port, close.
    let port = {
        let l = Socket::listen_tcp(&loopback(), &ListenOptions::default()).unwrap();
        l.local_addr().unwrap().port()
    };
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let s = Socket::tcp_for(&addr).unwrap();
    match s.connect(&addr) {
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused),
        Ok(_) => {
            let ep = Epoll::new().unwrap();
            ep.add(s.as_fd(), epoll::WRITABLE | epoll::EDGE, 1).unwrap();
            let mut evs = [Event::EMPTY; 1];
            assert_eq!(ep.wait(&mut evs, Some(Duration::from_secs(5))).unwrap(), 1);
            let err = s.take_error().unwrap().expect("connect should have failed");
            assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
        }
    }
}

#[test]
fn sendfile_copies_a_file_range() {
    let path = std::env::temp_dir().join(format!("dext-sys-sendfile-{}", std::process::id()));
    std::fs::write(&path, b"0123456789").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let l = Socket::listen_tcp(&loopback(), &ListenOptions::default()).unwrap();
    let mut client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (conn, _) = loop {
        if let Ok(x) = l.accept() {
            break x;
        }
        std::thread::yield_now();
    };
    let mut off = 2;
    assert_eq!(io::sendfile(conn.as_fd(), file.as_fd(), &mut off, 5).unwrap(), 5);
    assert_eq!(off, 7);
    let mut buf = [0u8; 5];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"23456");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn affinity_round_trip() {
    let cpus = thread::allowed_cpus().unwrap();
    assert!(!cpus.is_empty());
    let first = cpus[0];
    std::thread::spawn(move || {
        thread::pin_current_thread(first).unwrap();
        assert_eq!(thread::allowed_cpus().unwrap(), vec![first]);
        assert_eq!(thread::current_cpu().unwrap(), first);
    })
    .join()
    .unwrap();
    assert!(thread::pin_current_thread(usize::MAX).is_err());
    assert!(thread::raise_fd_limit().unwrap() >= 1024);
}

/// A full counter (never read) does not swallow the next notification: it is reset and the
/// edge still fires.
#[test]
fn eventfd_notify_survives_a_full_counter() {
    use std::os::fd::AsRawFd;
    let ep = Epoll::new().unwrap();
    let efd = EventFd::new().unwrap();
    ep.add(efd.as_fd(), epoll::READABLE | epoll::EDGE, 1).unwrap();
    let max: u64 = u64::MAX - 1;
    // SAFETY: 8 readable bytes, as eventfd requires.
    let r = unsafe { libc::write(efd.as_raw_fd(), (&max as *const u64).cast(), 8) };
    assert_eq!(r, 8);
    let mut evs = [Event::EMPTY; 2];
    assert_eq!(ep.wait(&mut evs, Some(Duration::ZERO)).unwrap(), 1);
    efd.notify().unwrap();
    assert_eq!(ep.wait(&mut evs, Some(Duration::ZERO)).unwrap(), 1, "a new edge after the reset");
    assert_eq!(efd.reset().unwrap(), 1);
}
