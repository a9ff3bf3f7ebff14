//! The request head parser: request line and header section (RFC 9112 sections 2 to 5).
//!
//! The parser scans the read buffer in place and records spans (offsets) into a reusable
//! [`Head`]; it copies no byte and allocates nothing (the header table is allocated once, with
//! room for [`Limits::max_headers`] fields). [`RequestHead`] pairs a `Head` with the buffer it
//! was parsed from and hands out borrowed views.
//!
//! Input that stops mid-head is [`Status::Partial`]: the caller reads more and parses again
//! from the start of the head. Every byte is checked as it is scanned, so a bad byte is
//! reported as soon as it arrives, and limits are enforced on partial input too (a peer cannot
//! make the caller buffer more than the limits allow).
//!
//! Strictness (all refusals close the connection; see [`Error`]):
//! - line endings must be CRLF; a bare CR or bare LF is refused (RFC 9112 section 2.2 allows
//!   refusing bare LF, and requires refusing bare CR);
//! - at most the request line's worth of empty lines before it is skipped (section 2.2);
//! - method: `tchar`s then one SP; target: visible ASCII then one SP; version `HTTP/d.d`;
//! - field names are `tchar`s immediately followed by `:` (section 5.1: no whitespace before
//!   the colon); a line starting with whitespace (obs-fold) is refused (section 5.2);
//! - field values hold no control byte but HTAB (RFC 9110 section 5.5);
//! - Host, Content-Length, Transfer-Encoding, Connection and Expect are checked after the
//!   section is complete (see `Head::finish`).

use core::ops::Range;

use super::Limits;
use crate::header::{KnownHeader, TCHAR, eq_token, list};
use crate::simd::{self, Scan, WithScan, cold_path};
use crate::{Error, Header, Method, Version};

/// The outcome of parsing input that may be incomplete.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status<T> {
    /// The value is complete.
    Complete(T),
    /// More input is needed.
    Partial,
}

impl<T> Status<T> {
    /// `true` for [`Status::Partial`].
    pub fn is_partial(&self) -> bool {
        matches!(self, Status::Partial)
    }
}

/// How the request body is delimited (RFC 9112 section 6.3).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Framing {
    /// No body: neither Content-Length nor Transfer-Encoding, or `Content-Length: 0`.
    None,
    /// Exactly this many bytes follow the head.
    Length(u64),
    /// The chunked transfer coding.
    Chunked,
}

/// The form of the request target (RFC 9112 section 3.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TargetForm {
    /// `/path?query`
    Origin,
    /// `http://authority/path?query`
    Absolute,
    /// `host:port`, only with CONNECT.
    Authority,
    /// `*`, only with OPTIONS.
    Asterisk,
}

/// A byte range of the parsed buffer. `u32` keeps a header entry at 20 bytes.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    #[inline(always)]
    fn new(start: usize, end: usize) -> Span {
        // Offsets are bounded by the head limits, far below 4 GiB, and `finish` refuses any
        // head whose length does not fit in u32.
        Span { start: start as u32, len: (end - start) as u32 }
    }

    #[inline(always)]
    fn of(self, buf: &[u8]) -> &[u8] {
        let start = self.start as usize;
        buf.get(start..start + self.len as usize).unwrap_or_default()
    }
}

/// A header field's spans, and which known header it is (`u8::MAX` for none).
#[derive(Clone, Copy, Debug)]
struct Field {
    name: Span,
    value: Span,
    known: u8,
}

const UNKNOWN: u8 = u8::MAX;

impl Field {
    const EMPTY: Field = Field { name: Span { start: 0, len: 0 }, value: Span { start: 0, len: 0 }, known: UNKNOWN };
}

/// Reusable storage for one parsed request head: spans into the buffer it was parsed from.
///
/// Create one per connection with [`Head::new`]; [`Head::parse`] resets it. After the first
/// parse it never allocates again (unless the limits are raised).
#[derive(Clone, Debug)]
pub struct Head {
    method: Method,
    version: Version,
    form: TargetForm,
    method_span: Span,
    target: Span,
    path: Span,
    query: Option<Span>,
    /// The authority of an absolute-form or authority-form target.
    authority: Span,
    /// Field slots, `max_headers` of them; the first `count` hold this head's fields.
    fields: Vec<Field>,
    count: usize,
    /// Per known header: index of its first occurrence, valid when its bit in `seen` is set
    /// (so that nothing needs clearing per request).
    first: [u16; KnownHeader::COUNT],
    /// Bit `k` set: known header `k` occurs.
    seen: u32,
    /// Bit `k` set: known header `k` occurs more than once.
    repeated: u32,
    framing: Framing,
    keep_alive: bool,
    expect_continue: bool,
    upgrade: bool,
    len: usize,
    /// Names of an assembled head's fields that are not in its buffer ([`FieldName::Static`]):
    /// a field's name span indexes this list when its start has [`STATIC_NAME`] set.
    static_names: Vec<&'static str>,
}

