//! The shared HTTP/1.1 conformance checker (`../shared/conformance/h1check.py`) against the
//! codec, driven by a minimal blocking server: one thread per connection, `std::net`, the
//! loop from `h1::conn`'s docs. The real server (epoll runtime) is `dext-server`'s; this
//! checks that the codec alone gives every MUST-level answer. The slow cases (slowloris,
//! idle timeouts) need the real server's timers and are skipped here.

use crate::common::block_on;
use dext_http::h1::{BodyEvent, Conn, Head, HttpDate, Limits, Status};
use dext_http::{App, Body, Request, Response};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

async fn root(_req: &Request<'_>, res: &mut Response) {
    res.content_type("text/plain").set_body("ok\n");
}

async fn echo(req: &Request<'_>, res: &mut Response) {
    res.set_body(req.body());
}

fn now() -> HttpDate {
    HttpDate::from_unix(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// Serves one connection until it closes.
fn serve(mut stream: TcpStream, app: &App) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let limits = Limits { max_body: 64 << 20, ..Limits::default() };
    let mut conn = Conn::new(limits.clone());
    let mut head = Head::new(&limits);
    let mut res = Response::new();
    let (mut buf, mut start, mut out, mut body) = (Vec::new(), 0, Vec::new(), Vec::new());
    let mut chunk = vec![0u8; 64 * 1024];
    let mut read = |stream: &mut TcpStream, buf: &mut Vec<u8>| -> std::io::Result<bool> {
        let n = stream.read(&mut chunk)?;
        buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    };
    'conn: loop {
        let head_len = match conn.poll_head(&buf[start..], &mut head) {
            Ok(Status::Complete(req)) => req.len(),
            Ok(Status::Partial) => {
                if conn.is_closed() {
                    break 'conn;
                }
                stream.write_all(&out)?;
                out.clear();
                buf.drain(..start);
                start = 0;
                if !read(&mut stream, &mut buf)? {
                    // Half-close: answer what is complete; the next `Partial` closes.
                    conn.handle_eof();
                }
                continue;
            }
            Err(e) => {
                conn.write_error(e, &now(), &mut out);
                break 'conn;
            }
        };
        // The head stays in place (views are rebuilt from it below); the body follows it.
        let mut pos = start + head_len;
        body.clear();
        loop {
            match conn.poll_body(&buf[pos..]) {
                Ok((n, BodyEvent::Data(d))) => {
                    body.extend_from_slice(d);
                    pos += n;
                }
                Ok((n, BodyEvent::End)) => {
                    pos += n;
                    break;
                }
                Ok((n, BodyEvent::Partial)) => {
                    pos += n;
                    conn.write_continue(&mut out);
                    stream.write_all(&out)?;
                    out.clear();
                    if !read(&mut stream, &mut buf)? {
                        conn.handle_eof();
                        break 'conn;
                    }
                }
                Err(e) => {
                    conn.write_error(e, &now(), &mut out);
                    break 'conn;
                }
            }
        }
        let req = head.view(&buf[start..]);
        block_on(app.serve(req, Body::Full(&body), &mut res));
        conn.write_response(&res, &now(), &mut out);
        start = pos;
        if conn.is_closed() {
            break;
        }
    }
    stream.write_all(&out)?;
    // Lingering close: stop sending, then drain what the peer still sends for a moment, so
    // that unread input does not turn the close into a reset that destroys the response.
    stream.shutdown(Shutdown::Write)?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    while matches!(stream.read(&mut [0u8; 4096]), Ok(n) if n > 0) {}
    Ok(())
}

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

#[test]
fn h1check_passes_every_must_case() {
    let checker = shared().join("conformance/h1check.py");
    assert!(checker.exists(), "the shared conformance checker is missing: {}", checker.display());

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = Arc::new(App::new().get("/", root).post("/echo", echo));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let app = app.clone();
            std::thread::spawn(move || {
                let _ = serve(stream, &app);
            });
        }
    });

    let report = std::env::temp_dir().join(format!("dext-h1check-{port}.json"));
    let output = Command::new("python3")
        .arg(&checker)
        .args(["--port", &port.to_string(), "--skip-slow", "--out"])
        .arg(&report)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "h1check failed a MUST case or the server died:\n{stdout}");

    // Beyond MUST: at least 95% of all (non-slow) cases. Read from the JSON report's
    // `summary.total` without a JSON dependency: `"total": {"PASS": n, "FAIL": m, ...}`.
    let json = std::fs::read_to_string(&report).expect("h1check wrote its report");
    let total = &json[json.find("\"total\"").expect("summary.total")..];
    let total = &total[..total.find('}').expect("end of summary.total")];
    let count = |key: &str| -> u32 {
        total.find(&format!("\"{key}\"")).map_or(0, |at| {
            let rest = &total[at + key.len() + 3..];
            rest.trim_start().chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0)
        })
    };
    let (pass, fail, error) = (count("PASS"), count("FAIL"), count("ERROR"));
    assert!(pass >= 60, "the report lists too few passing cases: {total}");
    assert!(pass * 100 >= 95 * (pass + fail + error), "only {pass} of {} cases pass: {total}", pass + fail + error);
    let _ = std::fs::remove_file(&report);
}
