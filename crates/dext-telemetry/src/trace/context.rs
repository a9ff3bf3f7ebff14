//! W3C Trace Context: ids, flags, and the `traceparent`/`tracestate` headers.
//!
//! Parsing works on the header's bytes in place and allocates nothing; formatting writes
//! into a caller's fixed buffer. The rules are those of W3C Trace Context Level 2
//! (<https://www.w3.org/TR/trace-context-2/>), section 3.

use std::fmt;

/// A 16-byte trace id. All zeros is the invalid id.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span (parent) id. All zeros is the invalid id.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SpanId(pub [u8; 8]);

impl TraceId {
    /// The invalid id, all zeros.
    pub const INVALID: TraceId = TraceId([0; 16]);

    /// Whether the id is not all zeros.
    pub fn is_valid(&self) -> bool {
        *self != Self::INVALID
    }

    /// The id as a `u128`, big-endian (the header's order).
    pub fn to_u128(self) -> u128 {
        u128::from_be_bytes(self.0)
    }

    /// The id from a `u128`, big-endian.
    pub fn from_u128(v: u128) -> TraceId {
        TraceId(v.to_be_bytes())
    }
}

impl SpanId {
    /// The invalid id, all zeros.
    pub const INVALID: SpanId = SpanId([0; 8]);

    /// Whether the id is not all zeros.
    pub fn is_valid(&self) -> bool {
        *self != Self::INVALID
    }

    /// The id as a `u64`, big-endian.
    pub fn to_u64(self) -> u64 {
        u64::from_be_bytes(self.0)
    }

    /// The id from a `u64`, big-endian.
    pub fn from_u64(v: u64) -> SpanId {
        SpanId(v.to_be_bytes())
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_hex(out: &mut [u8], bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 15)];
    }
}

/// Lowercase hex only, as the header's grammar (`HEXDIGLC`) demands.
fn read_hex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    if text.len() != 2 * N {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nibble(text[2 * i])? << 4) | nibble(text[2 * i + 1])?;
    }
    Some(out)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut b = [0u8; 32];
        write_hex(&mut b, &self.0);
        f.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?)
    }
}
impl fmt::Debug for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut b = [0u8; 16];
        write_hex(&mut b, &self.0);
        f.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?)
    }
}

/// The trace flags byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceFlags(pub u8);

impl TraceFlags {
    /// Bit 0: the caller may have recorded (sampled) its span.
    pub const SAMPLED: u8 = 0x01;
    /// Bit 1 (Level 2): the trace id's rightmost 7 bytes are random.
    pub const RANDOM: u8 = 0x02;

    /// Whether the sampled bit is set.
    pub fn is_sampled(self) -> bool {
        self.0 & Self::SAMPLED != 0
    }

    /// Whether the random-trace-id bit is set.
    pub fn is_random(self) -> bool {
        self.0 & Self::RANDOM != 0
    }

    /// These flags with the sampled bit set or cleared.
    pub fn with_sampled(self, sampled: bool) -> TraceFlags {
        TraceFlags(if sampled { self.0 | Self::SAMPLED } else { self.0 & !Self::SAMPLED })
    }
}

/// What identifies a span across processes: trace id, span id and flags, and whether it
/// came from another process.
///
/// Aligned to 8 bytes (32 in all): its ids are byte arrays, and at an odd offset (after an
/// enum's tag) each copy of a context was a mix of narrow stores and wide loads that the
/// processor could not forward, a stall of a dozen cycles per copy on a server's hot path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct SpanContext {
    /// The trace this span belongs to.
    pub trace_id: TraceId,
    /// The span's own id.
    pub span_id: SpanId,
    /// The flags (sampled, random).
    pub flags: TraceFlags,
    /// Whether this context was extracted from a request (a remote parent).
    pub is_remote: bool,
}

impl SpanContext {
    /// Whether both ids are valid.
    pub fn is_valid(&self) -> bool {
        self.trace_id.is_valid() && self.span_id.is_valid()
    }

    /// Whether the span is sampled.
    pub fn is_sampled(&self) -> bool {
        self.flags.is_sampled()
    }
}

