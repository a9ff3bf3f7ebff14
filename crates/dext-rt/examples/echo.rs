//! A TCP echo server: one `SO_REUSEPORT` listener per worker, one task per connection.
//!
//! ```text
//! cargo run --release -p dext-rt --example echo -- [ADDR] [WORKERS]
//! ```
//! Defaults: `127.0.0.1:7878`, one worker per available CPU (also from `ADDR`/`WORKERS`).
//! Try it (bash): `exec 3<>/dev/tcp/127.0.0.1/7878; echo hello >&3; head -1 <&3`.

use std::io;

use dext_rt::net::{TcpListener, TcpStream};
use dext_rt::{Runtime, spawn_local};

async fn serve(stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().or_else(|| std::env::var("ADDR").ok()).unwrap_or_else(|| "127.0.0.1:7878".into());
    let workers = args.next().or_else(|| std::env::var("WORKERS").ok()).and_then(|s| s.parse().ok());
    dext_sys::thread::raise_fd_limit()?;

    let mut builder = Runtime::builder();
    if let Some(n) = workers {
        builder = builder.workers(n);
    }
    let rt = builder.build()?;
    println!("echo: listening on {addr} with {} workers", rt.workers());
    let addr2 = addr.clone();
    let accept_loops = rt.handle().spawn_on_each(move |_worker| {
        let addr = addr2.clone();
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
    for h in accept_loops {
        let r = rt.block_on(h);
        match r {
            Ok(Err(e)) => eprintln!("echo: accept loop stopped: {e}"),
            Err(e) => eprintln!("echo: accept loop failed: {e}"),
            Ok(Ok(())) => {}
        }
    }
    Ok(())
}
