//! Numbers: the scan of a number's text (grammar of RFC 8259 section 6), which also computes
//! its value as `w × 10^q` on the way, eight digits at a time, and the exact conversions.

use super::lemire;
use crate::error::ErrorKind;

/// A number token: its text as written (already checked against the grammar, so ASCII), and
/// its decimal value as read.
#[derive(Clone, Copy)]
pub struct Number<'a> {
    text: &'a [u8],
    /// The significant digits as an integer (when `EXACT`).
    w: u64,
    /// In one word, so that a `Number` is three words moved whole (a `u8` field beside an
    /// `i32` made the compiler store them apart and load them together, a stalled
    /// store-to-load forward on every number): bits 0..32, the power of ten that `w` is
    /// multiplied by, an `i32` (saturated far outside any double's range); bits 32..40, the
    /// flags; bits 40..48, the significant digits (capped at 255; 0 when not computed).
    meta: u64,
}

impl core::fmt::Debug for Number<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Number")
            .field("text", &self.as_str())
            .field("w", &self.w)
            .field("q", &self.q())
            .field("flags", &self.flags())
            .field("significant", &self.significant())
            .finish()
    }
}

/// The `meta` word of a [`Number`].
#[inline(always)]
fn meta(q: i32, flags: u8, significant: u8) -> u64 {
    u64::from(q as u32) | u64::from(flags) << 32 | u64::from(significant) << 40
}

/// No fraction and no exponent.
const INTEGER: u8 = 1;
/// A leading `-`.
const NEGATIVE: u8 = 2;
/// At most 19 significant digits: `w` holds them all.
const EXACT: u8 = 4;

impl PartialEq for Number<'_> {
    /// Numbers are equal when written alike.
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Number<'_> {}

/// `0x0101..01`: one in each byte of a `u64`.
const ONES: u64 = u64::MAX / 255;

/// 10^k for k = 0..=19.
const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut k = 1;
    while k < 20 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// How many of the bytes of `x` (first byte in the low bits) are ASCII digits before the
/// first that is not (8 when all are). A byte is a digit when its high nibble is 3 and adding
/// 6 does not carry out of its low nibble (0x30..=0x39); the addition may carry into the
/// next byte only from a byte that is not a digit, so every byte before the first such one
/// is judged right, and that one too.
#[inline(always)]
fn digit_count(x: u64) -> u32 {
    const HIGH_NIBBLES: u64 = ONES * 0xf0;
    let m = ((x & HIGH_NIBBLES) ^ (ONES * 0x30)) | ((x.wrapping_add(ONES * 0x06) & HIGH_NIBBLES) ^ (ONES * 0x30));
    m.trailing_zeros() / 8
}

/// The value of eight ASCII digits (first digit in the low byte): pairs in one step, then
/// the four pairs in two independent multiplications whose weights meet in the top half.
#[inline(always)]
fn eight_value(x: u64) -> u64 {
    let x = x - ONES * 0x30;
    // Each byte pair's low byte: 10 × that byte + the next (the high bytes hold junk).
    let x = x.wrapping_mul(10).wrapping_add(x >> 8);
    // Pairs 0 and 2 (bytes 0 and 4) weighted 10^6 and 10^2, pairs 1 and 3 (bytes 2 and 6)
    // weighted 10^4 and 1, all landing in bits 32..: the sum there is the value. (What
    // overflows is the junk above.)
    const PAIRS: u64 = 0x0000_00ff_0000_00ff;
    let even = (x & PAIRS).wrapping_mul(100 + (1_000_000 << 32));
    let odd = ((x >> 16) & PAIRS).wrapping_mul(1 + (10_000 << 32));
    even.wrapping_add(odd) >> 32
}

/// The value of the first `k` (1..=7) bytes of `x`, ASCII digits: they are moved to the top
/// of the word and the bytes below filled with `'0'`.
#[inline(always)]
fn prefix_value(x: u64, k: u32) -> u64 {
    eight_value(x << (64 - 8 * k) | (ONES * 0x30) >> (8 * k))
}

