//! Samplers: whether a new span is recorded and exported.

use super::context::{SpanContext, TraceId};

/// A sampler's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Neither recorded nor exported; the context still propagates (unsampled).
    Drop,
    /// Recorded locally (attributes, events) but not exported; the sampled flag stays clear.
    RecordOnly,
    /// Recorded and exported; the sampled flag is set.
    RecordAndSample,
}

impl Decision {
    /// Whether the span is recorded.
    pub fn is_recording(self) -> bool {
        self != Decision::Drop
    }

    /// Whether the span is sampled (exported, and its flag set).
    pub fn is_sampled(self) -> bool {
        self == Decision::RecordAndSample
    }
}

/// Which spans are sampled. Decisions depend only on the parent and the trace id, so every
/// process of a trace that uses the same ratio agrees (consistent probability sampling).
#[derive(Clone, Debug, PartialEq)]
pub enum Sampler {
    /// Every span.
    AlwaysOn,
    /// No span.
    AlwaysOff,
    /// A fraction of traces, chosen by the trace id's randomness.
    TraceIdRatio(Ratio),
    /// The parent's decision where there is a parent, else the root sampler's.
    ParentBased(Box<Sampler>),
}

/// A sampling probability as the rejection threshold of OTel's consistent probability
/// sampling: a trace is sampled when the 56-bit number in the rightmost 7 bytes of its id is
/// at least `threshold`. Those bytes are the randomness W3C Level 2 guarantees (its
/// `random` flag), which is why the comparison uses them and not the whole id.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ratio {
    probability: f64,
    threshold: u64,
}

const MAX_THRESHOLD: u64 = 1 << 56;

impl Ratio {
    /// The ratio `p`, clamped to `[0, 1]` (NaN is 0).
    pub fn new(p: f64) -> Ratio {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        // threshold = (1 - p) × 2^56, rounded; 2^56 for p = 0 means never.
        let threshold = ((1.0 - p) * MAX_THRESHOLD as f64).round() as u64;
        Ratio { probability: p, threshold: threshold.min(MAX_THRESHOLD) }
    }

    /// The probability this ratio was made from.
    pub fn probability(self) -> f64 {
        self.probability
    }

    /// The rejection threshold in `[0, 2^56]`.
    pub fn threshold(self) -> u64 {
        self.threshold
    }

    /// Whether a trace with this id is sampled.
    pub fn samples(self, trace_id: TraceId) -> bool {
        randomness(trace_id) >= self.threshold
    }
}

/// The rightmost 7 bytes of the id, big-endian.
#[inline]
pub fn randomness(trace_id: TraceId) -> u64 {
    let [.., a, b, c, d, e, f, g, h] = trace_id.0;
    randomness_of(u64::from_be_bytes([a, b, c, d, e, f, g, h]))
}

/// The randomness of a trace id whose last eight bytes, read big-endian, are `last`.
#[inline]
pub(crate) fn randomness_of(last: u64) -> u64 {
    last & (MAX_THRESHOLD - 1)
}

impl Sampler {
    /// `TraceIdRatio` of `p`.
    pub fn ratio(p: f64) -> Sampler {
        Sampler::TraceIdRatio(Ratio::new(p))
    }

    /// `ParentBased` with `root` for roots.
    pub fn parent_based(root: Sampler) -> Sampler {
        Sampler::ParentBased(Box::new(root))
    }

    /// The decision for a new span of `trace_id` under `parent` (invalid or absent for a
    /// root span).
    pub fn decide(&self, parent: Option<&SpanContext>, trace_id: TraceId) -> Decision {
        let yes = |b: bool| if b { Decision::RecordAndSample } else { Decision::Drop };
        match self {
            Sampler::AlwaysOn => Decision::RecordAndSample,
            Sampler::AlwaysOff => Decision::Drop,
            Sampler::TraceIdRatio(r) => yes(r.samples(trace_id)),
            Sampler::ParentBased(root) => match parent {
                // Local and remote parents alike: OTel's default delegates (sampled parent:
                // always on; unsampled parent: always off).
                Some(p) if p.is_valid() => yes(p.is_sampled()),
                _ => root.decide(None, trace_id),
            },
        }
    }
}

/// A sampler reduced to what a decision reads, made once per tracer: whether a valid
/// parent's sampled flag decides, and the rule for the rest as a threshold on the trace
/// id's randomness (0: always; `u64::MAX`: never). A decision is then a compare or two,
/// where the sampler's tree is walked through a box per level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Compiled {
    follow_parent: bool,
    threshold: u64,
}

impl Compiled {
    pub(crate) fn new(sampler: &Sampler) -> Compiled {
        match sampler {
            Sampler::AlwaysOn => Compiled { follow_parent: false, threshold: 0 },
            Sampler::AlwaysOff => Compiled { follow_parent: false, threshold: u64::MAX },
            Sampler::TraceIdRatio(r) => Compiled { follow_parent: false, threshold: r.threshold },
            Sampler::ParentBased(root) => Compiled { follow_parent: true, ..Compiled::new(root) },
        }
    }

