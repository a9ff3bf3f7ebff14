//! The scalar scanners: the definition of each byte class, and the oracle for the vector paths.

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

const fn value_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = is_value_byte(i as u8);
        i += 1;
    }
    t
}

const fn target_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = is_target_byte(i as u8);
        i += 1;
    }
    t
}

static VALUE: [bool; 256] = value_table();
static TARGET: [bool; 256] = target_table();

/// Index of the first byte that is not a field-value byte, or `bytes.len()`.
#[inline]
pub(crate) fn value_end(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| !VALUE[b as usize]).unwrap_or(bytes.len())
}

/// Index of the first byte that is not a request-target byte, or `bytes.len()`.
#[inline]
pub(crate) fn target_end(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| !TARGET[b as usize]).unwrap_or(bytes.len())
}
