//! The demo server's routes (see the workspace README for a `curl` line for each).
//!
//! - `GET /`: a short text.
//! - `GET /plaintext`: `Hello, World!`.
//! - `GET /json`: `{"message":"Hello, World!"}`, serialized per request.
//! - `POST /echo`: the request body, streamed in as it arrives (so it is never held twice).
//! - `GET /users/:id`: `{"id":"<id>"}`, the id percent-decoded (400 if that fails).
//! - anything else: 404 (405 for a known path with another method).

use crate::{App, BodyMode, ContentType, Method, Request, Response, StatusCode};

/// The demo application.
pub fn app() -> App {
    App::new()
        .get("/", index)
        .get("/plaintext", plaintext)
        .get("/json", json)
        .route_with(Method::Post, "/echo", BodyMode::Streamed, echo)
        .get("/users/:id", user)
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
    let out = res.body_mut();
    out.extend_from_slice(b"{\"message\":");
    write_json_string(out, "Hello, World!");
    out.push(b'}');
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
    let out = res.body_mut();
    out.extend_from_slice(b"{\"id\":");
    write_json_string(out, &id);
    out.push(b'}');
}

/// Writes `s` as a JSON string (RFC 8259 section 7): quotes, backslashes and control
/// characters escaped, everything else as is.
pub fn write_json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        if escape.is_empty() {
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        } else {
            out.extend_from_slice(escape);
        }
        run = i + 1;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::write_json_string;

    #[test]
    fn json_strings_are_escaped() {
        for (input, want) in [
            ("Hello, World!", r#""Hello, World!""#),
            ("a\"b\\c", r#""a\"b\\c""#),
            ("line\nbreak\t\r", r#""line\nbreak\t\r""#),
            ("\u{1}\u{1f}", r#""\u0001\u001f""#),
            ("héllo ✓", "\"héllo ✓\""),
            ("", r#""""#),
        ] {
            let mut out = Vec::new();
            write_json_string(&mut out, input);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{input:?}");
        }
    }
}
