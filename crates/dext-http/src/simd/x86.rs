//! SSE2 and AVX2 scanners for x86-64.
//!
//! Every vector loop reads whole blocks inside the buffer: when fewer than a block's bytes
//! remain, it loads the buffer's last block instead (overlapping bytes already checked) and
//! shifts out the lanes before the current index; only buffers shorter than one block fall
//! back to the scalar scan.
//!
//! Safety: SSE2 is part of the x86-64 baseline. AVX2 instructions run only inside
//! [`run_avx2`], which requires an [`Avx2`] token, and a token exists only once
//! `is_x86_feature_detected!("avx2")` said yes.

use super::scalar::{HOST, PATH, Scalar, VALUE, run_end};
use super::{Scan, WithScan, cold_path, host_value_with, skip_blanks};
use crate::header::{HASH, KnownHeader, NAMES, TCHAR, hash};
use core::arch::x86_64::*;
use core::sync::atomic::{AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const NO: u8 = 1;
const YES: u8 = 2;
static AVX2: AtomicU8 = AtomicU8::new(UNKNOWN);

#[cold]
fn probe() -> bool {
    let yes = std::is_x86_feature_detected!("avx2");
    AVX2.store(if yes { YES } else { NO }, Ordering::Relaxed);
    yes
}

/// Loads the `N`-byte block at `at`; `at + N <= buf.len()` (checked, and a zero block
/// otherwise, which the callers never ask for).
#[inline(always)]
fn block<const N: usize>(buf: &[u8], at: usize) -> &[u8; N] {
    match buf.get(at..at + N).and_then(|c| c.try_into().ok()) {
        Some(c) => c,
        None => &[0; N],
    }
}

/// Bits `0..n` set, for `n <= 32`.
#[inline(always)]
fn low_bits(n: usize) -> u32 {
    if n >= 32 { u32::MAX } else { (1 << n) - 1 }
}

/// A byte class over `N`-byte blocks: bit `k` of the mask is set when byte `k` is outside.
/// A trait (not a closure or `fn` value) so that the call is static and `#[inline(always)]`
/// holds, which the AVX2 masks need to be compiled in `run_avx2`'s AVX2 context.
trait Mask<const N: usize> {
    fn mask(block: &[u8; N]) -> u32;
}

/// The block loop shared by both widths.
#[inline(always)]
fn scan_blocks<const N: usize, M: Mask<N>>(buf: &[u8], start: usize, class: &[bool; 256]) -> usize {
    let mask = M::mask;
    let len = buf.len();
    if len < N {
        // Buffers shorter than one block: rare (even a minimal request with a Host is 27
        // bytes, and clients send more headers than that).
        cold_path();
        return run_end(buf, start, class);
    }
    let mut i = start;
    while i + N <= len {
        let m = mask(block::<N>(buf, i));
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += N;
    }
    if i >= len {
        return len;
    }
    let base = len - N;
    let m = mask(block::<N>(buf, base)) >> (i - base);
    if m != 0 { i + m.trailing_zeros() as usize } else { len }
}

/// 16-byte vectors for values and paths; table lookups for names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sse2;

struct ValueMaskSse2;

impl Mask<16> for ValueMaskSse2 {
    #[inline(always)]
    fn mask(b: &[u8; 16]) -> u32 {
        // SAFETY: SSE2 is part of the x86-64 baseline; the load reads the 16 bytes of `b`.
        unsafe {
            let v = _mm_loadu_si128(b.as_ptr().cast());
            // Unsigned `v <= 0x1f` as `max(v, 0x1f) == 0x1f`: bytes >= 0x80 are obs-text and
            // valid, which a signed compare would get wrong.
            let ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
            let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8));
            let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
            _mm_movemask_epi8(_mm_or_si128(_mm_andnot_si128(tab, ctl), del)) as u32
        }
    }
}

struct PathMaskSse2;

impl Mask<16> for PathMaskSse2 {
    #[inline(always)]
    fn mask(b: &[u8; 16]) -> u32 {
        // SAFETY: as above.
        unsafe {
            let v = _mm_loadu_si128(b.as_ptr().cast());
            // Signed compares: 0x21..=0x7e are the bytes above 0x20 and below 0x7f read as i8
            // (bytes >= 0x80 are negative and fall out).
            let visible = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)));
            let delim = _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'?' as i8)),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'#' as i8)),
            );
            (_mm_movemask_epi8(_mm_andnot_si128(delim, visible)) as u32) ^ 0xffff
        }
    }
}

