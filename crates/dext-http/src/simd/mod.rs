//! Byte-class scanners for the HTTP/1.1 parser.
//!
//! Three scans dominate parsing: the request path (visible ASCII but `?` and `#`), field
//! names (`tchar`s) and field values (any byte but the controls other than HTAB, RFC 9110
//! section 5.5); a fourth checks the Host value (reg-name bytes). Each returns the index of the
//! first byte outside its class at or after a start index, or the input length.
//!
//! Three compound steps build on them: a whole field line (name, colon, value start and end),
//! the recognition of a known header name, and a Host value check. Their default
//! implementations compose the class scans; the AVX2 scanner does each from one 32-byte load
//! when the bytes fit one (a field line near the end of the buffer uses the buffer's last
//! block), and the tests hold every scanner to the same answers.
//!
//! The parser is written once, generic over `Scan`, and `dispatch` runs it with the best
//! implementation for the CPU:
//! - `scalar::Scalar`: table lookups. The definition of each class, and the test oracle.
//! - `x86::Sse2`: 16-byte vectors for values and paths (SSE2 is part of the x86-64 baseline),
//!   table lookups for names.
//! - `x86::Avx2`: 32-byte vectors for all three, names classified with two nibble lookups
//!   (`vpshufb`). The whole parse is compiled for AVX2 (see `x86::run_avx2`), so the vector
//!   code inlines instead of being called. Chosen when the CPU has AVX2, probed once.
//!
//! Building with `--cfg dext_no_simd` forces the scalar path. SSE4.2's string instructions
//! (`pcmpestri`) were considered and not used: their latency is higher than the few compares
//! per block used here.

use crate::header::KnownHeader;

pub(crate) mod scalar;
#[cfg(test)]
#[allow(unsafe_code)]
mod tests;
#[allow(unsafe_code)]
pub(crate) mod words;
#[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
#[allow(unsafe_code)]
pub(crate) mod x86;

/// The three scans. Each returns the first index `>= start` holding a byte outside the class,
/// or `buf.len()`; `start <= buf.len()`.
pub(crate) trait Scan: Copy {
    /// Field-value bytes: HTAB, SP, VCHAR, obs-text.
    fn value_end(self, buf: &[u8], start: usize) -> usize;
    /// Path bytes: visible ASCII except `?` and `#`.
    fn path_end(self, buf: &[u8], start: usize) -> usize;
    /// `tchar`s.
    fn token_end(self, buf: &[u8], start: usize) -> usize;
    /// reg-name bytes (a Host value up to its port).
    fn host_end(self, buf: &[u8], start: usize) -> usize;

    /// The known header named by the `tchar`s `buf[start..end]`, which a `:` follows.
    #[inline(always)]
    fn known_name(self, buf: &[u8], start: usize, end: usize) -> Option<KnownHeader> {
        KnownHeader::from_name(buf.get(start..end).unwrap_or_default())
    }

    /// Checks the Host value `buf[start..end]` (field-value bytes) up to IP literals: `Some`
    /// tells whether it is a reg-name or IPv4 address with an optional port; `None` means it
    /// starts with `[` (an IP literal), for the caller to check.
    #[inline(always)]
    fn host_value(self, buf: &[u8], start: usize, end: usize) -> Option<bool> {
        host_value_with(self, buf, start, end)
    }

    /// A field line from `start`: `(name_end, value_start, value_end)`, where `name_end` is
    /// [`Scan::token_end`] and, when the byte there is `:`, `value_end` is
    /// [`Scan::value_end`] from just after it and `value_start` the first byte after the colon
    /// that is not SP or HTAB (so trailing whitespace is included, and `value_start <=
    /// value_end`). Without the colon all three are `name_end`. Vector scanners classify a
    /// short line from one load.
    #[inline(always)]
    fn field_line(self, buf: &[u8], start: usize) -> (usize, usize, usize) {
        let name_end = self.token_end(buf, start);
        if buf.get(name_end) == Some(&b':') {
            (name_end, skip_blanks(buf, name_end + 1), self.value_end(buf, name_end + 1))
        } else {
            (name_end, name_end, name_end)
        }
    }
}

/// [`Scan::host_value`] from [`Scan::host_end`]: the definition, and the vector scanners'
/// path for values that do not fit their block.
#[inline(always)]
pub(crate) fn host_value_with<S: Scan>(s: S, buf: &[u8], start: usize, end: usize) -> Option<bool> {
    let stop = s.host_end(buf, start);
    if stop >= end {
        return Some(true);
    }
    match buf[stop] {
        b':' => Some(buf.get(stop + 1..end).unwrap_or_default().iter().all(u8::is_ascii_digit)),
        b'[' if stop == start => None,
        _ => Some(false),
    }
}

/// The first index `>= start` whose byte is neither SP nor HTAB, or `buf.len()`.
#[inline(always)]
pub(crate) fn skip_blanks(buf: &[u8], mut start: usize) -> usize {
    while let Some(b' ' | b'\t') = buf.get(start) {
        start += 1;
    }
    start
}

/// Marks the branch that calls it as rarely taken, so that the compiler lays it out of the
/// hot path (what `core::hint::cold_path` does from Rust 1.95, above this crate's MSRV).
#[cold]
#[inline(always)]
pub(crate) fn cold_path() {}

/// Work that runs with a [`Scan`] chosen at run time.
pub(crate) trait WithScan {
    /// What the work returns.
    type Output;
    /// Runs the work. Implementations should be `#[inline(always)]` so that they are compiled
    /// inside the scanner's context (for AVX2: with AVX2 enabled).
    fn run<S: Scan>(self, scan: S) -> Self::Output;
}

/// Runs `work` with the best scanner for this CPU.
#[inline]
pub(crate) fn dispatch<W: WithScan>(work: W) -> W::Output {
    #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
    {
        match x86::Avx2::detect() {
            Some(avx2) => x86::run_avx2(avx2, work),
            None => work.run(x86::Sse2),
        }
    }
    #[cfg(not(all(target_arch = "x86_64", not(dext_no_simd))))]
    {
        work.run(scalar::Scalar)
    }
}

/// Which implementation the parser uses on this CPU, for reports.
pub fn implementation() -> &'static str {
    #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
    {
        if x86::Avx2::detect().is_some() { "avx2" } else { "sse2" }
    }
    #[cfg(not(all(target_arch = "x86_64", not(dext_no_simd))))]
    {
        "scalar"
    }
}
