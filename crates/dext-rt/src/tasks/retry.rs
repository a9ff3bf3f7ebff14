//! Retry with exponential backoff (and optional jitter).

use std::future::Future;
use std::time::{Duration, Instant};

use crate::time::sleep;

/// A backoff policy: delays `initial`, `initial * factor`, ... capped at `max_delay`, for at
/// most `max_retries` retries and (optionally) `max_elapsed` in total.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max_delay: Duration,
    factor: u32,
    max_retries: u32,
    max_elapsed: Option<Duration>,
    jitter: bool,
}

impl Backoff {
    /// Exponential backoff from `initial`, doubling, capped at 30 s, 5 retries, with jitter.
    pub fn exponential(initial: Duration) -> Backoff {
        Backoff {
            initial,
            max_delay: Duration::from_secs(30),
            factor: 2,
            max_retries: 5,
            max_elapsed: None,
            jitter: true,
        }
    }

    /// A constant delay between retries, no jitter.
    pub fn constant(delay: Duration) -> Backoff {
        Backoff { factor: 1, jitter: false, ..Backoff::exponential(delay) }
    }

    /// The largest delay.
    pub fn max_delay(mut self, d: Duration) -> Backoff {
        self.max_delay = d;
        self
    }

    /// The growth factor (at least 1).
    pub fn factor(mut self, f: u32) -> Backoff {
        self.factor = f.max(1);
        self
    }

    /// Retries after the first attempt (0: no retry).
    pub fn max_retries(mut self, n: u32) -> Backoff {
        self.max_retries = n;
        self
    }

    /// Stop retrying once this much time has passed since the first attempt.
    pub fn max_elapsed(mut self, d: Duration) -> Backoff {
        self.max_elapsed = Some(d);
        self
    }

    /// Randomise each delay uniformly within [delay/2, delay] ("equal jitter"), so that
    /// clients that failed together do not retry together.
    pub fn jitter(mut self, on: bool) -> Backoff {
        self.jitter = on;
        self
    }

    /// The delay before retry number `attempt` (0-based), before jitter.
    pub fn delay(&self, attempt: u32) -> Duration {
        let mult = self.factor.checked_pow(attempt).unwrap_or(u32::MAX);
        self.initial.checked_mul(mult).unwrap_or(self.max_delay).min(self.max_delay)
    }
}

/// A small xorshift generator for jitter; seeded from the clock and a stack address.
fn jitter_rand(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

/// Calls `op` until it succeeds, waiting between attempts as `policy` says. Returns the last
/// error when the policy is exhausted.
pub async fn retry<T, E, F, Fut>(policy: Backoff, op: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    retry_if(policy, op, |_| true).await
}

/// Like [`retry`], but only errors for which `retryable` returns true are retried.
pub async fn retry_if<T, E, F, Fut, P>(policy: Backoff, mut op: F, mut retryable: P) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    P: FnMut(&E) -> bool,
{
    let start = Instant::now();
    let mut seed = start.elapsed().as_nanos() as u64 ^ (&start as *const Instant as u64) | 1;
    let mut attempt = 0;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                if attempt >= policy.max_retries || !retryable(&e) {
                    return Err(e);
                }
                let mut d = policy.delay(attempt);
                if policy.jitter && !d.is_zero() {
                    let half = d / 2;
                    let extra = jitter_rand(&mut seed) % (half.as_nanos() as u64 + 1);
                    d = half + Duration::from_nanos(extra);
                }
                if let Some(max) = policy.max_elapsed {
                    if start.elapsed() + d > max {
                        return Err(e);
                    }
                }
                sleep(d).await;
                attempt += 1;
            }
        }
    }
}