impl Scan for Sse2 {
    #[inline(always)]
    fn value_end(self, buf: &[u8], start: usize) -> usize {
        scan_blocks::<16, ValueMaskSse2>(buf, start, &VALUE)
    }
    #[inline(always)]
    fn path_end(self, buf: &[u8], start: usize) -> usize {
        scan_blocks::<16, PathMaskSse2>(buf, start, &PATH)
    }
    // SSE2 has no byte shuffle for the nibble tables; names and hosts are short.
    #[inline(always)]
    fn token_end(self, buf: &[u8], start: usize) -> usize {
        Scalar.token_end(buf, start)
    }
    #[inline(always)]
    fn host_end(self, buf: &[u8], start: usize) -> usize {
        Scalar.host_end(buf, start)
    }
}

/// Proof that the CPU has AVX2; 32-byte vectors for all three scans.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// A token if the CPU has AVX2 (probed on the first call, then cached).
    #[inline]
    pub(crate) fn detect() -> Option<Avx2> {
        let yes = match AVX2.load(Ordering::Relaxed) {
            YES => true,
            NO => false,
            _ => probe(),
        };
        if yes { Some(Avx2(())) } else { None }
    }
}

/// Runs `work` with the AVX2 scanner, compiled with AVX2 enabled.
#[inline]
pub(crate) fn run_avx2<W: WithScan>(token: Avx2, work: W) -> W::Output {
    #[target_feature(enable = "avx2")]
    unsafe fn inner<W: WithScan>(token: Avx2, work: W) -> W::Output {
        work.run(token)
    }
    // SAFETY: the token proves the CPU has AVX2.
    unsafe { inner(token, work) }
}

/// Nibble tables for a class of visible-ASCII bytes: byte `b` is in the class exactly when
/// `LO[b & 15] & HI[b >> 4] != 0`. Each high nibble 2..=7 (visible ASCII) owns one bit;
/// `LO[l]` sets the bits of the high nibbles `h` for which `h << 4 | l` is in the class.
/// Exact for any class within `0x20..=0x7f`, which `tchar` and the host bytes are.
const fn nibbles(class: &[bool; 256]) -> ([u8; 16], [u8; 16]) {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    let mut h = 2;
    while h <= 7 {
        hi[h] = 1 << (h - 2);
        let mut l = 0;
        while l < 16 {
            if class[h << 4 | l] {
                lo[l] |= 1 << (h - 2);
            }
            l += 1;
        }
        h += 1;
    }
    (lo, hi)
}

const TCHAR_NIBBLES: ([u8; 16], [u8; 16]) = nibbles(&TCHAR);
const HOST_NIBBLES: ([u8; 16], [u8; 16]) = nibbles(&HOST);

/// The class mask of a 32-byte block from nibble tables: bit `k` set when byte `k` is outside.
#[inline(always)]
fn nibble_mask_avx2(b: &[u8; 32], tables: &([u8; 16], [u8; 16])) -> u32 {
    // SAFETY: only reached inside `run_avx2` (the `Avx2` token proves AVX2); the loads read
    // the 32 bytes of `b` and 16 bytes of each table. `vpshufb` looks up each lane's nibble in
    // the 16-byte table of its half.
    unsafe {
        let lo = _mm256_broadcastsi128_si256(_mm_loadu_si128(tables.0.as_ptr().cast()));
        let hi = _mm256_broadcastsi128_si256(_mm_loadu_si128(tables.1.as_ptr().cast()));
        let v = _mm256_loadu_si256(b.as_ptr().cast());
        let high = _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0f));
        let low = _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
        let class = _mm256_and_si256(_mm256_shuffle_epi8(lo, low), _mm256_shuffle_epi8(hi, high));
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(class, _mm256_setzero_si256())) as u32
    }
}

// The masks below contain AVX2 instructions but no `#[target_feature]`: they are
// `#[inline(always)]` and called only from `run_avx2`'s AVX2 context, where they (and the
// intrinsics in them) are inlined and compiled with AVX2. A closure would not be forced inline
// and would call each intrinsic out of line.

struct ValueMaskAvx2;

impl Mask<32> for ValueMaskAvx2 {
    #[inline(always)]
    fn mask(b: &[u8; 32]) -> u32 {
        value_and_blank_masks(b).0
    }
}