/// Digits from `i`: appends them to `w` (wrapping; the caller counts) and returns the index
/// after the last one. Eight bytes at a time while eight are left in `b`.
/// With `VALUE` false only the index is computed (`w` is left alone).
#[inline(always)]
fn digits<const VALUE: bool>(b: &[u8], mut i: usize, w: &mut u64) -> usize {
    while let Some(c) = b.get(i..i + 8) {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let k = digit_count(x);
        if k == 8 {
            if VALUE {
                *w = w.wrapping_mul(100_000_000).wrapping_add(eight_value(x));
            }
            i += 8;
            continue;
        }
        if VALUE && k > 0 {
            *w = w.wrapping_mul(POW10[k as usize]).wrapping_add(prefix_value(x, k));
        }
        return i + k as usize;
    }
    while let Some(&d) = b.get(i) {
        let d = d.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if VALUE {
            *w = w.wrapping_mul(10).wrapping_add(u64::from(d));
        }
        i += 1;
    }
    i
}

/// Scans the number that starts at `start` (a `-` or a digit): the number and the index after
/// it, or the error and where it is.
#[inline]
pub(super) fn scan(b: &[u8], start: usize) -> Result<(Number<'_>, usize), (ErrorKind, usize)> {
    scan_as::<true>(b, start)
}

/// [`scan`] that only checks the grammar (for callers that keep the text): the number it
/// gives has no value (`EXACT` clear, and it is not to be converted).
#[inline]
pub(super) fn scan_text(b: &[u8], start: usize) -> Result<(Number<'_>, usize), (ErrorKind, usize)> {
    scan_as::<false>(b, start)
}

/// The value of the `n` (at most 19) digits at `window[p..]`, eight at a time (`p + n` at
/// most 20, so that every eight-byte step stays inside the window).
#[inline(always)]
fn window_value(window: &[u8; 32], mut p: usize, mut n: usize) -> u64 {
    let word = |p: usize| {
        let c = &window[p..p + 8];
        u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])
    };
    let mut v = 0u64;
    while n >= 8 {
        v = v * 100_000_000 + eight_value(word(p));
        p += 8;
        n -= 8;
    }
    if n > 0 {
        v = v * POW10[n] + prefix_value(word(p), n as u32);
    }
    v
}

/// The common number, found by one look at the 32 bytes from its first digit: no exponent,
/// the byte after it inside the window, and for the value (`VALUE`) a nonzero first digit
/// and at most 19 digits in all. Where its parts end comes from one mask of the bytes that
/// are not digits, so that the next read does not wait on the digits' values. `None` for
/// any other number (and for any error), which the general scan then takes; otherwise the
/// same number as the general scan's, field for field.
#[inline(always)]
fn scan_common<const VALUE: bool>(b: &[u8], start: usize) -> Option<(Number<'_>, usize)> {
    let negative = b.get(start) == Some(&b'-');
    let s = start + usize::from(negative);
    let window: &[u8; 32] = b.get(s..s + 32)?.try_into().ok()?;
    let first = window[0];
    // The value's significant digits start after leading zeros: the general scan counts.
    if !first.is_ascii_digit() || (VALUE && first == b'0') {
        return None;
    }
    let mask = crate::simd::non_digits(window);
    // Digits in the integer part: at least 1, and the byte after them is in the window.
    let whole = mask.trailing_zeros() as usize;
    if whole > if VALUE { 19 } else { 30 } || (first == b'0' && whole > 1) {
        return None;
    }
    let mut w = if VALUE { window_value(window, 0, whole) } else { 0 };
    let mut flags = INTEGER | if VALUE { EXACT } else { 0 };
    let (mut q, mut end, mut digits) = (0, whole, if first == b'0' { 0 } else { whole });
    if window[whole] == b'.' {
        // Digits in the fraction: the mask's bits above the point. None of the zeros
        // shifted in may count, so the end must be inside the window: the 19-digit limit
        // keeps it at most 20 bytes in.
        let fraction = (mask >> (whole + 1)).trailing_zeros() as usize;
        if fraction == 0 || (VALUE && whole + fraction > 19) || whole + 1 + fraction >= 32 {
            return None;
        }
        if VALUE {
            w = w * POW10[fraction] + window_value(window, whole + 1, fraction);
        }
        q = -(fraction as i32);
        flags &= !INTEGER;
        end = whole + 1 + fraction;
        digits += fraction;
    }
    // An exponent, or bytes glued on: the general scan.
    // (Not a digit: the mask ended there. A letter is one of 52: `|0x20` folds the cases.)
    let after = window[end];
    if after == b'.' || (after | 0x20).wrapping_sub(b'a') < 26 {
        return None;
    }
    if negative {
        flags |= NEGATIVE;
    }
    let end = s + end;
    Some((Number { text: &b[start..end], w, meta: meta(q, flags, digits as u8) }, end))
}