/// Set in a field name's span start when the name is `Head::static_names[start & !STATIC_NAME]`.
/// Parsed heads never set it: their offsets are far below 2 GiB (`finish` refuses heads over
/// 4 GiB, and the limits keep them much smaller).
const STATIC_NAME: u32 = 1 << 31;

/// The name of a field of an assembled head ([`Head::assemble`]).
#[derive(Debug, Clone)]
pub enum FieldName {
    /// Bytes of the buffer.
    At(Range<usize>),
    /// Text that is not in the buffer, such as the name of a header that the other parser
    /// identified by number.
    Static(&'static str),
}

/// The request line of an assembled head ([`Head::assemble`]).
#[derive(Debug, Clone)]
pub struct RequestLine {
    /// The method.
    pub method: MethodName,
    /// The version.
    pub version: Version,
    /// Where the request target is in the buffer.
    pub target: Range<usize>,
}

/// The method of an assembled head.
#[derive(Debug, Clone)]
pub enum MethodName {
    /// A method known by name; its token is not in the buffer.
    Static(&'static str),
    /// The token as sent: bytes of the buffer.
    At(Range<usize>),
}

impl Default for Head {
    fn default() -> Self {
        Head::new(&Limits::default())
    }
}

impl Head {
    /// Storage with room for `limits.max_headers` fields.
    pub fn new(limits: &Limits) -> Head {
        Head {
            method: Method::Get,
            version: Version::Http11,
            form: TargetForm::Origin,
            method_span: Span::default(),
            target: Span::default(),
            path: Span::default(),
            query: None,
            authority: Span::default(),
            fields: vec![Field::EMPTY; max_headers(limits)],
            count: 0,
            first: [0; KnownHeader::COUNT],
            seen: 0,
            repeated: 0,
            framing: Framing::None,
            keep_alive: true,
            expect_continue: false,
            upgrade: false,
            len: 0,
            static_names: Vec::new(),
        }
    }

    /// Builds the head of a request that another parser (a driver's: http.sys) already split
    /// into parts, as spans of `buf`, so that [`Head::view`] of `buf` reads it like a parsed
    /// one, with no byte copied. The parts are checked as the parser would check them where it
    /// matters for routing: the target's form and its split into path and query, the method
    /// token, and the field limit (`limits.max_headers`); framing and persistence are the
    /// other parser's, and given. Fields keep their order; known headers are indexed.
    pub fn assemble(
        &mut self,
        buf: &[u8],
        line: RequestLine,
        fields: impl IntoIterator<Item = (FieldName, Range<usize>)>,
        framing: Framing,
        limits: &Limits,
    ) -> Result<(), Error> {
        let RequestLine { method, version, target } = line;
        let in_buf = |r: &Range<usize>| r.start <= r.end && r.end <= buf.len() && r.end <= (STATIC_NAME as usize);
        let max_fields = max_headers(limits);
        if self.fields.len() != max_fields {
            self.fields.resize(max_fields, Field::EMPTY);
        }
        self.count = 0;
        self.seen = 0;
        self.repeated = 0;
        self.static_names.clear();
        (self.method, self.method_span) = match method {
            // A method this crate does not know (`PROPFIND`): its name is kept, as a parsed
            // head's token would be.
            MethodName::Static(name) if Method::from_token(name.as_bytes()) == Method::Other => {
                let i = self.static_names.len() as u32;
                self.static_names.push(name);
                (Method::Other, Span { start: STATIC_NAME | i, len: name.len() as u32 })
            }
            MethodName::Static(name) => (Method::from_token(name.as_bytes()), Span::default()),
            MethodName::At(r) => {
                if !in_buf(&r) || r.is_empty() || crate::simd::scalar::Scalar.token_end(&buf[r.clone()], 0) != r.len() {
                    return Err(Error::InvalidMethod);
                }
                (Method::from_token(&buf[r.clone()]), Span::new(r.start, r.end))
            }
        };
        self.version = version;
        if !in_buf(&target) || target.is_empty() || !buf[target.clone()].iter().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidTarget);
        }
        if target.len() > limits.max_request_line {
            return Err(Error::UriTooLong);
        }
        let t = &buf[target.clone()];
        if t.contains(&b'#') {
            return Err(Error::InvalidTarget);
        }
        let path_end = t.iter().position(|&b| b == b'?').map_or(target.end, |i| target.start + i);
        self.target = Span::new(target.start, target.end);
        self.path = Span::new(target.start, path_end);
        self.query = (path_end < target.end).then(|| Span::new(path_end + 1, target.end));
        self.authority = Span::default();
        if self.method != Method::Connect && t.first() == Some(&b'/') {
            self.form = TargetForm::Origin;
        } else {
            self.classify_target(buf)?;
        }
        let mut section = 0usize;
        for (name, value) in fields {
            if !in_buf(&value) {
                return Err(Error::InvalidHeaderValue);
            }
            let (name_span, name_bytes) = match name {
                FieldName::At(r) => {
                    if !in_buf(&r) {
                        return Err(Error::InvalidHeaderName);
                    }
                    (Span::new(r.start, r.end), &buf[r])
                }
                FieldName::Static(text) => {
                    let i = self.static_names.len() as u32;
                    self.static_names.push(text);
                    (Span { start: STATIC_NAME | i, len: text.len() as u32 }, text.as_bytes())
                }
            };
            if name_bytes.is_empty() || !name_bytes.iter().all(|&b| TCHAR[b as usize]) {
                return Err(Error::InvalidHeaderName);
            }
            section += name_bytes.len() + value.len() + 4;
            let count = self.count;
            let known = match KnownHeader::from_name(name_bytes) {
                Some(k) => self.index_known(k, count),
                None => UNKNOWN,
            };
            let Some(slot) = self.fields.get_mut(count) else { return Err(Error::TooManyHeaders) };
            *slot = Field { name: name_span, value: Span::new(value.start, value.end), known };
            self.count = count + 1;
        }
        if section > limits.max_header_bytes {
            return Err(Error::HeadersTooLarge);
        }
        self.framing = framing;
        self.keep_alive = version == Version::Http11;
        self.expect_continue = false;
        self.upgrade = false;
        self.len = 0;
        Ok(())
    }

