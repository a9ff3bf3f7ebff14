//! Decimal to `f64`, exactly, without big numbers in the common case: Clinger's fast path,
//! then the Eisel-Lemire algorithm (D. Lemire, "Number Parsing at a Gigabyte per Second",
//! 2021). Both either give the correctly rounded double or say they cannot (`None`), and
//! the caller then falls back to `str::parse`.
//!
//! Eisel-Lemire, for `w × 10^q` with `w` a nonzero `u64`: `10^q = 5^q × 2^q`, so the binary
//! exponent is known up to one bit and only `w × 5^q` needs computing. The table
//! ([`POW5`]) holds 5^q to 128 bits; `w`, shifted so that its top bit is set, times the
//! table's high half (and, when the product's bits below the 55 that matter are all ones,
//! the low half too) gives the top of the exact product, close enough that rounding it to
//! 53 bits is correct, except when the dropped bits are all ones (then the exact value may
//! sit on the other side of a rounding boundary: refuse) or exactly a half-way point
//! (round to even, which only exact products in a narrow exponent range can hit).

use super::pow5::{POW5, POW5_MAX_Q, POW5_MIN_Q};

/// Explicit mantissa bits of an `f64`.
const MANTISSA_BITS: u32 = 52;
/// Bits of the product kept before the final rounding: the mantissa, the hidden bit, a
/// rounding bit and one for the product's top bit not being known in advance.
const KEPT: u32 = MANTISSA_BITS + 3;
/// The biased exponent of infinities.
const INFINITE: i64 = 0x7ff;

/// `w × 10^q` for a `w` below 2^53 and `|q| ≤ 22`: both are exact doubles, and a single
/// multiplication or division rounds once, correctly.
#[inline]
pub(super) fn clinger(w: u64, q: i64) -> Option<f64> {
    /// 10^0 ..= 10^22, each exact in an `f64`.
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];
    if w > 1 << 53 || !(-22..=22).contains(&q) {
        return None;
    }
    let m = w as f64;
    Some(if q >= 0 { m * POW10[q as usize] } else { m / POW10[(-q) as usize] })
}

