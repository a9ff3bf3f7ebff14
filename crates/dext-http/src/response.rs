//! The response a handler fills in: status, header lines and body, in buffers that are
//! reused from one request to the next.

use crate::header::{KnownHeader, TCHAR};
use crate::simd::scalar::is_value_byte;
use crate::simd::words::all_value_bytes;
use crate::{Error, StatusCode};

/// A response under construction.
///
/// Header lines are encoded as they are added, into a buffer that keeps its capacity across
/// [`Response::reset`], as does the body; a connection that reuses one `Response` allocates
/// nothing in steady state. Framing headers (`Content-Length`, `Transfer-Encoding`) and
/// `Date` belong to the encoder and are refused here; `Connection: close` is turned into
/// [`Response::close`].
///
/// A header that would break the framing (a name that is not a token, a value with CR, LF
/// or NUL) is not added; the response is marked and the encoder answers 500 instead, so a
/// handler's mistake never reaches the wire.
#[derive(Debug, Default, Clone)]
pub struct Response {
    status: Option<StatusCode>,
    headers: Vec<u8>,
    /// The `Content-Type` line: a constant's, by reference (no copy per response), or one
    /// encoded into `content_type_buf`. Kept apart from `headers` so that setting it again
    /// replaces it.
    content_type: ContentTypeLine,
    content_type_buf: Vec<u8>,
    body: Vec<u8>,
    /// A body set with [`Response::set_static_body`], sent from where it lives; `body` is
    /// empty meanwhile.
    static_body: Option<&'static [u8]>,
    /// Static parts that follow the body ([`Response::push_static`]), each sent from where
    /// it lives (the http.sys driver hands them over as separate chunks).
    static_parts: Vec<&'static [u8]>,
    /// How long a driver with a response cache may keep and replay this response.
    cache: Option<CacheHint>,
    close: bool,
    misuse: Option<Error>,
}

/// How long a response may be cached by the driver ([`Response::cache`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheHint {
    /// For this long.
    For(std::time::Duration),
    /// Until the application invalidates it (the driver's flush call).
    UntilInvalidated,
}

/// Where the `Content-Type` line is.
#[derive(Debug, Default, Clone, Copy)]
enum ContentTypeLine {
    #[default]
    None,
    Static(&'static str),
    Buffer,
}

impl Response {
    /// An empty `200 OK` response.
    pub fn new() -> Response {
        Response::default()
    }

    /// Clears everything but the buffers' capacity.
    pub fn reset(&mut self) {
        self.status = None;
        self.headers.clear();
        self.content_type = ContentTypeLine::None;
        self.body.clear();
        self.static_body = None;
        self.static_parts.clear();
        self.cache = None;
        self.close = false;
        self.misuse = None;
    }

    /// Lets a driver that has a response cache keep this response and send it again for the
    /// same URL without running the handler (the http.sys driver: the kernel's cache, where
    /// the platform has one). Drivers without a cache ignore it. Only for responses that do
    /// not depend on anything but the URL.
    pub fn cache(&mut self, hint: CacheHint) -> &mut Response {
        self.cache = Some(hint);
        self
    }

    /// The cache hint set with [`Response::cache`].
    pub fn cache_hint(&self) -> Option<CacheHint> {
        self.cache
    }

    /// Sets the status (default 200).
    pub fn set_status(&mut self, status: StatusCode) -> &mut Response {
        self.status = Some(status);
        self
    }

    /// The status (200 unless set).
    pub fn status(&self) -> StatusCode {
        self.status.unwrap_or(StatusCode::OK)
    }

    /// Appends a header line.
    pub fn header(&mut self, name: &str, value: impl AsRef<[u8]>) -> &mut Response {
        self.header_parts(name, &[value.as_ref()])
    }