    /// Notes that field `count` is known header `k` (its first occurrence, or a repeat);
    /// returns the field's `known` byte.
    #[inline(always)]
    fn index_known(&mut self, k: KnownHeader, count: usize) -> u8 {
        let k = k as usize;
        if self.seen & (1 << k) == 0 {
            self.seen |= 1 << k;
            // `max_fields` is capped to fit (see `max_headers`).
            self.first[k] = u16::try_from(count).unwrap_or(u16::MAX);
        } else {
            self.repeated |= 1 << k;
        }
        k as u8
    }

    /// A field's name: its bytes in `buf`, or its static text.
    #[inline]
    fn name_of<'b>(&self, f: &Field, buf: &'b [u8]) -> &'b [u8] {
        if f.name.start & STATIC_NAME == 0 {
            f.name.of(buf)
        } else {
            self.static_names.get((f.name.start & !STATIC_NAME) as usize).copied().unwrap_or_default().as_bytes()
        }
    }

    /// Parses a request head from the start of `buf`.
    ///
    /// On success the returned view borrows `self` and `buf`; [`RequestHead::len`] is the
    /// number of bytes the head occupies (the body, if any, starts there).
    #[inline]
    pub fn parse<'h, 'b>(&'h mut self, buf: &'b [u8], limits: &Limits) -> Result<Status<RequestHead<'h, 'b>>, Error> {
        // Scan and checks run in one call in the scanner's context (for AVX2, compiled with it).
        if simd::dispatch(ScanJob { head: self, buf, limits })? {
            Ok(Status::Complete(RequestHead { head: self, buf }))
        } else {
            Ok(Status::Partial)
        }
    }

    /// The view of the head last parsed from `buf`. `buf` must start with the same bytes the
    /// head was parsed from (the read buffer, not yet compacted); a different buffer gives
    /// wrong or empty views, never a panic.
    pub fn view<'h, 'b>(&'h self, buf: &'b [u8]) -> RequestHead<'h, 'b> {
        RequestHead { head: self, buf }
    }

    /// Scans the request line and header section; `Ok(false)` means partial.
    #[inline(always)]
    fn scan_with<S: Scan>(&mut self, s: S, buf: &[u8], limits: &Limits) -> Result<bool, Error> {
        self.count = 0;
        let max_fields = max_headers(limits);
        if self.fields.len() != max_fields {
            // Only when the limits change: allocation happens once per `Head` otherwise.
            self.fields.resize(max_fields, Field::EMPTY);
        }
        let len = buf.len();
        let mut pos = 0;

        // Empty lines before the request line are skipped (RFC 9112 section 2.2 asks for at
        // least one). A few are allowed; more are refused, because each would cost the
        // connection a re-parse of all of them.
        let mut empty_lines = 0;
        loop {
            match buf.get(pos) {
                Some(b'\r') => {
                    cold_path();
                    match buf.get(pos + 1) {
                        Some(b'\n') => pos += 2,
                        Some(_) => return fail(Error::BareCr),
                        None => return Ok(false),
                    }
                }
                Some(b'\n') => return fail(Error::BareLf),
                Some(_) => break,
                None => return Ok(false),
            }
            empty_lines += 1;
            if empty_lines > MAX_EMPTY_LINES {
                return fail(Error::InvalidMethod);
            }
        }
        let line_start = pos;
        // On partial input, room is left for the CRLF, which the limit does not count.
        let line_partial = |len: usize| {
            if len - line_start > limits.max_request_line.saturating_add(2) {
                Err(Error::UriTooLong)
            } else {
                Ok(false)
            }
        };

        // Method. `GET ` is checked as one word first: it is most requests.
        let method_len = if buf.get(pos..pos + 4) == Some(b"GET ") {
            self.method = Method::Get;
            3
        } else {
            let n = s.token_end(buf, pos) - pos;
            match buf.get(pos + n) {
                None => return line_partial(len),
                Some(b' ') if n > 0 => {}
                Some(_) => return fail(Error::InvalidMethod),
            }
            self.method = Method::from_token(&buf[pos..pos + n]);
            n
        };
        self.method_span = Span::new(pos, pos + method_len);
        pos += method_len + 1;

        // Request target: visible ASCII up to one SP; the path ends at `?`, and `#` is refused
        // (a fragment is never sent, RFC 9110 section 4.2.5).
        let target_start = pos;
        pos = s.path_end(buf, pos);
        let path_end = pos;
        let mut query = None;
        if buf.get(pos) == Some(&b'?') {
            query = Some(pos + 1);
            loop {
                pos = s.path_end(buf, pos + 1);
                if buf.get(pos) != Some(&b'?') {
                    break;
                }
            }
        }
        if pos - line_start > limits.max_request_line {
            return fail(Error::UriTooLong);
        }
        match buf.get(pos) {
            None => return line_partial(len),
            Some(b' ') if pos > target_start => {}
            Some(_) => return fail(Error::InvalidTarget),
        }
        self.target = Span::new(target_start, pos);
        self.path = Span::new(target_start, path_end);
        self.query = query.map(|q| Span::new(q, pos));
        pos += 1;

        // Version and CRLF: `HTTP/` DIGIT `.` DIGIT CR LF, checked byte by byte so that a
        // wrong byte is refused as soon as it arrives.
        let rest = &buf[pos..];
        if rest.len() >= 10 && rest[..8] == *b"HTTP/1.1" && rest[8..10] == *b"\r\n" {
            self.version = Version::Http11;
        } else {
            cold_path();
            for (i, &b) in rest.iter().take(10).enumerate() {
                let ok = match i {
                    0..=4 => b == b"HTTP/"[i],
                    5 | 7 => b.is_ascii_digit(),
                    6 => b == b'.',
                    8 if b == b'\n' => return fail(Error::BareLf),
                    8 => b == b'\r',
                    _ => b == b'\n',
                };
                if !ok {
                    return Err(if i == 9 { Error::BareCr } else { Error::InvalidVersion });
                }
            }
            if rest.len() < 10 {
                return line_partial(len);
            }
            self.version = match (rest[5], rest[7]) {
                (b'1', b'1') => Version::Http11,
                (b'1', b'0') => Version::Http10,
                _ => return fail(Error::UnsupportedVersion),
            };
        }
        if pos + 8 - line_start > limits.max_request_line {
            return fail(Error::UriTooLong);
        }
        pos += 10;

        // Header section.
        let section_start = pos;
        let max_section = limits.max_header_bytes;
        self.seen = 0;
        self.repeated = 0;
        loop {
            // The final empty line, checked first because a name scan would cost more.
            if buf.get(pos) == Some(&b'\r') && buf.get(pos + 1) == Some(&b'\n') {
                pos += 2;
                break;
            }
            // The common line: a name, a colon, a value, CRLF. Everything else (errors,
            // partial input) is sorted out out of line.
            let name_start = pos;
            let (name_end, value_start, line_end) = s.field_line(buf, pos);
            // `line_end > name_end` exactly when a colon follows the name.
            if !(name_end > name_start && line_end > name_end && buf.get(line_end..line_end + 2) == Some(b"\r\n")) {
                return not_a_field_line(buf, name_start, name_end, line_end, section_start, limits);
            }
            pos = line_end;
            // Usually no whitespace after the value (the scan gave its start).
            let mut value_end = pos;
            while value_end > value_start && matches!(buf[value_end - 1], b' ' | b'\t') {
                value_end -= 1;
            }
            let count = self.count;
            let known = match s.known_name(buf, name_start, name_end) {
                Some(KnownHeader::Host) if !host_ok(s, buf, value_start, value_end) => {
                    return fail(Error::InvalidHost);
                }
                Some(k) => self.index_known(k, count),
                None => UNKNOWN,
            };
            // One bounds check is the limit check: there are `max_fields` slots.
            let Some(slot) = self.fields.get_mut(count) else { return fail(Error::TooManyHeaders) };
            *slot = Field { name: Span::new(name_start, name_end), value: Span::new(value_start, value_end), known };
            self.count = count + 1;
            pos += 2;
        }
        // The section's size, once it is complete (`not_a_field_line` checks it on partial
        // input); the final empty line does not count.
        if pos - section_start - 2 > max_section {
            return fail(Error::HeadersTooLarge);
        }
        self.len = pos;
        Ok(true)
    }

    /// The checks that need the whole header section: target form, Host, body framing,
    /// persistence and expectations.
    #[inline(always)]
    fn finish(&mut self, buf: &[u8], limits: &Limits) -> Result<(), Error> {
        // Below 2 GiB, so that no offset has the bit of an assembled head's static names.
        if self.len >= STATIC_NAME as usize {
            return fail(Error::HeadersTooLarge);
        }
        // Origin form, the common case, without a call.
        if self.method != Method::Connect && buf.get(self.target.start as usize) == Some(&b'/') {
            self.form = TargetForm::Origin;
        } else {
            cold_path();
            self.classify_target(buf)?;
        }

        // Host (RFC 9112 section 3.2): exactly one in HTTP/1.1, at most one in HTTP/1.0, and
        // a valid authority when present.
        let hosts = self.count(KnownHeader::Host);
        if hosts > 1 || (hosts == 0 && self.version == Version::Http11) {
            return fail(Error::InvalidHost);
        }

        // Body framing (RFC 9112 section 6).
        self.framing = Framing::None;
        let mut keep_alive = self.version == Version::Http11;
        let lengths = self.count(KnownHeader::ContentLength);
        if self.count(KnownHeader::TransferEncoding) > 0 {
            // Section 6.1: a sender must not send both; a server may refuse, and refusing is
            // the only answer that closes the door on request smuggling.
            if lengths > 0 {
                return fail(Error::ContentLengthAndTransferEncoding);
            }
            self.check_transfer_encoding(buf)?;
            self.framing = Framing::Chunked;
            // Section 6.1: with HTTP/1.0, chunked framing cannot be trusted past this message.
            if self.version == Version::Http10 {
                keep_alive = false;
            }
        } else if lengths > 0 {
            // Section 6.3: duplicate fields, lists and anything but digits are refused,
            // even when the duplicates agree.
            if lengths > 1 {
                return fail(Error::InvalidContentLength);
            }
            let n = parse_content_length(self.first_value(buf, KnownHeader::ContentLength))?;
            if n > limits.max_body {
                return fail(Error::BodyTooLarge);
            }
            if n > 0 {
                self.framing = Framing::Length(n);
            }
        }

        // Persistence (RFC 9112 section 9.3). One field with one option is the common case
        // and is checked without splitting the list.
        let mut upgrade = false;
        let connections = self.count(KnownHeader::Connection);
        if connections > 0 {
            let mut close = false;
            let mut ask_keep_alive = false;
            let first = self.first_value(buf, KnownHeader::Connection);
            if connections == 1 && eq_token(first, b"keep-alive") {
                ask_keep_alive = true;
            } else if connections == 1 && eq_token(first, b"close") {
                close = true;
            } else {
                cold_path();
                for value in self.values(buf, KnownHeader::Connection) {
                    for option in list(value) {
                        if eq_token(option, b"close") {
                            close = true;
                        } else if eq_token(option, b"keep-alive") {
                            ask_keep_alive = true;
                        } else if eq_token(option, b"upgrade") {
                            upgrade = true;
                        }
                    }
                }
            }
            if close {
                keep_alive = false;
            } else if ask_keep_alive && self.version == Version::Http10 && self.framing != Framing::Chunked {
                keep_alive = true;
            }
        }
        self.keep_alive = keep_alive;
        self.upgrade = upgrade;

        // Expect (RFC 9110 section 10.1.1): only `100-continue` exists; HTTP/1.0 requests'
        // expectations are ignored.
        let mut expect_continue = false;
        if self.count(KnownHeader::Expect) > 0 && self.version == Version::Http11 {
            cold_path();
            for value in self.values(buf, KnownHeader::Expect) {
                if eq_token(value, b"100-continue") {
                    expect_continue = true;
                } else {
                    return fail(Error::UnsupportedExpectation);
                }
            }
        }
        self.expect_continue = expect_continue;
        Ok(())
    }

    fn check_transfer_encoding(&self, buf: &[u8]) -> Result<(), Error> {
        // Section 6.1: the codings of all Transfer-Encoding lines, in order, form one list;
        // `chunked` must be last and appear once. Any other coding is not implemented here.
        let mut chunked = false;
        let mut other = false;
        for value in self.values(buf, KnownHeader::TransferEncoding) {
            for coding in list(value) {
                if chunked {
                    return Err(Error::ChunkedNotLast);
                }
                if eq_token(coding, b"chunked") {
                    chunked = true;
                } else {
                    // A coding is a token, optionally with parameters.
                    let name_len = crate::simd::scalar::Scalar.token_end(coding, 0);
                    if name_len == 0 {
                        return Err(Error::InvalidHeaderValue);
                    }
                    other = true;
                }
            }
        }
        if other {
            return Err(Error::UnsupportedTransferCoding);
        }
        if !chunked {
            return Err(Error::ChunkedNotLast);
        }
        Ok(())
    }

    /// Checks the target's form against the method; for the absolute form, moves the path
    /// past the scheme and authority. The scan already split path and query.
    fn classify_target(&mut self, buf: &[u8]) -> Result<(), Error> {
        let target = self.target.of(buf);
        let start = self.target.start as usize;
        match target.first() {
            Some(b'/') if self.method != Method::Connect => self.form = TargetForm::Origin,
            Some(b'*') if target.len() == 1 => {
                if self.method != Method::Options {
                    return Err(Error::InvalidTarget);
                }
                self.form = TargetForm::Asterisk;
            }
            _ if self.method == Method::Connect => {
                // authority-form: host:port, nothing else (RFC 9112 section 3.2.3).
                if target.is_empty() || !is_valid_host(target) {
                    return Err(Error::InvalidTarget);
                }
                self.path = Span::new(start, start);
                self.query = None;
                self.authority = self.target;
                self.form = TargetForm::Authority;
            }
            _ => {
                let scheme = if starts_with_ignore_case(target, b"http://") {
                    7
                } else if starts_with_ignore_case(target, b"https://") {
                    8
                } else {
                    return Err(Error::InvalidTarget);
                };
                let path = self.path.of(buf);
                let rest = path.get(scheme..).unwrap_or_default();
                let authority = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
                if authority == 0 || !is_valid_host(&rest[..authority]) {
                    return Err(Error::InvalidTarget);
                }
                self.path = Span::new(start + scheme + authority, start + path.len());
                self.authority = Span::new(start + scheme, start + scheme + authority);
                self.form = TargetForm::Absolute;
            }
        }
        Ok(())
    }

    /// This head's fields.
    #[inline]
    fn fields(&self) -> &[Field] {
        self.fields.get(..self.count).unwrap_or_default()
    }

    /// Occurrences of a known header: 0, 1, or 2 for "more than one".
    #[inline]
    fn count(&self, known: KnownHeader) -> u8 {
        const _: () = assert!(KnownHeader::COUNT <= 32, "`repeated` is a u32 bit set");
        if self.seen & (1 << known as u32) == 0 {
            0
        } else if self.repeated & (1 << known as u32) != 0 {
            2
        } else {
            1
        }
    }

    /// The index of the first occurrence of `known`.
    #[inline]
    fn first_index(&self, known: KnownHeader) -> Option<usize> {
        if self.seen & (1 << known as u32) == 0 { None } else { Some(self.first[known as usize] as usize) }
    }

    #[inline(always)]
    fn first_value<'b>(&self, buf: &'b [u8], known: KnownHeader) -> &'b [u8] {
        match self.first_index(known) {
            None => &[],
            Some(i) => self.fields().get(i).map_or(&[][..], |f| f.value.of(buf)),
        }
    }

    /// The values of every occurrence of `known`, in order.
    fn values<'a, 'b: 'a>(&'a self, buf: &'b [u8], known: KnownHeader) -> impl Iterator<Item = &'b [u8]> + 'a {
        let fields = self.fields();
        let start = self.first_index(known).unwrap_or(fields.len()).min(fields.len());
        fields[start..].iter().filter(move |f| f.known == known as u8).map(move |f| f.value.of(buf))
    }
}

