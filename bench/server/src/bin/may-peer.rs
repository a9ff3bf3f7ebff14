//! may-minihttp with the demo server's benchmark routes: `GET /plaintext`, `GET /json`
//! (serialized per request), anything else 404. `PORT` and `WORKERS` as for the demo server.

use may_minihttp::{HttpService, HttpServiceFactory, Request, Response};
use std::io;

#[derive(Clone)]
struct Peer;

impl HttpService for Peer {
    fn call(&mut self, req: Request, rsp: &mut Response) -> io::Result<()> {
        match req.path() {
            "/plaintext" => {
                rsp.header("Content-Type: text/plain").body("Hello, World!");
            }
            "/json" => {
                rsp.header("Content-Type: application/json");
                let body = rsp.body_mut();
                body.extend_from_slice(b"{\"message\":\"");
                body.extend_from_slice(b"Hello, World!");
                body.extend_from_slice(b"\"}");
            }
            _ => {
                rsp.status_code(404, "Not Found");
            }
        }
        Ok(())
    }
}

struct Factory;

impl HttpServiceFactory for Factory {
    type Service = Peer;
    fn new_service(&self, _id: usize) -> Peer {
        Peer
    }
}

fn main() {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let workers = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(1);
    may::config().set_workers(workers);
    let server = Factory.start(format!("127.0.0.1:{port}")).unwrap();
    println!("may-minihttp listening on 127.0.0.1:{port} ({workers} workers)");
    server.join().unwrap();
}
