//! The signed-in session (design.md §2): the access token in memory, the refresh token in the
//! store, refreshes single-flight in this process and across processes, timed on our own
//! clock, with every state change published on a `watch` channel and written to the timeline.

mod driver;
mod lock;
mod persist;
mod refresh;
mod state;
pub mod timing;

pub use lock::{RefreshLock, LOCK_WAIT};
pub use state::{RefreshOutcome, RefreshReport, SessionState, SessionStatus};

use crate::api::{ApiError, AuthApi, AuthGrant};
use crate::auth::{AccessToken, AuthError, TokenSource};
use crate::clock::SharedClock;
use crate::jwt::{self, JwtError};
use crate::keychain::{AccountKey, LastUser, StoreError, Vault};
use crate::secret::Secret;
use crate::timeline::{Entry, Scope, Timeline};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch, Notify};
use tokio::time::Instant;

/// The most a whole-second `iat`/`exp` pair overstates a token's life.
const TRUNCATION_SLACK: Duration = Duration::from_secs(1);

/// The platform's data dir for DevHive (shared by the desktop app and the CLI, so both take
/// the same refresh lock), e.g. `~/.local/share/devhive-desktop` on Linux.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("com", "DevHive", "devhive-desktop")
        .map(|dirs| dirs.data_dir().to_path_buf())
}

/// What a session needs: the server, the store, the clock, the timeline and a data dir (for
/// the cross-process refresh lock).
pub struct SessionConfig {
    /// The server's auth calls (an [`crate::api::ApiClient`] in the app).
    pub api: Arc<dyn AuthApi>,
    /// Where the refresh token lives.
    pub vault: Vault,
    /// All time reads go through this.
    pub clock: SharedClock,
    /// Where state changes and refresh results are recorded.
    pub timeline: Timeline,
    /// The app's data dir; the refresh lock file lives here.
    pub data_dir: PathBuf,
}

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Nothing stored for this server: a sign-in with a password is needed.
    #[error("not signed in to this server")]
    NoStoredSession,
    /// The server refused the username or password (login 401); its words.
    #[error("sign-in refused: {reason}")]
    LoginRejected {
        /// e.g. `Invalid credentials`.
        reason: String,
    },
    /// The refresh token is no longer accepted (refresh 401); only a sign-in helps.
    #[error("sign-in required: {reason}")]
    NeedsLogin {
        /// The server's words or our explanation (failure mode 15).
        reason: String,
    },
    /// The store could not be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The server could not be reached or failed; the session retries by itself.
    #[error("refresh failed, retrying: {reason}")]
    Transient {
        /// What went wrong.
        reason: String,
        /// When the next try happens.
        retry_after: Option<Duration>,
    },
    /// A call other than refresh failed (login over the network, a 400 …).
    #[error(transparent)]
    Api(ApiError),
    /// The server's access token could not be read.
    #[error("the server sent an unreadable access token: {0}")]
    BadToken(#[source] JwtError),
}

impl SessionError {
    /// True when only a new sign-in can help.
    pub fn requires_sign_in(&self) -> bool {
        match self {
            Self::NoStoredSession | Self::LoginRejected { .. } | Self::NeedsLogin { .. } => true,
            Self::Store(_) | Self::Transient { .. } | Self::Api(_) | Self::BadToken(_) => false,
        }
    }

    /// True when waiting helps (the session keeps retrying).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transient { .. } => true,
            Self::Api(e) => e.is_transient(),
            Self::NoStoredSession
            | Self::LoginRejected { .. }
            | Self::NeedsLogin { .. }
            | Self::Store(_)
            | Self::BadToken(_) => false,
        }
    }
}

impl From<AuthError> for SessionError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::SignedOut => Self::NoStoredSession,
            AuthError::NeedsLogin { reason } => Self::NeedsLogin { reason },
            AuthError::Transient {
                reason,
                retry_after,
            } => Self::Transient {
                reason,
                retry_after,
            },
            AuthError::Keychain { reason } => Self::Store(StoreError::Backend { detail: reason }),
        }
    }
}

