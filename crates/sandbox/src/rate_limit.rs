//! httprate's `LimitByIP`: a sliding-window counter per client IP; rejected requests are not counted.

use std::collections::HashMap;
use std::sync::Mutex;

/// The window length in milliseconds (one minute).
const WINDOW_MS: i64 = 60_000;

#[derive(Clone, Copy)]
struct Counter {
    window: i64,
    prev: u32,
    curr: u32,
}

/// The outcome of one request against the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// `X-RateLimit-Remaining`.
    pub remaining: u32,
    /// `X-RateLimit-Reset`: Unix seconds at the end of the current window.
    pub reset: i64,
}

/// Counters per key (the client IP after chi's `RealIP`).
#[derive(Default)]
pub struct RateLimiter {
    counters: Mutex<HashMap<String, Counter>>,
}

impl RateLimiter {
    /// Forgets every counter.
    pub fn reset(&self) {
        self.counters.lock().unwrap().clear();
    }

    /// Checks and, when allowed, counts one request at `now_ms` (Unix milliseconds).
    pub fn check(&self, key: &str, limit: u32, now_ms: i64) -> Decision {
        let window = now_ms - now_ms.rem_euclid(WINDOW_MS);
        let mut map = self.counters.lock().unwrap();
        let c = map.entry(key.to_string()).or_insert(Counter {
            window,
            prev: 0,
            curr: 0,
        });
        if c.window != window {
            c.prev = if window - c.window == WINDOW_MS {
                c.curr
            } else {
                0
            };
            c.curr = 0;
            c.window = window;
        }
        let elapsed = (now_ms - window) as f64;
        let rate =
            f64::from(c.prev) * (WINDOW_MS as f64 - elapsed) / WINDOW_MS as f64 + f64::from(c.curr);
        let reset = (window + WINDOW_MS) / 1000;
        if rate >= f64::from(limit) {
            return Decision {
                allowed: false,
                remaining: 0,
                reset,
            };
        }
        c.curr += 1;
        let remaining = (f64::from(limit) - rate - 1.0).max(0.0) as u32;
        Decision {
            allowed: true,
            remaining,
            reset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_requests_are_not_counted_and_the_window_slides() {
        let l = RateLimiter::default();
        for _ in 0..3 {
            assert!(l.check("ip", 3, 0).allowed);
        }
        for _ in 0..10 {
            assert!(!l.check("ip", 3, 1000).allowed);
        }
        // Halfway through the next window the previous 3 weigh 1.5, so two more fit (1.5, 2.5 < 3).
        assert!(l.check("ip", 3, 90_000).allowed);
        assert!(l.check("ip", 3, 90_000).allowed);
        assert!(!l.check("ip", 3, 90_000).allowed);
    }
}
