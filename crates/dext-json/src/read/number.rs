//! Numbers as their text, with exact conversions.

/// A number token: its text as written (already checked against the grammar, so ASCII), and
/// whether it has neither fraction nor exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Number<'a> {
    text: &'a [u8],
    integer: bool,
}

impl<'a> Number<'a> {
    pub(crate) fn new(text: &'a [u8], integer: bool) -> Number<'a> {
        Number { text, integer }
    }

    /// The text as written (for example to keep big numbers exactly).
    pub fn as_str(&self) -> &'a str {
        // The grammar admits only ASCII digits, signs, `.` and `e`: always UTF-8.
        core::str::from_utf8(self.text).unwrap_or_default()
    }

    /// The text as written, as bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.text
    }

    /// Whether it is written as an integer (no `.`, no exponent).
    pub fn is_integer(&self) -> bool {
        self.integer
    }

    /// The value as a `u64`, if it is written as an integer in range (`-0` is 0).
    pub fn as_u64(&self) -> Option<u64> {
        if !self.integer {
            return None;
        }
        match self.text {
            [b'-', digits @ ..] => digits.iter().all(|&d| d == b'0').then_some(0),
            digits => accumulate(digits),
        }
    }

    /// The value as an `i64`, if it is written as an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        if !self.integer {
            return None;
        }
        match self.text {
            [b'-', digits @ ..] => {
                let magnitude = accumulate(digits)?;
                // `i64::MIN`'s magnitude is one more than `i64::MAX`.
                0i64.checked_sub_unsigned(magnitude)
            }
            digits => i64::try_from(accumulate(digits)?).ok(),
        }
    }

    /// The nearest `f64` (correctly rounded, as `str::parse` does); an exponent too large
    /// gives an infinity, too small a zero.
    pub fn as_f64(&self) -> f64 {
        if let Some(v) = self.exact_f64() {
            return v;
        }
        // The grammar checked by the reader is a subset of what `parse` accepts.
        self.as_str().parse().unwrap_or(f64::NAN)
    }

    /// Clinger's fast path: when the digits, read as an integer `m`, are at most 2^53 and the
    /// power of ten `e` is within 22 either way, `m` and `10^|e|` are both exact doubles and
    /// one multiplication or division rounds once, correctly. `None` otherwise.
    fn exact_f64(&self) -> Option<f64> {
        /// 10^0 ..= 10^22, each exact in an `f64`.
        const POW10: [f64; 23] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
            1e19, 1e20, 1e21, 1e22,
        ];
        let b = self.text;
        if b.len() > 17 {
            // Likely 16 digits or more (a sign and a point at most besides): near or beyond
            // 2^53, or at best a long exponent; not worth the scan.
            return None;
        }
        let negative = b.first() == Some(&b'-');
        let mut i = usize::from(negative);
        let mut m: u64 = 0;
        let mut e: i64 = 0;
        let digits = |i: &mut usize, m: &mut u64, scale: i64, e: &mut i64| -> Option<()> {
            while let Some(&d) = b.get(*i) {
                if !d.is_ascii_digit() {
                    break;
                }
                *m = *m * 10 + u64::from(d - b'0');
                if *m > 1 << 53 {
                    return None;
                }
                *e += scale;
                *i += 1;
            }
            Some(())
        };
        digits(&mut i, &mut m, 0, &mut e)?;
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i, &mut m, -1, &mut e)?;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            let sign = match b.get(i) {
                Some(b'-') => -1,
                Some(b'+') => 1,
                _ => 0,
            };
            if sign != 0 {
                i += 1;
            }
            let mut x: i64 = 0;
            for &d in b.get(i..)? {
                // Past four digits the exponent is far outside the fast path anyway.
                x = (x * 10 + i64::from(d - b'0')).min(100_000);
            }
            e += if sign < 0 { -x } else { x };
        }
        let v = if m == 0 {
            0.0
        } else if m > 1 << 53 || e.unsigned_abs() > 22 {
            return None;
        } else if e >= 0 {
            m as f64 * POW10[e as usize]
        } else {
            m as f64 / POW10[(-e) as usize]
        };
        Some(if negative { -v } else { v })
    }
}

/// The digits' value, `None` on overflow.
#[inline]
fn accumulate(digits: &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(v)
}
