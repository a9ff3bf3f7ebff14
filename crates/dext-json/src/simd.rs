//! The crate's only `unsafe` code: vector scans of string contents, and `&str`s made from
//! bytes this crate has already proved to be UTF-8.
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

/// `bytes` as a `&str`, for bytes that were all checked to be ASCII.
#[inline(always)]
pub(crate) fn ascii_str(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: every caller passes bytes its scan found to be below 0x80 (`string_run`
    // returned `false` for them), and ASCII is valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(bytes) }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
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
