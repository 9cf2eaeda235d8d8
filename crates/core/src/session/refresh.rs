//! One refresh attempt under both locks: read the refresh token from the store inside the
//! cross-process lock (the one held in memory when the store cannot be read or lost its
//! entry, see `persist.rs`), POST /auth/refresh, store the rotated token, then publish the
//! new access token. Failures become states: 401 → `NeedsLogin`, anything passing → retry.

use super::{Cause, Inner, RefreshLock, SessionState, LOCK_WAIT};
use crate::api::ApiError;
use crate::auth::{AccessToken, AuthError};
use crate::jwt;
use crate::keychain::AccountKey;
use crate::session::state::{RefreshOutcome, RefreshReport};
use crate::session::timing;
use crate::timeline::{Entry, Scope};

/// How long the refresh lock stays held for a keychain write that timed out but may still
/// land; less than [`LOCK_WAIT`], so a process waiting for the lock gets it in time.
const LATE_WRITE_HOLD: std::time::Duration = std::time::Duration::from_secs(20);

/// The reason shown when a refresh is refused right after one whose answer never came
/// (failure mode 15): the server rotated, the new token was lost in transit.
pub(crate) const LOST_ROTATION: &str = "Invalid refresh token: the previous refresh response was lost (no answer reached us, but the server had already rotated the token), so this session cannot continue; sign in again";

/// A refresh failure before or during the request.
pub(super) enum Failure {
    Rejected(String),
    Api(ApiError),
    Store(String),
    Lock(std::io::Error),
    BadToken(String),
}

impl Inner {
    pub(super) async fn refresh_locked(&self, cause: Cause) -> Result<AccessToken, AuthError> {
        let now = self.clock.now();
        let young = {
            let data = self.data.lock().expect("session lock");
            // A pending retry is never held back: the last attempt failed.
            let retrying = data.retry_attempt > 0;
            data.access.as_ref().and_then(|token| {
                let allowed = retrying
                    || timing::refresh_allowed(
                        now,
                        data.last_refresh_at,
                        token.lifetime,
                        cause.forced(),
                    );
                let earliest = data.last_refresh_at? + token.lifetime / 4;
                (!allowed).then(|| (token.clone(), earliest))
            })
        };
        if let Some((token, earliest)) = young {
            tracing::debug!(
                ?cause,
                "refresh skipped: the token is younger than a quarter of its life"
            );
            // Keep the timer from firing again before the rule allows a refresh.
            self.update_status(|s| {
                if s.next_refresh.is_none_or(|next| next < earliest) {
                    s.next_refresh = Some(earliest);
                }
            });
            return Ok(token);
        }
        let user = self.data.lock().expect("session lock").user.clone();
        let Some(user) = user else {
            return Err(AuthError::SignedOut);
        };
        self.set_state(SessionState::Refreshing);
        let requested_at = self.clock.now();
        let key = AccountKey::refresh_token(&self.host, &user.id);
        let outcome = self.exchange(&key, requested_at).await;
        let elapsed_ms = self
            .clock
            .now()
            .saturating_duration_since(requested_at)
            .as_millis() as u64;
        match outcome {
            Ok(token) => {
                self.record_refresh(RefreshOutcome::Ok, None, elapsed_ms);
                tracing::info!(
                    ?cause,
                    generation = token.generation,
                    elapsed_ms,
                    "session refreshed"
                );
                Ok(token)
            }
            Err(Failure::Rejected(detail)) => {
                let unanswered_before = std::mem::take(
                    &mut self
                        .data
                        .lock()
                        .expect("session lock")
                        .previous_attempt_unanswered,
                );
                let reason = if unanswered_before && detail == "Invalid refresh token" {
                    LOST_ROTATION.to_owned()
                } else {
                    detail.clone()
                };
                self.record_refresh(RefreshOutcome::Rejected, Some(reason.clone()), elapsed_ms);
                self.data.lock().expect("session lock").access = None;
                self.update_status(|s| {
                    s.next_refresh = None;
                    s.expires_at_wall = None;
                });
                self.set_state(SessionState::NeedsLogin {
                    reason: reason.clone(),
                });
                Err(AuthError::NeedsLogin { reason })
            }
            Err(failure) => Err(self.schedule_retry(failure, elapsed_ms)),
        }
    }

