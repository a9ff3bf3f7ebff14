//! Byte-class scanners for the HTTP/1.1 parser.
//!
//! Two scans dominate parsing: the request target (visible ASCII, `0x21..=0x7E`) and field
//! values (any byte but the controls other than HTAB, RFC 9110 section 5.5). Each returns the
//! index of the first byte outside its class, or the input length.
//!
//! The scalar twin in [`scalar`] is the definition and the test oracle. On x86-64 the vector
//! paths use SSE2 (part of the x86-64 baseline, so always present and inlinable) for short
//! runs, and AVX2 for long runs when the CPU has it. The CPU is probed once. Building with
//! `--cfg dext_no_simd` forces the scalar path.
//!
//! SSE4.2's string instructions (`pcmpestri`) were considered and not used: their latency is
//! higher than the three compares and one `pmovmskb` per 16 bytes used here.

pub(crate) mod scalar;
#[cfg(test)]
#[allow(unsafe_code)]
mod tests;
#[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
#[allow(unsafe_code)]
pub(crate) mod x86;

/// Index of the first byte that cannot appear in a field value, or `bytes.len()`.
#[inline]
pub(crate) fn value_end(bytes: &[u8]) -> usize {
    #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
    {
        x86::value_end(bytes)
    }
    #[cfg(not(all(target_arch = "x86_64", not(dext_no_simd))))]
    {
        scalar::value_end(bytes)
    }
}

/// Index of the first byte that cannot appear in a request target, or `bytes.len()`.
#[inline]
pub(crate) fn target_end(bytes: &[u8]) -> usize {
    #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
    {
        x86::target_end(bytes)
    }
    #[cfg(not(all(target_arch = "x86_64", not(dext_no_simd))))]
    {
        scalar::target_end(bytes)
    }
}

/// Which implementation [`value_end`] and [`target_end`] use on this CPU, for reports.
pub fn implementation() -> &'static str {
    #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
    {
        if x86::has_avx2() { "avx2+sse2" } else { "sse2" }
    }
    #[cfg(not(all(target_arch = "x86_64", not(dext_no_simd))))]
    {
        "scalar"
    }
}
