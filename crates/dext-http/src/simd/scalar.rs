//! The scalar scanners: the definition of each byte class, and the oracle for the vector paths.

use super::Scan;
use crate::header::TCHAR;

/// `true` for bytes allowed in a field value: HTAB, SP, VCHAR and obs-text (RFC 9110 section 5.5).
#[inline(always)]
pub(crate) const fn is_value_byte(b: u8) -> bool {
    (b >= 0x20 && b != 0x7f) || b == b'\t'
}

/// `true` for bytes allowed in a request target: visible ASCII (RFC 3986 characters and the
/// delimiters that clients send unencoded in practice; controls, space and non-ASCII refused).
#[inline(always)]
pub(crate) const fn is_target_byte(b: u8) -> bool {
    b > 0x20 && b < 0x7f
}

/// `true` for target bytes that do not end the path: all but `?` (query) and `#` (fragment).
#[inline(always)]
pub(crate) const fn is_path_byte(b: u8) -> bool {
    is_target_byte(b) && b != b'?' && b != b'#'
}

/// `true` for bytes of a reg-name or IPv4 address: unreserved, pct-encoded and sub-delims
/// (RFC 3986 section 3.2.2). Not `:` (the port follows it) nor `[` (IP literals start with it).
#[inline(always)]
pub(crate) const fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

const fn table(class: u8) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match class {
            0 => is_value_byte(b),
            1 => is_path_byte(b),
            _ => is_host_byte(b),
        };
        i += 1;
    }
    t
}

/// [`is_value_byte`] as a table.
pub(crate) static VALUE: [bool; 256] = table(0);
/// [`is_path_byte`] as a table.
pub(crate) static PATH: [bool; 256] = table(1);
/// [`is_host_byte`] as a table.
pub(crate) static HOST: [bool; 256] = table(2);

/// First index `>= start` whose byte fails `class`, eight bytes per bounds check.
#[inline(always)]
pub(crate) fn run_end(buf: &[u8], start: usize, class: &[bool; 256]) -> usize {
    let mut i = start;
    while let Some(chunk) = buf.get(i..i + 8) {
        for (j, &b) in chunk.iter().enumerate() {
            if !class[b as usize] {
                return i + j;
            }
        }
        i += 8;
    }
    while i < buf.len() && class[buf[i] as usize] {
        i += 1;
    }
    i
}

/// Table lookups, one byte at a time: the oracle, and on x86-64 the SSE2 scanner's name and
/// host scans.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scalar;

impl Scan for Scalar {
    #[inline(always)]
    fn value_end(self, buf: &[u8], start: usize) -> usize {
        run_end(buf, start, &VALUE)
    }
    #[inline(always)]
    fn path_end(self, buf: &[u8], start: usize) -> usize {
        run_end(buf, start, &PATH)
    }
    #[inline(always)]
    fn token_end(self, buf: &[u8], start: usize) -> usize {
        run_end(buf, start, &TCHAR)
    }
    #[inline(always)]
    fn host_end(self, buf: &[u8], start: usize) -> usize {
        run_end(buf, start, &HOST)
    }
}
