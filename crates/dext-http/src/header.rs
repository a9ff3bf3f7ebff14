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

            /// Every known header, in declaration order.
            pub(crate) const ALL: [KnownHeader; Self::COUNT] = [$(KnownHeader::$name),*];

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
    /// to `a-z`. A perfect hash of the length and the first and last letters picks at most
    /// one candidate, so recognising a name costs a table load and one compare of two words
    /// (three above 16 bytes), with no branch on the name.
    #[inline(always)]
    pub fn from_name(name: &[u8]) -> Option<KnownHeader> {
        let (Some(&first), Some(&last)) = (name.first(), name.last()) else { return None };
        let slot = HASH[hash(name.len(), first, last)];
        let candidate = *KnownHeader::ALL.get(slot as usize)?;
        let words = &WORDS[candidate as usize];
        let n = name.len();
        if n != NAMES[candidate as usize].len() {
            return None;
        }
        let fold = 0x2020_2020_2020_2020u64;
        let equal = match n {
            // The one name shorter than four bytes: `te`.
            0..=3 => eq_folded(name, NAMES[candidate as usize]),
            4..=7 => word4(name, 0) as u64 | fold == words[0] && word4(name, n - 4) as u64 | fold == words[1],
            _ => {
                word8(name, 0) | fold == words[0]
                    && word8(name, n - 8) | fold == words[1]
                    && (n <= 16 || word8(name, 8) | fold == words[2])
            }
        };
        if equal { Some(candidate) } else { None }
    }
}

/// The perfect hash of a known name: distinct for the 24 names (checked when `HASH` is built),
/// from the length and the first and last bytes, folded to lower case.
#[inline(always)]
pub(crate) const fn hash(len: usize, first: u8, last: u8) -> usize {
    (len.wrapping_mul(27) ^ ((first | 0x20) as usize) << 2 ^ (last | 0x20) as usize) & 63
}

/// `KnownHeader as u8` by [`hash`], `u8::MAX` for no known name.
pub(crate) static HASH: [u8; 64] = {
    let mut table = [u8::MAX; 64];
    let mut i = 0;
    while i < KnownHeader::COUNT {
        let name = NAMES[i];
        let h = hash(name.len(), name[0], name[name.len() - 1]);
        assert!(table[h] == u8::MAX, "two known header names share a hash slot");
        table[h] = i as u8;
        i += 1;
    }
    table
};

/// The lower-case names, indexed by `KnownHeader as usize` (a load, where `as_str` is a jump).
pub(crate) static NAMES: [&[u8]; KnownHeader::COUNT] = {
    let mut names: [&[u8]; KnownHeader::COUNT] = [b""; KnownHeader::COUNT];
    let all = KnownHeader::ALL;
    let mut i = 0;
    while i < all.len() {
        names[all[i] as usize] = all[i].as_str().as_bytes();
        i += 1;
    }
    names
};

/// Whether a field value equals the lower-case token `lower` (letters, digits and `-`), ASCII
/// case-insensitively. Field values hold no control bytes (the parser refuses them), which
/// makes the `| 0x20` folding exact for such tokens: among non-control bytes it maps only
/// `A-Z` onto letters, and only `-` onto `-`.
#[inline]
pub(crate) fn eq_token(value: &[u8], lower: &[u8]) -> bool {
    value.len() == lower.len() && eq_folded(value, lower)
}

/// Each name as the words `from_name` compares, already lower-case, with the fold bits set
/// (`| 0x20` on every byte, which lower-case letters and `-` already have): the first and the
/// last 4 bytes (names of 4 to 7 bytes, widened to u64 with the high half set) or 8 bytes, and
/// bytes 8..16 for names longer than 16.
static WORDS: [[u64; 3]; KnownHeader::COUNT] = {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    const fn le(b: &[u8], at: usize, len: usize) -> u64 {
        let mut w = 0u64;
        let mut i = 0;
        while i < len {
            w |= (b[at + i] as u64) << (8 * i);
            i += 1;
        }
        w
    }
    let mut words = [[0u64; 3]; KnownHeader::COUNT];
    let mut i = 0;
    while i < KnownHeader::COUNT {
        let b = NAMES[i];
        let n = b.len();
        words[i] = if n >= 8 {
            [le(b, 0, 8) | FOLD, le(b, n - 8, 8) | FOLD, if n > 16 { le(b, 8, 8) | FOLD } else { 0 }]
        } else if n >= 4 {
            [le(b, 0, 4) | FOLD, le(b, n - 4, 4) | FOLD, 0]
        } else {
            [0, 0, 0]
        };
        i += 1;
    }
    words
};

#[inline(always)]
fn word8(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn word4(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

/// Compares `a` (tchars) with the lower-case ASCII `lower`, folding `a` a word at a time;
/// the last word overlaps the previous one instead of looping on bytes.
#[inline(always)]
fn eq_folded(a: &[u8], lower: &[u8]) -> bool {
    const FOLD8: u64 = 0x2020_2020_2020_2020;
    const FOLD4: u32 = 0x2020_2020;
    let n = a.len();
    if n != lower.len() {
        return false;
    }
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if word8(a, i) | FOLD8 != word8(lower, i) {
                return false;
            }
            i += 8;
        }
        word8(a, n - 8) | FOLD8 == word8(lower, n - 8)
    } else if n >= 4 {
        word4(a, 0) | FOLD4 == word4(lower, 0) && word4(a, n - 4) | FOLD4 == word4(lower, n - 4)
    } else {
        a.iter().zip(lower).all(|(&x, &y)| x | 0x20 == y)
    }
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
