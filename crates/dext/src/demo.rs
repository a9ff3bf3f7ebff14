//! The demo server's routes (see the workspace README for a `curl` line for each).
//!
//! - `GET /`: a short text.
//! - `GET /plaintext`: `Hello, World!`.
//! - `GET /json`: `{"message":"Hello, World!"}`, serialized per request.
//! - `POST /echo`: the request body, streamed in as it arrives (so it is never held twice).
//! - `GET /users/:id`: `{"id":"<id>"}`, the id percent-decoded (400 if that fails).
//! - `GET /metrics`: the process's metrics ([`registry`]) in the Prometheus text format, or
//!   OpenMetrics when the `Accept` header asks for it.
//! - anything else: 404 (405 for a known path with another method).

use std::sync::OnceLock;

use dext_telemetry::export::prometheus::{Format, render};
use dext_telemetry::metrics::Registry;

use crate::{App, BodyMode, ContentType, Method, Request, Response, StatusCode};

/// The demo server's metrics registry: the server's request metrics go here when telemetry
/// is on, and `/metrics` serves it.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::new)
}

/// The demo application.
pub fn app() -> App {
    App::new()
        .get("/", index)
        .get("/plaintext", plaintext)
        .get("/json", json)
        .route_with(Method::Post, "/echo", BodyMode::Streamed, echo)
        .get("/users/:id", user)
        .get("/metrics", metrics)
}

async fn metrics(req: &Request<'_>, res: &mut Response) {
    let format = Format::negotiate(req.header("accept").unwrap_or_default());
    let mut text = String::new();
    render(&registry().collect(std::time::SystemTime::now()), format, &mut text);
    res.content_type(format.content_type()).set_body(text);
}

async fn index(_req: &Request<'_>, res: &mut Response) {
    res.content_type(ContentType::TEXT_PLAIN)
        .set_body("Dext demo server: try /plaintext, /json, /users/42, POST /echo\n");
}

async fn plaintext(_req: &Request<'_>, res: &mut Response) {
    res.content_type(ContentType::TEXT_PLAIN).set_static_body(b"Hello, World!");
}

async fn json(_req: &Request<'_>, res: &mut Response) {
    res.content_type(ContentType::JSON);
    // Serialized per request, as the benchmark's rules ask.
    json_object(res, "message", "Hello, World!");
}

async fn echo(req: &Request<'_>, res: &mut Response) {
    if let Some(kind) = req.header("content-type") {
        res.header("Content-Type", kind);
    }
    // A body that breaks off or breaks the rules is answered by the server (400, 408 or 413)
    // instead of this response; this status covers a connection that just failed.
    if req.body_reader().read_to_end(res.body_mut()).await.is_err() {
        res.set_status(StatusCode::BAD_REQUEST);
    }
}

async fn user(req: &Request<'_>, res: &mut Response) {
    // The id percent-decoded (`/users/a%20b` is `a b`); no allocation unless it has a `%`.
    let id = match req.params().get("id").map(|p| p.decoded()) {
        Some(Ok(id)) => id,
        _ => {
            res.set_status(StatusCode::BAD_REQUEST).set_body("the id is not valid percent-encoded UTF-8\n");
            return;
        }
    };
    res.content_type(ContentType::JSON);
    json_object(res, "id", &id);
}

/// Writes `{"<key>":"<value>"}` as the body (with `dext-json`, which escapes both).
fn json_object(res: &mut Response, key: &str, value: &str) {
    let mut w = dext_json::Writer::new(res.body_mut());
    let written =
        w.start_object().and_then(|()| w.key(key)).and_then(|()| w.string(value)).and_then(|()| w.end_object());
    if written.and_then(|()| w.finish()).is_err() {
        // Not reachable: the calls above are in an order the writer accepts.
        res.reset();
        res.set_status(StatusCode::INTERNAL_SERVER_ERROR);
    }
}
