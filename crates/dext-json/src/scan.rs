//! Byte scans shared by the reader and the writer.

/// Bytes that end a string's plain run: `"`, `\`, and the control characters.
pub(crate) static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// `0x0101..01`: one in each byte of a `u64`.
#[cfg(any(test, not(target_arch = "x86_64")))]
const ONES: u64 = u64::MAX / 255;
/// `0x8080..80`: the high bit of each byte.
#[cfg(any(test, not(target_arch = "x86_64")))]
const HIGHS: u64 = ONES * 0x80;

/// The first index at or after `i` that ends a string's plain run (`"`, `\`, or a control
/// character; see `STRING_STOP`), or `input.len()`. Eight bytes at a time: in each word,
/// the bytes equal to `"` or `\` become zero after an XOR, and a byte `b` gets its high bit
/// set in `(w - 0x01..) & !w` exactly when `b` is zero, or in `(w - 0x20..) & !w` when
/// `b < 0x20`, for the lowest such byte (borrows only ever run upwards, from a byte that
/// matched), which is the only one used.
#[cfg(any(test, not(target_arch = "x86_64")))]
#[inline(always)]
pub(crate) fn plain_run_end(input: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = input.get(i..i + 8) {
        let w = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let stop = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let stop = stop & HIGHS;
        if stop != 0 {
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = input.get(i) {
        if STRING_STOP[b as usize] {
            break;
        }
        i += 1;
    }
    i
}
