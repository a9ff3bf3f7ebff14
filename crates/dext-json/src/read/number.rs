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
        if self.integer && self.text.len() <= 15 {
            // Up to 15 digits an integer is exact in an `f64`.
            if let Some(v) = self.as_i64() {
                // -0 keeps its sign.
                return if v == 0 && self.text.first() == Some(&b'-') { -0.0 } else { v as f64 };
            }
        }
        // The grammar checked by the reader is a subset of what `parse` accepts.
        self.as_str().parse().unwrap_or(f64::NAN)
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
