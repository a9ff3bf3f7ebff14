//! Dispatch through `App`, and the inline handler future.

use super::*;
use crate::h1::{Head, Limits, Status};
use core::pin::pin;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::{Context, Poll, Waker};

/// Polls `fut` to completion with a no-op waker; `pending` counts the `Pending`s seen.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// A future that is pending once, to show handlers really are polled more than once.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

async fn hello(_req: &Request<'_>, res: &mut Response) {
    res.set_body("hello");
}

async fn repo(req: &Request<'_>, res: &mut Response) {
    YieldOnce(false).await;
    res.write(req.param("owner").unwrap_or("-")).write("/").write(req.param("repo").unwrap_or("-"));
    res.write(" ").write(req.route());
}

async fn echo(req: &Request<'_>, res: &mut Response) {
    res.set_body(req.body());
}

fn app() -> App {
    App::new()
        .get("/", hello)
        .get("/repos/:owner/:repo", repo)
        .post("/echo", echo)
        .put("/echo", echo)
        .get("/dir/", hello)
}

/// Serves one request; returns `status body headers`.
fn serve(app: &App, input: &str, body: &str) -> String {
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    let Ok(Status::Complete(req)) = head.parse(input.as_bytes(), &limits) else { panic!("bad request {input:?}") };
    let mut res = Response::new();
    block_on(app.serve(req, Body::Full(body.as_bytes()), &mut res));
    format!(
        "{} {} {}",
        res.status().as_u16(),
        String::from_utf8_lossy(res.body()),
        String::from_utf8_lossy(res.header_bytes()).trim_end()
    )
}

#[test]
fn dispatch() {
    let app = app();
    let cases: &[(&str, &str, &str)] = &[
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "", "200 hello "),
        ("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", "", "200 hello "),
        ("GET /repos/dext/http HTTP/1.1\r\nHost: a\r\n\r\n", "", "200 dext/http /repos/:owner/:repo "),
        ("GET /repos/d%20x/h?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", "", "200 d%20x/h /repos/:owner/:repo "),
        ("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n", "abc", "200 abc "),
        ("GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", "", "404  "),
        ("DELETE /echo HTTP/1.1\r\nHost: a\r\n\r\n", "", "405  Allow: POST, PUT"),
        ("POST / HTTP/1.1\r\nHost: a\r\n\r\n", "", "405  Allow: GET, HEAD"),
        ("BREW / HTTP/1.1\r\nHost: a\r\n\r\n", "", "501  "),
        ("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "", "204  Allow: GET, HEAD, POST, PUT, OPTIONS"),
        ("GET /dir HTTP/1.1\r\nHost: a\r\n\r\n", "", "308  Location: /dir/"),
        ("GET /dir?a=1 HTTP/1.1\r\nHost: a\r\n\r\n", "", "308  Location: /dir/?a=1"),
        ("GET /repos/a/b/ HTTP/1.1\r\nHost: a\r\n\r\n", "", "308  Location: /repos/a/b"),
    ];
    for &(input, body, want) in cases {
        assert_eq!(serve(&app, input, body), want, "{input:?}");
    }
}

#[test]
fn no_open_redirects() {
    // `/:slug` matches `/\evil.example`; its trailing-slash redirect would send a browser to
    // `//evil.example`, another host.
    let app = App::new().get("/:slug", hello);
    assert_eq!(serve(&app, "GET /page/ HTTP/1.1\r\nHost: a\r\n\r\n", ""), "308  Location: /page");
    assert_eq!(serve(&app, "GET /\\evil.example/ HTTP/1.1\r\nHost: a\r\n\r\n", ""), "404  ");
    let app = App::new().get("/:slug/", hello);
    assert_eq!(serve(&app, "GET /\\evil.example HTTP/1.1\r\nHost: a\r\n\r\n", ""), "404  ");
}

#[test]
fn conflicting_routes_are_refused() {
    let mut app = app();
    assert!(app.try_route(Method::Get, "/", hello).is_err());
    assert!(app.try_route(Method::Get, "/repos/:x/:repo", hello).is_err());
    assert!(app.try_route(Method::Get, "no-slash", hello).is_err());
    assert!(app.try_route(Method::Post, "/", hello).is_ok());
}

