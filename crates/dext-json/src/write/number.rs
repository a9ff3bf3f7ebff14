//! Numbers to text: integers with a two-digits-at-a-time table, floats in their shortest
//! round-trip form (zmij: Schubfach, the algorithm serde_json uses).

/// `"00" "01" ... "99"`.
static DIGITS2: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Appends `v` in decimal: its digit count first, then the digits written two at a time from
/// the right into a 20-byte buffer appended with one fixed-size copy.
#[inline]
pub(crate) fn write_u64(out: &mut Vec<u8>, mut v: u64) {
    let n = v.checked_ilog10().unwrap_or(0) as usize + 1;
    let mut buf = [0u8; 20];
    let mut i = n;
    while v >= 100 {
        let pair = DIGITS2[(v % 100) as usize];
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&pair);
    }
    if v >= 10 {
        buf[..2].copy_from_slice(&DIGITS2[v as usize]);
    } else {
        buf[0] = b'0' + v as u8;
    }
    crate::out::append_prefix(out, &buf, n);
}

/// Appends `v` in decimal.
pub(crate) fn write_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    write_u64(out, v.unsigned_abs());
}

/// Appends finite `v` in the shortest form that reads back to the same bits. An integral
/// value keeps `.0` (JSON readers that tell integers from floats then read a float back),
/// and exponents are written `1e21`, `1e-7`: all of it in RFC 8259's number grammar.
#[inline(always)]
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64) {
    let mut buf = zmij::Buffer::new();
    crate::out::append(out, buf.format_finite(v).as_bytes());
}

/// Whether `text` is a number by RFC 8259's grammar.
pub(crate) fn is_number(text: &[u8]) -> bool {
    let mut r = crate::Reader::new(text);
    matches!(r.next_token(), Ok(Some(crate::Token::Number(_)))) && matches!(r.next_token(), Ok(None))
}
