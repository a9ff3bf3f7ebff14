//! Vector scans of string contents, and `&str`s made from bytes proved ASCII by the scan
//! itself (one of the crate's two modules with `unsafe` code; the other is `crate::out`).
//! The proof and the conversion are both in [`string_contents`] and [`string_decoded`], so
//! that no caller can hand them bytes they have not checked. Text with non-ASCII bytes is
//! cut, with checks and no `unsafe`, from a block that `simdutf8` validated ([`Utf8Ahead`]).
//!
//! On x86-64 the string scan takes sixteen bytes per step with SSE2 (part of the
//! architecture's baseline, so always there); elsewhere it is the eight-byte word scan of
//! `crate::scan`. Both are checked against the byte-at-a-time definition (`STRING_STOP`) by
//! the tests.

use crate::scan::STRING_STOP;

/// From `i`: the index of the first byte that ends a string's plain run (`"`, `\` or a
/// control character; `input.len()` if none), and whether any byte before it is not ASCII
/// (`>= 0x80`), which then needs UTF-8 validation.
#[inline(always)]
pub(crate) fn string_run(input: &[u8], i: usize) -> (usize, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::string_run(input, i)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let end = crate::scan::plain_run_end(input, i);
        (end, !input[i..end].is_ascii())
    }
}

/// From `i`: the index of the first byte that ends a string's plain run (`"`, `\\` or a
/// control character; `input.len()` if none), for input already known to be UTF-8.
#[inline(always)]
pub(crate) fn string_stop(input: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::string_stop(input, i)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        crate::scan::plain_run_end(input, i)
    }
}

/// From `i`: the index of the first byte that is not JSON whitespace (`input.len()` if none).
#[inline(always)]
pub(crate) fn whitespace_end(input: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::whitespace_end(input, i)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut i = i;
        while input.get(i).is_some_and(|&b| crate::read::is_ws(b)) {
            i += 1;
        }
        i
    }
}

/// Whether `b` holds no byte that a JSON string must escape (`"`, `\\`, control characters),
/// without reading outside it: sixteen bytes per step from 16 bytes on (the last step
/// overlapping the one before), else two overlapping words.
#[inline(always)]
pub(crate) fn is_plain(b: &[u8]) -> bool {
    let n = b.len();
    if n >= 16 {
        #[cfg(target_arch = "x86_64")]
        {
            let mut i = 0;
            while i + 16 < n {
                if sse2::masks(b[i..i + 16].try_into().unwrap_or(&[0; 16])).0 != 0 {
                    return false;
                }
                i += 16;
            }
            return sse2::masks(b[n - 16..].try_into().unwrap_or(&[0; 16])).0 == 0;
        }
        #[cfg(not(target_arch = "x86_64"))]
        return crate::scan::plain_run_end(b, 0) == n;
    }
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
    let half = |at: usize| u64::from(u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4])));
    if n >= 8 {
        word_is_plain(word(0)) && word_is_plain(word(n - 8))
    } else if n >= 4 {
        word_is_plain(half(0) | half(n - 4) << 32)
    } else {
        b.iter().all(|&c| !STRING_STOP[c as usize])
    }
}

/// Whether none of the eight bytes of `w` is `"`, `\\` or a control character: the usual
/// "has a zero byte" test, `(v - 0x01..) & !v & 0x80..`, on `w` XOR each of the two and, with
/// 0x20 in place of 0x01, on `w` itself for bytes below 0x20. Each is exact as to whether any
/// byte matches.
#[inline(always)]
fn word_is_plain(w: u64) -> bool {
    const ONES: u64 = u64::MAX / 255;
    const HIGHS: u64 = ONES * 0x80;
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let stop = (quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash)
        | (w.wrapping_sub(ONES * 0x20) & !w);
    stop & HIGHS == 0
}

/// The bytes of `window` that are not ASCII digits, as a bit mask (bit k for byte k): two
/// vector steps on x86-64, so that where a number's parts end is known in a few
/// instructions that do not wait on one another.
#[inline(always)]
pub(crate) fn non_digits(window: &[u8; 32]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        let (lo, hi) = window.split_at(16);
        let lo = sse2::non_digits(lo.try_into().unwrap_or(&[0; 16]));
        let hi = sse2::non_digits(hi.try_into().unwrap_or(&[0; 16]));
        lo | hi << 16
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        window.iter().enumerate().fold(0, |m, (k, b)| m | u32::from(!b.is_ascii_digit()) << k)
    }
}