#[test]
fn handler_futures_are_inline() {
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    let Ok(Status::Complete(req)) = head.parse(b"GET /repos/a/b HTTP/1.1\r\nHost: a\r\n\r\n", &limits) else {
        panic!()
    };
    let app = app();
    let crate::router::Lookup::Found(m) = app.router().at(req.method(), req.path()) else { panic!() };
    let request = Request::new(req, &m.params, m.pattern, Body::Full(b""));
    let mut res = Response::new();
    let fut = m.value.handler().call(&request, &mut res);
    assert!(fut.is_inline());
    block_on(fut);
    assert_eq!(res.body(), b"a/b /repos/:owner/:repo");
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

struct CountDrop;

impl Drop for CountDrop {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn large_futures_are_boxed_and_every_future_is_dropped_once() {
    let big = async {
        let state = [7u8; 4 * INLINE_CAPACITY];
        let guard = CountDrop;
        YieldOnce(false).await;
        assert_eq!(state.iter().map(|&b| b as usize).sum::<usize>(), 7 * 4 * INLINE_CAPACITY);
        drop(guard);
    };
    let fut = HandlerFuture::new(big);
    assert!(!fut.is_inline());
    block_on(fut);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);

    // Dropped before completion (after one poll): the captured state is dropped exactly once.
    let small = async {
        let _guard = CountDrop;
        YieldOnce(false).await;
    };
    let mut fut = Box::pin(HandlerFuture::new(small));
    assert!(fut.is_inline());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    drop(fut);
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);

    // Never polled.
    drop(HandlerFuture::new(async {
        let _guard = CountDrop;
    }));
    // An un-polled async block has not run its body, so it holds no guard yet.
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
    let guard = CountDrop;
    drop(HandlerFuture::new(async move {
        let _g = guard;
    }));
    assert_eq!(DROPS.load(Ordering::SeqCst), 3);
}

/// A streamed body that arrives in fixed pieces, pending once before each piece.
struct Pieces {
    data: &'static [u8],
    state: std::sync::Mutex<(usize, bool)>,
}

impl BodySource for Pieces {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<Result<usize, BodyError>> {
        let mut s = self.state.lock().unwrap();
        if !s.1 {
            s.1 = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        s.1 = false;
        let n = (self.data.len() - s.0).min(buf.len()).min(5);
        buf[..n].copy_from_slice(&self.data[s.0..s.0 + n]);
        s.0 += n;
        Poll::Ready(Ok(n))
    }
}

async fn collect(req: &Request<'_>, res: &mut Response) {
    let streamed = req.is_body_streamed();
    let mut reader = req.body_reader();
    let mut first = [0u8; 3];
    let n = reader.read(&mut first).await.unwrap();
    res.write(if streamed { "stream:" } else { "full:" }).write(&first[..n]).write("|");
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).await.unwrap();
    res.write(&rest).write("|").write(req.body());
}

#[test]
fn body_readers_read_buffered_and_streamed_bodies_alike() {
    let app = App::new().route_with(Method::Post, "/s", BodyMode::Streamed, collect).post("/b", collect);
    let limits = Limits::default();
    let mut head = Head::new(&limits);
    let input = b"POST /s HTTP/1.1\r\nHost: a\r\nContent-Length: 23\r\n\r\n";
    let Ok(Status::Complete(req)) = head.parse(input, &limits) else { panic!() };
    assert_eq!(app.body_mode(&req), BodyMode::Streamed);
    let source = Pieces { data: b"the body, in 5-byte bits", state: Default::default() };
    let mut res = Response::new();
    block_on(app.serve(req, Body::Stream(&source), &mut res));
    assert_eq!(res.body(), b"stream:the| body, in 5-byte bits|");

    let input = b"POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n";
    let Ok(Status::Complete(req)) = head.parse(input, &limits) else { panic!() };
    assert_eq!(app.body_mode(&req), BodyMode::Buffered);
    block_on(app.serve(req, Body::Full(b"all here"), &mut res));
    assert_eq!(res.body(), b"full:all| here|all here");
    // Requests without a route buffer their bodies (and get a 404).
    let Ok(Status::Complete(req)) = head.parse(b"POST /none HTTP/1.1\r\nHost: a\r\n\r\n", &limits) else { panic!() };
    assert_eq!(app.body_mode(&req), BodyMode::Buffered);
}
