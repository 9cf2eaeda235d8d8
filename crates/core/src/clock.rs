//! The one place that reads the clock: monotonic time from tokio (pausable in tests) and
//! wall time from the system, behind a trait so tests can skew or jump the wall clock.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// A source of monotonic and wall-clock time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Monotonic now (tokio's clock, so `start_paused` tests control it).
    fn now(&self) -> Instant;
    /// Wall-clock now (used only for diagnostics, skew and sleep/wake detection).
    fn wall(&self) -> SystemTime;
}

/// A shared clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// The system clock as a shared handle.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// Clock skew in whole seconds, always counted as **server minus local**: positive when this
/// computer's clock is behind the server's. The session's status and the doctor both use it.
pub fn skew_secs(server: SystemTime, local: SystemTime) -> i64 {
    match server.duration_since(local) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
        Err(behind) => -i64::try_from(behind.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// A test clock: monotonic time is tokio's (pause and advance it), wall time is tokio's
/// elapsed time added to a start point, plus an adjustable offset to simulate skew or a
/// machine that slept (wall jumps while monotonic does not).
#[derive(Debug)]
pub struct TestClock {
    origin: Instant,
    wall_origin: SystemTime,
    offset: Mutex<(Duration, bool)>,
}

impl TestClock {
    /// A test clock whose wall time starts at the real current time.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            origin: Instant::now(),
            wall_origin: SystemTime::now(),
            offset: Mutex::new((Duration::ZERO, false)),
        })
    }

    /// Moves wall time forward by `by` without moving monotonic time (a sleep/wake jump).
    pub fn jump_wall_forward(&self, by: Duration) {
        let mut offset = self.offset.lock().expect("clock lock");
        let signed = signed_secs(*offset) + by.as_secs_f64();
        *offset = from_signed(signed);
    }

    /// Sets a fixed skew of the wall clock: positive runs ahead, negative runs behind.
    pub fn set_skew_secs(&self, skew: f64) {
        *self.offset.lock().expect("clock lock") = from_signed(skew);
    }
}

fn signed_secs((magnitude, negative): (Duration, bool)) -> f64 {
    if negative {
        -magnitude.as_secs_f64()
    } else {
        magnitude.as_secs_f64()
    }
}

fn from_signed(secs: f64) -> (Duration, bool) {
    (Duration::from_secs_f64(secs.abs()), secs < 0.0)
}

impl Clock for TestClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> SystemTime {
        let base = self.wall_origin + self.origin.elapsed();
        let (magnitude, negative) = *self.offset.lock().expect("clock lock");
        if negative {
            base - magnitude
        } else {
            base + magnitude
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn wall_jump_moves_wall_but_not_monotonic_time() {
        let clock = TestClock::new();
        let (mono, wall) = (clock.now(), clock.wall());
        clock.jump_wall_forward(Duration::from_secs(1200));
        assert_eq!(
            clock.now(),
            mono,
            "monotonic time must not move on a wall jump"
        );
        let moved = clock.wall().duration_since(wall).unwrap();
        assert_eq!(moved.as_secs(), 1200);
    }

    #[tokio::test(start_paused = true)]
    async fn negative_skew_puts_wall_time_behind() {
        let clock = TestClock::new();
        let before = clock.wall();
        clock.set_skew_secs(-600.0);
        assert!(before.duration_since(clock.wall()).unwrap() >= Duration::from_secs(599));
    }

    #[test]
    fn skew_is_server_minus_local() {
        let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let server_ahead = local + Duration::from_secs(90);
        assert_eq!(
            skew_secs(server_ahead, local),
            90,
            "a server ahead of us is positive"
        );
        assert_eq!(skew_secs(local, server_ahead), -90);
    }
}