/// How a string's contents end (see [`string_contents`]).
pub(crate) enum Contents<'a> {
    /// At the closing quote, whose index is `end`: the contents (escapes as written) as a
    /// `&str`, or the index of the first byte that is not UTF-8; and whether there are
    /// escapes.
    Closed { end: usize, text: Result<&'a str, usize>, escaped: bool },
    /// At a control character, at this index.
    Control(usize),
    /// At the end of the input, with no closing quote.
    Unterminated,
}

/// Scans a string's contents from `start` (just after its opening quote) to its closing
/// quote. `escape` is called with the index of each `\\` and returns the index after its
/// escape (or the error, which ends the scan). The contents are made a `&str` here: without
/// a UTF-8 check when every byte was seen to be ASCII (the runs by `string_run`, the escapes
/// checked here whatever `escape` says), else as part of a block validated ahead (see
/// [`Utf8Ahead`]).
#[inline(always)]
pub(crate) fn string_contents<'a, E>(
    input: &'a [u8],
    start: usize,
    ahead: &mut Utf8Ahead<'a>,
    mut escape: impl FnMut(usize) -> Result<usize, E>,
) -> Result<Contents<'a>, E> {
    let mut i = start;
    let mut escaped = false;
    let mut non_ascii = false;
    loop {
        let (end, high) = string_run(input, i);
        i = end;
        non_ascii |= high;
        match input.get(i) {
            Some(b'"') => break,
            Some(b'\\') => {
                escaped = true;
                // Escapes often come in a row (`\\u` text): take them without a run scan
                // in between.
                loop {
                    let next = escape(i)?;
                    non_ascii |= !input.get(i..next).is_some_and(<[u8]>::is_ascii);
                    i = next;
                    if input.get(i) != Some(&b'\\') {
                        break;
                    }
                }
            }
            Some(_) => return Ok(Contents::Control(i)),
            None => return Ok(Contents::Unterminated),
        }
    }
    let bytes = &input[start..i];
    let text = if non_ascii {
        ahead.text(input, start, i)
    } else {
        debug_assert!(bytes.is_ascii());
        // SAFETY: every byte of `bytes` is below 0x80: the plain runs were reported free of
        // such bytes by `string_run` (exact: the vector masks and the scalar tail test each
        // byte before the stop), and each escape's bytes were tested just above. ASCII is
        // valid UTF-8.
        Ok(unsafe { core::str::from_utf8_unchecked(bytes) })
    };
    Ok(Contents::Closed { end: i, text, escaped })
}

/// Scans a string's contents from `start` (just after its opening quote) like
/// [`string_contents`], decoding its escapes on the way: `escape` checks and decodes the one
/// whose `\\` is at the index it is given (its character and the index after it). Returns
/// the index of the closing quote, with the contents borrowed from `input` if there are no
/// escapes, else `None`, the decoded string having been appended to `out`. Returns `None`
/// for any string that `string_contents` would refuse, leaving some of it appended to
/// `out`: the caller then asks `string_contents` what is wrong.
#[cfg(feature = "serde")]
#[inline(always)]
pub(crate) fn string_decoded<'a>(
    input: &'a [u8],
    start: usize,
    ahead: &mut Utf8Ahead<'a>,
    out: &mut String,
    escape: impl Fn(&[u8], usize) -> Option<(char, usize)>,
) -> Option<(Option<&'a str>, usize)> {
    // The plain run being scanned starts at `run`; `i` is where the scan is.
    let mut run = start;
    let mut i = start;
    loop {
        let (end, high) = string_run(input, i);
        i = end;
        let stop = *input.get(i)?;
        if stop != b'"' && stop != b'\\' {
            return None;
        }
        // `input[run..i]` as a `&str`.
        let text = if high {
            ahead.text(input, run, i).ok()?
        } else {
            // SAFETY: `string_run` reported every byte of `input[run..i]` below 0x80 (exact,
            // as in `string_contents`; `run` is where that scan started), and ASCII is UTF-8.
            unsafe { core::str::from_utf8_unchecked(&input[run..i]) }
        };
        if stop == b'"' {
            if run == start {
                return Some((Some(text), i));
            }
            out.push_str(text);
            return Some((None, i));
        }
        out.push_str(text);
        i = escapes(input, i, out, &escape)?;
        run = i;
    }
}