/// `Err(error)`, out of line: the parser's error returns are unlikely, and telling the
/// compiler so keeps the hot path compact.
#[cold]
#[inline(never)]
fn fail<T>(error: Error) -> Result<T, Error> {
    Err(error)
}

/// The answer for a header line at `name_start` that is not a complete `name: value CRLF`
/// line, from what [`Scan::field_line`] found: an error, or `Ok(false)` when the line may
/// still become valid with more input (within the section limit, with room left for the final
/// empty line).
#[cold]
#[inline(never)]
fn not_a_field_line(
    buf: &[u8],
    name_start: usize,
    name_end: usize,
    line_end: usize,
    section_start: usize,
    limits: &Limits,
) -> Result<bool, Error> {
    let len = buf.len();
    let partial = if len - section_start > limits.max_header_bytes.saturating_add(2) {
        Err(Error::HeadersTooLarge)
    } else {
        Ok(false)
    };
    let named = name_end > name_start;
    if named && line_end > name_end {
        // A name and a colon: the value ends badly.
        return match buf.get(line_end) {
            None => partial,
            Some(b'\r') if line_end + 1 == len => partial,
            Some(b'\r') => Err(Error::BareCr),
            Some(b'\n') => Err(Error::BareLf),
            Some(_) => Err(Error::InvalidHeaderValue),
        };
    }
    // The caller took a CRLF at `name_start` as the end of the section.
    match buf.get(name_end) {
        None => partial,
        Some(b'\r') if !named => match buf.get(name_end + 1) {
            Some(_) => Err(Error::BareCr),
            None => partial,
        },
        Some(b' ' | b'\t') if !named => Err(Error::ObsFold),
        Some(b' ' | b'\t') => Err(Error::WhitespaceBeforeColon),
        Some(b'\n') if !named => Err(Error::BareLf),
        Some(_) => Err(Error::InvalidHeaderName),
    }
}

