//! A [`Response`] as an http.sys response frame: status and reason, headers by pointer into
//! the response's buffers (the names http.sys knows by id, the others by name), the body as
//! one memory chunk, and a Content-Length computed here.

use std::io;

use dext_http::{Response, StatusCode};
use dext_sys::windows::http::ResponseFrame;

/// The names of the headers http.sys knows by number in requests and responses alike
/// (`HttpHeaderCacheControl` = 0 ... `HttpHeaderLastModified` = 19).
pub(super) const GENERAL_HEADERS: [&str; 20] = [
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
];

/// The response headers it knows past those (`HttpHeaderAcceptRanges` = 20 ...
/// `HttpHeaderWwwAuthenticate` = 29).
const RESPONSE_HEADERS: [&str; 10] = [
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

/// http.sys's id of a response header it knows by number.
fn response_header_id(name: &[u8]) -> Option<usize> {
    let same = |n: &&str| n.as_bytes().eq_ignore_ascii_case(name);
    GENERAL_HEADERS
        .iter()
        .position(same)
        .or_else(|| RESPONSE_HEADERS.iter().position(same).map(|i| GENERAL_HEADERS.len() + i))
}

const CONNECTION: usize = 1;
const TRANSFER_ENCODING: usize = 6;
const CONTENT_LENGTH: usize = 11;

/// Where the next piece of a body starts: a part and an offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Progress {
    part: usize,
    offset: usize,
}

/// How the body goes out: the fragments known to the kernel cache (by the address and
/// length of their bytes, with their UTF-16 names), and the piece size past which a body is
/// streamed (`None`: one send).
pub(super) struct Plan<'a> {
    pub(super) fragments: Option<&'a Fragments>,
    pub(super) stream_above: Option<usize>,
}

/// Cached fragments, by the address and length of their bytes: a body part that is a
/// registered fragment's bytes goes out as a fragment-cache chunk, while the kernel still
/// has it.
pub(super) type Fragments = std::collections::HashMap<(usize, usize), Fragment>;

/// A fragment in the kernel's cache.
#[derive(Debug, Clone)]
pub(super) struct Fragment {
    /// Its name, NUL-terminated UTF-16. Leaked: a frame in flight may point at it whatever
    /// happens to the registry meanwhile (names are few, registered once each).
    pub(super) name: &'static [u16],
    /// The same, as text (to match a flushed prefix).
    pub(super) url: String,
    /// When the kernel drops it (a time-to-live policy).
    pub(super) expires: Option<std::time::Instant>,
}

/// Fills `frame` from `res`: status, headers, and the body's first piece (all of it unless
/// it is streamed). `length` holds the Content-Length text the frame points at. For a HEAD
/// request the body is left out (its length still announced). Returns where the rest of the
/// body starts, if it is to be streamed.
pub(super) fn frame(
    res: &Response,
    frame: &mut ResponseFrame,
    length: &mut [u8; 20],
    head: bool,
    plan: &Plan<'_>,
) -> io::Result<Option<Progress>> {
    let status = res.status();
    let code = status.as_u16();
    // As the HTTP/1.1 encoder: a 1xx is not a final answer, and a response the handler
    // misused (a header that would break the framing) never reaches the wire.
    if code < 200 || res.misuse().is_some() {
        bare(frame, length, StatusCode::INTERNAL_SERVER_ERROR);
        return Ok(None);
    }
    frame.clear();
    frame.set_status(code, status.reason().as_bytes());
    let mut set = 0u32;
    for line in res.content_type_line().split(|&b| b == b'\n').chain(res.header_bytes().split(|&b| b == b'\n')) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii_start());
        match response_header_id(name) {
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
    if status.forbids_body() {
        // 204 and 304: no length, no body.
        return Ok(None);
    }
    let n = write_decimal(length, res.body_len() as u64);
    frame.set_known(CONTENT_LENGTH as i32, &length[..n])?;
    if head {
        return Ok(None);
    }
    let limit = plan.stream_above.filter(|&above| res.body_len() > above);
    body(res, frame, Progress::default(), limit, plan)
}

/// Adds body chunks from `from`, each part a chunk of its own (one send, no concatenation),
/// up to `limit` bytes when given; returns where the rest starts if anything is left.
pub(super) fn body(
    res: &Response,
    frame: &mut ResponseFrame,
    from: Progress,
    limit: Option<usize>,
    plan: &Plan<'_>,
) -> io::Result<Option<Progress>> {
    let mut room = limit.unwrap_or(usize::MAX);
    for (i, part) in res.body_parts().enumerate().skip(from.part) {
        let start = if i == from.part { from.offset } else { 0 };
        let part = &part[start.min(part.len())..];
        if room == 0 {
            return Ok(Some(Progress { part: i, offset: start }));
        }
        // A cached fragment goes whole, by name.
        if start == 0 {
            let cached = plan
                .fragments
                .and_then(|f| f.get(&(part.as_ptr() as usize, part.len())))
                .filter(|f| f.expires.is_none_or(|t| std::time::Instant::now() < t));
            if let Some(fragment) = cached {
                frame.add_fragment(fragment.name)?;
                room = room.saturating_sub(part.len());
                continue;
            }
        }
        let take = part.len().min(room);
        frame.add_chunk(&part[..take])?;
        room -= take;
        if take < part.len() {
            return Ok(Some(Progress { part: i, offset: start + take }));
        }
    }
    Ok(None)
}

