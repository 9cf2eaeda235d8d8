//! Reconnect delays: full jitter, `random(0, min(cap, base × 2^attempt))`, as a pure function
//! of the attempt number and an injected RNG (design.md §3).

use rand::Rng;
use std::time::Duration;

/// The reconnect delay policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// The ceiling for attempt 0 (0.5 s).
    pub base: Duration,
    /// The largest ceiling (30 s).
    pub cap: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        }
    }
}

impl BackoffPolicy {
    /// The upper bound of the delay for `attempt` (0-based): `min(cap, base × 2^attempt)`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A uniformly random delay in `[0, ceiling(attempt)]`.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.gen_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn ceiling_doubles_from_half_a_second_and_stops_at_thirty() {
        let policy = BackoffPolicy::default();
        let table = [
            (0, 500),
            (1, 1_000),
            (2, 2_000),
            (3, 4_000),
            (4, 8_000),
            (5, 16_000),
            (6, 30_000),
            (7, 30_000),
            (40, 30_000),
            (u32::MAX, 30_000),
        ];
        for (attempt, millis) in table {
            assert_eq!(
                policy.ceiling(attempt),
                Duration::from_millis(millis),
                "attempt {attempt}"
            );
        }
    }

    #[test]
    fn delays_are_within_the_ceiling_and_spread_across_it() {
        let policy = BackoffPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 0..10 {
            let delays: Vec<Duration> = (0..500).map(|_| policy.delay(attempt, &mut rng)).collect();
            let ceiling = policy.ceiling(attempt);
            assert!(delays.iter().all(|d| *d <= ceiling), "attempt {attempt}");
            let low = delays.iter().filter(|d| **d < ceiling / 4).count();
            let high = delays.iter().filter(|d| **d > ceiling * 3 / 4).count();
            assert!(
                low > 50 && high > 50,
                "full jitter covers the range: {low} {high}"
            );
        }
    }

    #[test]
    fn a_seeded_rng_gives_the_same_delays_every_time() {
        let policy = BackoffPolicy::default();
        let run = || {
            let mut rng = StdRng::seed_from_u64(42);
            (0..8)
                .map(|a| policy.delay(a, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }
}