/// Empty lines skipped before a request line.
const MAX_EMPTY_LINES: usize = 8;

/// The header-count limit, capped so that a field index fits the `u16` of `Head::first`.
fn max_headers(limits: &Limits) -> usize {
    limits.max_headers.min(u16::MAX as usize)
}

/// [`Head::scan_with`] and [`Head::finish`] as work for [`simd::dispatch`].
struct ScanJob<'a> {
    head: &'a mut Head,
    buf: &'a [u8],
    limits: &'a Limits,
}

impl WithScan for ScanJob<'_> {
    type Output = Result<bool, Error>;
    #[inline(always)]
    fn run<S: Scan>(self, s: S) -> Result<bool, Error> {
        if self.head.scan_with(s, self.buf, self.limits)? {
            self.head.finish(self.buf, self.limits)?;
            Ok(true)
        } else {
            Ok(false)
        }
    }
}

fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Content-Length (RFC 9110 section 8.6): one or more digits, nothing else; leading zeros
/// are allowed. Overflow is refused as malformed.
pub(crate) fn parse_content_length(value: &[u8]) -> Result<u64, Error> {
    if value.is_empty() {
        return Err(Error::InvalidContentLength);
    }
    let mut n: u64 = 0;
    for &b in value {
        if !b.is_ascii_digit() {
            return Err(Error::InvalidContentLength);
        }
        n = n.checked_mul(10).and_then(|n| n.checked_add(u64::from(b - b'0'))).ok_or(Error::InvalidContentLength)?;
    }
    Ok(n)
}

