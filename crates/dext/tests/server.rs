//! The demo server over real sockets: the shared conformance checker (all cases, the slow
//! ones included), a panicking handler, a 10 MB echo, graceful shutdown with requests in
//! flight, the header and idle timeouts, 1,000 concurrent connections, and request bodies
//! streamed to handlers.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use dext::{App, BodyMode, Method, Request, Response, Server, ShutdownHandle};

/// A server on a free port, run on its own thread; stopped when dropped.
struct Running {
    addr: SocketAddr,
    stop: ShutdownHandle,
    thread: Option<thread::JoinHandle<std::io::Result<bool>>>,
}

impl Running {
    fn start(app: App) -> Running {
        Running::start_with(app, 2, dext::Timeouts::default())
    }

    fn start_with(app: App, workers: usize, timeouts: dext::Timeouts) -> Running {
        Running::start_from(Server::builder().workers(workers).timeouts(timeouts), app)
    }

    fn start_from(builder: dext::Builder, app: App) -> Running {
        let server = builder.bind("127.0.0.1:0").handle_signals(false).serve(app).unwrap();
        let (addr, stop) = (server.local_addr(), server.shutdown_handle());
        Running { addr, stop, thread: Some(thread::spawn(move || server.run())) }
    }

    fn stop(mut self) -> std::io::Result<bool> {
        self.stop.shutdown();
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one response (Content-Length framed): status and body.
fn read_response(r: &mut BufReader<TcpStream>) -> (u16, Vec<u8>) {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("status line {line:?}"));
    let mut len = 0;
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                len = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    (status, body)
}

fn connect(addr: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let r = BufReader::new(s.try_clone().unwrap());
    (s, r)
}

#[test]
fn h1check_passes_every_case_against_the_demo_server() {
    let checker = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/h1check.py");
    assert!(checker.exists(), "the shared conformance checker is missing: {}", checker.display());
    let server = Running::start(dext::demo::app());
    let report = std::env::temp_dir().join(format!("dext-demo-h1check-{}.json", server.addr.port()));
    let output = Command::new("python3")
        .arg(&checker)
        .args(["--port", &server.addr.port().to_string(), "--out"])
        .arg(&report)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(output.status.success(), "h1check failed a MUST case or the server died:\n{stdout}");
    // At least 95% of all cases, from the summary line `TOTAL  pass N  fail N  skip N  error N`.
    let total = stdout.lines().find(|l| l.starts_with("TOTAL")).expect("summary line");
    let n = |key: &str| -> u32 {
        let mut words = total.split_whitespace();
        words.position(|w| w == key).and_then(|_| words.next()).and_then(|v| v.parse().ok()).unwrap()
    };
    let (pass, fail, error) = (n("pass"), n("fail"), n("error"));
    assert!(pass >= 90, "too few cases passed: {total}");
    assert!(pass * 100 >= 95 * (pass + fail + error), "{total}");
    // The slow case (slowloris) ran and passed.
    assert!(stdout.lines().any(|l| l.starts_with("PASS") && l.contains("slowloris")), "{stdout}");
    let _ = std::fs::remove_file(report);
}

async fn addresses(req: &Request<'_>, res: &mut Response) {
    res.set_body(format!("{:?} {:?}", req.remote_addr(), req.local_addr()));
}

#[test]
fn the_handler_sees_the_connection_s_addresses() {
    let server = Running::start(App::new().get("/addresses", addresses));
    let (mut w, mut r) = connect(server.addr);
    w.write_all(b"GET /addresses HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let (status, body) = read_response(&mut r);
    let client = w.local_addr().unwrap();
    assert_eq!(
        (status, String::from_utf8(body).unwrap()),
        (200, format!("{:?} {:?}", Some(client), Some(server.addr)))
    );
}

async fn boom(_req: &Request<'_>, _res: &mut Response) {
    panic!("this handler panics (expected by the test)");
}

#[test]
fn a_panicking_handler_gets_a_500_and_the_connection_lives_on() {
    let server = Running::start(dext::demo::app().get("/boom", boom));
    let (mut s, mut r) = connect(server.addr);
    s.write_all(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r).0, 500);
    s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r), (200, b"Hello, World!".to_vec()));
    // And pipelined: the panic answers its own request only.
    s.write_all(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r).0, 500);
    assert_eq!(read_response(&mut r), (200, br#"{"message":"Hello, World!"}"#.to_vec()));
}

#[test]
fn a_10_mb_body_is_echoed() {
    let server = Running::start(dext::demo::app());
    let (mut s, mut r) = connect(server.addr);
    let body: Vec<u8> = (0..10 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let writer = {
        let mut s = s.try_clone().unwrap();
        let body = body.clone();
        thread::spawn(move || {
            write!(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len()).unwrap();
            s.write_all(&body).unwrap();
        })
    };
    let (status, echoed) = read_response(&mut r);
    writer.join().unwrap();
    assert_eq!(status, 200);
    assert!(echoed == body, "the echoed body differs ({} bytes back)", echoed.len());
    // The connection is still good.
    s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r).0, 200);
}

