//! A [`Response`] as an http.sys response frame: status and reason, headers by pointer into
//! the response's buffers (the names http.sys knows by id, the others by name), the body as
//! one memory chunk, and a Content-Length computed here.

use std::io;

use dext_http::Response;
use dext_sys::windows::http::ResponseFrame;

/// The names of the response headers http.sys knows, by its ids (`HttpHeaderCacheControl` =
/// 0 ... `HttpHeaderWwwAuthenticate` = 29).
const RESPONSE_HEADERS: [&str; 30] = [
    "Cache-Control",
    "Connection",
    "Date",
    "Keep-Alive",
    "Pragma",
    "Trailer",
    "Transfer-Encoding",
    "Upgrade",
    "Via",
    "Warning",
    "Allow",
    "Content-Length",
    "Content-Type",
    "Content-Encoding",
    "Content-Language",
    "Content-Location",
    "Content-MD5",
    "Content-Range",
    "Expires",
    "Last-Modified",
    "Accept-Ranges",
    "Age",
    "ETag",
    "Location",
    "Proxy-Authenticate",
    "Retry-After",
    "Server",
    "Set-Cookie",
    "Vary",
    "WWW-Authenticate",
];
const CONNECTION: usize = 1;
const TRANSFER_ENCODING: usize = 6;
const CONTENT_LENGTH: usize = 11;

/// Fills `frame` from `res`. `length` holds the Content-Length text the frame points at. For
/// a HEAD request the body is left out (its length still announced).
pub(super) fn frame(res: &Response, frame: &mut ResponseFrame, length: &mut [u8; 20], head: bool) -> io::Result<()> {
    frame.clear();
    let status = res.status();
    frame.set_status(status.as_u16(), status.reason().as_bytes());
    let mut set = 0u32;
    for line in res.content_type_line().split(|&b| b == b'\n').chain(res.header_bytes().split(|&b| b == b'\n')) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii_start());
        match RESPONSE_HEADERS.iter().position(|n| n.as_bytes().eq_ignore_ascii_case(name)) {
            // Framing and persistence are http.sys's (the length is set below; `close` is a
            // send flag).
            Some(CONNECTION | TRANSFER_ENCODING | CONTENT_LENGTH) => {}
            // A second occurrence of a known header goes by name.
            Some(id) if set & (1 << id) == 0 => {
                set |= 1 << id;
                frame.set_known(id as i32, value)?;
            }
            _ => frame.add_header(name, value)?,
        }
    }
    let n = write_decimal(length, res.body_len() as u64);
    frame.set_known(CONTENT_LENGTH as i32, &length[..n])?;
    if !head {
        // Each part is a chunk of its own: one send, no concatenation.
        for part in res.body_parts() {
            frame.add_chunk(part)?;
        }
    }
    Ok(())
}

/// Writes `v` in decimal at the start of `out`; returns its length.
fn write_decimal(out: &mut [u8; 20], mut v: u64) -> usize {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let n = tmp.len() - i;
    out[..n].copy_from_slice(&tmp[i..]);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_of_parts_is_sent_as_as_many_chunks() {
        let mut res = Response::new();
        res.content_type("text/plain").set_body("Hello").push_static(b", ").push_static(b"World!");
        let (mut f, mut length) = (ResponseFrame::new(), [0u8; 20]);
        frame(&res, &mut f, &mut length, false).unwrap();
        assert_eq!(f.chunk_count(), 3);
        assert_eq!(&length[..2], b"13");
        // HEAD: the length, no chunk.
        frame(&res, &mut f, &mut length, true).unwrap();
        assert_eq!(f.chunk_count(), 0);
    }

    #[test]
    fn decimals() {
        let mut out = [0u8; 20];
        for v in [0u64, 7, 10, 65_536, u64::MAX] {
            let n = write_decimal(&mut out, v);
            assert_eq!(&out[..n], v.to_string().as_bytes());
        }
    }
}