/// [`is_valid_host`] on `buf[start..end]`: the common case (a reg-name or IPv4 address,
/// optionally with a port) with the vector scanner.
#[inline(always)]
fn host_ok<S: Scan>(s: S, buf: &[u8], start: usize, end: usize) -> bool {
    s.host_value(buf, start, end).unwrap_or_else(|| is_valid_host(buf.get(start..end).unwrap_or_default()))
}

/// A Host value or authority-form target: `host [ ":" port ]` where host is a reg-name, an
/// IPv4 address or a bracketed IP literal (RFC 3986 section 3.2.2). The empty value is valid
/// in a Host field (RFC 9112 section 3.2).
fn is_valid_host(value: &[u8]) -> bool {
    let rest = if value.first() == Some(&b'[') {
        let Some(close) = value.iter().position(|&b| b == b']') else { return false };
        let literal = &value[1..close];
        if literal.is_empty()
            || !literal.iter().all(|&b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'v' | b'V'))
        {
            return false;
        }
        &value[close + 1..]
    } else {
        &value[crate::simd::scalar::run_end(value, 0, &crate::simd::scalar::HOST)..]
    };
    match rest.split_first() {
        None => true,
        Some((b':', port)) => port.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

/// A parsed request head: borrowed views into the read buffer.
#[derive(Clone, Copy)]
pub struct RequestHead<'h, 'b> {
    head: &'h Head,
    buf: &'b [u8],
}

impl core::fmt::Debug for RequestHead<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RequestHead")
            .field("method", &self.method_str())
            .field("target", &self.target())
            .field("version", &self.version())
            .field("headers", &self.headers().collect::<Vec<_>>())
            .finish()
    }
}