    /// Appends a header line whose value is the concatenation of `parts` (no copy into a
    /// temporary).
    pub fn header_parts(&mut self, name: &str, parts: &[&[u8]]) -> &mut Response {
        let name_ok = !name.is_empty() && name.bytes().all(|b| TCHAR[b as usize]);
        if !name_ok || !value_ok(parts) {
            self.misuse = Some(Error::InvalidResponseHeader);
            return self;
        }
        match KnownHeader::from_name(name.as_bytes()) {
            Some(KnownHeader::ContentLength | KnownHeader::TransferEncoding) => {
                self.misuse = Some(Error::InvalidResponseHeader);
                return self;
            }
            Some(KnownHeader::Connection) => {
                if parts.iter().any(|p| crate::header::list(p).any(|o| o.eq_ignore_ascii_case(b"close"))) {
                    self.close = true;
                }
                return self;
            }
            _ => {}
        }
        if name.eq_ignore_ascii_case("date") {
            self.misuse = Some(Error::InvalidResponseHeader);
            return self;
        }
        self.headers.extend_from_slice(name.as_bytes());
        self.headers.extend_from_slice(b": ");
        for part in parts {
            self.headers.extend_from_slice(part);
        }
        self.headers.extend_from_slice(b"\r\n");
        self
    }

    /// Sets `Content-Type` (replacing an earlier one): a `&str` (checked as
    /// [`Response::header`] checks values), or a [`ContentType`], checked once when it was
    /// made; a constant's line is sent from where it lives, with no copy into the response.
    pub fn content_type<'v>(&mut self, value: impl Into<ContentType<'v>>) -> &mut Response {
        let value = value.into();
        if let Some(line) = value.line {
            self.content_type = ContentTypeLine::Static(line);
            return self;
        }
        if !value.checked && !value_ok_one(value.value.as_bytes()) {
            self.misuse = Some(Error::InvalidResponseHeader);
            return self;
        }
        let buf = &mut self.content_type_buf;
        buf.clear();
        buf.extend_from_slice(b"Content-Type: ");
        buf.extend_from_slice(value.value.as_bytes());
        buf.extend_from_slice(b"\r\n");
        self.content_type = ContentTypeLine::Buffer;
        self
    }

    /// The `Content-Type` header line (`Content-Type: value\r\n`), empty if none was set.
    pub fn content_type_line(&self) -> &[u8] {
        match self.content_type {
            ContentTypeLine::None => &[],
            ContentTypeLine::Static(line) => line.as_bytes(),
            ContentTypeLine::Buffer => &self.content_type_buf,
        }
    }

    /// The body buffer, to write into (for example with `std::io::Write` or a serializer).
    /// A static body set before is copied in first.
    pub fn body_mut(&mut self) -> &mut Vec<u8> {
        if let Some(s) = self.static_body.take() {
            self.body.clear();
            self.body.extend_from_slice(s);
        }
        if !self.static_parts.is_empty() {
            // Writing after static parts: they are copied in first, to keep the order.
            for part in self.static_parts.drain(..) {
                self.body.extend_from_slice(part);
            }
        }
        &mut self.body
    }

    /// Replaces the body with a copy of `bytes`.
    pub fn set_body(&mut self, bytes: impl AsRef<[u8]>) -> &mut Response {
        self.static_body = None;
        self.static_parts.clear();
        self.body.clear();
        self.body.extend_from_slice(bytes.as_ref());
        self
    }

    /// Replaces the body with `bytes`, which are sent from where they are: no copy into the
    /// response. Appending later ([`Response::write`], [`Response::body_mut`]) copies them
    /// into the body buffer first.
    pub fn set_static_body(&mut self, bytes: &'static [u8]) -> &mut Response {
        self.body.clear();
        self.static_parts.clear();
        self.static_body = Some(bytes);
        self
    }

    /// Appends a static part to the body, sent from where it lives: the body is then what
    /// was set or written so far followed by each pushed part, in order ([`Response::body_parts`]).
    /// Drivers that gather (http.sys takes a list of chunks) send the parts without
    /// concatenating them; writing to the body afterwards copies them into the body buffer
    /// first.
    pub fn push_static(&mut self, bytes: &'static [u8]) -> &mut Response {
        self.static_parts.push(bytes);
        self
    }

    /// The body's pieces in order: the body set or written, then the parts pushed with
    /// [`Response::push_static`]. Empty pieces are skipped.
    pub fn body_parts(&self) -> impl Iterator<Item = &[u8]> {
        std::iter::once(self.body()).chain(self.static_parts.iter().copied()).filter(|p| !p.is_empty())
    }

    /// The body's length: the sum of its parts.
    #[inline]
    pub fn body_len(&self) -> usize {
        let parts = if self.static_parts.is_empty() { 0 } else { self.static_parts.iter().map(|p| p.len()).sum() };
        self.body().len() + parts
    }

    /// The parts pushed with [`Response::push_static`], which follow [`Response::body`].
    #[inline]
    pub fn static_parts(&self) -> &[&'static [u8]] {
        &self.static_parts
    }

