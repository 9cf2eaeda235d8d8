//! The signed-in session (design.md §2): the access token in memory, the refresh token in the
//! store, refreshes single-flight in this process and across processes, timed on our own
//! clock, with every state change published on a `watch` channel and written to the timeline.
//!
//! Shape: [`Session`] is a cheap handle; a driver task owns a pure state machine
//! (`machine.rs`) and runs every account operation (refresh, sign-in, sign-out, re-save of a
//! refused token) in a task of its own (`keeper.rs`), so a caller that stops waiting — a
//! dropped future: Reconnect now, unwatch, sign-out, a timeout — neither aborts it nor leaves
//! a state behind, and a token the server rotated is always stored.

mod driver;
mod keeper;
mod lock;
mod machine;
mod messages;
mod persist;
mod state;
pub mod timing;

pub use lock::{RefreshLock, LOCK_WAIT};
pub use state::{RefreshOutcome, RefreshReport, SessionState, SessionStatus};

use crate::api::{ApiError, AuthApi};
use crate::auth::{AccessToken, AuthError, TokenSource};
use crate::clock::SharedClock;
use crate::jwt::JwtError;
use crate::keychain::{AccountKey, StoreError, Vault};
use crate::secret::Secret;
use crate::timeline::Timeline;
use driver::{Command, Driver};
use keeper::{Keeper, Kept};
use lock::SharedLock;
use machine::Want;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

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

/// A cloneable handle to the session. The driver (proactive timer, retries, sleep/wake
/// tick) runs while any handle is alive; account operations it started finish even after.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Handle>,
}

struct Handle {
    commands: mpsc::UnboundedSender<Command>,
    status: watch::Receiver<SessionStatus>,
    wake: broadcast::Sender<()>,
    vault: Vault,
    timeline: Timeline,
    host: String,
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
    /// A signed-out session for the configured server, its jitter seeded from the OS. Call
    /// [`Session::resume_stored`] or [`Session::login`] next. Must be called in a runtime.
    pub fn new(config: SessionConfig) -> Self {
        Self::with_rng(config, StdRng::from_entropy())
    }

    /// Like [`Session::new`], with the refresh jitter drawn from a seeded RNG (tests, repro).
    pub fn with_seed(config: SessionConfig, seed: u64) -> Self {
        Self::with_rng(config, StdRng::seed_from_u64(seed))
    }

    fn with_rng(config: SessionConfig, rng: StdRng) -> Self {
        let host = config.api.host_key();
        let lock = SharedLock::new(RefreshLock::path_for(&config.data_dir, &host));
        let (status, status_rx) = watch::channel(SessionStatus::signed_out(
            config.vault.label(),
            config.vault.is_persistent(),
        ));
        let (wake, _) = broadcast::channel(16);
        let (commands, command_rx) = mpsc::unbounded_channel();
        let keeper = Arc::new(Keeper {
            api: config.api,
            vault: config.vault.clone(),
            clock: config.clock,
            timeline: config.timeline.clone(),
            host: host.clone(),
            lock,
            kept: tokio::sync::Mutex::new(Kept::default()),
        });
        Driver::spawn(keeper, rng, status, wake.clone(), command_rx);
        Self {
            inner: Arc::new(Handle {
                commands,
                status: status_rx,
                wake,
                vault: config.vault,
                timeline: config.timeline,
                host,
            }),
        }
    }

    /// Start-up: a stored refresh token for this server means no password. Builds the
    /// session and refreshes; fails with [`SessionError::NoStoredSession`] when nothing is
    /// stored. Dropping the future: as for [`Session::resume_stored`].
    pub async fn resume(config: SessionConfig) -> Result<Self, SessionError> {
        let session = Self::new(config);
        session.resume_stored().await?;
        Ok(session)
    }