/// Turns validated ASCII into `&str`; the check is a word-at-a-time ASCII scan and cannot
/// fail on the spans this module produces.
#[inline]
fn ascii(bytes: &[u8]) -> &str {
    crate::simd::words::ascii_str(bytes).unwrap_or_default()
}

impl<'h, 'b> RequestHead<'h, 'b> {
    /// The method.
    #[inline]
    pub fn method(&self) -> Method {
        self.head.method
    }

    /// The method token as sent (useful for [`Method::Other`]).
    pub fn method_str(&self) -> &'b str {
        let span = self.head.method_span;
        if span.len == 0 {
            // An assembled head's known method: its token is not in the buffer.
            return self.head.method.as_str();
        }
        if span.start & STATIC_NAME != 0 {
            return self.head.static_names.get((span.start & !STATIC_NAME) as usize).copied().unwrap_or_default();
        }
        ascii(span.of(self.buf))
    }

    /// The request target as sent.
    pub fn target(&self) -> &'b str {
        ascii(self.head.target.of(self.buf))
    }

    /// The form of the request target.
    pub fn target_form(&self) -> TargetForm {
        self.head.form
    }

    /// The path: the target up to `?`, with the scheme and authority of the absolute form
    /// removed (`/` when an absolute-form target has no path). Still percent-encoded.
    #[inline]
    pub fn path(&self) -> &'b str {
        let path = ascii(self.head.path.of(self.buf));
        if path.is_empty() && self.head.form == TargetForm::Absolute { "/" } else { path }
    }

    /// The query, without the `?`, if the target has one.
    pub fn query(&self) -> Option<&'b str> {
        self.head.query.map(|q| ascii(q.of(self.buf)))
    }

    /// The protocol version.
    pub fn version(&self) -> Version {
        self.head.version
    }

    /// The header fields in the order received.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = Header<'b>> {
        let buf = self.buf;
        let head = self.head;
        head.fields().iter().map(move |f| Header { name: ascii(head.name_of(f, buf)), value: f.value.of(buf) })
    }

    /// How many header fields there are.
    pub fn header_count(&self) -> usize {
        self.head.count
    }

    /// The value of the first field named `name` (ASCII case-insensitive). Known headers
    /// are found without a search.
    pub fn header(&self, name: &str) -> Option<&'b [u8]> {
        let name = name.as_bytes();
        if let Some(known) = KnownHeader::from_name(name).filter(|_| name.iter().all(|&b| TCHAR[b as usize])) {
            return self.known(known);
        }
        let head = self.head;
        head.fields()
            .iter()
            .find(|f| head.name_of(f, self.buf).eq_ignore_ascii_case(name))
            .map(|f| f.value.of(self.buf))
    }

    /// The value of the first occurrence of a known header, found while scanning.
    #[inline]
    pub fn known(&self, known: KnownHeader) -> Option<&'b [u8]> {
        self.head.first_index(known).and_then(|i| self.head.fields().get(i)).map(|f| f.value.of(self.buf))
    }

    /// The values of every occurrence of a known header, in order.
    pub fn known_all(&self, known: KnownHeader) -> impl Iterator<Item = &'b [u8]> {
        self.head.values(self.buf, known)
    }

    /// The host the request is for, validated: the target's authority for the absolute and
    /// authority forms (where RFC 9112 section 3.2.2 says the Host field is ignored),
    /// otherwise the Host field, if any.
    pub fn host(&self) -> Option<&'b str> {
        match self.head.form {
            TargetForm::Absolute | TargetForm::Authority => Some(ascii(self.head.authority.of(self.buf))),
            TargetForm::Origin | TargetForm::Asterisk => self.known(KnownHeader::Host).map(ascii),
        }
    }

    /// The Content-Type field, if any.
    pub fn content_type(&self) -> Option<&'b [u8]> {
        self.known(KnownHeader::ContentType)
    }

    /// How the body is framed.
    #[inline]
    pub fn framing(&self) -> Framing {
        self.head.framing
    }

    /// The body length when it is known up front (`Some(0)` for no body).
    pub fn content_length(&self) -> Option<u64> {
        match self.head.framing {
            Framing::None => Some(0),
            Framing::Length(n) => Some(n),
            Framing::Chunked => None,
        }
    }

    /// Whether the connection may stay open after this exchange, as the request asks
    /// (HTTP/1.1 default, `Connection: close`, HTTP/1.0 `keep-alive`).
    #[inline]
    pub fn is_keep_alive(&self) -> bool {
        self.head.keep_alive
    }

    /// Whether the client waits for `100 Continue` before sending the body.
    pub fn expects_continue(&self) -> bool {
        self.head.expect_continue
    }

    /// Whether `Connection: upgrade` was sent.
    pub fn wants_upgrade(&self) -> bool {
        self.head.upgrade
    }

    /// The head's length in bytes, final CRLF included: where the body starts.
    #[inline]
    pub fn len(&self) -> usize {
        self.head.len
    }

    /// Always `false`: a head has at least a request line.
    pub fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests;