    /// Appends to the body.
    pub fn write(&mut self, bytes: impl AsRef<[u8]>) -> &mut Response {
        self.body_mut().extend_from_slice(bytes.as_ref());
        self
    }

    /// The body set or written so far, without the parts pushed with
    /// [`Response::push_static`] (see [`Response::body_parts`] for the whole body).
    pub fn body(&self) -> &[u8] {
        match self.static_body {
            Some(s) => s,
            None => &self.body,
        }
    }

    /// The header lines added with [`Response::header`] (`Name: value\r\n` each); the
    /// `Content-Type` line is apart ([`Response::content_type_line`]).
    pub fn header_bytes(&self) -> &[u8] {
        &self.headers
    }

    /// Asks for the connection to close after this response.
    pub fn close(&mut self) -> &mut Response {
        self.close = true;
        self
    }

    /// Whether [`Response::close`] was asked for.
    pub fn wants_close(&self) -> bool {
        self.close
    }

    /// The first misuse recorded (an invalid or reserved header), if any.
    pub fn misuse(&self) -> Option<Error> {
        self.misuse
    }
}

/// A `Content-Type` value for [`Response::content_type`]. The constants and
/// [`ContentType::from_static`] are checked when they are made (at compile time for a
/// `const`), so setting them skips the check; a `&str` converts into an unchecked one, which
/// `content_type` checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentType<'a> {
    value: &'a str,
    checked: bool,
    /// The whole header line, for the constants: written with one copy.
    line: Option<&'static str>,
}

/// A constant with its header line.
macro_rules! content_type {
    ($value:literal) => {{
        let checked = ContentType::from_static($value);
        ContentType { line: Some(concat!("Content-Type: ", $value, "\r\n")), ..checked }
    }};
}

impl ContentType<'static> {
    /// `text/plain`.
    pub const TEXT_PLAIN: ContentType<'static> = content_type!("text/plain");
    /// `text/plain; charset=utf-8`.
    pub const TEXT_PLAIN_UTF8: ContentType<'static> = content_type!("text/plain; charset=utf-8");
    /// `text/html; charset=utf-8`.
    pub const HTML: ContentType<'static> = content_type!("text/html; charset=utf-8");
    /// `application/json`.
    pub const JSON: ContentType<'static> = content_type!("application/json");
    /// `application/octet-stream`.
    pub const OCTET_STREAM: ContentType<'static> = content_type!("application/octet-stream");

    /// A checked value.
    ///
    /// # Panics
    /// If `value` is not a valid field value (a control byte, or leading or trailing
    /// whitespace); in a `const`, that is a compile error.
    pub const fn from_static(value: &'static str) -> ContentType<'static> {
        let b = value.as_bytes();
        let mut i = 0;
        while i < b.len() {
            assert!(crate::simd::scalar::is_value_byte(b[i]), "invalid Content-Type value");
            i += 1;
        }
        if let (Some(&first), Some(&last)) = (b.first(), b.last()) {
            assert!(first != b' ' && first != b'\t' && last != b' ' && last != b'\t', "invalid Content-Type value");
        }
        ContentType { value, checked: true, line: None }
    }
}

impl ContentType<'_> {
    /// The value.
    pub fn as_str(&self) -> &str {
        self.value
    }
}

impl<'a> From<&'a str> for ContentType<'a> {
    fn from(value: &'a str) -> Self {
        ContentType { value, checked: false, line: None }
    }
}

/// [`value_ok`] for one part, a word at a time.
#[inline]
fn value_ok_one(v: &[u8]) -> bool {
    all_value_bytes(v) && !matches!(v.first(), Some(b' ' | b'\t')) && !matches!(v.last(), Some(b' ' | b'\t'))
}

/// Whether the concatenation of `parts` is a valid field value: field-value bytes, without
/// leading or trailing whitespace. Part by part (a flattened iterator costs several times more
/// per byte).
fn value_ok(parts: &[&[u8]]) -> bool {
    let mut ok = true;
    for part in parts {
        ok &= part.iter().all(|&b| is_value_byte(b));
    }
    let first = parts.iter().find_map(|p| p.first().copied());
    let last = parts.iter().rev().find_map(|p| p.last().copied());
    ok && !matches!(first, Some(b' ' | b'\t')) && !matches!(last, Some(b' ' | b'\t'))
}
