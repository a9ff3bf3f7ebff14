//! Running out of file descriptors: while the process is at its descriptor limit, accept
//! fails with `EMFILE`; the server backs off instead of spinning or dying, and once
//! descriptors are free again it accepts the waiting connection and serves it.
//!
//! This test lowers the whole process's descriptor limit, so it is alone in its binary.
#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use dext::Server;

/// Opens descriptors until the process hits its limit; returns them.
fn exhaust(held: &mut Vec<File>) {
    loop {
        match File::open("/dev/null") {
            Ok(f) => held.push(f),
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) => return,
            Err(e) => panic!("opening /dev/null: {e}"),
        }
    }
}

/// This process's CPU time (user + system); `getrusage` needs no descriptor.
fn cpu_time() -> Duration {
    // SAFETY: an all-zero `rusage` is a valid value, and `getrusage` fills it in.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[test]
fn accept_backs_off_at_the_descriptor_limit_and_recovers() {
    let server = Server::builder()
        .bind("127.0.0.1:0")
        .workers(1)
        .pin_workers(false)
        .handle_signals(false)
        .serve(dext::demo::app())
        .unwrap();
    let (addr, stop) = (server.local_addr(), server.shutdown_handle());
    let runner = thread::spawn(move || server.run());
    // A connection made before the limit is reached, to check it is served throughout.
    let mut before = TcpStream::connect(addr).unwrap();
    before.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut before_r = BufReader::new(before.try_clone().unwrap());

    // A low limit, then every descriptor under it taken.
    let open = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    let limit = libc::rlimit { rlim_cur: open + 32, rlim_max: libc::RLIM_INFINITY };
    let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: both pointers are valid `rlimit`s for the duration of the calls.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut old), 0);
        let limit = libc::rlimit { rlim_max: old.rlim_max, ..limit };
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0, "{}", io::Error::last_os_error());
    }
    let mut held = Vec::new();
    exhaust(&mut held);

    // A client in another process (its descriptors are its own): the kernel completes its
    // handshake, and the server's accept fails while the limit is reached. It prints the
    // status line it gets. Spawning borrows a few descriptors for a moment; take them back.
    let client = format!(
        "import socket,time\n\
         time.sleep(0.2)\n\
         s=socket.create_connection(('127.0.0.1',{}))\n\
         s.sendall(b'GET /plaintext HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n\
         s.settimeout(15)\n\
         print(s.recv(4096).split(b'\\r\\n')[0].decode(), flush=True)\n",
        addr.port()
    );
    held.truncate(held.len() - 8);
    let mut child = Command::new("python3")
        .args(["-c", &client])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    exhaust(&mut held);
    let started = Instant::now();

    // While the limit holds, the connection waits without the worker spinning on accept, and
    // the established connection is still served.
    let cpu_before = cpu_time();
    thread::sleep(Duration::from_millis(700));
    let spent = cpu_time() - cpu_before;
    assert!(spent < Duration::from_millis(300), "the process used {spent:?} of CPU while accept failed");
    before.write_all(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut status = String::new();
    before_r.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200 "), "{status:?}");
    assert_eq!(child.try_wait().unwrap(), None, "the client was answered while no descriptor was free");

    // Descriptors free again: the waiting connection is accepted and served.
    held.clear();
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(out.trim(), "HTTP/1.1 200 OK", "the client's answer");
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(4), "served {waited:?} after the start (back-off too long)");

    // SAFETY: `old` is the limit read above.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) };
    stop.shutdown();
    assert!(runner.join().unwrap().unwrap(), "every connection finished within the grace period");
}
