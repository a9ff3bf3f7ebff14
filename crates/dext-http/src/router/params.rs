//! Captured route parameters, kept inline, and their lazy percent-decoding.

use std::borrow::Cow;
use std::fmt;

/// The most parameters (`:name` and `*name` together) one route may declare.
///
/// [`Params`] stores its captures inline in an array of this size, so a lookup never allocates; eight is
/// well above what real APIs use (their deepest routes rarely have more than four).
pub const MAX_PARAMS: usize = 8;

/// The parameters captured by a matched route, in the order they appear in the route.
///
/// Names borrow from the router (`'r`) and values from the request path (`'p`). The captures are
/// byte ranges of the path in a fixed array of [`MAX_PARAMS`] slots, so building, copying and
/// reading a `Params` never touches the heap, and a copy is about a hundred bytes.
#[derive(Clone, Copy)]
pub struct Params<'r, 'p> {
    names: &'r [Box<str>],
    path: &'p str,
    spans: [(u32, u32); MAX_PARAMS],
    len: usize,
}

impl<'r, 'p> Params<'r, 'p> {
    /// The parameters of a matched route: its parameter `names` (in route order) paired with the `captures`
    /// the search recorded in `path`.
    ///
    /// Built once, after the search, and directly as the answer: the search itself only records byte
    /// ranges, so backtracking never copies names or slices, and nothing is copied twice.
    #[inline(always)]
    pub(super) fn from_captures(names: &'r [Box<str>], path: &'p str, captures: &Captures) -> Self {
        let mut spans = [(0, 0); MAX_PARAMS];
        let len = captures.len.min(names.len()).min(MAX_PARAMS);
        for (slot, &(start, end)) in spans.iter_mut().zip(&captures.spans[..len]) {
            // Paths are far shorter than 4 GiB (the parser's limits); `get` in `value` keeps an
            // impossible overflow harmless.
            *slot = (start as u32, end as u32);
        }
        Params { names, path, spans, len }
    }

    /// No parameters (the match of a route without any).
    #[inline(always)]
    pub(super) const fn none() -> Self {
        Params { names: &[], path: "", spans: [(0, 0); MAX_PARAMS], len: 0 }
    }

    /// The number of captured parameters.
    #[inline]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the route captured no parameter.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`th pair (`i < len`).
    #[inline]
    fn pair(&self, i: usize) -> (&'r str, &'p str) {
        let name = self.names.get(i).map_or("", |n| &**n);
        let (start, end) = self.spans.get(i).copied().unwrap_or_default();
        // Captures start after a `/` and end at a `/` or the end of the path, so they are char
        // boundaries and `get` succeeds; an empty value would be the harmless fallback.
        (name, self.path.get(start as usize..end as usize).unwrap_or(""))
    }

    /// The value captured for `name`, if the route has a parameter of that name.
    ///
    /// A linear scan: with at most [`MAX_PARAMS`] short names it beats any map.
    #[inline]
    pub fn get(&self, name: &str) -> Option<Param<'p>> {
        let i = self.names.get(..self.len)?.iter().position(|n| **n == *name)?;
        Some(Param { raw: self.pair(i).1 })
    }

    /// Iterates over the `(name, value)` pairs in route order.
    #[inline]
    pub fn iter(&self) -> ParamsIter<'_, 'r, 'p> {
        ParamsIter { params: self, front: 0, back: self.len }
    }
}

/// The byte ranges of the path captured so far by the search, one per parameter node on the current tree
/// path; [`Params::from_captures`] pairs them with the route's parameter names once a route is accepted.
#[derive(Clone, Copy, Debug)]
pub(super) struct Captures {
    spans: [(usize, usize); MAX_PARAMS],
    len: usize,
}

impl Captures {
    /// No capture yet.
    #[inline(always)]
    pub(super) const fn new() -> Self {
        Captures { spans: [(0, 0); MAX_PARAMS], len: 0 }
    }

    /// Records `start..end`; returns `false` (and records nothing) when all slots are taken.
    ///
    /// The search records one capture per parameter node on the current tree path, and insertion rejects
    /// routes with more than [`MAX_PARAMS`] parameters, so `false` cannot happen; returning it instead of
    /// panicking keeps the lookup path free of panics all the same.
    #[inline(always)]
    pub(super) fn push(&mut self, start: usize, end: usize) -> bool {
        match self.spans.get_mut(self.len) {
            Some(slot) => {
                *slot = (start, end);
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// The current length, to restore with [`Captures::truncate`] when a branch of the search fails.
    #[inline(always)]
    pub(super) const fn mark(&self) -> usize {
        self.len
    }

    /// Forgets the captures pushed since `mark` was taken.
    #[inline(always)]
    pub(super) fn truncate(&mut self, mark: usize) {
        self.len = mark;
    }
}

impl fmt::Debug for Params<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries((0..self.len).map(|i| self.pair(i))).finish()
    }
}

impl PartialEq for Params<'_, '_> {
    /// Compares the captured pairs only; unused slots do not take part.
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && (0..self.len).all(|i| self.pair(i) == other.pair(i))
    }
}

impl Eq for Params<'_, '_> {}

impl<'a, 'r, 'p> IntoIterator for &'a Params<'r, 'p> {
    type Item = (&'r str, Param<'p>);
    type IntoIter = ParamsIter<'a, 'r, 'p>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over the `(name, value)` pairs of [`Params`], returned by [`Params::iter`].
#[derive(Clone, Debug)]
pub struct ParamsIter<'a, 'r, 'p> {
    params: &'a Params<'r, 'p>,
    front: usize,
    back: usize,
}