/// Why a `traceparent` value was refused. The receiver then starts a new trace (and, per
/// the spec, ignores `tracestate` too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceParentError {
    /// Shorter than the 55 bytes of version 00, or version 00 with any byte after them.
    Length,
    /// The version is not two lowercase hex digits, or is `ff`.
    Version,
    /// A field is not lowercase hex of its length, or a field is not followed by `-`
    /// (or, in a higher version, the flags by the end or `-`).
    Format,
    /// The trace id is all zeros.
    ZeroTraceId,
    /// The parent id is all zeros.
    ZeroParentId,
}

impl fmt::Display for TraceParentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TraceParentError::Length => "traceparent has the wrong length",
            TraceParentError::Version => "traceparent has an invalid version",
            TraceParentError::Format => "traceparent is not version-traceid-parentid-flags",
            TraceParentError::ZeroTraceId => "traceparent trace id is all zeros",
            TraceParentError::ZeroParentId => "traceparent parent id is all zeros",
        })
    }
}

impl std::error::Error for TraceParentError {}

/// The length of a version-00 `traceparent` value: `00-` 32 `-` 16 `-` 2.
pub const TRACEPARENT_LEN: usize = 55;

/// Parses a `traceparent` header value into the remote parent's context.
///
/// Optional whitespace (spaces and tabs) around the value is ignored, as HTTP's field
/// syntax allows. Version `00` must be exactly 55 bytes. A higher version is parsed for the
/// fields version 00 defines, which must be followed by the end or by `-` (spec §3.2.4,
/// "Versioning of traceparent"); only the sampled and random bits of its flags are kept,
/// since the meaning of the others is unknown.
pub fn parse_traceparent(value: &[u8]) -> Result<SpanContext, TraceParentError> {
    let v = value.trim_ascii_start();
    let v = trim_ows_end(v);
    if v.len() < TRACEPARENT_LEN {
        return Err(TraceParentError::Length);
    }
    let version = read_hex::<1>(&v[0..2]).ok_or(TraceParentError::Version)?[0];
    if version == 0xff {
        return Err(TraceParentError::Version);
    }
    if version == 0 && v.len() != TRACEPARENT_LEN {
        return Err(TraceParentError::Length);
    }
    if v[2] != b'-' || v[35] != b'-' || v[52] != b'-' {
        return Err(TraceParentError::Format);
    }
    if v.len() > TRACEPARENT_LEN && v[TRACEPARENT_LEN] != b'-' {
        return Err(TraceParentError::Format);
    }
    let trace_id = TraceId(read_hex::<16>(&v[3..35]).ok_or(TraceParentError::Format)?);
    let span_id = SpanId(read_hex::<8>(&v[36..52]).ok_or(TraceParentError::Format)?);
    let mut flags = read_hex::<1>(&v[53..55]).ok_or(TraceParentError::Format)?[0];
    if !trace_id.is_valid() {
        return Err(TraceParentError::ZeroTraceId);
    }
    if !span_id.is_valid() {
        return Err(TraceParentError::ZeroParentId);
    }
    if version > 0 {
        flags &= TraceFlags::SAMPLED | TraceFlags::RANDOM;
    }
    Ok(SpanContext { trace_id, span_id, flags: TraceFlags(flags), is_remote: true })
}

fn trim_ows_end(v: &[u8]) -> &[u8] {
    let mut end = v.len();
    while end > 0 && matches!(v[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    &v[..end]
}

/// Writes the version-00 `traceparent` value of `cx` into `out` and returns it as text.
pub fn format_traceparent<'b>(cx: &SpanContext, out: &'b mut [u8; TRACEPARENT_LEN]) -> &'b str {
    out[0] = b'0';
    out[1] = b'0';
    out[2] = b'-';
    write_hex(&mut out[3..35], &cx.trace_id.0);
    out[35] = b'-';
    write_hex(&mut out[36..52], &cx.span_id.0);
    out[52] = b'-';
    write_hex(&mut out[53..55], &[cx.flags.0]);
    // Every byte written above is ASCII.
    std::str::from_utf8(&out[..]).unwrap_or_default()
}

/// The most list members a `tracestate` may carry (spec §3.3.1.1).
pub const TRACESTATE_MAX_MEMBERS: usize = 32;

