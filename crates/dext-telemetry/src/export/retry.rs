//! When to send an export request again: OTLP/HTTP's rules, as a value the sender consults.
//!
//! Per the OTLP specification, 429, 502, 503 and 504 are retryable (honouring a
//! `Retry-After` in seconds), as are failures to connect or to read an answer; any other
//! status is final (2xx done, the rest dropped). Retries back off exponentially from
//! `initial` to `max` with jitter, and a request is given up after `max_attempts`.

use std::time::Duration;

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Delivered.
    Done,
    /// Try again after this long.
    Retry(Duration),
    /// Give up: drop the request (and count it).
    Drop,
}

/// The retry policy.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// The first delay.
    pub initial: Duration,
    /// The largest delay.
    pub max: Duration,
    /// Attempts before giving up (the first included).
    pub max_attempts: u32,
}

impl Default for Backoff {
    /// 1 s doubling to 30 s, 5 attempts (OTel SDKs' defaults).
    fn default() -> Self {
        Backoff { initial: Duration::from_secs(1), max: Duration::from_secs(30), max_attempts: 5 }
    }
}

impl Backoff {
    /// The verdict on attempt `attempt` (1 for the first) that got HTTP `status` (`None`
    /// when no answer came) and maybe a `Retry-After` of some seconds. `jitter` in `[0, 1)`
    /// spreads retries (the sender supplies it: this crate has no randomness source here).
    pub fn verdict(&self, attempt: u32, status: Option<u16>, retry_after: Option<u64>, jitter: f64) -> Verdict {
        let retryable = match status {
            Some(200..=299) => return Verdict::Done,
            Some(429 | 502 | 503 | 504) | None => true,
            Some(_) => false,
        };
        if !retryable || attempt >= self.max_attempts {
            return Verdict::Drop;
        }
        let exp = self.initial.saturating_mul(1 << (attempt - 1).min(20)).min(self.max);
        // Full delay minus up to half of it: never zero, never past the cap.
        let delay = exp.mul_f64(1.0 - 0.5 * jitter.clamp(0.0, 1.0));
        let delay = match retry_after {
            Some(s) => Duration::from_secs(s).min(self.max).max(delay),
            None => delay,
        };
        Verdict::Retry(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let b = Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(1), max_attempts: 4 };
        assert_eq!(b.verdict(1, Some(200), None, 0.0), Verdict::Done);
        assert_eq!(b.verdict(1, Some(204), None, 0.0), Verdict::Done);
        assert_eq!(b.verdict(1, Some(400), None, 0.0), Verdict::Drop);
        assert_eq!(b.verdict(1, Some(500), None, 0.0), Verdict::Drop);
        assert_eq!(b.verdict(1, Some(503), None, 0.0), Verdict::Retry(Duration::from_millis(100)));
        assert_eq!(b.verdict(2, Some(429), None, 0.0), Verdict::Retry(Duration::from_millis(200)));
        assert_eq!(b.verdict(3, None, None, 0.0), Verdict::Retry(Duration::from_millis(400)));
        assert_eq!(b.verdict(4, None, None, 0.0), Verdict::Drop);
        // Jitter takes off up to half; Retry-After raises the delay, capped at `max`.
        assert_eq!(b.verdict(1, Some(503), None, 0.5), Verdict::Retry(Duration::from_millis(75)));
        assert_eq!(b.verdict(1, Some(503), Some(0), 0.0), Verdict::Retry(Duration::from_millis(100)));
        assert_eq!(b.verdict(1, Some(503), Some(9), 0.0), Verdict::Retry(Duration::from_secs(1)));
        let big = Backoff { max_attempts: 100, ..b };
        assert_eq!(big.verdict(60, Some(503), None, 0.0), Verdict::Retry(Duration::from_secs(1)));
    }
}
