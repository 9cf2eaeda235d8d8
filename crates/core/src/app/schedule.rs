//! When the project list is fetched again, as a pure machine: every few minutes; soon after a
//! resync or a project / membership event (debounced, since one reconnect resyncs every
//! project at once); and after a failure with a growing, jittered delay, or at the session's
//! own retry time when it names one. Time and randomness are passed in.

use std::time::Duration;
use tokio::time::Instant;

/// How often the list is fetched again when nothing happens (5 min).
pub const REFRESH_EVERY: Duration = Duration::from_secs(5 * 60);
/// How long a burst of triggers is collected before one fetch (1 s).
pub const DEBOUNCE: Duration = Duration::from_secs(1);
/// The longest wait after failures (30 s).
pub const RETRY_CAP: Duration = Duration::from_secs(30);

/// The list fetch's timing.
#[derive(Debug, Clone)]
pub struct ListSchedule {
    every: Duration,
    debounce: Duration,
    next: Instant,
    failures: u32,
}

impl ListSchedule {
    /// A schedule whose first fetch is due at `now`.
    pub fn new(now: Instant, every: Duration, debounce: Duration) -> Self {
        Self {
            every,
            debounce,
            next: now,
            failures: 0,
        }
    }

    /// When the next fetch is due.
    pub fn deadline(&self) -> Instant {
        self.next
    }

    /// Consecutive failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Something changed (a resync, a project or membership event): fetch soon. A retry
    /// already waiting for a failing server is not brought forward by more than this.
    pub fn kick(&mut self, now: Instant) {
        self.next = self.next.min(now + self.debounce);
    }

    /// The fetch worked: the next one is a period away.
    pub fn succeeded(&mut self, now: Instant) {
        self.failures = 0;
        self.next = now + self.every;
    }

    /// The fetch failed: wait `min(30 s, 1 s × 2^failures)`, scaled by `unit` into its upper
    /// half, or until `not_before` (the session's own retry) when that is later. Returns
    /// when the next try is.
    pub fn failed(&mut self, now: Instant, unit: f64, not_before: Option<Instant>) -> Instant {
        let ceiling = Duration::from_secs(1)
            .saturating_mul(1u32.checked_shl(self.failures.min(16)).unwrap_or(u32::MAX))
            .min(RETRY_CAP);
        self.failures = self.failures.saturating_add(1);
        let delay = ceiling.mul_f64(0.5 + unit.clamp(0.0, 1.0) / 2.0);
        self.next = (now + delay).max(not_before.unwrap_or(now));
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(now: Instant) -> ListSchedule {
        ListSchedule::new(now, REFRESH_EVERY, DEBOUNCE)
    }

    #[test]
    fn the_first_fetch_is_due_at_once_and_then_every_five_minutes() {
        let t0 = Instant::now();
        let mut s = schedule(t0);
        assert_eq!(s.deadline(), t0);
        s.succeeded(t0);
        assert_eq!(s.deadline(), t0 + REFRESH_EVERY);
    }

    #[test]
    fn triggers_bring_the_fetch_forward_by_one_debounce() {
        let t0 = Instant::now();
        let mut s = schedule(t0);
        s.succeeded(t0);
        let t1 = t0 + Duration::from_secs(10);
        s.kick(t1);
        s.kick(t1 + Duration::from_millis(300));
        assert_eq!(
            s.deadline(),
            t1 + DEBOUNCE,
            "a burst is one fetch, a second after its start"
        );
    }

    #[test]
    fn failures_back_off_up_to_thirty_seconds() {
        let t0 = Instant::now();
        let mut s = schedule(t0);
        // (jitter unit, delay): the ceiling doubles from 1 s; unit 0 waits half of it.
        let table = [
            (1.0, 1_000),
            (1.0, 2_000),
            (1.0, 4_000),
            (0.0, 4_000),
            (1.0, 16_000),
            (1.0, 30_000),
            (1.0, 30_000),
        ];
        for (unit, ms) in table {
            let at = s.failed(t0, unit, None);
            assert_eq!(
                at - t0,
                Duration::from_millis(ms),
                "after {} failures",
                s.failures()
            );
        }
        s.succeeded(t0);
        assert_eq!(s.failures(), 0);
    }

    #[test]
    fn a_later_session_retry_wins() {
        let t0 = Instant::now();
        let mut s = schedule(t0);
        let session_retry = t0 + Duration::from_secs(7);
        assert_eq!(s.failed(t0, 1.0, Some(session_retry)), session_retry);
    }
}
