//! hyper 1.x (HTTP/1.1, pipelined responses flushed together) on a tokio runtime with the
//! demo server's benchmark routes: `GET /plaintext`, `GET /json` (serialized per request),
//! anything else 404. `PORT` and `WORKERS` as for the demo server.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;

async fn route(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, kind, body) = match req.uri().path() {
        "/plaintext" => (StatusCode::OK, "text/plain", Bytes::from_static(b"Hello, World!")),
        "/json" => {
            let mut body = Vec::with_capacity(32);
            body.extend_from_slice(b"{\"message\":\"Hello, World!\"}");
            (StatusCode::OK, "application/json", Bytes::from(body))
        }
        _ => (StatusCode::NOT_FOUND, "text/plain", Bytes::new()),
    };
    let mut res = Response::new(Full::new(body));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(kind));
    Ok(res)
}

fn main() {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let workers = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(1);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await.unwrap();
        println!("hyper listening on 127.0.0.1:{port} ({workers} workers)");
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .pipeline_flush(true)
                    .serve_connection(TokioIo::new(stream), service_fn(route))
                    .await;
            });
        }
    });
}
