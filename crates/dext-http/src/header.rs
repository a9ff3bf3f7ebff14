//! Header views, and the header fields recognised once during the scan.

/// A header field as a view into the read buffer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Header<'b> {
    /// The field name as sent (compare it case-insensitively).
    pub name: &'b str,
    /// The field value, without leading and trailing whitespace. It may hold obs-text bytes
    /// (`0x80..=0xff`), so it is bytes, not `str`.
    pub value: &'b [u8],
}

macro_rules! known {
    ($($name:ident = $lower:literal,)*) => {
        /// Header fields that the parser recognises while scanning, so that neither the codec
        /// nor handlers search the header list for them again.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum KnownHeader {
            $(
                #[doc = concat!("`", $lower, "`")]
                $name,
            )*
        }

        impl KnownHeader {
            /// How many known headers there are.
            pub const COUNT: usize = [$(KnownHeader::$name),*].len();

            /// The lower-case field name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(KnownHeader::$name => $lower,)*
                }
            }

        }
    };
}

known! {
    Host = "host",
    ContentLength = "content-length",
    TransferEncoding = "transfer-encoding",
    Connection = "connection",
    Expect = "expect",
    ContentType = "content-type",
    Accept = "accept",
    AcceptEncoding = "accept-encoding",
    AcceptLanguage = "accept-language",
    UserAgent = "user-agent",
    Cookie = "cookie",
    Authorization = "authorization",
    Upgrade = "upgrade",
    Te = "te",
    Trailer = "trailer",
    Origin = "origin",
    Referer = "referer",
    CacheControl = "cache-control",
    IfNoneMatch = "if-none-match",
    IfModifiedSince = "if-modified-since",
    Range = "range",
    ContentEncoding = "content-encoding",
    Traceparent = "traceparent",
    Tracestate = "tracestate",
}

impl KnownHeader {
    /// Recognises a field name (ASCII case-insensitive). `name` must consist of `tchar`s,
    /// which makes the `| 0x20` folding in the compare exact: among tchars it only maps `A-Z`
    /// to `a-z`. The length picks the candidates, so most names cost one or two compares.
    #[inline]
    pub fn from_name(name: &[u8]) -> Option<KnownHeader> {
        use KnownHeader::*;
        let candidates: &[KnownHeader] = match name.len() {
            2 => &[Te],
            4 => &[Host],
            5 => &[Range],
            6 => &[Accept, Expect, Cookie, Origin],
            7 => &[Upgrade, Trailer, Referer],
            10 => &[Connection, UserAgent, Tracestate],
            11 => &[Traceparent],
            12 => &[ContentType],
            13 => &[Authorization, CacheControl, IfNoneMatch],
            14 => &[ContentLength],
            15 => &[AcceptEncoding, AcceptLanguage],
            16 => &[ContentEncoding],
            17 => &[TransferEncoding, IfModifiedSince],
            _ => return None,
        };
        candidates.iter().copied().find(|k| eq_folded(name, k.as_str().as_bytes()))
    }
}

/// Compares `a` (tchars) with the lower-case ASCII `lower`, folding `a` eight bytes at a time.
#[inline(always)]
fn eq_folded(a: &[u8], lower: &[u8]) -> bool {
    debug_assert_eq!(a.len(), lower.len());
    let mut i = 0;
    while i + 8 <= a.len() {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().unwrap_or([0; 8]));
        let y = u64::from_le_bytes(lower[i..i + 8].try_into().unwrap_or([0; 8]));
        if x | 0x2020_2020_2020_2020 != y {
            return false;
        }
        i += 8;
    }
    while i < a.len() {
        if a[i] | 0x20 != lower[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// ASCII case-insensitive equality for arbitrary bytes (used on values such as `chunked`).
#[inline]
pub(crate) fn eq_ignore_case(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// `true` for `tchar` (RFC 9110 section 5.6.2).
pub(crate) static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        i += 1;
    }
    t
};

/// Index of the first byte in `bytes` that is not a `tchar`, or `bytes.len()`.
#[inline(always)]
pub(crate) fn token_end(bytes: &[u8]) -> usize {
    let mut i = 0;
    while i < bytes.len() && TCHAR[bytes[i] as usize] {
        i += 1;
    }
    i
}

/// Iterates over the elements of a comma-separated list value (RFC 9110 section 5.6.1),
/// trimmed of whitespace, skipping empty elements.
pub(crate) fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(trim).filter(|e| !e.is_empty())
}

/// `value` without leading and trailing SP/HTAB.
#[inline]
pub(crate) fn trim(value: &[u8]) -> &[u8] {
    let start = value.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(value.len());
    let end = value.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(start, |i| i + 1);
    &value[start..end]
}