/// Why a refresh is being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// Start-up with a stored refresh token.
    Resume,
    /// `ensure_valid()` found less than the connect margin left.
    Margin,
    /// The proactive timer or a scheduled retry.
    Timer,
    /// The machine woke from sleep.
    Wake,
    /// A server 401 on a token we handed out (overrides the quarter-lifetime rule).
    Rejected,
    /// Asked for explicitly (the tray's "Refresh session now", the CLI).
    Manual,
}

impl Cause {
    fn forced(self) -> bool {
        matches!(self, Self::Rejected | Self::Manual | Self::Resume)
    }
}

/// The mutable part of the session. Guarded by a std mutex that is never held across an
/// `.await`.
#[derive(Default)]
struct Data {
    user: Option<LastUser>,
    access: Option<AccessToken>,
    generation: u64,
    /// When the current token was requested (an upper bound on its issue time).
    last_refresh_at: Option<Instant>,
    /// The refresh token we last presented or received: a different one in the store means
    /// another process rotated it. Presented itself when the store cannot be read or has
    /// lost its entry.
    last_used_refresh: Option<Secret>,
    /// A rotated refresh token the store refused to take: kept here, written again before
    /// the next refresh and on the driver's 5 s tick until the store takes it.
    unsaved_refresh: Option<Secret>,
    /// The tokens this process presented since the store last held its newest one (each
    /// spent at the server). One of them in the store says our writes never landed; a token
    /// there that is neither one of them nor `unsaved_refresh` says another process rotated
    /// after a write of ours landed late: the stored one is then the live one.
    spent_unsaved: Vec<Secret>,
    /// When the driver's tick may next try to write `unsaved_refresh`, and the wait after a
    /// refusal (doubling from 5 s to 30 s: on a desktop each try on a locked keychain opens
    /// an unlock prompt, and a dismissed prompt must not come back every 5 s).
    persist_retry: Option<(Instant, Duration)>,
    retry_attempt: u32,
    /// The last refresh got no answer (timeout, broken connection): the server may have
    /// rotated the token without us seeing the new one.
    previous_attempt_unanswered: bool,
}

/// The shared result of the most recent refresh attempt, reused by callers that queued
/// behind it (single flight).
#[derive(Default)]
struct Flight {
    last: Option<Result<AccessToken, AuthError>>,
}

struct Inner {
    api: Arc<dyn AuthApi>,
    vault: Vault,
    clock: SharedClock,
    timeline: Timeline,
    host: String,
    lock_path: PathBuf,
    status: watch::Sender<SessionStatus>,
    wake: broadcast::Sender<()>,
    data: Mutex<Data>,
    flight: tokio::sync::Mutex<Flight>,
    /// Completed refresh attempts; read before queueing on `flight` to know whether an
    /// attempt finished while we waited.
    attempts: AtomicU64,
    /// Wakes the driver to recompute its deadline.
    kick: Notify,
}

