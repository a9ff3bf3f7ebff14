//! The epoll loop of the `bare` example (Linux only).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::pin::pin;
use std::task::{Context, Waker};

use dext_http::h1::{Conn, Head, HttpDate, Limits, Status};
use dext_http::{App, Body, ContentType, Request, Response};
use dext_sys::linux::epoll::{self, Epoll, Event};
use dext_sys::linux::io as sysio;
use dext_sys::linux::socket::{ListenOptions, Socket};

async fn plaintext(_req: &Request<'_>, res: &mut Response) {
    res.content_type(ContentType::TEXT_PLAIN).set_static_body(b"Hello, World!");
}

/// One connection: the socket, the codec and the unparsed bytes `input[start..end]`.
struct Connection {
    sock: Socket,
    conn: Conn,
    head: Head,
    input: Vec<u8>,
    start: usize,
    end: usize,
}

pub fn main() -> io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
    let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], port));
    let app = App::new().get("/plaintext", plaintext);
    let limits = Limits::default();
    let listener = Socket::listen_tcp(&addr, &ListenOptions::default())?;
    let poller = Epoll::new()?;
    poller.add(listener.as_fd(), epoll::READABLE, 0)?;
    let mut events = vec![Event::EMPTY; 512];
    let mut conns: HashMap<u64, Connection> = HashMap::new();
    let mut next_token = 1u64;
    let mut out = Vec::with_capacity(256 * 1024);
    let mut res = Response::new();
    let date = HttpDate::from_unix(0);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        let n = poller.wait(&mut events, None)?;
        for ev in &events[..n] {
            let token = ev.token();
            if token == 0 {
                while let Ok((sock, _)) = listener.accept() {
                    sock.set_nodelay(true)?;
                    poller.add(sock.as_fd(), epoll::READABLE | epoll::READ_HUP | epoll::EDGE, next_token)?;
                    let (conn, head) = (Conn::new(limits.clone()), Head::new(&limits));
                    conns.insert(next_token, Connection { sock, conn, head, input: vec![0; 65536], start: 0, end: 0 });
                    next_token += 1;
                }
                continue;
            }
            let Some(c) = conns.get_mut(&token) else { continue };
            // One read per readiness, as limit.c does (requests here fit one read).
            match sysio::read(c.sock.as_fd(), &mut c.input[c.end..]) {
                Ok(0) | Err(_) => {
                    conns.remove(&token);
                    continue;
                }
                Ok(n) => c.end += n,
            }
            out.clear();
            while let Ok(Status::Complete(req)) = c.conn.poll_head(&c.input[c.start..c.end], &mut c.head) {
                let len = req.len();
                let req = c.head.view(&c.input[c.start..c.end]);
                // The handler never waits: one poll finishes it.
                let done = pin!(app.serve(req, Body::Full(b""), &mut res)).poll(&mut cx);
                assert!(done.is_ready(), "the handler waited");
                c.conn.write_response(&res, &date, &mut out);
                c.start += len;
            }
            if c.start == c.end {
                (c.start, c.end) = (0, 0);
            }
            let _ = sysio::write(c.sock.as_fd(), &out);
        }
    }
}
