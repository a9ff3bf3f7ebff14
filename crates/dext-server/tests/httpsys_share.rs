//! Port sharing by URL prefix: two processes register different prefixes of one port with
//! http.sys, and each answers its own. The second process is this test binary again, running
//! the ignored `child_server` test (a binary of its own: under Wine, a process that closes
//! its request queue closes every listener of the prefix, so no other test may run beside).
#![cfg(windows)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use dext_http::{App, Request, Response};
use dext_server::Server;

/// Sends one GET in one write on `s` and returns (status, body).
fn get(s: &mut TcpStream, port: u16, path: &str) -> (u16, String) {
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0);
            if got.len() >= end + 4 + len {
                let status = head[9..12].parse().unwrap();
                return (status, String::from_utf8_lossy(&got[end + 4..end + 4 + len]).into_owned());
            }
        }
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed");
        got.extend_from_slice(&chunk[..n]);
    }
}

fn fetch(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    Some(get(&mut s, port, path))
}

/// An app answering `{name}:{pid}` under `/{name}/`, and stopping its process on `quit`.
fn app(name: &'static str) -> App {
    async fn who(req: &Request<'_>, res: &mut Response) {
        let name = req.path().split('/').nth(1).unwrap_or("?");
        res.set_body(format!("{name}:{}", std::process::id()));
    }
    async fn quit(_req: &Request<'_>, res: &mut Response) {
        res.set_static_body(b"bye");
        std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            std::process::exit(0);
        });
    }
    App::new().get(&format!("/{name}/who"), who).get(&format!("/{name}/quit"), quit)
}

#[test]
#[ignore = "run by two_processes_share_a_port_by_prefix as the second process"]
fn child_server() {
    let Ok(port) = std::env::var("DEXT_SHARE_PORT") else { return };
    let server = Server::builder().prefix(format!("http://127.0.0.1:{port}/b/")).workers(1).serve(app("b")).unwrap();
    println!("child serving {:?}", server.prefixes());
    // Until the parent asks it to quit (which exits the process), or a minute at most.
    std::thread::sleep(Duration::from_secs(60));
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn two_processes_share_a_port_by_prefix() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Server::builder().prefix(format!("http://127.0.0.1:{port}/a/")).workers(1).serve(app("a")).unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["child_server", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("DEXT_SHARE_PORT", port.to_string())
        .spawn()
        .unwrap();
    let child = Kill(child);
    let child_pid = child.0.id();

    // The child's prefix answers once it is registered.
    let until = Instant::now() + Duration::from_secs(60);
    let b = loop {
        if let Some((200, body)) = fetch(port, "/b/who") {
            break body;
        }
        assert!(Instant::now() < until, "the second process never answered /b/");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(b, format!("b:{child_pid}"));
    assert_eq!(fetch(port, "/a/who").unwrap(), (200, format!("a:{}", std::process::id())));
    // One kept-alive connection, each request to its prefix's process.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for _ in 0..2 {
        assert_eq!(get(&mut s, port, "/a/who").1, format!("a:{}", std::process::id()));
        assert_eq!(get(&mut s, port, "/b/who").1, format!("b:{child_pid}"));
    }
    drop(s);
    assert_eq!(fetch(port, "/b/quit").unwrap(), (200, "bye".to_string()));
    let mut child = child;
    let status = child.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    drop(server);
}