    /// Resumes from the store: reads who signed in last on this server and refreshes with
    /// their stored token. On a transient failure the session stays and keeps retrying.
    ///
    /// Dropping the future before the store has been read changes nothing; after that, the
    /// refresh runs to the end in the session's task (only the wait for it is abandoned).
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
        let (reply, answer) = oneshot::channel();
        self.send(Command::Resume { user, reply });
        answer.await.unwrap_or_else(|_| Err(stopped()))?;
        Ok(())
    }

    /// Signs in with a password. `remember_me` is sent only to API version B servers. The
    /// refresh token and the last-user record are stored before the session turns valid;
    /// if the store refuses them the sign-in fails (and the new server session is logged
    /// out, best effort). Waits for a refresh or sign-out already under way.
    ///
    /// Dropping the future does not cancel the sign-in: it runs to the end in the session's
    /// task and the session turns valid (or stays as it was if the server refuses).
    pub async fn login(
        &self,
        username: &str,
        password: &Secret,
        remember_me: bool,
    ) -> Result<(), SessionError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::SignIn {
            username: username.to_owned(),
            password: password.clone(),
            remember_me,
            reply,
        });
        answer.await.unwrap_or_else(|_| Err(stopped().into()))
    }

    /// Signs out: `POST /auth/logout` with the cookie (5 s, best effort), then deletes the
    /// stored refresh token whatever happened, forgets the user, and turns `SignedOut`.
    /// Works from the store alone, so a fresh process can sign out without refreshing. Waits
    /// for a refresh already under way (its rotated token is then the one logged out).
    ///
    /// Dropping the future does not cancel the sign-out: the session is `SignedOut` from the
    /// moment it starts, and the server call and keychain delete run to the end.
    pub async fn logout(&self) -> Result<(), SessionError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::SignOut { reply });
        answer.await.unwrap_or_else(|_| Err(stopped().into()))
    }

    /// Refreshes now, whatever the timers say (the tray's "Refresh session now"; the CLI's
    /// `status --refresh-now`). Joins a refresh already under way (single flight).
    ///
    /// Dropping the future only abandons the wait: the refresh runs to the end in the
    /// session's task, and the token the server rotated is stored.
    pub async fn refresh_now(&self) -> Result<AccessToken, AuthError> {
        self.token(Want::Manual).await
    }

    /// The current status.
    pub fn status(&self) -> SessionStatus {
        self.inner.status.borrow().clone()
    }

    /// Status updates for UIs (the value is replaced on every change).
    pub fn subscribe(&self) -> watch::Receiver<SessionStatus> {
        self.inner.status.clone()
    }

    /// The timeline this session writes to.
    pub fn timeline(&self) -> &Timeline {
        &self.inner.timeline
    }

    /// The server host key this session belongs to.
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    fn send(&self, command: Command) {
        // The driver lives as long as any handle: it only stops with the runtime, and the
        // dropped reply then reads as `stopped()`.
        let _ = self.inner.commands.send(command);
    }

    async fn token(&self, want: Want) -> Result<AccessToken, AuthError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Token { want, reply });
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }
}

/// The error when the driver is gone (the runtime is shutting down).
fn stopped() -> AuthError {
    AuthError::Transient {
        reason: "the session has stopped (the app is shutting down)".into(),
        retry_after: None,
    }
}

impl TokenSource for Session {
    /// A token with at least the connect margin left, refreshing first (single flight) when
    /// less remains. Dropping the future only abandons the wait; a refresh it started runs
    /// to the end in the session's task.
    async fn ensure_valid(&self) -> Result<AccessToken, AuthError> {
        self.token(Want::Margin).await
    }

    /// The server rejected `rejected`: the newest token, refreshing once unless a newer one
    /// exists. Dropping the future only abandons the wait.
    async fn refresh_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, AuthError> {
        self.token(Want::AfterRejection {
            generation: rejected.generation,
        })
        .await
    }

    fn subscribe_wake(&self) -> broadcast::Receiver<()> {
        self.inner.wake.subscribe()
    }
}
