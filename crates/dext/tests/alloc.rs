//! Zero allocation over real sockets: 10,000 keep-alive requests on an established connection
//! (plaintext, json, `/users/:id`, one per write and pipelined 16 deep) allocate nothing in
//! the server, with telemetry off and with it on (every request in the HTTP server metrics,
//! and a sampled server span each, drained by another thread as an exporter would). A counting global allocator counts the allocations made on the server's worker
//! thread only: a handler marks that thread, so the client's allocations do not count.
#![cfg(target_os = "linux")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use dext::{Request, Response, Server};

struct Counting;

static ENABLED: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SERVER_THREAD: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if ENABLED.load(Ordering::Relaxed) && SERVER_THREAD.try_with(Cell::get).unwrap_or(false) {
        COUNT.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

async fn mark(_req: &Request<'_>, res: &mut Response) {
    SERVER_THREAD.with(|s| s.set(true));
    res.set_body("marked");
}

/// One request of each kind, and the exact response each must get.
const KINDS: [(&[u8], &[u8]); 3] = [
    (b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", b"Hello, World!"),
    (b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n", br#"{"message":"Hello, World!"}"#),
    (b"GET /users/12345 HTTP/1.1\r\nHost: x\r\n\r\n", br#"{"id":"12345"}"#),
];

/// Sends `requests` requests (kind `i % 3` for the `i`-th), `depth` per write, and checks
/// every response's status and body. The client reuses its buffers.
fn drive(s: &mut TcpStream, requests: usize, depth: usize, out: &mut Vec<u8>, inbuf: &mut Vec<u8>) {
    let mut sent = 0;
    while sent < requests {
        out.clear();
        let batch = depth.min(requests - sent);
        for i in sent..sent + batch {
            out.extend_from_slice(KINDS[i % 3].0);
        }
        s.write_all(out).unwrap();
        // Read until `batch` complete responses are in.
        inbuf.clear();
        let mut done = 0;
        let mut parsed = 0;
        let mut chunk = [0u8; 16 * 1024];
        while done < batch {
            let n = s.read(&mut chunk).unwrap();
            assert!(n > 0, "the server closed the connection");
            inbuf.extend_from_slice(&chunk[..n]);
            while done < batch {
                let Some(head_end) = find(&inbuf[parsed..], b"\r\n\r\n") else { break };
                let head = &inbuf[parsed..parsed + head_end];
                let len = content_length(head);
                let body_start = parsed + head_end + 4;
                if inbuf.len() < body_start + len {
                    break;
                }
                assert!(head.starts_with(b"HTTP/1.1 200 "), "{}", String::from_utf8_lossy(head));
                assert_eq!(&inbuf[body_start..body_start + len], KINDS[(sent + done) % 3].1);
                parsed = body_start + len;
                done += 1;
            }
        }
        assert_eq!(parsed, inbuf.len(), "stray bytes after the responses");
        sent += batch;
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> usize {
    let text = std::str::from_utf8(head).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("Content-Length")
}

/// Serves 10,008 keep-alive requests after a warm-up; the allocations on the worker.
fn count_allocations(builder: dext::Builder) -> usize {
    let app = dext::demo::app().get("/mark", mark);
    let server = builder.bind("127.0.0.1:0").workers(1).handle_signals(false).serve(app).unwrap();
    let addr = server.local_addr();
    let stop = server.shutdown_handle();
    let running = std::thread::spawn(move || server.run());

    let mut s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let (mut out, mut inbuf) = (Vec::with_capacity(4096), Vec::with_capacity(64 * 1024));
    s.write_all(b"GET /mark HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut first = [0u8; 1024];
    let n = s.read(&mut first).unwrap();
    assert!(first[..n].ends_with(b"marked"));

    // Warm up: buffers, timer entries, the date cache (and the telemetry's series cache)
    // reach their steady state.
    drive(&mut s, 600, 1, &mut out, &mut inbuf);
    drive(&mut s, 600, 16, &mut out, &mut inbuf);

    COUNT.store(0, Ordering::SeqCst);
    ENABLED.store(true, Ordering::SeqCst);
    drive(&mut s, 5_000, 1, &mut out, &mut inbuf);
    drive(&mut s, 5_008, 16, &mut out, &mut inbuf);
    ENABLED.store(false, Ordering::SeqCst);
    let allocations = COUNT.load(Ordering::SeqCst);

    stop.shutdown();
    running.join().unwrap().unwrap();
    allocations
}

/// The two tests count on one global counter: they take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn ten_thousand_keep_alive_requests_allocate_nothing_in_the_server() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let allocations = count_allocations(Server::builder());
    assert_eq!(allocations, 0, "the server allocated during 10,008 keep-alive requests");
}

#[test]
fn telemetry_allocates_nothing_per_request() {
    use dext::telemetry::trace::{Sampler, TracerProvider, drain_spans};
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tracer = TracerProvider::new(Sampler::AlwaysOn).tracer("dext-server", None);
    let registry = dext::telemetry::metrics::Registry::new();
    let telemetry = dext::HttpTelemetry::new().with_tracer(tracer).with_metrics(&registry);
    // An exporter's side: drain the spans every millisecond, and count them.
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let drained = std::sync::Arc::new(AtomicUsize::new(0));
    let drainer = {
        let (stop, drained) = (stop.clone(), drained.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let n = drain_spans(usize::MAX, |_| {});
                drained.fetch_add(n, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let allocations = count_allocations(Server::builder().telemetry(telemetry));
    stop.store(true, Ordering::Relaxed);
    drainer.join().unwrap();
    assert_eq!(allocations, 0, "the server allocated during 10,008 instrumented requests");
    // The spans were recorded (not refused for want of a slot).
    let spans = drained.load(Ordering::Relaxed) + drain_spans(usize::MAX, |_| {});
    assert!(spans >= 11_000, "only {spans} spans of 11,209 requests");
    let snap = registry.collect(std::time::SystemTime::now());
    let total: u64 = snap.families[0]
        .points
        .iter()
        .map(|p| match &p.value {
            dext::telemetry::metrics::PointValue::Histogram(h) => h.count,
            _ => 0,
        })
        .sum();
    assert_eq!(total, 11_209, "every request in http.server.request.duration");
}