/// `w × 10^q`, correctly rounded (ties to even), for any `w` and `q`; `None` when the
/// algorithm cannot decide (rare: the caller must use a slower exact method).
pub(super) fn eisel_lemire(w: u64, q: i64) -> Option<f64> {
    // One compare for both ends of the table (q below it wraps to a large index).
    if w == 0 || q.wrapping_sub(POW5_MIN_Q) as u64 > (POW5_MAX_Q - POW5_MIN_Q) as u64 {
        // w < 2^64 < 10^20, so w × 10^q below the table is < 10^-323 and rounds to zero;
        // above it, beyond the largest double.
        return Some(if w == 0 || q < POW5_MIN_Q { 0.0 } else { f64::INFINITY });
    }
    let lz = w.leading_zeros();
    let w = w << lz;
    let (hi5, lo5) = POW5[(q - POW5_MIN_Q) as usize];
    let product = u128::from(w) * u128::from(hi5);
    let (mut hi, mut lo) = ((product >> 64) as u64, product as u64);
    let below = u64::MAX >> KEPT;
    if hi & below == below {
        // The dropped bits are all ones: the table's low half may carry into them.
        let more = ((u128::from(w) * u128::from(lo5)) >> 64) as u64;
        let (sum, carry) = lo.overflowing_add(more);
        lo = sum;
        hi += u64::from(carry);
    }
    if lo == u64::MAX && !(-27..=55).contains(&q) {
        // The truncated tail could still carry: undecided (outside the range where 5^q
        // fits the table exactly enough for that not to matter).
        return None;
    }
    let top = (hi >> 63) as u32;
    let shift = top + 64 - KEPT;
    let mut mantissa = hi >> shift;
    // floor(log2(10^q)) + 63, plus the top bit, minus the shift of w, rebased so that 1 is the
    // smallest normal exponent: 217706 / 2^16 ≈ log2(10).
    let exponent = ((q * 217_706) >> 16) + 63 + i64::from(top) - i64::from(lz) + 1023;
    if exponent <= 0 {
        // Subnormal: shift the mantissa down to the fixed exponent, then round.
        let down = 1 - exponent;
        if down >= 64 {
            return Some(0.0);
        }
        mantissa >>= down;
        mantissa += mantissa & 1;
        mantissa >>= 1;
        // Rounding up may reach the smallest normal number.
        let biased = u64::from(mantissa >= 1 << MANTISSA_BITS);
        return Some(f64::from_bits(mantissa | biased << MANTISSA_BITS));
    }
    if lo <= 1 && (-4..=23).contains(&q) && mantissa & 3 == 1 && mantissa << shift == hi {
        // Exactly half-way between two doubles: the rounding below would go up, but ties
        // go to the even one.
        mantissa &= !1;
    }
    mantissa += mantissa & 1;
    mantissa >>= 1;
    // The mantissa holds its hidden bit (2^52 ..= 2^53), which adding it to the exponent
    // one below counts back in; rounded up to 2^53, it carries into the exponent.
    let bits = mantissa + (((exponent - 1) as u64) << MANTISSA_BITS);
    if bits >= (INFINITE as u64) << MANTISSA_BITS {
        return Some(f64::INFINITY);
    }
    Some(f64::from_bits(bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little big-number arithmetic for checking the table: little-endian `u32` limbs.
    #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
    struct Big(Vec<u32>);

    impl Big {
        fn one() -> Big {
            Big(vec![1])
        }
        fn trim(mut self) -> Big {
            while self.0.len() > 1 && self.0.last() == Some(&0) {
                self.0.pop();
            }
            self
        }
        fn bits(&self) -> u32 {
            let top = *self.0.last().unwrap();
            (self.0.len() as u32 - 1) * 32 + (32 - top.leading_zeros())
        }
        fn bit(&self, i: u32) -> bool {
            self.0.get((i / 32) as usize).is_some_and(|l| l >> (i % 32) & 1 == 1)
        }
        fn mul_small(&self, m: u32) -> Big {
            let mut carry = 0u64;
            let mut out = Vec::with_capacity(self.0.len() + 1);
            for &l in &self.0 {
                let v = u64::from(l) * u64::from(m) + carry;
                out.push(v as u32);
                carry = v >> 32;
            }
            out.push(carry as u32);
            Big(out).trim()
        }
        /// The top 128 bits (the value shifted right by `bits() - 128`, or left if shorter).
        fn top128(&self) -> u128 {
            let n = self.bits();
            (0..128).fold(0u128, |acc, k| {
                let i = i64::from(n) - 1 - k;
                acc << 1 | u128::from(i >= 0 && self.bit(i as u32))
            })
        }
        fn sub(&self, other: &Big) -> Big {
            let mut out = Vec::with_capacity(self.0.len());
            let mut borrow = 0i64;
            for (i, &l) in self.0.iter().enumerate() {
                let v = i64::from(l) - i64::from(*other.0.get(i).unwrap_or(&0)) - borrow;
                out.push(v.rem_euclid(1 << 32) as u32);
                borrow = i64::from(v < 0);
            }
            Big(out).trim()
        }
        fn cmp_value(&self, other: &Big) -> std::cmp::Ordering {
            self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
        }
        /// 2^s / self, the quotient's bits (most significant first).
        fn reciprocal_bits(&self, s: u32) -> Vec<bool> {
            let mut rem = Big(vec![0]);
            let mut q = Vec::with_capacity(s as usize + 1);
            for i in (0..=s).rev() {
                rem = rem.mul_small(2);
                if i == s {
                    rem.0[0] |= 1;
                }
                let ge = rem.cmp_value(self) != std::cmp::Ordering::Less;
                if ge {
                    rem = rem.sub(self);
                }
                q.push(ge);
            }
            while q.first() == Some(&false) {
                q.remove(0);
            }
            q
        }
    }

    /// Each entry, recomputed: 5^q's top 128 bits for q ≥ 0; for q < 0, 2^s / 5^-q plus one
    /// (s as in scripts/pow5.py), truncated to 128 bits.
    #[test]
    fn pow5_table_is_exact() {
        let mut p = Big::one();
        for q in 0..=POW5_MAX_Q {
            let (hi, lo) = POW5[(q - POW5_MIN_Q) as usize];
            assert_eq!(u128::from(hi) << 64 | u128::from(lo), p.top128(), "5^{q}");
            p = p.mul_small(5);
        }
        let mut p = Big::one();
        for q in (POW5_MIN_Q..0).rev() {
            p = p.mul_small(5);
            let z = p.bits();
            let s = if q >= -27 { z + 127 } else { 2 * z + 128 };
            // The quotient plus one: add one to the bit string.
            let mut bits = p.reciprocal_bits(s);
            let mut k = bits.len();
            loop {
                k -= 1;
                bits[k] = !bits[k];
                if bits[k] {
                    break;
                }
            }
            let top = bits.iter().take(128).fold(0u128, |acc, &b| acc << 1 | u128::from(b));
            assert!(bits.len() >= 128);
            let (hi, lo) = POW5[(q - POW5_MIN_Q) as usize];
            assert_eq!(u128::from(hi) << 64 | u128::from(lo), top, "5^{q}");
        }
    }

    /// The text `w`e`q`, parsed by the standard library (exact) and by ours.
    fn check(w: u64, q: i64) {
        let text = format!("{w}e{q}");
        let want: f64 = text.parse().unwrap();
        if let Some(v) = clinger(w, q) {
            assert_eq!(v.to_bits(), want.to_bits(), "clinger {text}");
        }
        if let Some(v) = eisel_lemire(w, q) {
            assert_eq!(v.to_bits(), want.to_bits(), "eisel-lemire {text}");
        }
    }

    #[test]
    fn agrees_with_std_on_every_exponent() {
        // A fixed xorshift stream: random mantissas of every length, every exponent.
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let mut undecided = 0;
        for q in -360..=320 {
            for k in 0..400 {
                let digits = k % 20;
                let w = next() % 10u64.pow(digits as u32).max(2);
                check(w, q);
                check(w | 1, q);
                undecided += usize::from(eisel_lemire(w | 1, q).is_none());
            }
        }
        assert!(undecided < 100, "{undecided} undecided");
    }

    #[test]
    fn boundaries() {
        for (w, q) in [
            (1, -324),
            (2, -324),
            (3, -324),
            (24703282292062327, -340),
            (24703282292062328, -340),
            (22250738585072011, -324),
            (22250738585072014, -324),
            (17976931348623157, 292),
            (17976931348623158, 292),
            (17976931348623159, 292),
            (9007199254740993, 0),
            (9007199254740995, 0),
            (123456789012345678, -5),
            (u64::MAX, 0),
            (u64::MAX, -400),
            (1, 400),
            (5, -1),
            (25, -2),
            (4503599627370497, -1),
        ] {
            check(w, q);
        }
        // Half-way points between doubles near 1: 2^53 + 1 and friends, scaled.
        for k in 0..1000u64 {
            check((1 << 53) + 2 * k + 1, 0);
            check(((1 << 53) + 2 * k + 1) * 5, -1);
        }
    }
}