impl<'r, 'p> Iterator for ParamsIter<'_, 'r, 'p> {
    type Item = (&'r str, Param<'p>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        let (n, v) = self.params.pair(self.front);
        self.front += 1;
        Some((n, Param { raw: v }))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.back - self.front, Some(self.back - self.front))
    }
}

impl ExactSizeIterator for ParamsIter<'_, '_, '_> {}

impl DoubleEndedIterator for ParamsIter<'_, '_, '_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        let (n, v) = self.params.pair(self.back);
        Some((n, Param { raw: v }))
    }
}

/// One captured parameter value, exactly as it appeared in the request path.
///
/// The router never decodes: most values (ids, slugs) contain no `%` at all, so decoding is left to the
/// handler that needs it, through [`Param::decode_into`] (no allocation) or [`Param::decoded`]. `+` is kept
/// as is: it means a space only in `application/x-www-form-urlencoded` query strings, not in paths.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Param<'p> {
    raw: &'p str,
}

impl<'p> Param<'p> {
    /// The value as it appeared in the path, still percent-encoded.
    #[inline]
    pub const fn raw(&self) -> &'p str {
        self.raw
    }

    /// The length of the value once percent-decoded.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidEscape`] for the first `%` not followed by two hex digits.
    pub fn decoded_len(&self) -> Result<usize, DecodeError> {
        Decoder::new(self.raw.as_bytes()).try_fold(0, |n, b| b.map(|_| n + 1))
    }

    /// Percent-decodes the value into `buf` and returns the decoded text, without allocating.
    ///
    /// A value of `n` bytes never decodes to more than `n` bytes, so a buffer as long as [`Param::raw`] is
    /// always enough.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidEscape`] for a `%` not followed by two hex digits, [`DecodeError::BufferTooSmall`]
    /// when `buf` is shorter than the decoded value (reported only if all escapes are valid), and
    /// [`DecodeError::InvalidUtf8`] when the decoded bytes are not UTF-8. On error the contents of `buf` are
    /// unspecified.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, DecodeError> {
        let mut n = 0;
        for byte in Decoder::new(self.raw.as_bytes()) {
            let byte = byte?;
            match buf.get_mut(n) {
                Some(slot) => *slot = byte,
                // Out of room: finish scanning so that a bad escape further on wins, and report the size.
                None => return Err(DecodeError::BufferTooSmall { needed: self.decoded_len()? }),
            }
            n += 1;
        }
        // `n` counts successful writes into `buf`, so `n <= buf.len()`; `get` keeps it panic-free anyway.
        let out = buf.get(..n).unwrap_or(&[]);
        std::str::from_utf8(out).map_err(|_| DecodeError::InvalidUtf8)
    }

    /// The percent-decoded value: borrowed when it contains no `%`, otherwise decoded into a new `String`.
    ///
    /// # Errors
    ///
    /// As [`Param::decode_into`], except [`DecodeError::BufferTooSmall`], which cannot happen.
    pub fn decoded(&self) -> Result<Cow<'p, str>, DecodeError> {
        if !self.raw.as_bytes().contains(&b'%') {
            return Ok(Cow::Borrowed(self.raw));
        }
        let mut out = Vec::with_capacity(self.raw.len());
        for byte in Decoder::new(self.raw.as_bytes()) {
            out.push(byte?);
        }
        String::from_utf8(out).map(Cow::Owned).map_err(|_| DecodeError::InvalidUtf8)
    }
}

impl fmt::Display for Param<'_> {
    /// Writes the raw (still encoded) value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}

/// Why a parameter value could not be percent-decoded.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum DecodeError {
    /// A `%` at byte offset `at` of the raw value is not followed by two hex digits (this includes a `%` cut
    /// short by the end of the value).
    InvalidEscape {
        /// Byte offset of the offending `%` in the raw value.
        at: usize,
    },
    /// The decoded bytes are not valid UTF-8.
    InvalidUtf8,
    /// The output buffer is shorter than the decoded value.
    BufferTooSmall {
        /// The decoded length, i.e. the buffer size that would have been enough.
        needed: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::InvalidEscape { at } => write!(f, "invalid percent-escape at byte {at}"),
            DecodeError::InvalidUtf8 => f.write_str("percent-decoded value is not valid UTF-8"),
            DecodeError::BufferTooSmall { needed } => write!(f, "decode buffer too small ({needed} bytes needed)"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Yields the decoded bytes of a percent-encoded value, or the first bad escape (then stops).
struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Decoder { bytes, pos: 0 }
    }
}

impl Iterator for Decoder<'_> {
    type Item = Result<u8, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.pos;
        let &b = self.bytes.get(at)?;
        if b != b'%' {
            self.pos += 1;
            return Some(Ok(b));
        }
        let hi = self.bytes.get(at + 1).copied().and_then(hex);
        let lo = self.bytes.get(at + 2).copied().and_then(hex);
        match (hi, lo) {
            (Some(hi), Some(lo)) => {
                self.pos += 3;
                Some(Ok(hi << 4 | lo))
            }
            _ => {
                // Park at the end so the iterator is fused after reporting the error.
                self.pos = self.bytes.len();
                Some(Err(DecodeError::InvalidEscape { at }))
            }
        }
    }
}

/// The value of one hex digit, either case.
const fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