/// A cloneable handle to the session. The background driver (proactive timer, retries,
/// sleep/wake tick) runs while any handle is alive.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
    _driver: Arc<driver::DriverGuard>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.inner.status.borrow();
        f.debug_struct("Session")
            .field("server", &self.inner.host)
            .field("state", &status.state)
            .field("user", &status.user)
            .field("store", &status.store_label)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A signed-out session for the configured server. Call [`Session::resume_stored`] or
    /// [`Session::login`] next.
    pub fn new(config: SessionConfig) -> Self {
        let host = config.api.host_key();
        let lock_path = RefreshLock::path_for(&config.data_dir, &host);
        let (status, _) = watch::channel(SessionStatus::signed_out(
            config.vault.label(),
            config.vault.is_persistent(),
        ));
        let (wake, _) = broadcast::channel(16);
        let inner = Arc::new(Inner {
            api: config.api,
            vault: config.vault,
            clock: config.clock,
            timeline: config.timeline,
            host,
            lock_path,
            status,
            wake,
            data: Mutex::new(Data::default()),
            flight: tokio::sync::Mutex::new(Flight::default()),
            attempts: AtomicU64::new(0),
            kick: Notify::new(),
        });
        let driver = driver::spawn(Arc::clone(&inner));
        Self {
            inner,
            _driver: Arc::new(driver),
        }
    }

    /// Start-up: a stored refresh token for this server means no password. Builds the
    /// session and refreshes; fails with [`SessionError::NoStoredSession`] when nothing is
    /// stored.
    pub async fn resume(config: SessionConfig) -> Result<Self, SessionError> {
        let session = Self::new(config);
        session.resume_stored().await?;
        Ok(session)
    }

    /// Resumes from the store: reads who signed in last on this server and refreshes with
    /// their stored token. On a transient failure the session stays and keeps retrying.
    pub async fn resume_stored(&self) -> Result<(), SessionError> {
        let inner = &self.inner;
        let user = inner
            .vault
            .last_user(&inner.host)
            .await?
            .ok_or(SessionError::NoStoredSession)?;
        let key = AccountKey::refresh_token(&inner.host, &user.id);
        if inner.vault.get(&key).await?.is_none() {
            return Err(SessionError::NoStoredSession);
        }
        inner.data.lock().expect("session lock").user = Some(user.clone());
        inner.update_status(|s| s.user = Some(user));
        inner.refresh_shared(Cause::Resume).await?;
        Ok(())
    }

    /// Signs in with a password. `remember_me` is sent only to API version B servers. The
    /// refresh token and the last-user record are stored before the session turns valid;
    /// if the store refuses them the sign-in fails (and the new server session is logged
    /// out, best effort).
    pub async fn login(
        &self,
        username: &str,
        password: &Secret,
        remember_me: bool,
    ) -> Result<(), SessionError> {
        let inner = &self.inner;
        let requested_at = inner.clock.now();
        let grant = match inner.api.login(username, password, remember_me).await {
            Ok(grant) => grant,
            Err(ApiError::Unauthorized { detail }) => {
                inner.record_error(format!("sign-in refused: {detail}"));
                return Err(SessionError::LoginRejected { reason: detail });
            }
            Err(other) => {
                inner.record_error(format!("sign-in failed: {other}"));
                return Err(SessionError::Api(other));
            }
        };
        let claims = jwt::decode_claims(grant.access.expose()).map_err(SessionError::BadToken)?;
        let user = LastUser {
            id: grant.user_id.to_ascii_lowercase(),
            name: username.to_owned(),
        };
        let key = AccountKey::refresh_token(&inner.host, &user.id);
        let stored = async {
            inner.vault.set(&key, &grant.refresh).await?;
            inner.vault.set_last_user(&inner.host, &user).await
        };
        if let Err(error) = stored.await {
            inner.record_error(format!("sign-in not kept: {error}"));
            let _ = inner.api.logout(&grant.refresh).await;
            return Err(SessionError::Store(error));
        }
        tracing::info!(user = %user.name, server = %inner.host, "signed in");
        {
            let mut data = inner.data.lock().expect("session lock");
            *data = Data {
                user: Some(user.clone()),
                ..Data::default()
            };
        }
        inner.update_status(|s| {
            s.user = Some(user);
            s.warning = None;
        });
        inner.install(grant, claims.lifetime(), requested_at, None);
        Ok(())
    }

    /// Signs out: `POST /auth/logout` with the cookie (5 s, best effort), then deletes the
    /// stored refresh token whatever happened, forgets the user, and turns `SignedOut`.
    /// Works from the store alone, so a fresh process can sign out without refreshing.
    pub async fn logout(&self) -> Result<(), SessionError> {
        let inner = &self.inner;
        let _flight = inner.flight.lock().await;
        let lock = RefreshLock::acquire(&inner.lock_path, LOCK_WAIT).await;
        if let Err(error) = &lock {
            tracing::warn!(%error, "signing out without the refresh lock");
        }
        let (user, unsaved, remembered) = {
            let data = inner.data.lock().expect("session lock");
            (
                data.user.clone(),
                data.unsaved_refresh.clone(),
                data.last_used_refresh.clone(),
            )
        };
        let user = match user {
            Some(user) => Some(user),
            None => inner.vault.last_user(&inner.host).await.ok().flatten(),
        };
        let mut failure = None;
        if let Some(user) = &user {
            let key = AccountKey::refresh_token(&inner.host, &user.id);
            let token = match unsaved {
                Some(token) => Some(token),
                None => inner.vault.get(&key).await.ok().flatten().or(remembered),
            };
            if let Some(token) = token {
                match inner.api.logout(&token).await {
                    Ok(()) => tracing::info!(server = %inner.host, "server session ended"),
                    Err(error) => inner.record_error(format!(
                        "logout request failed ({error}); the stored token is deleted anyway"
                    )),
                }
            }
            if let Err(error) = inner.vault.delete(&key).await {
                inner.record_error(format!(
                    "could not delete the stored refresh token: {error}"
                ));
                failure = Some(error);
            }
        }
        if let Err(error) = inner
            .vault
            .delete(&AccountKey::last_user(&inner.host))
            .await
        {
            failure.get_or_insert(error);
        }
        *inner.data.lock().expect("session lock") = Data::default();
        inner.update_status(|s| {
            *s = SessionStatus::signed_out(s.store_label.clone(), s.store_persistent);
        });
        inner.record_state(&SessionState::SignedOut);
        inner.kick.notify_one();
        drop(lock);
        match failure {
            Some(error) => Err(SessionError::Store(error)),
            None => Ok(()),
        }
    }

    /// Refreshes now, whatever the timers say (the tray's "Refresh session now"; the CLI's
    /// `status --refresh-now`). Single flight like every refresh.
    pub async fn refresh_now(&self) -> Result<AccessToken, AuthError> {
        self.inner.refresh_shared(Cause::Manual).await
    }

    /// The current status.
    pub fn status(&self) -> SessionStatus {
        self.inner.status.borrow().clone()
    }

    /// Status updates for UIs (the value is replaced on every change).
    pub fn subscribe(&self) -> watch::Receiver<SessionStatus> {
        self.inner.status.subscribe()
    }

    /// The timeline this session writes to.
    pub fn timeline(&self) -> &Timeline {
        &self.inner.timeline
    }

    /// The server host key this session belongs to.
    pub fn host(&self) -> &str {
        &self.inner.host
    }
}