/// A response with `status`, no header and no body.
pub(super) fn bare(frame: &mut ResponseFrame, length: &mut [u8; 20], status: StatusCode) {
    frame.clear();
    frame.set_status(status.as_u16(), status.reason().as_bytes());
    length[0] = b'0';
    // One byte of a 20-byte array and a known id: cannot fail.
    let _ = frame.set_known(CONTENT_LENGTH as i32, &length[..1]);
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
        let plan = Plan { fragments: None, stream_above: None };
        assert_eq!(frame(&res, &mut f, &mut length, false, &plan).unwrap(), None);
        assert_eq!(f.chunk_count(), 3);
        assert_eq!(&length[..2], b"13");
        // HEAD: the length, no chunk.
        assert_eq!(frame(&res, &mut f, &mut length, true, &plan).unwrap(), None);
        assert_eq!(f.chunk_count(), 0);
    }

    #[test]
    fn a_streamed_body_goes_in_pieces_that_cover_it_once() {
        static TAIL: [u8; 700] = [7; 700];
        let mut res = Response::new();
        res.set_body(vec![1u8; 1000]).push_static(&TAIL).push_static(b"end");
        let (mut f, mut length) = (ResponseFrame::new(), [0u8; 20]);
        let plan = Plan { fragments: None, stream_above: Some(400) };
        let mut next = frame(&res, &mut f, &mut length, false, &plan).unwrap();
        let mut sends = vec![f.chunk_count()];
        let mut pieces = 1;
        while let Some(at) = next {
            f.clear();
            next = body(&res, &mut f, at, Some(400), &plan).unwrap();
            sends.push(f.chunk_count());
            pieces += 1;
            assert!(pieces < 10);
        }
        // 1,703 bytes in pieces of 400: 1000 = 400 + 400 + 200|200 (+ TAIL's first 200),
        // then TAIL's 500 left = 400 + 100|"end".
        assert_eq!(pieces, 5);
        assert_eq!(sends, [1, 1, 2, 1, 2]);
    }

    #[test]
    fn a_part_that_is_a_cached_fragment_goes_by_name() {
        static PAGE: &[u8] = b"<footer>cached</footer>";
        let mut fragments = Fragments::new();
        let name: &'static [u16] = Box::leak(dext_sys::windows::wide("http://+:80/f/footer").into_boxed_slice());
        let fragment = Fragment { name, url: "http://+:80/f/footer".into(), expires: None };
        fragments.insert((PAGE.as_ptr() as usize, PAGE.len()), fragment.clone());
        let mut res = Response::new();
        res.set_body("dynamic").push_static(PAGE);
        let (mut f, mut length) = (ResponseFrame::new(), [0u8; 20]);
        let plan = Plan { fragments: Some(&fragments), stream_above: None };
        frame(&res, &mut f, &mut length, false, &plan).unwrap();
        assert_eq!(f.chunk_count(), 2);
        assert_eq!(&length[..2], b"30");
        // Expired: sent from memory (same chunk count; the difference is the chunk's type,
        // which the frame does not show), and never a failure.
        let past = std::time::Instant::now() - std::time::Duration::from_secs(1);
        fragments.insert((PAGE.as_ptr() as usize, PAGE.len()), Fragment { expires: Some(past), ..fragment });
        let plan = Plan { fragments: Some(&fragments), stream_above: None };
        frame(&res, &mut f, &mut length, false, &plan).unwrap();
        assert_eq!(f.chunk_count(), 2);
    }

    #[test]
    fn statuses_without_a_body_and_misused_responses() {
        let (mut f, mut length) = (ResponseFrame::new(), [0u8; 20]);
        let plan = Plan { fragments: None, stream_above: None };
        let mut res = Response::new();
        res.set_status(StatusCode::NO_CONTENT).set_body("ignored");
        frame(&res, &mut f, &mut length, false, &plan).unwrap();
        assert_eq!(f.chunk_count(), 0);
        let mut res = Response::new();
        res.set_status(StatusCode::CONTINUE).set_body("x");
        frame(&res, &mut f, &mut length, false, &plan).unwrap();
        assert_eq!((f.chunk_count(), &length[..1]), (0, &b"0"[..]));
    }

    #[test]
    fn header_ids_are_http_sys_numbers() {
        assert_eq!(response_header_id(b"content-type"), Some(12));
        assert_eq!(response_header_id(b"Set-Cookie"), Some(27));
        assert_eq!(response_header_id(b"WWW-Authenticate"), Some(29));
        assert_eq!(response_header_id(b"X-Other"), None);
        assert_eq!(super::super::driver::request_header_name(11), "Content-Length");
        assert_eq!(super::super::driver::request_header_name(28), "Host");
        assert_eq!(super::super::driver::request_header_name(40), "User-Agent");
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