    /// Under the cross-process lock: read the token, present it, store the rotated one,
    /// publish the new access token.
    async fn exchange(
        &self,
        key: &AccountKey,
        requested_at: tokio::time::Instant,
    ) -> Result<AccessToken, Failure> {
        let lock = RefreshLock::acquire(&self.lock_path, LOCK_WAIT)
            .await
            .map_err(Failure::Lock)?;
        let (presented, source) = self.current_refresh_token(key).await?;
        let grant = match self.api.refresh(&presented).await {
            Ok(grant) => grant,
            Err(ApiError::Unauthorized { detail }) => {
                return Err(Failure::Rejected(source.explain_rejection(&detail)))
            }
            Err(other) => {
                self.data
                    .lock()
                    .expect("session lock")
                    .previous_attempt_unanswered = other.is_unanswered();
                return Err(Failure::Api(other));
            }
        };
        let claims = jwt::decode_claims(grant.access.expose())
            .map_err(|e| Failure::BadToken(e.to_string()))?;
        // Rotation order: the new refresh token reaches the store before the new access
        // token is published; if the store refuses, both stay in memory with a warning.
        let warning = self
            .store_rotated(key, &grant.refresh, &presented, source)
            .await;
        if warning.is_some() && self.vault.is_waiting() {
            // The write timed out but may still land. Until it has, another process taking
            // the lock would read the token just rotated away and be refused (signed out):
            // the lock is held until the keychain has answered, for a bounded time.
            let vault = self.vault.clone();
            tokio::spawn(async move {
                vault.settled_within(LATE_WRITE_HOLD).await;
                drop(lock);
            });
        } else {
            drop(lock);
        }
        Ok(self.install(grant, claims.lifetime(), requested_at, warning))
    }

    /// Records a passing failure and schedules the next try.
    fn schedule_retry(&self, failure: Failure, elapsed_ms: u64) -> AuthError {
        let (outcome, reason, delay) = {
            let mut data = self.data.lock().expect("session lock");
            let attempt = data.retry_attempt;
            data.retry_attempt = attempt.saturating_add(1);
            let backoff = timing::retry_delay(attempt, rand::random::<f64>());
            match failure {
                Failure::Api(ApiError::RateLimited {
                    retry_after,
                    detail,
                }) => (
                    RefreshOutcome::RateLimited,
                    format!("rate limited (429): {detail}"),
                    timing::rate_limit_delay(retry_after),
                ),
                Failure::Api(error) => (RefreshOutcome::Transient, error.to_string(), backoff),
                Failure::Store(reason) => (RefreshOutcome::StoreFailed, reason, backoff),
                Failure::Lock(error) => (
                    RefreshOutcome::Transient,
                    format!("refresh lock: {error}"),
                    backoff,
                ),
                Failure::BadToken(reason) => (
                    RefreshOutcome::Transient,
                    format!("unreadable access token: {reason}"),
                    backoff,
                ),
                Failure::Rejected(reason) => (RefreshOutcome::Rejected, reason, backoff),
            }
        };
        self.record_refresh(outcome, Some(reason.clone()), elapsed_ms);
        let at = self.clock.now() + delay;
        self.update_status(|s| s.next_refresh = Some(at));
        self.set_state(SessionState::RetryingRefresh {
            at,
            reason: reason.clone(),
        });
        tracing::warn!(%reason, retry_in_ms = delay.as_millis() as u64, "refresh failed; will retry");
        match outcome {
            RefreshOutcome::StoreFailed => AuthError::Keychain { reason },
            _ => AuthError::Transient {
                reason,
                retry_after: Some(delay),
            },
        }
    }

    fn record_refresh(&self, outcome: RefreshOutcome, detail: Option<String>, elapsed_ms: u64) {
        self.timeline.record(
            Scope::Session,
            Entry::Refresh {
                outcome: outcome.name().to_owned(),
                detail: detail.clone(),
                elapsed_ms,
            },
        );
        let at = self.clock.wall();
        self.update_status(|s| {
            s.last_refresh = Some(RefreshReport {
                outcome,
                at,
                detail,
            })
        });
    }
}