async fn slow(_req: &Request<'_>, res: &mut Response) {
    dext::rt::sleep(Duration::from_millis(500)).await;
    res.set_body("done");
}

#[test]
fn graceful_shutdown_finishes_requests_in_flight() {
    let server = Running::start(dext::demo::app().get("/slow", slow));
    let addr = server.addr;
    // Several requests in flight, and one idle keep-alive connection.
    let (idle, mut idle_r) = connect(addr);
    (&idle).write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut idle_r).0, 200);
    let clients: Vec<_> = (0..8)
        .map(|_| {
            thread::spawn(move || {
                let (mut s, mut r) = connect(addr);
                s.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
                read_response(&mut r)
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(150));
    let started = Instant::now();
    assert!(server.stop().unwrap(), "every connection finished within the grace period");
    for c in clients {
        assert_eq!(c.join().unwrap(), (200, b"done".to_vec()), "a request in flight was dropped");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // The idle connection was closed, and nothing listens any more.
    let mut rest = Vec::new();
    assert_eq!(idle_r.read_to_end(&mut rest).unwrap_or(0), 0);
    assert!(TcpStream::connect(addr).is_err(), "still accepting after shutdown");
}

#[test]
fn a_slowloris_client_is_cut_off_while_others_are_served() {
    let timeouts = dext::Timeouts { header: Duration::from_millis(800), ..dext::Timeouts::default() };
    let server = Running::start_with(dext::demo::app(), 1, timeouts);
    let addr = server.addr;

    // The slow client sends a header line every 100 ms, forever.
    let slow = thread::spawn(move || {
        let (mut s, mut r) = connect(addr);
        let started = Instant::now();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        while started.elapsed() < Duration::from_secs(5) {
            thread::sleep(Duration::from_millis(100));
            if s.write_all(b"X-Slow: 1\r\n").is_err() {
                break;
            }
        }
        let mut answer = Vec::new();
        let _ = r.read_to_end(&mut answer);
        (started.elapsed(), answer)
    });
    // Meanwhile a normal client is served, on the same (single) worker.
    let (mut s, mut r) = connect(addr);
    for _ in 0..20 {
        s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(read_response(&mut r), (200, b"Hello, World!".to_vec()));
        thread::sleep(Duration::from_millis(25));
    }
    let (elapsed, answer) = slow.join().unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 408 "), "{:?}", String::from_utf8_lossy(&answer));
    assert!(elapsed < Duration::from_secs(3), "cut off after {elapsed:?}");
    assert!(server.stop().unwrap(), "every connection finished within the grace period");
}

#[test]
fn user_ids_are_percent_decoded_and_json_escaped() {
    let server = Running::start(dext::demo::app());
    let (mut s, mut r) = connect(server.addr);
    s.write_all(b"GET /users/a%20%22b%22%2F%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r), (200, "{\"id\":\"a \\\"b\\\"/\u{e9}\"}".as_bytes().to_vec()));
    s.write_all(b"GET /users/%FF HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r).0, 400);
    s.write_all(b"GET /users/%zz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut r).0, 400);
}

/// Answers how many buffer sets wait in this worker's pool.
async fn pooled(_req: &Request<'_>, res: &mut Response) {
    res.set_body(dext::server::pooled_buffer_sets().to_string());
}

#[test]
fn idle_connections_hold_no_buffers() {
    let server = Running::start_with(dext::demo::app().get("/pooled", pooled), 1, dext::Timeouts::default());
    let (mut probe, mut probe_r) = connect(server.addr);
    let mut pooled_now = || {
        probe.write_all(b"GET /pooled HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let (status, body) = read_response(&mut probe_r);
        assert_eq!(status, 200);
        String::from_utf8(body).unwrap().parse::<usize>().unwrap()
    };
    // 50 connections, each served once and now idle between requests: their sets are back in
    // the pool. (A connection that kept its set until it closed would leave the pool empty.)
    let mut conns: Vec<_> = (0..50).map(|_| connect(server.addr)).collect();
    for (s, r) in conns.iter_mut() {
        s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(read_response(r).0, 200);
    }
    let idle = pooled_now();
    assert!(idle >= 45, "{idle} sets pooled with 50 idle connections");
    // Each starts a request (half a head): each takes a set while it waits for the rest.
    for (s, _) in conns.iter_mut() {
        s.write_all(b"GET /json HTTP/1.1\r\n").unwrap();
    }
    thread::sleep(Duration::from_millis(200));
    let busy = pooled_now();
    assert!(busy + 45 <= idle, "{busy} sets pooled while 50 requests are half read (idle: {idle})");
    // Once answered, the sets come back.
    for (s, r) in conns.iter_mut() {
        s.write_all(b"Host: x\r\n\r\n").unwrap();
        assert_eq!(read_response(r).0, 200);
    }
    let again = pooled_now();
    assert!(again >= idle, "{again} sets pooled after the requests (before: {idle})");
}

#[test]
fn a_thousand_concurrent_connections_are_served() {
    let server = Running::start(dext::demo::app());
    let addr = server.addr;
    // All connections open at once, each sends a request, then all read their answers.
    let mut conns: Vec<_> = (0..1_000).map(|_| connect(addr)).collect();
    for (i, (s, _)) in conns.iter_mut().enumerate() {
        write!(s, "GET /users/{i} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    }
    for (i, (s, r)) in conns.iter_mut().enumerate() {
        assert_eq!(read_response(r), (200, format!("{{\"id\":\"{i}\"}}").into_bytes()));
        // And a second request on each, so they are all still open and served.
        s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    }
    for (_, r) in conns.iter_mut() {
        assert_eq!(read_response(r).0, 200);
    }
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let timeouts = dext::Timeouts { idle: Duration::from_millis(300), ..dext::Timeouts::default() };
    let server = Running::start_with(dext::demo::app(), 1, timeouts);
    let (mut s, mut r) = connect(server.addr);
    // Requests closer together than the timeout keep the connection (the deadline moves on
    // with each one)...
    for _ in 0..6 {
        s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(read_response(&mut r).0, 200);
        thread::sleep(Duration::from_millis(150));
    }
    // ...and a silence longer than it closes it, quietly.
    let started = Instant::now();
    let mut rest = Vec::new();
    assert_eq!(r.read_to_end(&mut rest).unwrap(), 0, "{:?}", String::from_utf8_lossy(&rest));
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(2), "closed after {waited:?}");
    assert!(server.stop().unwrap(), "every connection finished within the grace period");
}

#[test]
fn timeouts_too_long_to_compute_mean_a_year() {
    // `now + Duration::MAX` cannot be computed; the builder caps each timeout at a year.
    let t = Duration::MAX;
    let timeouts = dext::Timeouts { header: t, body: t, idle: t, write: t };
    let server = Running::start_with(dext::demo::app(), 1, timeouts);
    let (mut s, mut r) = connect(server.addr);
    for _ in 0..3 {
        s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(read_response(&mut r).0, 200);
    }
    drop((s, r));
    assert!(server.stop().unwrap());
}

/// Chunked framing of `body` in pieces of `size` bytes.
fn chunked(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(size) {
        write!(out, "{:x};ext=1\r\n", piece.len()).unwrap();
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\nTrailer: t\r\n\r\n");
    out
}

#[test]
fn a_streamed_chunked_body_arriving_in_pieces_is_echoed_and_the_next_request_is_kept() {
    let server = Running::start(dext::demo::app());
    let (mut s, mut r) = connect(server.addr);
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut wire = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    wire.extend_from_slice(&chunked(&body, 777));
    // The next request follows the body in the same bytes.
    wire.extend_from_slice(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
    // Sent in uneven pieces with pauses, so that chunk-size lines and the next request's head
    // are split across reads, and some body bytes come with the head's read.
    let writer = thread::spawn(move || {
        for piece in wire.chunks(4_099) {
            s.write_all(piece).unwrap();
            thread::sleep(Duration::from_millis(1));
        }
        s
    });
    let (status, echoed) = read_response(&mut r);
    assert_eq!(status, 200);
    assert!(echoed == body, "the echoed body differs ({} bytes back)", echoed.len());
    assert_eq!(read_response(&mut r), (200, b"Hello, World!".to_vec()));
    let mut s = writer.join().unwrap();
    // And the same in one write, pipelined behind a GET.
    let mut wire =
        b"GET /json HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    wire.extend_from_slice(&chunked(b"hello, streaming", 5));
    wire.extend_from_slice(b"GET /users/7 HTTP/1.1\r\nHost: x\r\n\r\n");
    s.write_all(&wire).unwrap();
    assert_eq!(read_response(&mut r).0, 200);
    assert_eq!(read_response(&mut r), (200, b"hello, streaming".to_vec()));
    assert_eq!(read_response(&mut r), (200, br#"{"id":"7"}"#.to_vec()));
}

/// Reads the body 7 bytes at a time; answers its length and a checksum.
async fn sum(req: &Request<'_>, res: &mut Response) {
    let mut reader = req.body_reader();
    let (mut len, mut sum) = (0u64, 0u64);
    let mut buf = [0u8; 7];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => {
                len += n as u64;
                sum = buf[..n].iter().fold(sum, |s, &b| s.wrapping_mul(31).wrapping_add(u64::from(b)));
            }
            Err(e) => {
                res.set_status(dext::StatusCode::BAD_REQUEST).set_body(e.to_string());
                return;
            }
        }
    }
    res.set_body(format!("{len} {sum}"));
}

/// Answers without reading the body.
async fn ignore_body(_req: &Request<'_>, res: &mut Response) {
    res.set_body("not read");
}

#[test]
fn small_reads_of_a_streamed_body_see_every_byte_in_order() {
    let app = App::new().route_with(Method::Post, "/sum", BodyMode::Streamed, sum);
    let server = Running::start(app);
    let (mut s, mut r) = connect(server.addr);
    let body: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(7919) >> 3) as u8).collect();
    let want = body.iter().fold(0u64, |s, &b| s.wrapping_mul(31).wrapping_add(u64::from(b)));
    write!(s, "POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", body.len()).unwrap();
    s.write_all(&body).unwrap();
    assert_eq!(read_response(&mut r), (200, format!("{} {want}", body.len()).into_bytes()));
    let mut wire = b"POST /sum HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    wire.extend_from_slice(&chunked(&body, 1_000));
    s.write_all(&wire).unwrap();
    assert_eq!(read_response(&mut r), (200, format!("{} {want}", body.len()).into_bytes()));
}

#[test]
fn a_streamed_body_over_the_size_limit_gets_413_and_the_connection_closes() {
    let limits = dext::http::h1::Limits { max_body: 10_000, ..Default::default() };
    let app = App::new().route_with(Method::Post, "/sum", BodyMode::Streamed, sum);
    let server = Running::start_from(Server::builder().workers(1).limits(limits), app);
    let (mut s, mut r) = connect(server.addr);
    // Within the limit: served.
    let mut wire = b"POST /sum HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    wire.extend_from_slice(&chunked(&[1; 10_000], 3_000));
    s.write_all(&wire).unwrap();
    assert_eq!(read_response(&mut r).0, 200);
    // Over it, found while the handler reads: 413 instead of the handler's answer, then close.
    let mut wire = b"POST /sum HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    wire.extend_from_slice(&chunked(&[1; 12_000], 3_000));
    s.write_all(&wire).unwrap();
    assert_eq!(read_response(&mut r).0, 413);
    let mut rest = Vec::new();
    assert_eq!(r.read_to_end(&mut rest).unwrap_or(0), 0, "{:?}", String::from_utf8_lossy(&rest));
}

#[test]
fn a_body_left_unread_ends_the_connection_after_the_response() {
    let app = App::new().route_with(Method::Post, "/ignore", BodyMode::Streamed, ignore_body);
    let server = Running::start(app);
    let (mut s, mut r) = connect(server.addr);
    s.write_all(b"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nsome of it").unwrap();
    assert_eq!(read_response(&mut r), (200, b"not read".to_vec()));
    let mut rest = Vec::new();
    assert_eq!(r.read_to_end(&mut rest).unwrap_or(0), 0, "{:?}", String::from_utf8_lossy(&rest));
}

#[test]
fn a_streamed_body_that_stalls_gets_408() {
    let timeouts = dext::Timeouts { body: Duration::from_millis(300), ..dext::Timeouts::default() };
    let server = Running::start_with(dext::demo::app(), 1, timeouts);
    let (mut s, mut r) = connect(server.addr);
    let started = Instant::now();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this").unwrap();
    assert_eq!(read_response(&mut r).0, 408);
    assert!(started.elapsed() < Duration::from_secs(2), "answered after {:?}", started.elapsed());
}

#[test]
fn expect_100_continue_is_answered_before_a_streamed_body() {
    let server = Running::start(dext::demo::app());
    let (mut s, mut r) = connect(server.addr);
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n").unwrap();
    let mut interim = [0u8; 25];
    r.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"hello").unwrap();
    assert_eq!(read_response(&mut r), (200, b"hello".to_vec()));
}
