//! The catch-up's share of the request budget: a token bucket on tokio's clock. The server
//! allows 100 requests/min per IP and the app keeps itself under 60 in all; catch-ups take
//! at most [`PER_MINUTE`] of them, leaving the rest to the project list and the UI's reads.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Requests per minute a catch-up may make.
pub const PER_MINUTE: u32 = 30;

/// A token bucket: `capacity` at once, refilled evenly over a minute. Cheap to share.
#[derive(Debug)]
pub struct RequestBudget {
    capacity: f64,
    state: Mutex<(f64, Instant)>,
}

impl RequestBudget {
    /// A full bucket of `per_minute` requests.
    pub fn new(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute.max(1));
        Self {
            capacity,
            state: Mutex::new((capacity, Instant::now())),
        }
    }

    /// Waits until one request may be made, and takes it. Dropping the future takes nothing.
    pub async fn take(&self) {
        loop {
            let wait = {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let (tokens, at) = *state;
                let per_sec = self.capacity / 60.0;
                let tokens = (tokens + (now - at).as_secs_f64() * per_sec).min(self.capacity);
                if tokens >= 1.0 {
                    *state = (tokens - 1.0, now);
                    return;
                }
                *state = (tokens, now);
                Duration::from_secs_f64((1.0 - tokens) / per_sec)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_beyond_the_bucket_is_spread_over_the_minute() {
        let budget = RequestBudget::new(30);
        let start = Instant::now();
        for _ in 0..30 {
            budget.take().await;
        }
        assert_eq!(Instant::now(), start, "a full bucket serves 30 at once");
        for _ in 0..30 {
            budget.take().await;
        }
        let took = Instant::now() - start;
        assert!(
            took >= Duration::from_secs(59) && took <= Duration::from_secs(61),
            "30 more take a minute, 2 s apart: {took:?}"
        );
    }
}
