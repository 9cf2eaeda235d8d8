//! When to refresh, as pure functions of the token's lifetime and the clocks (design.md §2).
//! Margins scale down for short-lived tokens, so a 3 s test token never loops.
//!
//! Every `lifetime` below is the *planned* lifetime ([`planned`]): `exp − iat` less the
//! second that whole-second claims may overstate it by. Expiry, the connect margin, the
//! proactive timer and the quarter-lifetime rule all use that one value, so a short token
//! gets at most two refreshes per lifetime.

use std::time::Duration;
use tokio::time::Instant;

/// How often the driver compares wall and monotonic time to notice a sleep.
pub const WAKE_TICK: Duration = Duration::from_secs(5);
/// A wall-clock jump beyond monotonic time larger than this means the machine slept.
pub const WAKE_THRESHOLD: Duration = Duration::from_secs(15);
/// Retry-After assumed when a 429 carries none (the server's httprate sends 60).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Shortest and longest retry delay after a transient refresh failure.
pub const RETRY_MIN: Duration = Duration::from_secs(1);
/// Longest retry delay after a transient refresh failure.
pub const RETRY_MAX: Duration = Duration::from_secs(30);

/// The most a whole-second `iat`/`exp` pair overstates a token's life (backend-contract §9.7).
pub const TRUNCATION_SLACK: Duration = Duration::from_secs(1);
/// The first wait before writing a refresh token the store refused again.
pub const PERSIST_RETRY_FIRST: Duration = Duration::from_secs(5);
/// The longest wait between re-save attempts of a refused refresh token.
pub const PERSIST_RETRY_MAX: Duration = Duration::from_secs(30);

/// The lifetime we plan with: `issued` (`exp − iat`) less the truncation slack (at most half
/// of it, so a token of one second still has a life).
pub fn planned(issued: Duration) -> Duration {
    issued.saturating_sub(TRUNCATION_SLACK.min(issued / 2))
}

/// The wait after a refused re-save, given the previous one: 5 s, 10 s, 20 s, then 30 s.
/// Each try on a locked desktop keychain opens an unlock prompt: a dismissed one must not
/// come back every 5 s, and an unlocked keychain should get the token within half a minute.
pub fn next_persist_wait(previous: Option<Duration>) -> Duration {
    previous.map_or(PERSIST_RETRY_FIRST, |wait| {
        (wait * 2).min(PERSIST_RETRY_MAX)
    })
}

/// `min(60 s, lifetime / 4)`: `ensure_valid()` refreshes when less than this remains.
pub fn connect_margin(lifetime: Duration) -> Duration {
    Duration::from_secs(60).min(lifetime / 4)
}

/// True when a token expiring at `expires_at` is too close to expiry to hand out.
pub fn needs_refresh(now: Instant, expires_at: Instant, lifetime: Duration) -> bool {
    expires_at.saturating_duration_since(now) < connect_margin(lifetime)
}

/// `min(120 s, lifetime / 4)`: how long before expiry the proactive timer fires.
pub fn proactive_lead(lifetime: Duration) -> Duration {
    Duration::from_secs(120).min(lifetime / 4)
}

/// `min(10 s, lifetime / 20)`: the most random spread taken off the proactive time, so
/// many clients do not refresh in the same instant.
pub fn jitter_cap(lifetime: Duration) -> Duration {
    Duration::from_secs(10).min(lifetime / 20)
}

/// The proactive refresh time: `expires_at − lead − unit × jitter_cap`, `unit` in `[0, 1)`.
pub fn proactive_refresh_at(expires_at: Instant, lifetime: Duration, unit: f64) -> Instant {
    let spread = jitter_cap(lifetime).mul_f64(unit.clamp(0.0, 1.0));
    let before = proactive_lead(lifetime) + spread;
    expires_at.checked_sub(before).unwrap_or(expires_at)
}

/// Never refresh twice within `lifetime / 4`, unless a server 401 forces it.
pub fn refresh_allowed(
    now: Instant,
    last_refresh: Option<Instant>,
    lifetime: Duration,
    forced_by_401: bool,
) -> bool {
    forced_by_401
        || last_refresh.is_none_or(|last| now.saturating_duration_since(last) >= lifetime / 4)
}

/// Full-jitter backoff after the `attempt`-th (0-based) transient failure:
/// `unit × min(30 s, 1 s × 2^attempt)`, never below 1 s.
pub fn retry_delay(attempt: u32, unit: f64) -> Duration {
    let cap = RETRY_MIN
        .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .min(RETRY_MAX);
    cap.mul_f64(unit.clamp(0.0, 1.0)).max(RETRY_MIN)
}

/// How long to wait after a 429.
pub fn rate_limit_delay(retry_after: Option<Duration>) -> Duration {
    retry_after.unwrap_or(DEFAULT_RETRY_AFTER)
}