/// Bytes outside the field-value class, and the blanks (SP, HTAB), of a 32-byte block.
#[inline(always)]
fn value_and_blank_masks(b: &[u8; 32]) -> (u32, u32) {
    // SAFETY: only reached inside `run_avx2` (the `Avx2` token proves AVX2); the load reads
    // the 32 bytes of `b`.
    unsafe {
        let v = _mm256_loadu_si256(b.as_ptr().cast());
        let ctl = _mm256_cmpeq_epi8(_mm256_max_epu8(v, _mm256_set1_epi8(0x1f)), _mm256_set1_epi8(0x1f));
        let tab = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\t' as i8));
        let del = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f));
        let space = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b' ' as i8));
        let bad = _mm256_movemask_epi8(_mm256_or_si256(_mm256_andnot_si256(tab, ctl), del)) as u32;
        (bad, _mm256_movemask_epi8(_mm256_or_si256(tab, space)) as u32)
    }
}

/// Per known header: the lower-case name and its colon, zero-padded to 32 bytes.
static NAME_LANES: [[u8; 32]; KnownHeader::COUNT] = {
    let mut lanes = [[0u8; 32]; KnownHeader::COUNT];
    let mut k = 0;
    while k < KnownHeader::COUNT {
        let name = NAMES[k];
        assert!(name.len() < 32, "a known name and its colon fit one block");
        let mut i = 0;
        while i < name.len() {
            lanes[k][i] = name[i];
            i += 1;
        }
        lanes[k][name.len()] = b':';
        k += 1;
    }
    lanes
};

/// Per known header: `0xff` on the lanes of [`NAME_LANES`] that hold the name and colon.
static NAME_MASKS: [[u8; 32]; KnownHeader::COUNT] = {
    let mut masks = [[0u8; 32]; KnownHeader::COUNT];
    let mut k = 0;
    while k < KnownHeader::COUNT {
        let mut i = 0;
        while i <= NAMES[k].len() {
            masks[k][i] = 0xff;
            i += 1;
        }
        k += 1;
    }
    masks
};

struct PathMaskAvx2;

impl Mask<32> for PathMaskAvx2 {
    #[inline(always)]
    fn mask(b: &[u8; 32]) -> u32 {
        // SAFETY: as above.
        unsafe {
            let v = _mm256_loadu_si256(b.as_ptr().cast());
            let visible = _mm256_and_si256(
                _mm256_cmpgt_epi8(v, _mm256_set1_epi8(0x20)),
                _mm256_cmpgt_epi8(_mm256_set1_epi8(0x7f), v),
            );
            let delim = _mm256_or_si256(
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'?' as i8)),
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'#' as i8)),
            );
            !(_mm256_movemask_epi8(_mm256_andnot_si256(delim, visible)) as u32)
        }
    }
}

struct TokenMaskAvx2;

impl Mask<32> for TokenMaskAvx2 {
    #[inline(always)]
    fn mask(b: &[u8; 32]) -> u32 {
        nibble_mask_avx2(b, &TCHAR_NIBBLES)
    }
}

struct HostMaskAvx2;

impl Mask<32> for HostMaskAvx2 {
    #[inline(always)]
    fn mask(b: &[u8; 32]) -> u32 {
        nibble_mask_avx2(b, &HOST_NIBBLES)
    }
}

impl Scan for Avx2 {
    #[inline(always)]
    fn value_end(self, buf: &[u8], start: usize) -> usize {
        scan_blocks::<32, ValueMaskAvx2>(buf, start, &VALUE)
    }

    #[inline(always)]
    fn path_end(self, buf: &[u8], start: usize) -> usize {
        scan_blocks::<32, PathMaskAvx2>(buf, start, &PATH)
    }

    #[inline(always)]
    fn token_end(self, buf: &[u8], start: usize) -> usize {
        scan_blocks::<32, TokenMaskAvx2>(buf, start, &TCHAR)
    }

    #[inline(always)]
    fn host_end(self, buf: &[u8], start: usize) -> usize {
        scan_blocks::<32, HostMaskAvx2>(buf, start, &HOST)
    }

