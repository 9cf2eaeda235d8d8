//! The account's IO, run by the driver in tasks of their own: one refresh (read the refresh
//! token from the store inside the cross-process lock, POST /auth/refresh, store the rotated
//! token), a sign-in and a sign-out. Each runs to the end once started, whoever stops
//! waiting for it: a token the server rotated is always stored (or kept, see `persist.rs`).

use super::lock::{SharedLock, LOCK_WAIT};
use super::machine::{FlightOutcome, Grant, Unsaved};
use super::state::RefreshOutcome;
use super::SessionError;
use crate::api::{ApiError, AuthApi};
use crate::clock::SharedClock;
use crate::jwt;
use crate::keychain::{AccountKey, LastUser, StoreError, Vault};
use crate::secret::Secret;
use crate::timeline::{Entry, Scope, Timeline};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// How long the refresh lock stays held for a keychain write that timed out but may still
/// land; less than [`LOCK_WAIT`], so a process waiting for the lock gets it in time.
const LATE_WRITE_HOLD: Duration = Duration::from_secs(20);

/// The refresh tokens this process knows about. Held (the mutex) for the whole of every
/// account operation, so two never overlap in this process.
#[derive(Debug, Default)]
pub(super) struct Kept {
    /// The refresh token we last presented or received: a different one in the store means
    /// another process rotated it. Presented itself when the store cannot be read or has
    /// lost its entry.
    pub(super) last_used: Option<Secret>,
    /// A rotated refresh token the store refused to take: kept here and written again
    /// before the next refresh and on the re-save timer until the store takes it.
    pub(super) unsaved: Option<Secret>,
    /// The tokens this process presented since the store last held its newest one (each
    /// spent at the server). One of them in the store says our writes never landed; a token
    /// there that is neither one of them nor `unsaved` says another process rotated after a
    /// write of ours landed late: the stored one is then the live one.
    pub(super) spent: Vec<Secret>,
    /// The warning shown while `unsaved` is set.
    pub(super) warning: Option<String>,
}

/// Everything an account operation needs; shared by the driver and its tasks.
pub(super) struct Keeper {
    pub(super) api: Arc<dyn AuthApi>,
    pub(super) vault: Vault,
    pub(super) clock: SharedClock,
    pub(super) timeline: Timeline,
    pub(super) host: String,
    pub(super) lock: SharedLock,
    pub(super) kept: Mutex<Kept>,
}

/// A refresh failure before or during the request.
pub(super) enum Failure {
    Rejected(String),
    Api(ApiError),
    Store(String),
    Lock(std::io::Error),
    BadToken(String),
}

impl Failure {
    fn into_outcome(self) -> FlightOutcome {
        let failed = |outcome, reason: String, retry_after, unanswered| FlightOutcome::Failed {
            outcome,
            reason,
            retry_after,
            unanswered,
        };
        match self {
            Self::Rejected(detail) => FlightOutcome::Rejected { detail },
            Self::Api(ApiError::RateLimited {
                retry_after,
                detail,
            }) => failed(RefreshOutcome::RateLimited, detail, retry_after, false),
            Self::Api(error) => failed(
                RefreshOutcome::Transient,
                error.to_string(),
                None,
                error.is_unanswered(),
            ),
            Self::Store(reason) => failed(RefreshOutcome::StoreFailed, reason, None, false),
            Self::Lock(error) => failed(
                RefreshOutcome::Transient,
                format!("refresh lock: {error}"),
                None,
                false,
            ),
            Self::BadToken(reason) => failed(
                RefreshOutcome::Transient,
                format!("unreadable access token: {reason}"),
                None,
                false,
            ),
        }
    }
}

impl Keeper {
    /// One refresh for `user`, to the end. Returns the outcome and the unsaved-token warning
    /// after it.
    pub(super) async fn refresh(&self, user: &LastUser) -> (FlightOutcome, Unsaved) {
        let mut kept = self.kept.lock().await;
        let key = AccountKey::refresh_token(&self.host, &user.id);
        let outcome = match self.exchange(&mut kept, user, &key).await {
            Ok(grant) => FlightOutcome::Granted(grant),
            Err(failure) => failure.into_outcome(),
        };
        (outcome, kept.warning.clone())
    }