#[inline(always)]
fn scan_as<const VALUE: bool>(b: &[u8], start: usize) -> Result<(Number<'_>, usize), (ErrorKind, usize)> {
    if let Some(found) = scan_common::<VALUE>(b, start) {
        return Ok(found);
    }
    scan_general::<VALUE>(b, start)
}

/// The scan of any number, digit group by digit group.
#[inline(always)]
fn scan_general<const VALUE: bool>(b: &[u8], start: usize) -> Result<(Number<'_>, usize), (ErrorKind, usize)> {
    let end_or = |at: usize, kind| if at >= b.len() { (ErrorKind::UnexpectedEnd, b.len()) } else { (kind, at) };
    let mut i = start;
    let mut flags = INTEGER;
    if b.get(i) == Some(&b'-') {
        flags |= NEGATIVE;
        i += 1;
    }
    let mut w = 0u64;
    let significant_from;
    match b.get(i) {
        Some(b'0') => {
            i += 1;
            significant_from = None;
        }
        Some(b'1'..=b'9') => {
            significant_from = Some(i);
            i = digits::<VALUE>(b, i, &mut w);
        }
        _ => return Err(end_or(i, ErrorKind::InvalidNumber)),
    }
    // Significant digits: the integer part's, and the fraction's after its leading zeros when
    // the integer part is 0.
    let mut significant = significant_from.map_or(0, |from| i - from);
    let mut q: i64 = 0;
    if b.get(i) == Some(&b'.') {
        flags &= !INTEGER;
        let from = i + 1;
        i = from;
        if VALUE && w == 0 {
            while b.get(i) == Some(&b'0') {
                i += 1;
            }
        }
        let lead = i;
        i = digits::<VALUE>(b, i, &mut w);
        if i == from {
            return Err(end_or(i, ErrorKind::InvalidNumber));
        }
        significant += i - lead;
        q = -((i - from) as i64);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        flags &= !INTEGER;
        i += 1;
        let negative = b.get(i) == Some(&b'-');
        i += usize::from(matches!(b.get(i), Some(b'+' | b'-')));
        let from = i;
        let mut x: i64 = 0;
        while let Some(&d) = b.get(i) {
            let d = d.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            x = (x * 10 + i64::from(d)).min(1 << 20);
            i += 1;
        }
        if i == from {
            return Err(end_or(i, ErrorKind::InvalidNumber));
        }
        q += if negative { -x } else { x };
    }
    // The grammar ends here; a digit or letter glued on (`01`, `1x`) is not a number.
    if b.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.') {
        return Err((ErrorKind::InvalidNumber, i));
    }
    if VALUE && significant <= 19 {
        flags |= EXACT;
    }
    let q = q.clamp(-(1 << 21), 1 << 21) as i32;
    let significant = u8::try_from(significant).unwrap_or(u8::MAX);
    Ok((Number { text: &b[start..i], w, meta: meta(q, flags, significant) }, i))
}

