//! Word-at-a-time (SWAR) byte checks for short strings, where a vector loop's set-up costs
//! more than the scan: ASCII to `&str`, and field-value bytes.

/// `0x0101..01`: one in each byte of a `u64`.
const ONES: u64 = u64::MAX / 255;
/// `0x8080..80`: the high bit of each byte.
const HIGHS: u64 = ONES * 0x80;

/// Whether some byte of `w` is below `n` (for `n <= 0x80`). Exact: a borrow out of a byte can
/// only start at a byte that is itself below `n`.
#[inline(always)]
const fn has_less(w: u64, n: u8) -> bool {
    w.wrapping_sub(ONES * n as u64) & !w & HIGHS != 0
}

/// `bytes` as 1 to 8 little-endian words covering it (the last may overlap the one before);
/// `f` is applied to each, and the results are or-ed.
#[inline(always)]
fn any_word(bytes: &[u8], f: impl Fn(u64) -> bool) -> bool {
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let len = bytes.len();
    let mut hit = false;
    let mut at = 0;
    while at + 8 < len {
        hit |= f(word(at));
        at += 8;
    }
    hit | f(word(len - 8))
}

/// `bytes` as `&str` when they are all ASCII (which is what the parser's spans hold).
#[inline]
pub(crate) fn ascii_str(bytes: &[u8]) -> Option<&str> {
    let ascii = if bytes.len() >= 8 { !any_word(bytes, |w| w & HIGHS != 0) } else { bytes.is_ascii() };
    if ascii {
        // SAFETY: every byte is ASCII (checked just above), and ASCII is valid UTF-8.
        Some(unsafe { core::str::from_utf8_unchecked(bytes) })
    } else {
        None
    }
}

/// Whether every byte is a field-value byte (HTAB, SP, VCHAR, obs-text: not a control other
/// than HTAB, not DEL). The word test flags controls and DEL; a word with a flag (often just
/// a tab) is then checked byte by byte.
#[inline]
pub(crate) fn all_value_bytes(bytes: &[u8]) -> bool {
    let byte_ok = |b: &u8| super::scalar::is_value_byte(*b);
    if bytes.len() < 8 {
        return bytes.iter().all(byte_ok);
    }
    let suspect = |w: u64| {
        // High-bit bytes (obs-text) are allowed: has_less looks at the low 7 bits only through
        // `!w`, which masks them out.
        has_less(w, 0x20) || has_less(w ^ (ONES * 0x7f), 1)
    };
    !any_word(bytes, suspect) || bytes.iter().all(byte_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_checks_agree_with_byte_checks() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = [b'a', b' ', b'\t', 0x7f, 0x00, 0x1f, 0x20, 0x7e, 0x80, 0xff, b'/', 0x0a, 0x0d];
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            // Mostly good bytes, with a few from the edges of the classes.
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 9 == 0 { alphabet[(r >> 8) as usize % alphabet.len()] } else { b'a' + (r >> 16) as u8 % 26 }
                })
                .collect();
            let want_value = bytes.iter().all(|&b| crate::simd::scalar::is_value_byte(b));
            assert_eq!(all_value_bytes(&bytes), want_value, "{bytes:?}");
            assert_eq!(ascii_str(&bytes).is_some(), bytes.is_ascii(), "{bytes:?}");
            if let Some(s) = ascii_str(&bytes) {
                assert_eq!(s.as_bytes(), &bytes[..]);
            }
        }
        // Every single byte value, at every position of a 9-byte string (two words).
        for b in 0..=255u8 {
            for at in 0..9 {
                let mut bytes = [b'x'; 9];
                bytes[at] = b;
                assert_eq!(all_value_bytes(&bytes), crate::simd::scalar::is_value_byte(b), "{b:#x} at {at}");
                assert_eq!(ascii_str(&bytes).is_some(), b.is_ascii(), "{b:#x} at {at}");
            }
        }
    }
}