impl TokenSource for Session {
    async fn ensure_valid(&self) -> Result<AccessToken, AuthError> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let state = inner.status.borrow().state.clone();
        let current = inner.data.lock().expect("session lock").access.clone();
        match &state {
            SessionState::SignedOut => return Err(AuthError::SignedOut),
            SessionState::NeedsLogin { reason } => {
                return Err(AuthError::NeedsLogin {
                    reason: reason.clone(),
                })
            }
            SessionState::Valid { .. }
            | SessionState::Refreshing
            | SessionState::RetryingRefresh { .. } => {}
        }
        if let Some(token) = &current {
            if !timing::needs_refresh(now, token.expires_at, token.lifetime) {
                return Ok(token.clone());
            }
        }
        if let SessionState::RetryingRefresh { at, reason } = &state {
            if now < *at {
                return match current {
                    Some(token) if token.expires_at > now => Ok(token),
                    _ => Err(AuthError::Transient {
                        reason: reason.clone(),
                        retry_after: Some(*at - now),
                    }),
                };
            }
        }
        inner.refresh_shared(Cause::Margin).await
    }

    async fn refresh_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, AuthError> {
        let inner = &self.inner;
        let newer = {
            let data = inner.data.lock().expect("session lock");
            data.access
                .clone()
                .filter(|t| t.generation > rejected.generation)
        };
        if let Some(token) = newer {
            return Ok(token);
        }
        let state = inner.status.borrow().state.clone();
        if let SessionState::RetryingRefresh { at, reason } = state {
            let now = inner.clock.now();
            if now < at {
                return Err(AuthError::Transient {
                    reason,
                    retry_after: Some(at - now),
                });
            }
        }
        inner.refresh_shared(Cause::Rejected).await
    }

    fn subscribe_wake(&self) -> broadcast::Receiver<()> {
        self.inner.wake.subscribe()
    }
}

