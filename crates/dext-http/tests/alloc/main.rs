//! Zero allocation, proved by counting: parsing, routing (two path parameters), running the
//! handler and encoding the response for 10,000 requests, one per read and pipelined, makes
//! no heap allocation once the connection's buffers are warm.

#[path = "../common/mod.rs"]
mod common;
mod router;

use common::block_on;

use dext_http::h1::{BodyEvent, Conn, Head, HttpDate, Limits, Status};
use dext_http::{App, Body, Request, Response};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a const-initialised thread-local
// `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCS.with(Cell::get)
}

/// Counts the allocations `f` makes on this thread.
fn allocations_in(f: impl FnOnce()) -> u64 {
    let before = allocations();
    f();
    allocations() - before
}

async fn plaintext(_req: &Request<'_>, res: &mut Response) {
    res.content_type("text/plain").set_body("Hello, World!");
}

async fn repo_issue(req: &Request<'_>, res: &mut Response) {
    let owner = req.param("owner").unwrap_or_default();
    let repo = req.param("repo").unwrap_or_default();
    res.content_type("application/json").write(b"{\"owner\":\"").write(owner).write(b"\",\"repo\":\"").write(repo);
    res.write(b"\",\"number\":").write(req.param("number").unwrap_or("0")).write(b"}");
}

async fn echo(req: &Request<'_>, res: &mut Response) {
    res.set_body(req.body());
}

/// One connection's reusable state and the serving loop over a read buffer.
struct Connection {
    conn: Conn,
    head: Head,
    res: Response,
    out: Vec<u8>,
    date: HttpDate,
}

impl Connection {
    fn new() -> Connection {
        let limits = Limits::default();
        Connection {
            head: Head::new(&limits),
            conn: Conn::new(limits),
            res: Response::new(),
            out: Vec::with_capacity(64 * 1024),
            date: HttpDate::from_unix(1_700_000_000),
        }
    }

    /// Serves every complete request in `input`; returns how many.
    fn serve(&mut self, app: &App, input: &[u8]) -> usize {
        let mut pos = 0;
        let mut served = 0;
        loop {
            let req = match self.conn.poll_head(&input[pos..], &mut self.head) {
                Ok(Status::Complete(req)) => req,
                Ok(Status::Partial) => return served,
                Err(e) => panic!("{e}"),
            };
            let body_start = pos + req.len();
            // Bodies here arrive whole; decode them in place.
            let mut body: &[u8] = &[];
            let mut at = body_start;
            loop {
                match self.conn.poll_body(&input[at..]).expect("body") {
                    (n, BodyEvent::Data(d)) => {
                        body = d;
                        at += n;
                    }
                    (n, BodyEvent::End) => {
                        at += n;
                        break;
                    }
                    (_, BodyEvent::Partial) => panic!("partial body"),
                }
            }
            let req = self.head.view(&input[pos..]);
            block_on(app.serve(req, Body::Full(body), &mut self.res));
            self.conn.write_response(&self.res, &self.date, &mut self.out);
            pos = at;
            served += 1;
        }
    }
}

fn requests() -> Vec<Vec<u8>> {
    let mut reqs = Vec::new();
    for i in 0..64 {
        let r = match i % 4 {
            0 => "GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nAccept: text/plain\r\nConnection: keep-alive\r\n\r\n".to_string(),
            1 => format!(
                "GET /repos/owner{i}/repo-{i}/issues/{i} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test/1.0\r\n\
                 Accept: application/json\r\nAccept-Encoding: gzip, br\r\nCookie: a=b; c=d\r\n\r\n"
            ),
            2 => "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world".to_string(),
            _ => "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n".to_string(),
        };
        reqs.push(r.into_bytes());
    }
    reqs
}

#[test]
fn ten_thousand_requests_allocate_nothing() {
    let app = App::new()
        .get("/plaintext", plaintext)
        .get("/repos/:owner/:repo/issues/:number", repo_issue)
        .post("/echo", echo);
    let reqs = requests();
    let batch: Vec<u8> = reqs.iter().take(16).flatten().copied().collect();
    let mut c = Connection::new();

    // Warm up: the header table, the response buffers and the output buffer reach their size.
    for r in &reqs {
        assert_eq!(c.serve(&app, r), 1);
        c.out.clear();
    }
    assert_eq!(c.serve(&app, &batch), 16);
    c.out.clear();

    // One request per read.
    let before = allocations();
    let mut served = 0;
    let mut bytes = 0;
    for i in 0..10_000 {
        served += c.serve(&app, &reqs[i % reqs.len()]);
        bytes += c.out.len();
        c.out.clear();
    }
    let single = allocations() - before;
    assert_eq!(served, 10_000);

    // Pipelined: 16 requests per read, their responses batched into one output buffer.
    let before = allocations();
    let mut pipelined = 0;
    while pipelined < 10_000 {
        pipelined += c.serve(&app, &batch);
        bytes += c.out.len();
        c.out.clear();
    }
    let batched = allocations() - before;

    assert!(bytes > 1_000_000, "responses were written ({bytes} bytes)");
    assert_eq!((single, batched), (0, 0), "allocations: one per read {single}, pipelined {batched}");
}

#[test]
fn responses_are_correct() {
    let app = App::new()
        .get("/plaintext", plaintext)
        .get("/repos/:owner/:repo/issues/:number", repo_issue)
        .post("/echo", echo);
    let mut c = Connection::new();
    let reqs = requests();
    let batch: Vec<u8> = reqs.iter().take(4).flatten().copied().collect();
    assert_eq!(c.serve(&app, &batch), 4);
    let out = String::from_utf8(c.out.clone()).unwrap();
    let date = "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n";
    let want = format!(
        "HTTP/1.1 200 OK\r\n{date}Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!\
         HTTP/1.1 200 OK\r\n{date}Content-Type: application/json\r\nContent-Length: 45\r\n\r\n\
         {{\"owner\":\"owner1\",\"repo\":\"repo-1\",\"number\":1}}\
         HTTP/1.1 200 OK\r\n{date}Content-Length: 11\r\n\r\nhello world\
         HTTP/1.1 200 OK\r\n{date}Content-Length: 11\r\n\r\nhello world"
    );
    assert_eq!(out, want);
}