    async fn exchange(
        &self,
        kept: &mut Kept,
        user: &LastUser,
        key: &AccountKey,
    ) -> Result<Grant, Failure> {
        let lock = self.lock.acquire(LOCK_WAIT).await.map_err(Failure::Lock)?;
        let (presented, source) = self.current_refresh_token(kept, key).await?;
        let requested_at = self.clock.now();
        let grant = match self.api.refresh(&presented).await {
            Ok(grant) => grant,
            Err(ApiError::Unauthorized { detail }) => {
                return Err(Failure::Rejected(source.explain_rejection(&detail)))
            }
            Err(other) => return Err(Failure::Api(other)),
        };
        let lifetime = match jwt::decode_claims(grant.access.expose()) {
            Ok(claims) => claims.lifetime(),
            Err(error) => {
                // The rotated refresh token is good even if its access token is not: keep it.
                self.store_rotated(kept, user, key, &grant.refresh, &presented, source)
                    .await;
                return Err(Failure::BadToken(error.to_string()));
            }
        };
        // Rotation order: the new refresh token reaches the store before the new access
        // token is handed to the machine; if the store refuses, it is kept in memory.
        let refused = self
            .store_rotated(kept, user, key, &grant.refresh, &presented, source)
            .await;
        if refused && self.vault.is_waiting() {
            // The write timed out but may still land. Until it has, another process taking
            // the lock would read the token just rotated away and be refused (signed out):
            // the lock is held until the keychain has answered, for a bounded time. This
            // process's own next operation shares the held lock instead of waiting for it.
            let vault = self.vault.clone();
            tokio::spawn(async move {
                vault.settled_within(LATE_WRITE_HOLD).await;
                drop(lock);
            });
        } else {
            drop(lock);
        }
        Ok(Grant {
            access: grant.access,
            lifetime,
            requested_at,
            server_date: grant.server_date,
        })
    }

    /// Signs in with a password and stores the refresh token and the last-user record; if
    /// the store refuses them, the new server session is logged out (best effort).
    pub(super) async fn sign_in(
        &self,
        username: &str,
        password: &Secret,
        remember_me: bool,
    ) -> Result<(LastUser, Grant), SessionError> {
        let mut kept = self.kept.lock().await;
        let requested_at = self.clock.now();
        let grant = match self.api.login(username, password, remember_me).await {
            Ok(grant) => grant,
            Err(ApiError::Unauthorized { detail }) => {
                self.record_error(format!("sign-in refused: {detail}"));
                return Err(SessionError::LoginRejected { reason: detail });
            }
            Err(other) => {
                self.record_error(format!("sign-in failed: {other}"));
                return Err(SessionError::Api(other));
            }
        };
        let claims = jwt::decode_claims(grant.access.expose()).map_err(SessionError::BadToken)?;
        let user = LastUser {
            id: grant.user_id.to_ascii_lowercase(),
            name: username.to_owned(),
        };
        let key = AccountKey::refresh_token(&self.host, &user.id);
        let stored = async {
            self.vault.set(&key, &grant.refresh).await?;
            self.vault.set_last_user(&self.host, &user).await
        };
        if let Err(error) = stored.await {
            self.record_error(format!("sign-in not kept: {error}"));
            let _ = self.api.logout(&grant.refresh).await;
            return Err(SessionError::Store(error));
        }
        tracing::info!(user = %user.name, server = %self.host, "signed in");
        *kept = Kept {
            last_used: Some(grant.refresh.clone()),
            ..Kept::default()
        };
        let grant = Grant {
            access: grant.access,
            lifetime: claims.lifetime(),
            requested_at,
            server_date: grant.server_date,
        };
        Ok((user, grant))
    }

    /// Signs out: `POST /auth/logout` with the cookie (5 s, best effort), then deletes the
    /// stored refresh token whatever happened and forgets the user. Works from the store
    /// alone (`user` unknown), so a fresh process can sign out without refreshing.
    pub(super) async fn sign_out(&self, user: Option<LastUser>) -> Result<(), StoreError> {
        let mut kept = self.kept.lock().await;
        let lock = self.lock.acquire(LOCK_WAIT).await;
        if let Err(error) = &lock {
            tracing::warn!(%error, "signing out without the refresh lock");
        }
        let user = match user {
            Some(user) => Some(user),
            None => self.vault.last_user(&self.host).await.ok().flatten(),
        };
        let mut failure = None;
        if let Some(user) = &user {
            let key = AccountKey::refresh_token(&self.host, &user.id);
            let token = match kept.unsaved.clone() {
                Some(token) => Some(token),
                None => self
                    .vault
                    .get(&key)
                    .await
                    .ok()
                    .flatten()
                    .or(kept.last_used.clone()),
            };
            if let Some(token) = token {
                match self.api.logout(&token).await {
                    Ok(()) => tracing::info!(server = %self.host, "server session ended"),
                    Err(error) => self.record_error(format!(
                        "logout request failed ({error}); the stored token is deleted anyway"
                    )),
                }
            }
            if let Err(error) = self.vault.delete(&key).await {
                self.record_error(format!(
                    "could not delete the stored refresh token: {error}"
                ));
                failure = Some(error);
            }
        }
        if let Err(error) = self.vault.delete(&AccountKey::last_user(&self.host)).await {
            failure.get_or_insert(error);
        }
        *kept = Kept::default();
        drop(lock);
        match failure {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Records an error in the timeline. Logged at info: the caller gets the error, and
    /// background failures log their own warning.
    pub(super) fn record_error(&self, message: String) {
        tracing::info!(%message, "session");
        self.timeline
            .record(Scope::Session, Entry::Error { message });
    }
}