/// `text` as a number, if all of it is one by the grammar (for numbers found inside strings,
/// such as integer map keys).
#[cfg(feature = "serde")]
pub(crate) fn parse_whole(text: &[u8]) -> Option<Number<'_>> {
    match text.first() {
        Some(b'-' | b'0'..=b'9') => match scan(text, 0) {
            Ok((n, end)) if end == text.len() => Some(n),
            _ => None,
        },
        _ => None,
    }
}

impl<'a> Number<'a> {
    /// The power of ten that `w` is multiplied by.
    #[inline(always)]
    fn q(&self) -> i32 {
        self.meta as u32 as i32
    }

    #[inline(always)]
    fn flags(&self) -> u8 {
        (self.meta >> 32) as u8
    }

    /// Significant digits (capped at 255; 0 when not computed).
    #[inline(always)]
    fn significant(&self) -> u8 {
        (self.meta >> 40) as u8
    }

    /// The number written as `text`, which the reader has already checked against the grammar.
    pub(crate) fn from_text(text: &'a [u8]) -> Number<'a> {
        match scan(text, 0) {
            Ok((n, _)) => n,
            Err(_) => Number { text, w: 0, meta: 0 },
        }
    }

    /// The text as written (for example to keep big numbers exactly).
    pub fn as_str(&self) -> &'a str {
        // The grammar admits only ASCII digits, signs, `.` and `e`: always UTF-8.
        core::str::from_utf8(self.text).unwrap_or_default()
    }

    /// The text as written, as bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.text
    }

    /// Whether it is written as an integer (no `.`, no exponent).
    pub fn is_integer(&self) -> bool {
        self.flags() & INTEGER != 0
    }

    /// Whether it is written with a leading `-` (so `-0` is negative).
    pub fn is_negative(&self) -> bool {
        self.flags() & NEGATIVE != 0
    }

    /// The value as a `u64`, if it is written as an integer in range (`-0` is 0).
    #[inline]
    pub fn as_u64(&self) -> Option<u64> {
        match self.flags() & (INTEGER | NEGATIVE | EXACT) {
            f if f == INTEGER | EXACT => Some(self.w),
            f if f == INTEGER | NEGATIVE | EXACT => (self.w == 0).then_some(0),
            // Twenty digits may still fit.
            INTEGER => accumulate(self.text),
            _ => None,
        }
    }

    /// The value as an `i64`, if it is written as an integer in range.
    #[inline]
    pub fn as_i64(&self) -> Option<i64> {
        match self.flags() & (INTEGER | NEGATIVE | EXACT) {
            f if f == INTEGER | EXACT => i64::try_from(self.w).ok(),
            // `i64::MIN`'s magnitude is one more than `i64::MAX`.
            f if f == INTEGER | NEGATIVE | EXACT => 0i64.checked_sub_unsigned(self.w),
            // More than 19 digits never fit.
            _ => None,
        }
    }

    /// The nearest `f64` (correctly rounded, as `str::parse` does); an exponent too large
    /// gives an infinity, too small a zero.
    #[inline]
    pub fn as_f64(&self) -> f64 {
        if self.flags() & EXACT != 0 {
            let q = i64::from(self.q());
            if let Some(v) = lemire::clinger(self.w, q).or_else(|| lemire::eisel_lemire(self.w, q)) {
                return if self.is_negative() { -v } else { v };
            }
        }
        self.parse_slow()
    }

    /// Whether no 64-bit integer and no `f64` holds the value as written: an integer beyond
    /// `u64` and `i64`, or a fraction or exponent with more than 17 significant digits (an
    /// `f64` keeps 17 at most), or beyond `f64`'s range either way (an infinity, or a zero
    /// from digits that are not all zero).
    pub fn is_big(&self) -> bool {
        if self.is_integer() {
            return self.as_u64().is_none() && self.as_i64().is_none();
        }
        if self.significant() > 17 {
            return true;
        }
        let v = self.as_f64();
        v.is_infinite() || (v == 0.0 && self.significant() > 0)
    }

    /// More than 19 significant digits, or a rare undecided case.
    #[cold]
    fn parse_slow(&self) -> f64 {
        // The grammar checked by the reader is a subset of what `parse` accepts.
        self.as_str().parse().unwrap_or(f64::NAN)
    }
}

