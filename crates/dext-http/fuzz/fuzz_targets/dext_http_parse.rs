//! The request parser and connection state machine on arbitrary bytes: no panic, no hang,
//! and the same outcome whether the input arrives whole or in pieces. When a request is
//! refused, which limit or rule is reported first may depend on where reads split the input
//! (a 414 and a 400 in one line), so a refusal is compared as a refusal, not by its status.
#![no_main]

use dext_http::h1::{BodyEvent, Conn, Head, HttpDate, Limits, Status};
use dext_http::{Response, simd};
use libfuzzer_sys::fuzz_target;

/// Writes the refusal (which must close the connection) and records it as `<refused>`: which
/// rule is reported first may depend on the split, so the outputs compare refusals only.
fn refuse(conn: &mut Conn, e: dext_http::Error, date: &HttpDate, out: &mut Vec<u8>) {
    let mut scratch = Vec::new();
    conn.write_error(e, date, &mut scratch);
    assert!(e.status().as_u16() >= 400 && conn.is_closed());
    out.extend_from_slice(b"<refused>");
}

/// Runs `input` through a connection, `step` bytes at a time; returns the output.
fn drive(input: &[u8], step: usize, limits: &Limits) -> Vec<u8> {
    let mut conn = Conn::new(limits.clone());
    let mut head = Head::new(limits);
    let mut res = Response::new();
    let date = HttpDate::from_unix(0);
    let mut out = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut in_body = false;
    for piece in input.chunks(step) {
        buf.extend_from_slice(piece);
        loop {
            if in_body {
                conn.write_continue(&mut out);
                match conn.poll_body(&buf) {
                    Ok((n, BodyEvent::Data(d))) => {
                        res.write(d);
                        buf.drain(..n);
                    }
                    Ok((n, BodyEvent::End)) => {
                        buf.drain(..n);
                        conn.write_response(&res, &date, &mut out);
                        in_body = false;
                    }
                    Ok((n, BodyEvent::Partial)) => {
                        buf.drain(..n);
                        break;
                    }
                    Err(e) => {
                        refuse(&mut conn, e, &date, &mut out);
                        return out;
                    }
                }
                continue;
            }
            if conn.is_closed() {
                return out;
            }
            match conn.poll_head(&buf, &mut head) {
                Ok(Status::Complete(req)) => {
                    // Touch every view: none may panic.
                    let _ = (req.method_str(), req.target(), req.path(), req.query(), req.host());
                    for h in req.headers() {
                        assert!(!h.name.is_empty());
                    }
                    let n = req.len();
                    res.reset();
                    buf.drain(..n);
                    in_body = true;
                }
                Ok(Status::Partial) => break,
                Err(e) => {
                    refuse(&mut conn, e, &date, &mut out);
                    return out;
                }
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let _ = simd::implementation();
    let limits = Limits { max_request_line: 256, max_header_bytes: 512, max_headers: 8, max_body: 1024, ..Limits::default() };
    let whole = drive(data, data.len().max(1), &limits);
    let split = drive(data, 7, &limits);
    assert_eq!(whole, split, "piece size changed the output");
});
