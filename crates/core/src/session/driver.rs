//! The session's background task: the proactive refresh timer, scheduled retries, and the
//! 5 s tick that notices a sleeping machine (wall time jumped, monotonic time did not) and
//! saves a refresh token the keychain refused earlier.

use super::{Cause, Inner, SessionState};
use crate::session::timing;
use crate::timeline::{Entry, Scope};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Stops the driver when the last session handle is dropped.
pub(super) struct DriverGuard(JoinHandle<()>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(super) fn spawn(inner: Arc<Inner>) -> DriverGuard {
    DriverGuard(tokio::spawn(run(inner)))
}

async fn run(inner: Arc<Inner>) {
    let mut last_mono = inner.clock.now();
    let mut last_wall = inner.clock.wall();
    loop {
        let deadline = inner.next_deadline();
        let tick_at = last_mono + timing::WAKE_TICK;
        let until = deadline.map_or(tick_at, |d| d.min(tick_at));
        tokio::select! {
            () = tokio::time::sleep_until(until) => {}
            () = inner.kick.notified() => continue,
        }
        let now = inner.clock.now();
        if now >= tick_at {
            let wall = inner.clock.wall();
            let jump = timing::wall_jump(
                now.saturating_duration_since(last_mono),
                wall.duration_since(last_wall).ok(),
            );
            (last_mono, last_wall) = (now, wall);
            if let Some(jump) = jump {
                inner.on_wake(jump).await;
                continue;
            }
            // A rotated token the keychain refused earlier: try to save it again.
            inner.retry_persist().await;
        }
        if deadline.is_some_and(|d| now >= d) {
            let _ = inner.refresh_shared(Cause::Timer).await;
        }
    }
}

impl Inner {
    /// When the driver must act next: the proactive refresh (valid) or the retry (retrying).
    fn next_deadline(&self) -> Option<Instant> {
        let status = self.status.borrow();
        match &status.state {
            SessionState::Valid { .. } => status.next_refresh,
            SessionState::RetryingRefresh { at, .. } => Some(*at),
            SessionState::SignedOut
            | SessionState::Refreshing
            | SessionState::NeedsLogin { .. } => None,
        }
    }

    /// The machine slept for about `jump`: our monotonic clock stood still meanwhile, so the
    /// token is older than it looks. Age it, check it (refreshing when due or retrying
    /// now), then tell consumers to reconnect and resync.
    pub(super) async fn on_wake(&self, jump: Duration) {
        tracing::info!(
            jump_secs = jump.as_secs(),
            "wall clock jumped: the machine slept"
        );
        self.timeline.record(
            Scope::Session,
            Entry::Wake {
                jump_secs: jump.as_secs(),
            },
        );
        let now = self.clock.now();
        let aged = |at: Instant| at.checked_sub(jump).unwrap_or(now.min(at));
        let due = {
            let mut data = self.data.lock().expect("session lock");
            data.last_refresh_at = data.last_refresh_at.map(aged);
            if let Some(token) = data.access.as_mut() {
                token.expires_at = aged(token.expires_at);
            }
            data.access.as_ref().map(|t| (t.expires_at, t.lifetime))
        };
        let state = self.status.borrow().state.clone();
        let refresh = match state {
            SessionState::Valid { .. } => {
                if let Some((expires_at, lifetime)) = due {
                    let next = timing::proactive_refresh_at(expires_at, lifetime, rand::random());
                    self.update_status(|s| {
                        s.state = SessionState::Valid { expires_at };
                        s.next_refresh = Some(next);
                    });
                    now >= next
                } else {
                    false
                }
            }
            SessionState::RetryingRefresh { .. } => true,
            SessionState::SignedOut
            | SessionState::Refreshing
            | SessionState::NeedsLogin { .. } => false,
        };
        if refresh {
            let _ = self.refresh_shared(Cause::Wake).await;
        }
        let _ = self.wake.send(());
    }
}
