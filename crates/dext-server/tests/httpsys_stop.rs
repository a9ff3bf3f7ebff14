//! Shutdown of the http.sys backend: a request in flight is answered, then the server stops
//! (with `HttpShutdownRequestQueue` on Windows; under Wine, where that call aborts the
//! process, by cancelling the queue's I/O), and its prefix answers no more. A binary of its
//! own: under Wine, closing a request queue closes every listener of the prefix.
#![cfg(windows)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use dext_http::{App, Request, Response};
use dext_server::Server;

async fn slow(_req: &Request<'_>, res: &mut Response) {
    // Waits 300 ms on another thread's wake-up.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut started = false;
    std::future::poll_fn(|cx| {
        if done.load(std::sync::atomic::Ordering::Acquire) {
            return std::task::Poll::Ready(());
        }
        if !started {
            started = true;
            let (done, waker) = (done.clone(), cx.waker().clone());
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                done.store(true, std::sync::atomic::Ordering::Release);
                waker.wake();
            });
        }
        std::task::Poll::Pending
    })
    .await;
    res.set_static_body(b"finished");
}

#[test]
fn a_request_in_flight_is_answered_then_the_server_stops() {
    let server = Server::builder().bind("127.0.0.1:0").workers(2).serve(App::new().get("/slow", slow)).unwrap();
    let addr = server.local_addr();
    let caps = server.capabilities();
    let stop = server.shutdown_handle();
    let client = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(format!("GET /slow HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).unwrap();
        let mut got = Vec::new();
        let mut chunk = [0u8; 1024];
        while !got.ends_with(b"finished") {
            let n = s.read(&mut chunk).unwrap();
            assert!(n > 0, "closed before the answer: {}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&chunk[..n]);
        }
        String::from_utf8(got).unwrap()
    });
    // Stop while the handler waits.
    std::thread::sleep(Duration::from_millis(100));
    stop.shutdown();
    assert!(server.run().unwrap(), "an exchange did not finish within the grace period");
    let answer = client.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // Nothing answers the prefix any more.
    let refused = match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        Err(_) => true,
        Ok(mut s) => {
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            let _ = s.write_all(format!("GET /slow HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes());
            let mut buf = [0u8; 64];
            !matches!(s.read(&mut buf), Ok(n) if n > 0)
        }
    };
    assert!(refused, "the stopped server still answered");
    if caps.shutdown {
        println!("stopped with HttpShutdownRequestQueue");
    } else {
        println!("SKIP: HttpShutdownRequestQueue (not under Wine); stopped by cancelling the queue's I/O");
    }
}
