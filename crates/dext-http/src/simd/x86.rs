//! SSE2 and AVX2 scanners for x86-64.
//!
//! SSE2 is part of the x86-64 baseline, so its functions are safe to call anywhere and inline
//! into the parser. AVX2 is probed once with `is_x86_feature_detected!` and used only for runs
//! of at least [`AVX2_MIN`] bytes, where its 32-byte steps pay for the out-of-line call.

use super::scalar;
use core::arch::x86_64::*;
use core::sync::atomic::{AtomicU8, Ordering};

/// Inputs shorter than this stay on the inlined SSE2 path.
const AVX2_MIN: usize = 64;

const UNKNOWN: u8 = 0;
const NO: u8 = 1;
const YES: u8 = 2;
static AVX2: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether the CPU has AVX2 (probed on the first call, then cached).
#[inline]
pub(crate) fn has_avx2() -> bool {
    match AVX2.load(Ordering::Relaxed) {
        YES => true,
        NO => false,
        _ => probe(),
    }
}

#[cold]
fn probe() -> bool {
    let yes = std::is_x86_feature_detected!("avx2");
    AVX2.store(if yes { YES } else { NO }, Ordering::Relaxed);
    yes
}

/// Field-value scan: SSE2 for short inputs, AVX2 for long ones when available.
#[inline]
pub(crate) fn value_end(bytes: &[u8]) -> usize {
    if bytes.len() >= AVX2_MIN && has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { value_end_avx2(bytes) }
    } else {
        value_end_sse2(bytes)
    }
}

/// Request-target scan: SSE2 for short inputs, AVX2 for long ones when available.
#[inline]
pub(crate) fn target_end(bytes: &[u8]) -> usize {
    if bytes.len() >= AVX2_MIN && has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { target_end_avx2(bytes) }
    } else {
        target_end_sse2(bytes)
    }
}

/// Mask of the lanes holding a byte that is not a field-value byte.
#[inline(always)]
fn value_bad_sse2(v: __m128i) -> i32 {
    // SAFETY: SSE2 is part of the x86-64 baseline; these intrinsics only touch registers.
    unsafe {
        // Unsigned `v <= 0x1f` as `max(v, 0x1f) == 0x1f`: bytes >= 0x80 are obs-text and valid,
        // which a signed compare would get wrong.
        let ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
        let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8));
        let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
        _mm_movemask_epi8(_mm_or_si128(_mm_andnot_si128(tab, ctl), del))
    }
}

/// Mask of the lanes holding a byte that is not a request-target byte.
#[inline(always)]
fn target_bad_sse2(v: __m128i) -> i32 {
    // SAFETY: SSE2 is part of the x86-64 baseline; these intrinsics only touch registers.
    unsafe {
        // Signed compares: 0x21..=0x7e are exactly the bytes above 0x20 and below 0x7f when
        // read as i8 (bytes >= 0x80 are negative and fall out).
        let ok = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)));
        !_mm_movemask_epi8(ok) & 0xffff
    }
}

#[inline(always)]
fn scan_sse2(bytes: &[u8], bad: fn(__m128i) -> i32, tail: fn(&[u8]) -> usize) -> usize {
    let mut i = 0;
    while i + 16 <= bytes.len() {
        // SAFETY: `i + 16 <= len`, so the 16-byte unaligned load stays inside `bytes`.
        let v = unsafe { _mm_loadu_si128(bytes.as_ptr().add(i).cast()) };
        let mask = bad(v);
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    i + tail(&bytes[i..])
}

/// [`value_end`] on SSE2 only.
#[inline]
pub(crate) fn value_end_sse2(bytes: &[u8]) -> usize {
    scan_sse2(bytes, value_bad_sse2, scalar::value_end)
}

/// [`target_end`] on SSE2 only.
#[inline]
pub(crate) fn target_end_sse2(bytes: &[u8]) -> usize {
    scan_sse2(bytes, target_bad_sse2, scalar::target_end)
}

/// [`value_end`] on AVX2, then SSE2 for the last 16..31 bytes.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn value_end_avx2(bytes: &[u8]) -> usize {
    let mut i = 0;
    while i + 32 <= bytes.len() {
        // SAFETY: `i + 32 <= len`, so the 32-byte unaligned load stays inside `bytes`; the
        // caller guarantees AVX2.
        let mask = unsafe {
            let v = _mm256_loadu_si256(bytes.as_ptr().add(i).cast());
            let ctl = _mm256_cmpeq_epi8(_mm256_max_epu8(v, _mm256_set1_epi8(0x1f)), _mm256_set1_epi8(0x1f));
            let tab = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\t' as i8));
            let del = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f));
            _mm256_movemask_epi8(_mm256_or_si256(_mm256_andnot_si256(tab, ctl), del)) as u32
        };
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 32;
    }
    i + value_end_sse2(&bytes[i..])
}

/// [`target_end`] on AVX2, then SSE2 for the last 16..31 bytes.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn target_end_avx2(bytes: &[u8]) -> usize {
    let mut i = 0;
    while i + 32 <= bytes.len() {
        // SAFETY: `i + 32 <= len`, so the 32-byte unaligned load stays inside `bytes`; the
        // caller guarantees AVX2.
        let mask = unsafe {
            let v = _mm256_loadu_si256(bytes.as_ptr().add(i).cast());
            let ok = _mm256_and_si256(
                _mm256_cmpgt_epi8(v, _mm256_set1_epi8(0x20)),
                _mm256_cmpgt_epi8(_mm256_set1_epi8(0x7f), v),
            );
            !(_mm256_movemask_epi8(ok) as u32)
        };
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 32;
    }
    i + target_end_sse2(&bytes[i..])
}
