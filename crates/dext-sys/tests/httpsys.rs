//! The http.sys binding end to end, under Wine here (and on Windows): a request sent by a
//! plain TCP client in one write is received through a completion port, read in place, and
//! answered from two memory chunks.
#![cfg(windows)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use dext_sys::windows::http::{Api, Queue, Received, RequestBuffer, ResponseFrame, Session, UrlGroup, Verb};
use dext_sys::windows::iocp::{CompletionPort, Op};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn wine_is_detected_under_wine() {
    // The test runner sets DEXT_EXPECT_WINE when it runs the tests under Wine.
    if std::env::var_os("DEXT_EXPECT_WINE").is_some() {
        assert!(dext_sys::windows::wine_version().is_some_and(|v| !v.is_empty()));
    }
}

#[test]
fn a_request_is_received_read_in_place_and_answered_from_two_chunks() {
    let api = Api::init().unwrap();
    let session = Session::new(&api).unwrap();
    let group = UrlGroup::new(&session).unwrap();
    let queue = Queue::new(&api).unwrap();
    group.bind(&queue).unwrap();
    let port = free_port();
    group.add_url(&format!("http://127.0.0.1:{port}/smoke/"), 7).unwrap();
    let cp = CompletionPort::new(0).unwrap();
    cp.bind(&queue, 1).unwrap();

    let op = Op::new(RequestBuffer::new(4096));
    op.start(|ov, buf| {
        let len = buf.len() as u32;
        // SAFETY: the buffer and OVERLAPPED live in the Op until its completion.
        unsafe { queue.receive(0, buf.as_mut_ptr(), len, ov) }
    })
    .map_err(|(_, e)| e)
    .unwrap();

    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    client.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // One write (Wine's http.sys drops a request that arrives in pieces); the Host names the
    // port, as the prefix does.
    let request =
        format!("GET /smoke/a?x=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: t\r\nX-Thing: yes\r\n\r\n");
    client.write_all(request.as_bytes()).unwrap();

    let done = cp.wait(Some(Duration::from_secs(10))).unwrap().expect("a completion");
    assert_eq!((done.key, done.error), (1, 0));
    // SAFETY: the only operation started on this port, completed once.
    let op = unsafe { Op::<RequestBuffer>::complete(done.overlapped) };
    let buf = op.get();
    let req = Received::new(&buf.bytes()[..done.bytes as usize]).unwrap();
    let bytes = req.buffer();
    assert_eq!(req.verb(), Verb::Known("GET"));
    assert_eq!(&bytes[req.raw_url().unwrap()], b"/smoke/a?x=1");
    assert_eq!(req.url_context(), 7);
    // HttpHeaderUserAgent = 40, HttpHeaderHost = 28.
    assert_eq!(&bytes[req.known_header(40).unwrap()], b"t");
    assert_eq!(&bytes[req.known_header(28).unwrap()], format!("127.0.0.1:{port}").as_bytes());
    let unknown: Vec<_> = req.unknown_headers().map(|(n, v)| (&bytes[n], &bytes[v])).collect();
    assert_eq!(unknown, [(&b"X-Thing"[..], &b"yes"[..])]);
    assert_eq!(req.cooked_url().path, "/smoke/a");
    assert!(req.remote_addr().unwrap().ip().is_loopback());
    let id = req.id();

    let send = Op::new(ResponseFrame::new());
    send.start(|ov, frame| {
        frame.set_status(200, b"OK");
        frame.add_header(b"X-Answer", b"42").unwrap();
        frame.add_chunk(b"Hello, ").unwrap();
        frame.add_chunk(b"World!").unwrap();
        // SAFETY: the frame points at static bytes; it lives in the Op until completion.
        unsafe { queue.send(id, 0, frame, None, ov) }
    })
    .map_err(|(_, e)| e)
    .unwrap();
    let sent = cp.wait(Some(Duration::from_secs(10))).unwrap().expect("the send's completion");
    assert_eq!(sent.error, 0);
    // SAFETY: the send's completion, taken once.
    drop(unsafe { Op::<ResponseFrame>::complete(sent.overlapped) });

    let mut got = Vec::new();
    let mut chunk = [0u8; 1024];
    while !got.ends_with(b"Hello, World!") {
        let n = client.read(&mut chunk).unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("X-Answer: 42\r\n"), "{text}");
    assert!(text.contains("Content-Length: 13\r\n"), "{text}");
}
