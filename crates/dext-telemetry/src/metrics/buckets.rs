//! Histogram bucket math: explicit boundaries and base-2 exponential buckets.

/// The OTel HTTP semantic conventions' boundaries for `http.server.request.duration`, in
/// seconds.
pub const HTTP_DURATION_SECONDS: &[f64] =
    &[0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

/// The bucket of `v` among explicit `bounds` (sorted, ascending): the number of bounds
/// below `v`. Bucket `i` holds `(bounds[i-1], bounds[i]]`, upper bound inclusive, as in
/// OTel and Prometheus (`le`); the last bucket is `(bounds[last], +Inf)`.
#[inline(always)]
pub fn explicit_index(bounds: &[f64], v: f64) -> usize {
    // Most values of a latency histogram fall in its first bucket: one compare settles them.
    match bounds.first() {
        Some(&first) if v <= first => return 0,
        None => return 0,
        Some(_) => {}
    }
    if bounds.len() <= 16 {
        // Branch-free: a comparison per bound, summed; vectorizes.
        bounds.iter().map(|&b| usize::from(v > b)).sum()
    } else {
        bounds.partition_point(|&b| b < v)
    }
}

/// Whether `bounds` are usable: finite, strictly increasing.
pub fn valid_bounds(bounds: &[f64]) -> bool {
    bounds.iter().all(|b| b.is_finite()) && bounds.windows(2).all(|w| w[0] < w[1])
}

/// The largest scale an exponential histogram records at: 256 buckets per power of two.
pub const MAX_SCALE: i32 = 8;
/// The smallest scale: one bucket per 2^1024.
pub const MIN_SCALE: i32 = -10;

const MANTISSA: u64 = (1 << 52) - 1;

/// Base-2 exponential bucketing at one scale: bucket `i` holds `(base^i, base^(i+1)]` with
/// `base = 2^(2^-scale)`, as OTel's exponential histogram defines it.
#[derive(Clone, Debug)]
pub struct Exponential {
    scale: i32,
    /// For scales above 0: the mantissa bits of `2^(j / 2^scale)` for `j` in `1..2^scale`,
    /// the boundaries within one power of two.
    subbuckets: Box<[u64]>,
}

impl Exponential {
    /// Bucketing at `scale`, clamped to `MIN_SCALE..=MAX_SCALE`.
    pub fn new(scale: i32) -> Exponential {
        let scale = scale.clamp(MIN_SCALE, MAX_SCALE);
        let subbuckets = if scale > 0 {
            let n = 1u32 << scale;
            (1..n).map(|j| 2f64.powf(f64::from(j) / f64::from(n)).to_bits() & MANTISSA).collect()
        } else {
            Box::default()
        };
        Exponential { scale, subbuckets }
    }

    /// The scale.
    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// The bucket index of `v`, a positive normal or subnormal `f64` (subnormals count as
    /// the smallest normal, 2^-1022).
    #[inline]
    pub fn index(&self, v: f64) -> i32 {
        let bits = v.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let (exp, mant) = if biased == 0 { (-1022, 0) } else { (biased - 1023, bits & MANTISSA) };
        // An exact power of two is the upper (inclusive) end of the bucket below it.
        let exact = i32::from(mant == 0);
        if self.scale <= 0 {
            (exp - exact) >> -self.scale
        } else if exact == 1 {
            (exp << self.scale) - 1
        } else {
            // The boundaries below the mantissa within this power of two.
            (exp << self.scale) + self.subbuckets.partition_point(|&b| b < mant) as i32
        }
    }

    /// The lower (exclusive) boundary of bucket `index`: `2^(index × 2^-scale)`.
    pub fn lower_bound(&self, index: i32) -> f64 {
        2f64.powf(f64::from(index) * 2f64.powi(-self.scale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_buckets_are_upper_inclusive() {
        let b = HTTP_DURATION_SECONDS;
        assert!(valid_bounds(b));
        let check = |v: f64, i: usize| {
            assert_eq!(explicit_index(b, v), i, "{v}");
            assert_eq!(b.partition_point(|&x| x < v), i, "{v}");
        };
        check(0.0, 0);
        check(-1.0, 0);
        check(0.005, 0);
        check(0.0050001, 1);
        check(0.01, 1);
        check(0.3, 7);
        check(10.0, 13);
        check(10.5, 14);
        check(f64::INFINITY, 14);
        // The long-list path agrees with the short one.
        let long: Vec<f64> = (0..40).map(f64::from).collect();
        for v in [-1.0, 0.0, 0.5, 1.0, 17.0, 17.5, 39.0, 40.0] {
            let want = long.iter().filter(|&&x| v > x).count();
            assert_eq!(explicit_index(&long, v), want, "{v}");
        }
        assert!(!valid_bounds(&[1.0, 1.0]));
        assert!(!valid_bounds(&[2.0, 1.0]));
        assert!(!valid_bounds(&[f64::NAN]));
        assert!(valid_bounds(&[]));
    }

    /// The index by the definition: the `i` with `base^i < v <= base^(i+1)`, from `log2`,
    /// where `v` is not within rounding of a boundary.
    fn reference(scale: i32, v: f64) -> Option<i32> {
        let x = v.log2() * 2f64.powi(scale);
        if (x - x.round()).abs() < 1e-9 {
            return None;
        }
        Some(x.ceil() as i32 - 1)
    }

    #[test]
    fn exponential_index_matches_the_definition() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for scale in MIN_SCALE..=MAX_SCALE {
            let e = Exponential::new(scale);
            for _ in 0..20_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Positive normal values over a wide range of exponents.
                let v = f64::from_bits((x >> 2) & 0x7fef_ffff_ffff_ffff | 0x0010_0000_0000_0000);
                if let Some(want) = reference(scale, v) {
                    assert_eq!(e.index(v), want, "scale {scale} v {v:e}");
                }
            }
        }
    }

    #[test]
    fn exponential_powers_of_two_close_their_bucket() {
        for scale in MIN_SCALE..=MAX_SCALE {
            let e = Exponential::new(scale);
            for p in -1022..1024 {
                let v = 2f64.powi(p);
                // 2^p is the upper end of the bucket whose upper boundary it is.
                let want = if scale >= 0 {
                    (p << scale) - 1
                } else {
                    // Buckets of 2^(2^-scale): 2^p closes one only when p divides evenly.
                    (p - 1) >> -scale
                };
                assert_eq!(e.index(v), want, "scale {scale} 2^{p}");
            }
        }
        let e = Exponential::new(0);
        assert_eq!(e.index(1.0), -1);
        assert_eq!(e.index(1.5), 0);
        assert_eq!(e.index(2.0), 0);
        assert_eq!(e.index(3.0), 1);
        assert_eq!(e.index(f64::MIN_POSITIVE / 4.0), -1023);
        let e = Exponential::new(1);
        // base √2: (1, 1.414] is 0, (1.414, 2] is 1.
        assert_eq!(e.index(1.4), 0);
        assert_eq!(e.index(1.5), 1);
        assert_eq!(e.index(2.0), 1);
        assert!((e.lower_bound(1) - 2f64.sqrt()).abs() < 1e-15);
        assert_eq!(Exponential::new(99).scale(), MAX_SCALE);
    }
}