/// The digits' value, `None` on overflow.
fn accumulate(digits: &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every position of a word of digits, against a byte-at-a-time count
    /// and value.
    #[test]
    fn digit_words_count_and_value_like_bytes() {
        for at in 0..8 {
            for stop in 0..=255u8 {
                let mut word = *b"90817263";
                word[at] = stop;
                let x = u64::from_le_bytes(word);
                let k = word.iter().take_while(|b| b.is_ascii_digit()).count();
                assert_eq!(digit_count(x) as usize, k, "{word:?}");
                let want = word[..k].iter().fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
                if (1..8).contains(&k) {
                    assert_eq!(prefix_value(x, k as u32), want, "{word:?}");
                }
            }
        }
        assert_eq!(eight_value(u64::from_le_bytes(*b"12345678")), 12_345_678);
    }

    /// The one-look scan of common numbers against the general scan, on numbers of every
    /// shape (valid and not) with the bytes after them varied: wherever the one-look scan
    /// answers, it answers the same number, end and all.
    #[test]
    fn common_numbers_scan_like_the_general_scan() {
        let mut next = crate::read::tests::xorshift(0x0123_4567_89ab_cdef);
        let tails: [&[u8]; 10] = [b",", b"]", b"}", b" ", b"e5", b"E-3", b".", b"x", b"0", b"\n"];
        let (mut taken, mut taken_text) = (0, 0);
        for _ in 0..300_000 {
            let mut text = Vec::new();
            if next() % 2 == 0 {
                text.push(b'-');
            }
            let digit = |r: u64| b'0' + (r % 10) as u8;
            for _ in 0..next() % 24 {
                text.push(digit(next()));
            }
            if next() % 3 != 0 {
                text.push(b'.');
                for _ in 0..next() % 24 {
                    text.push(digit(next()));
                }
            }
            text.extend_from_slice(tails[(next() % tails.len() as u64) as usize]);
            // Then as many bytes of padding (digits or not) as make 32 after the sign, or
            // fewer.
            for _ in 0..next() % 40 {
                text.push(if next() % 2 == 0 { b'7' } else { b' ' });
            }
            let fields = |n: Number<'_>| (n.text.to_vec(), n.w, n.q(), n.flags(), n.significant());
            let general = scan_general::<true>(&text, 0);
            if let Some((n, end)) = scan_common::<true>(&text, 0) {
                taken += 1;
                let (g, g_end) = general.unwrap_or_else(|e| panic!("{:?}: {e:?}", String::from_utf8_lossy(&text)));
                assert_eq!((fields(n), end), (fields(g), g_end), "{:?}", String::from_utf8_lossy(&text));
            }
            // The text only (no value), as the DOM and `validate` scan.
            let general = scan_general::<false>(&text, 0);
            if let Some((n, end)) = scan_common::<false>(&text, 0) {
                taken_text += 1;
                let (g, g_end) = general.unwrap_or_else(|e| panic!("{:?}: {e:?}", String::from_utf8_lossy(&text)));
                assert_eq!((fields(n), end), (fields(g), g_end), "{:?}", String::from_utf8_lossy(&text));
            }
        }
        // The one-look scan took a good share of them (the test sees it work, not only
        // decline).
        assert!(taken > 30_000 && taken_text > taken, "{taken} {taken_text}");
    }
}