    #[inline(always)]
    fn known_name(self, buf: &[u8], start: usize, end: usize) -> Option<KnownHeader> {
        // The perfect hash picks the one candidate; one compare of the 32 bytes from `start`,
        // folded and masked to the candidate's name and colon, checks both the name and its
        // length. Folding with `| 0x20` is exact for tchars (see `KnownHeader::from_name`).
        let n = end - start;
        let Some(b) = buf.get(start..start + 32).and_then(|b| <&[u8; 32]>::try_from(b).ok()) else {
            return KnownHeader::from_name(buf.get(start..end).unwrap_or_default());
        };
        if n == 0 || n >= 32 {
            return None;
        }
        let candidate = HASH[hash(n, b[0], b[n - 1])] as usize;
        let known = *KnownHeader::ALL.get(candidate)?;
        // SAFETY: only reached inside `run_avx2` (the `Avx2` token proves AVX2); the loads read
        // the 32 bytes of `b` and of the two table rows.
        let equal = unsafe {
            let v = _mm256_or_si256(_mm256_loadu_si256(b.as_ptr().cast()), _mm256_set1_epi8(0x20));
            let mask = _mm256_loadu_si256(NAME_MASKS[candidate].as_ptr().cast());
            let want = _mm256_loadu_si256(NAME_LANES[candidate].as_ptr().cast());
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(v, mask), want)) as u32
        };
        if equal == u32::MAX { Some(known) } else { None }
    }

    #[inline(always)]
    fn host_value(self, buf: &[u8], start: usize, end: usize) -> Option<bool> {
        // One load gives the host bytes and the digits of a value that fits 32 bytes. Near
        // the end of the buffer (a Host line that ends the head) the buffer's last block is
        // loaded instead, and the lanes before `start` are shifted out of the masks.
        let n = end - start;
        let len = buf.len();
        let block = match buf.get(start..start + 32) {
            Some(b) => Some((start, b)),
            None if len >= 32 && start < len && end <= len => Some((len - 32, &buf[len - 32..])),
            None => None,
        };
        let Some((base, b)) = block.and_then(|(base, b)| Some((base, <&[u8; 32]>::try_from(b).ok()?))) else {
            cold_path();
            return host_value_with(self, buf, start, end);
        };
        if n > 32 {
            cold_path();
            return host_value_with(self, buf, start, end);
        }
        let off = start - base;
        // Lanes past the block read as host bytes (zero bits), so a value that runs to the
        // block's end has no stop, as it should.
        let stop = (HostMaskAvx2::mask(b) >> off).trailing_zeros() as usize;
        if stop >= n {
            return Some(true);
        }
        match b[(off + stop) & 31] {
            b':' => {
                // SAFETY: only reached inside `run_avx2` (the `Avx2` token proves AVX2); the
                // load reads the 32 bytes of `b`. Signed compares: bytes >= 0x80 are negative.
                let digits = unsafe {
                    let v = _mm256_loadu_si256(b.as_ptr().cast());
                    let digit = _mm256_and_si256(
                        _mm256_cmpgt_epi8(v, _mm256_set1_epi8(b'0' as i8 - 1)),
                        _mm256_cmpgt_epi8(_mm256_set1_epi8(b'9' as i8 + 1), v),
                    );
                    _mm256_movemask_epi8(digit) as u32
                } >> off;
                let need = low_bits(n) & !low_bits(stop + 1);
                Some(digits & need == need)
            }
            b'[' if stop == 0 => None,
            _ => Some(false),
        }
    }

    #[inline(always)]
    fn field_line(self, buf: &[u8], start: usize) -> (usize, usize, usize) {
        // One 32-byte load gives the masks; most field lines are shorter than that. Near the
        // end of the buffer (where every head's last line is) the buffer's last block is
        // loaded instead, with the lanes before `start` shifted out.
        let len = buf.len();
        let block = match buf.get(start..start + 32) {
            Some(b) => Some((start, b)),
            None if len >= 32 && start < len => Some((len - 32, &buf[len - 32..])),
            None => None,
        };
        if let Some((base, b)) = block.and_then(|(base, b)| Some((base, <&[u8; 32]>::try_from(b).ok()?))) {
            let off = start - base;
            let at_end = base + 32 == len;
            let non_token = TokenMaskAvx2::mask(b) >> off;
            if non_token != 0 {
                let colon = (off + non_token.trailing_zeros() as usize) & 31;
                if b[colon] != b':' {
                    return (base + colon, base + colon, base + colon);
                }
                let after = colon + 1;
                let (bad, blank) = value_and_blank_masks(b);
                let (bad, solid) = if after < 32 { (bad >> after, !blank >> after) } else { (0, 0) };
                // The first non-blank is at or before the value's end (which is not a blank).
                let value_start = if solid != 0 {
                    base + after + solid.trailing_zeros() as usize
                } else {
                    skip_blanks(buf, base + 32)
                };
                if bad != 0 {
                    return (base + colon, value_start, base + after + bad.trailing_zeros() as usize);
                }
                return (base + colon, value_start, if at_end { len } else { self.value_end(buf, base + 32) });
            }
            if at_end {
                return (len, len, len);
            }
        }
        cold_path();
        let name_end = self.token_end(buf, start);
        if buf.get(name_end) == Some(&b':') {
            (name_end, skip_blanks(buf, name_end + 1), self.value_end(buf, name_end + 1))
        } else {
            (name_end, name_end, name_end)
        }
    }
}