/// Decodes the escapes from the one whose `\\` is at `i` on while they come in a row
/// (`\\u` text), without a run scan in between, appending them to `out`; the index after
/// the last. `None` at an escape that `escape` refuses.
#[inline(always)]
fn escapes(
    input: &[u8],
    mut i: usize,
    out: &mut String,
    escape: &impl Fn(&[u8], usize) -> Option<(char, usize)>,
) -> Option<usize> {
    loop {
        let (c, next) = escape(input, i)?;
        out.push(c);
        i = next;
        if input.get(i) != Some(&b'\\') {
            return Some(i);
        }
    }
}

/// Scans a string's contents from `start` like [`string_decoded`], in input whose first
/// `valid.len()` bytes are `valid` (known to be UTF-8): the text is cut from `valid` instead
/// of being validated string by string. Returns the index of the closing quote, and `true`
/// if the string has no escapes (its contents are then `input[start..end]`, inside `valid`);
/// `false` once its decoded text has been appended to `out`. `None` for any string that
/// `string_contents` would refuse, and for any that reaches past `valid` (the caller then
/// asks `string_contents`, which validates, what is wrong).
#[inline(always)]
pub(crate) fn string_span(
    input: &[u8],
    start: usize,
    valid: &str,
    out: &mut String,
    escape: impl Fn(&[u8], usize) -> Option<(char, usize)>,
) -> Option<(bool, usize)> {
    let mut i = string_stop(input, start);
    let stop = *input.get(i)?;
    if stop == b'"' {
        return (i <= valid.len()).then_some((true, i));
    }
    // Escaped (or refused): pieces of plain text between escapes, each cut from `valid`
    // (checked: inside it, at character boundaries).
    let mut run = start;
    loop {
        let stop = *input.get(i)?;
        if stop != b'"' && stop != b'\\' {
            return None;
        }
        out.push_str(valid.get(run..i)?);
        if stop == b'"' {
            return Some((false, i));
        }
        i = escapes(input, i, out, &escape)?;
        run = i;
        i = string_stop(input, i);
    }
}

/// UTF-8 validation ahead of the reader, in blocks: vector validation pays off on long
/// inputs (`simdutf8` hands anything under 64 bytes to the standard scalar check), and JSON
/// strings are mostly short. The first string with a non-ASCII byte validates the input
/// from its own start to [`Utf8Ahead::BLOCK`] bytes on (and on to the next ASCII byte, so
/// that no sequence is cut); the strings after it that end inside that block are cut from
/// the validated `&str` (a checked slice: no `unsafe`). Readers never go back, so the
/// blocks only move forward.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Utf8Ahead<'a> {
    /// The last block found to be UTF-8, and where it starts in the input.
    valid: &'a str,
    from: usize,
}

impl<'a> Utf8Ahead<'a> {
    /// How far ahead a block reaches (in fuzzing builds, little enough for the fuzzers'
    /// short inputs to cross blocks).
    const BLOCK: usize = if cfg!(fuzzing) { 24 } else { 4096 };