/// A validated `tracestate` value, borrowed from the header: a list of `key=value` members,
/// most recent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceState<'a> {
    text: &'a str,
}

/// Why a `tracestate` value was refused. The spec says to discard the whole header then;
/// the `traceparent` stays valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceStateError {
    /// A member is not `key=value` by the grammar of §3.3.1.3.
    Member,
    /// The same key appears twice.
    DuplicateKey,
    /// More than 32 members.
    TooManyMembers,
}

impl fmt::Display for TraceStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TraceStateError::Member => "tracestate has an invalid list member",
            TraceStateError::DuplicateKey => "tracestate repeats a key",
            TraceStateError::TooManyMembers => "tracestate has more than 32 members",
        })
    }
}

impl std::error::Error for TraceStateError {}

impl<'a> TraceState<'a> {
    /// The empty `tracestate`.
    pub const EMPTY: TraceState<'static> = TraceState { text: "" };

    /// Validates a `tracestate` value. Empty members (`a=1,,b=2`) and whitespace around
    /// commas are allowed, as the list grammar allows; they are kept in `as_str` but skipped
    /// by `members`. Several `tracestate` header lines are one list joined by commas: join
    /// them (or validate each and concatenate) before calling this.
    pub fn parse(value: &'a [u8]) -> Result<TraceState<'a>, TraceStateError> {
        let text = std::str::from_utf8(value).map_err(|_| TraceStateError::Member)?;
        let text = text.trim_matches([' ', '\t']);
        let mut keys: [&str; TRACESTATE_MAX_MEMBERS] = [""; TRACESTATE_MAX_MEMBERS];
        let mut n = 0;
        for member in text.split(',') {
            let member = member.trim_matches([' ', '\t']);
            if member.is_empty() {
                continue;
            }
            let (key, val) = member.split_once('=').ok_or(TraceStateError::Member)?;
            if !is_key(key.as_bytes()) || !is_value(val.as_bytes()) {
                return Err(TraceStateError::Member);
            }
            if n == TRACESTATE_MAX_MEMBERS {
                return Err(TraceStateError::TooManyMembers);
            }
            if keys[..n].contains(&key) {
                return Err(TraceStateError::DuplicateKey);
            }
            keys[n] = key;
            n += 1;
        }
        Ok(TraceState { text })
    }

    /// The value as received (outer whitespace trimmed), to pass on unchanged.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// Whether there is no member.
    pub fn is_empty(&self) -> bool {
        self.members().next().is_none()
    }

    /// The members as `(key, value)`, in order (most recent first).
    pub fn members(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.text
            .split(',')
            .map(|m| m.trim_matches([' ', '\t']))
            .filter(|m| !m.is_empty())
            .filter_map(|m| m.split_once('='))
    }

    /// The value of `key`, if a member has it.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.members().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

fn is_key_char(c: u8) -> bool {
    matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/')
}

/// `simple-key` (lcalpha, then up to 255 key chars) or `multi-tenant-key`
/// (`tenant-id@system-id`: lcalpha or digit then up to 240, `@`, lcalpha then up to 13).
fn is_key(k: &[u8]) -> bool {
    match k.iter().position(|&c| c == b'@') {
        None => !k.is_empty() && k.len() <= 256 && k[0].is_ascii_lowercase() && k.iter().all(|&c| is_key_char(c)),
        Some(at) => {
            let (tenant, system) = (&k[..at], &k[at + 1..]);
            !tenant.is_empty()
                && tenant.len() <= 241
                && (tenant[0].is_ascii_lowercase() || tenant[0].is_ascii_digit())
                && tenant.iter().all(|&c| is_key_char(c))
                && !system.is_empty()
                && system.len() <= 14
                && system[0].is_ascii_lowercase()
                && system.iter().all(|&c| is_key_char(c))
        }
    }
}

/// Up to 256 printable ASCII characters other than `,` and `=`; spaces allowed inside but
/// not last (§3.3.1.3.2).
fn is_value(v: &[u8]) -> bool {
    let nblk = |c: u8| matches!(c, 0x21..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e);
    !v.is_empty() && v.len() <= 256 && nblk(v[v.len() - 1]) && v.iter().all(|&c| c == b' ' || nblk(c))
}

#[cfg(test)]
mod tests;