impl Inner {
    fn update_status(&self, change: impl FnOnce(&mut SessionStatus)) {
        self.status.send_modify(change);
    }

    fn record_state(&self, state: &SessionState) {
        tracing::debug!(
            state = state.name(),
            reason = state.reason(),
            "session state"
        );
        self.timeline.record(
            Scope::Session,
            Entry::State {
                state: state.name().to_owned(),
                reason: state.reason().map(str::to_owned),
            },
        );
    }

    fn set_state(&self, state: SessionState) {
        self.record_state(&state);
        self.update_status(|s| s.state = state);
        self.kick.notify_one();
    }

    /// Records an error in the timeline. Logged at info: the caller gets the error, and
    /// background failures log their own warning.
    fn record_error(&self, message: String) {
        tracing::info!(%message, "session");
        self.timeline
            .record(Scope::Session, Entry::Error { message });
    }

    /// Single flight: callers that queue while an attempt runs get that attempt's result.
    async fn refresh_shared(&self, cause: Cause) -> Result<AccessToken, AuthError> {
        let seen = self.attempts.load(Ordering::SeqCst);
        let mut flight = self.flight.lock().await;
        if self.attempts.load(Ordering::SeqCst) != seen {
            if let Some(result) = &flight.last {
                return result.clone();
            }
        }
        let result = self.refresh_locked(cause).await;
        flight.last = Some(result.clone());
        self.attempts.fetch_add(1, Ordering::SeqCst);
        result
    }

    /// Publishes a new token pair's access token (the refresh token is already stored).
    fn install(
        &self,
        grant: AuthGrant,
        lifetime: Duration,
        requested_at: Instant,
        warning: Option<String>,
    ) -> AccessToken {
        // `iat` and `exp` are truncated to whole seconds (backend-contract §9.7), so the token
        // may live up to 1 s less than `exp − iat`: plan with that second removed.
        let expires_at = requested_at + lifetime.saturating_sub(TRUNCATION_SLACK.min(lifetime / 2));
        let now_wall = self.clock.wall();
        let remaining = expires_at.saturating_duration_since(self.clock.now());
        let skew_secs = grant
            .server_date
            .map(|server| match server.duration_since(now_wall) {
                Ok(ahead) => ahead.as_secs() as i64,
                Err(behind) => -(behind.duration().as_secs() as i64),
            });
        let next_refresh =
            timing::proactive_refresh_at(expires_at, lifetime, rand::random::<f64>());
        let token = {
            let mut data = self.data.lock().expect("session lock");
            data.generation += 1;
            data.last_refresh_at = Some(requested_at);
            data.last_used_refresh = Some(grant.refresh.clone());
            data.retry_attempt = 0;
            data.previous_attempt_unanswered = false;
            let token = AccessToken {
                secret: grant.access,
                generation: data.generation,
                expires_at,
                lifetime,
            };
            data.access = Some(token.clone());
            token
        };
        if let Some(skew) = skew_secs.filter(|s| s.abs() > 60) {
            let previous = self.status.borrow().skew_secs;
            if previous.is_none_or(|p| (p - skew).abs() > 60) {
                self.record_error(format!(
                    "this computer's clock is {} s {} the server's; tokens are timed on our own clock, so sessions still work",
                    skew.abs(),
                    if skew > 0 { "behind" } else { "ahead of" }
                ));
            }
        }
        let state = SessionState::Valid { expires_at };
        self.record_state(&state);
        self.update_status(|s| {
            s.state = state;
            s.lifetime = Some(lifetime);
            s.expires_at_wall = Some(now_wall + remaining);
            s.next_refresh = Some(next_refresh);
            s.skew_secs = skew_secs.or(s.skew_secs);
            s.warning = warning;
        });
        self.kick.notify_one();
        token
    }
}