    /// `input[start..end]` as a `&str`, or the index of its first byte that is not UTF-8
    /// (the contents of a string or a part of them, `input` the same in every call).
    #[inline]
    fn text(&mut self, input: &'a [u8], start: usize, end: usize) -> Result<&'a str, usize> {
        // Inside the last block, and cut at character boundaries (`str::get` checks both).
        if let Some(text) = self.valid.get(start.wrapping_sub(self.from)..end.wrapping_sub(self.from)) {
            return Ok(text);
        }
        self.validate_block(input, start, end);
        if let Some(text) = self.valid.get(..end - start) {
            return Ok(text);
        }
        // Not UTF-8 somewhere. The fast check says only whether; the standard one says
        // where.
        let bytes = &input[start..end];
        simdutf8::basic::from_utf8(bytes)
            .map_err(|_| start + core::str::from_utf8(bytes).err().map_or(0, |e| e.valid_up_to()))
    }

    /// Validates from `start` to at least `end`, [`Self::BLOCK`] bytes if the input has them;
    /// as far as it is UTF-8 if it is not.
    #[inline(never)]
    fn validate_block(&mut self, input: &'a [u8], start: usize, end: usize) {
        let mut to = (start + Self::BLOCK).max(end).min(input.len());
        // On to a byte that starts a character whatever comes before it.
        while input.get(to).is_some_and(|&b| b >= 0x80) {
            to += 1;
        }
        let block = &input[start..to];
        self.from = start;
        self.valid = match simdutf8::compat::from_utf8(block) {
            Ok(valid) => valid,
            Err(e) => core::str::from_utf8(&block[..e.valid_up_to()]).unwrap_or_default(),
        };
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };

    use super::STRING_STOP;

    /// The stop bytes (`"`, `\\`, controls) and the bytes >= 0x80 among the 16 bytes of
    /// `chunk`, as bit masks (bit k for byte k).
    #[inline(always)]
    pub(super) fn masks(chunk: &[u8; 16]) -> (u32, u32) {
        // SAFETY: `chunk` is 16 readable bytes and `loadu` has no alignment requirement; the
        // other intrinsics only compute on registers, with SSE2, which every x86-64 CPU has
        // (the target's baseline).
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let below_space = _mm_set1_epi8(0x1f);
            // A control byte is one whose unsigned maximum with 0x1f is 0x1f.
            let control = _mm_cmpeq_epi8(_mm_max_epu8(v, below_space), below_space);
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            let stop = _mm_or_si128(_mm_or_si128(quote, backslash), control);
            (_mm_movemask_epi8(stop) as u32, _mm_movemask_epi8(v) as u32)
        }
    }

    /// The bytes of `chunk` that are not ASCII digits (bit k for byte k).
    #[inline(always)]
    pub(super) fn non_digits(chunk: &[u8; 16]) -> u32 {
        // SAFETY: as in `masks`: 16 readable bytes, an unaligned load, SSE2 arithmetic.
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            // A digit is a byte whose distance above '0' is at most 9 (unsigned).
            let d = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
            let digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
            !(_mm_movemask_epi8(digit) as u32) & 0xffff
        }
    }

    /// The bytes of `chunk` that are not JSON whitespace (bit k for byte k).
    #[inline(always)]
    pub(super) fn non_whitespace(chunk: &[u8; 16]) -> u32 {
        // SAFETY: as in `masks`: 16 readable bytes, an unaligned load, SSE2 comparisons.
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            let ws = _mm_or_si128(_mm_or_si128(is(b' '), is(b'\n')), _mm_or_si128(is(b'\r'), is(b'\t')));
            !(_mm_movemask_epi8(ws) as u32) & 0xffff
        }
    }

    /// See `super::whitespace_end`.
    #[inline(always)]
    pub(super) fn whitespace_end(input: &[u8], mut i: usize) -> usize {
        while let Some(chunk) = input.get(i..i + 16) {
            let other = non_whitespace(chunk.try_into().unwrap_or(&[0; 16]));
            if other != 0 {
                return i + other.trailing_zeros() as usize;
            }
            i += 16;
        }
        while input.get(i).is_some_and(|&b| crate::read::is_ws(b)) {
            i += 1;
        }
        i
    }

    /// See `super::string_stop`.
    #[inline(always)]
    pub(super) fn string_stop(input: &[u8], mut i: usize) -> usize {
        while let Some(chunk) = input.get(i..i + 16) {
            let (stop, _) = masks(chunk.try_into().unwrap_or(&[0; 16]));
            if stop != 0 {
                return i + stop.trailing_zeros() as usize;
            }
            i += 16;
        }
        while input.get(i).is_some_and(|&b| !STRING_STOP[b as usize]) {
            i += 1;
        }
        i
    }

    /// See `super::string_run`.
    #[inline(always)]
    pub(super) fn string_run(input: &[u8], mut i: usize) -> (usize, bool) {
        let mut high = 0u32;
        while let Some(chunk) = input.get(i..i + 16) {
            let (stop, top_bits) = masks(chunk.try_into().unwrap_or(&[0; 16]));
            if stop != 0 {
                let at = stop.trailing_zeros();
                // Only the bytes before the stop count.
                high |= top_bits & ((1 << at) - 1);
                return (i + at as usize, high != 0);
            }
            high |= top_bits;
            i += 16;
        }
        let mut seen = high != 0;
        while let Some(&b) = input.get(i) {
            if STRING_STOP[b as usize] {
                break;
            }
            seen |= b >= 0x80;
            i += 1;
        }
        (i, seen)
    }
}
