//! The runtime's floor for an HTTP server: `../shared/bench/limit.c`'s loop (count the
//! `\r\n\r\n` terminators of each read, write that many canned responses) as a dext-rt task per
//! connection. It does no HTTP work, so the demo server's cost minus this one's is the cost of
//! the HTTP layer, and this one's minus limit.c's is the cost of the runtime (tasks, wake-ups,
//! readiness) over a bare epoll loop. `bench/server/run.sh` runs it beside the others.
//!
//! ```text
//! PORT=8080 cargo run --release -p dext-rt --example floor
//! ```

use std::io;

use dext_rt::net::{TcpListener, TcpStream};
use dext_rt::{Runtime, spawn_local};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nServer: F\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\
Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\nHello, World!";

async fn serve(stream: TcpStream) -> io::Result<()> {
    let mut input = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(256 * 1024);
    // Bytes of "\r\n\r\n" matched at the end of the last read.
    let mut matched = 0;
    loop {
        let n = stream.read(&mut input).await?;
        if n == 0 {
            return Ok(());
        }
        let mut requests = 0;
        for &b in &input[..n] {
            if b == b"\r\n\r\n"[matched & 3] {
                matched += 1;
                if matched == 4 {
                    requests += 1;
                    matched = 0;
                }
            } else {
                matched = usize::from(b == b'\r');
            }
        }
        for _ in 0..requests {
            out.extend_from_slice(RESPONSE);
        }
        stream.write_all(&out).await?;
        out.clear();
    }
}

fn main() -> io::Result<()> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let workers = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(1);
    let addr = format!("{host}:{port}");
    let rt = Runtime::builder().workers(workers).build()?;
    let loops = rt.handle().spawn_on_each(move |_| {
        let addr = addr.clone();
        async move {
            let listener = TcpListener::bind_reuseport(addr.as_str())?;
            loop {
                let (stream, _) = listener.accept().await?;
                spawn_local(async move {
                    let _ = serve(stream).await;
                });
            }
            #[allow(unreachable_code)]
            Ok::<(), io::Error>(())
        }
    });
    for h in loops {
        if let Ok(Err(e)) = rt.block_on(h) {
            eprintln!("floor: accept loop stopped: {e}");
        }
    }
    Ok(())
}