/// How far wall time moved beyond monotonic time between two ticks, when that is more than
/// [`WAKE_THRESHOLD`] (the machine slept: monotonic time stood still). `wall_elapsed` is
/// `None` when the wall clock went backwards, which is not a sleep.
pub fn wall_jump(mono_elapsed: Duration, wall_elapsed: Option<Duration>) -> Option<Duration> {
    let jump = wall_elapsed?.checked_sub(mono_elapsed)?;
    (jump > WAKE_THRESHOLD).then_some(jump)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }
    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn margins_scale_with_the_lifetime() {
        // (lifetime, connect margin, proactive lead, jitter cap)
        let table = [
            (s(900), s(60), s(120), s(10)),
            (s(3600), s(60), s(120), s(10)),
            (s(120), s(30), s(30), s(6)),
            (s(3), ms(750), ms(750), ms(150)),
            (s(0), s(0), s(0), s(0)),
        ];
        for (lifetime, margin, lead, cap) in table {
            assert_eq!(connect_margin(lifetime), margin, "margin for {lifetime:?}");
            assert_eq!(proactive_lead(lifetime), lead, "lead for {lifetime:?}");
            assert_eq!(jitter_cap(lifetime), cap, "jitter for {lifetime:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn ensure_valid_refreshes_only_inside_the_margin() {
        let now = Instant::now();
        // (remaining, lifetime, refresh?)
        let table = [
            (s(61), s(900), false),
            (s(59), s(900), true),
            (s(0), s(900), true),
            (ms(800), s(3), false),
            (ms(700), s(3), true),
        ];
        for (remaining, lifetime, expected) in table {
            assert_eq!(
                needs_refresh(now, now + remaining, lifetime),
                expected,
                "{remaining:?} left of {lifetime:?}"
            );
        }
        assert!(
            needs_refresh(now + s(5), now, s(900)),
            "an expired token needs a refresh"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn proactive_time_takes_lead_and_jitter_off_expiry() {
        let exp = Instant::now() + s(900);
        assert_eq!(proactive_refresh_at(exp, s(900), 0.0), exp - s(120));
        assert_eq!(proactive_refresh_at(exp, s(900), 0.5), exp - s(125));
        assert_eq!(proactive_refresh_at(exp, s(900), 1.0), exp - s(130));
        let short = Instant::now() + s(3);
        assert_eq!(proactive_refresh_at(short, s(3), 1.0), short - ms(900));
    }

    #[tokio::test(start_paused = true)]
    async fn no_second_refresh_within_a_quarter_lifetime_unless_forced() {
        let t0 = Instant::now();
        let table = [
            (None, s(0), false, true),
            (Some(t0), s(224), false, false),
            (Some(t0), s(225), false, true),
            (Some(t0), s(1), true, true),
        ];
        for (last, after, forced, expected) in table {
            assert_eq!(
                refresh_allowed(t0 + after, last, s(900), forced),
                expected,
                "last {last:?}, after {after:?}, forced {forced}"
            );
        }
    }

    #[test]
    fn retry_delay_is_full_jitter_between_one_and_thirty_seconds() {
        // (attempt, unit, delay)
        let table = [
            (0, 0.0, s(1)),
            (0, 0.99, s(1)),
            (1, 1.0, s(2)),
            (3, 0.5, s(4)),
            (4, 1.0, s(16)),
            (5, 1.0, s(30)),
            (9, 0.5, s(15)),
            (200, 1.0, s(30)),
            (200, 0.0, s(1)),
        ];
        for (attempt, unit, expected) in table {
            assert_eq!(
                retry_delay(attempt, unit),
                expected,
                "attempt {attempt} unit {unit}"
            );
        }
    }

    #[test]
    fn the_planned_lifetime_takes_the_truncation_second_off() {
        assert_eq!(planned(s(900)), s(899));
        assert_eq!(planned(s(3)), s(2));
        assert_eq!(planned(s(1)), ms(500));
        assert_eq!(planned(s(0)), s(0));
    }

    #[test]
    fn a_three_second_token_is_refreshed_at_most_twice_per_lifetime() {
        // Proactive time after receipt, over the whole jitter range: the refresh period.
        for unit in [0.0, 0.5, 0.999] {
            let lifetime = planned(s(3));
            let received = std::time::Duration::ZERO;
            let lead = proactive_lead(lifetime) + jitter_cap(lifetime).mul_f64(unit);
            let period = received + lifetime - lead;
            assert!(
                period >= ms(1400),
                "a refresh every {period:?} would be more than two per 3 s lifetime"
            );
            assert!(period >= lifetime / 4, "the quarter rule holds: {period:?}");
        }
    }

    #[test]
    fn re_saves_back_off_from_five_to_thirty_seconds() {
        let waits: Vec<Duration> = std::iter::successors(Some(next_persist_wait(None)), |w| {
            Some(next_persist_wait(Some(*w)))
        })
        .take(6)
        .collect();
        assert_eq!(waits, [s(5), s(10), s(20), s(30), s(30), s(30)]);
    }

    #[test]
    fn rate_limit_waits_for_retry_after_or_a_minute() {
        assert_eq!(rate_limit_delay(Some(s(7))), s(7));
        assert_eq!(rate_limit_delay(None), s(60));
    }

    #[test]
    fn only_a_forward_wall_jump_beyond_fifteen_seconds_is_a_wake() {
        // (monotonic elapsed, wall elapsed, jump)
        let table = [
            (s(5), Some(s(5)), None),
            (s(5), Some(s(20)), None),
            (s(5), Some(s(21)), Some(s(16))),
            (s(5), Some(s(1205)), Some(s(1200))),
            (s(5), None, None),
            (s(30), Some(s(5)), None),
        ];
        for (mono, wall, expected) in table {
            assert_eq!(
                wall_jump(mono, wall),
                expected,
                "mono {mono:?} wall {wall:?}"
            );
        }
    }
}