    /// As [`Sampler::decide`].
    #[inline(always)]
    pub(crate) fn decide(self, parent: Option<&SpanContext>, trace_id: TraceId) -> Decision {
        match parent {
            Some(p) if self.follow_parent && p.is_valid() => Self::verdict(p.is_sampled()),
            _ => self.decide_root(randomness(trace_id)),
        }
    }

    /// The decision for a root span whose trace id's [`randomness`] is `random` (given by a
    /// caller that made the id, so that it is not read back from the id's bytes).
    #[inline]
    pub(crate) fn decide_root(self, random: u64) -> Decision {
        Self::verdict(random >= self.threshold)
    }

    #[inline]
    fn verdict(sampled: bool) -> Decision {
        if sampled { Decision::RecordAndSample } else { Decision::Drop }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::context::{SpanId, TraceFlags};

    fn id(low56: u64) -> TraceId {
        // Random high bytes must not matter.
        TraceId::from_u128((0xdead_beef_u128 << 64) | u128::from(0xab00_0000_0000_0000 | low56))
    }

    #[test]
    fn always_and_never() {
        for t in [1u64, 1 << 55, (1 << 56) - 1] {
            assert_eq!(Sampler::AlwaysOn.decide(None, id(t)), Decision::RecordAndSample);
            assert_eq!(Sampler::AlwaysOff.decide(None, id(t)), Decision::Drop);
        }
    }

    #[test]
    fn ratio_thresholds() {
        assert_eq!(Ratio::new(1.0).threshold(), 0);
        assert_eq!(Ratio::new(0.0).threshold(), 1 << 56);
        assert_eq!(Ratio::new(0.5).threshold(), 1 << 55);
        assert_eq!(Ratio::new(0.25).threshold(), 3 << 54);
        assert_eq!(Ratio::new(f64::NAN).threshold(), 1 << 56);
        assert_eq!(Ratio::new(7.0).threshold(), 0);
        let half = Sampler::ratio(0.5);
        assert_eq!(half.decide(None, id((1 << 55) - 1)), Decision::Drop);
        assert_eq!(half.decide(None, id(1 << 55)), Decision::RecordAndSample);
        assert_eq!(Sampler::ratio(0.0).decide(None, id((1 << 56) - 1)), Decision::Drop);
        assert_eq!(Sampler::ratio(1.0).decide(None, id(0)), Decision::RecordAndSample);
    }

    #[test]
    fn ratio_samples_its_fraction() {
        // A stream of ids from a fixed generator: about p of them are sampled.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for p in [0.01, 0.1, 0.5, 0.9] {
            let s = Sampler::ratio(p);
            let n = 200_000;
            let mut hits = 0;
            for _ in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if s.decide(None, TraceId::from_u128(u128::from(x))).is_sampled() {
                    hits += 1;
                }
            }
            let got = hits as f64 / n as f64;
            assert!((got - p).abs() < 0.01, "p {p}: sampled {got}");
        }
    }

    #[test]
    fn parent_based_follows_the_parent() {
        let s = Sampler::parent_based(Sampler::AlwaysOff);
        let mut parent = SpanContext {
            trace_id: id(1),
            span_id: SpanId::from_u64(7),
            flags: TraceFlags(TraceFlags::SAMPLED),
            is_remote: true,
        };
        assert_eq!(s.decide(Some(&parent), id(1)), Decision::RecordAndSample);
        parent.flags = TraceFlags(0);
        assert_eq!(s.decide(Some(&parent), id(1)), Decision::Drop);
        parent.is_remote = false;
        assert_eq!(s.decide(Some(&parent), id(1)), Decision::Drop);
        // No parent, or an invalid one: the root sampler decides.
        assert_eq!(s.decide(None, id(1)), Decision::Drop);
        assert_eq!(s.decide(Some(&SpanContext::default()), id(1)), Decision::Drop);
        let s = Sampler::parent_based(Sampler::AlwaysOn);
        assert_eq!(s.decide(Some(&SpanContext::default()), id(1)), Decision::RecordAndSample);
    }

    #[test]
    fn a_compiled_sampler_decides_as_the_sampler() {
        let roots =
            [Sampler::AlwaysOn, Sampler::AlwaysOff, Sampler::ratio(0.0), Sampler::ratio(0.1), Sampler::ratio(1.0)];
        let mut samplers = Vec::new();
        for r in roots {
            samplers.push(Sampler::parent_based(Sampler::parent_based(r.clone())));
            samplers.push(Sampler::parent_based(r.clone()));
            samplers.push(r);
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for s in &samplers {
            let c = Compiled::new(s);
            for i in 0..2000u64 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let trace = TraceId::from_u128((u128::from(x) << 64) | u128::from(x.rotate_left(17) ^ i));
                let parents = [
                    None,
                    Some(SpanContext {
                        trace_id: trace,
                        span_id: SpanId::from_u64(7),
                        flags: TraceFlags(1),
                        is_remote: true,
                    }),
                    Some(SpanContext {
                        trace_id: trace,
                        span_id: SpanId::from_u64(7),
                        flags: TraceFlags(0),
                        is_remote: false,
                    }),
                    Some(SpanContext::default()),
                ];
                for p in &parents {
                    assert_eq!(c.decide(p.as_ref(), trace), s.decide(p.as_ref(), trace), "{s:?} {p:?}");
                }
            }
        }
    }
}
