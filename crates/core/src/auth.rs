//! The seam between the session and its consumers (the realtime feed, REST callers):
//! a source of valid access tokens that refreshes before handing one out.

use crate::secret::Secret;
use std::future::Future;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::time::Instant;

/// An access token handed out by the session, with what a consumer needs to use it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The JWT; only ever placed in an `Authorization` header (or, flagged, the AWS `?token=`).
    pub secret: Secret,
    /// Increases with every token the session receives; lets a consumer that was rejected
    /// say which token failed, so a refresh already done by someone else is not repeated.
    pub generation: u64,
    /// When the token expires on our monotonic clock (`received_at + (exp − iat)`).
    pub expires_at: Instant,
    /// `exp − iat` as issued.
    pub lifetime: Duration,
}

impl AccessToken {
    /// The `Authorization` header value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.secret.expose())
    }
}

/// Why no valid token could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No one is signed in.
    #[error("signed out")]
    SignedOut,
    /// The server ended the session (refresh returned 401); the reason is the server's `detail`.
    #[error("sign-in required: {reason}")]
    NeedsLogin {
        /// The server's words, e.g. `Invalid refresh token`.
        reason: String,
    },
    /// A refresh failed for a passing reason (network, timeout, 5xx, 429); the session lives
    /// on and retries by itself.
    #[error("refresh failed, retrying: {reason}")]
    Transient {
        /// What went wrong, in plain words.
        reason: String,
        /// When the session will try again, if known.
        retry_after: Option<Duration>,
    },
    /// The keychain could not be read or written.
    #[error("keychain unavailable: {reason}")]
    Keychain {
        /// The store's error with its remedy.
        reason: String,
    },
}

impl AuthError {
    /// True when only a new sign-in can help.
    pub fn requires_sign_in(&self) -> bool {
        match self {
            Self::SignedOut | Self::NeedsLogin { .. } => true,
            Self::Transient { .. } | Self::Keychain { .. } => false,
        }
    }

    /// True when waiting and retrying can help.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transient { .. } => true,
            Self::SignedOut | Self::NeedsLogin { .. } | Self::Keychain { .. } => false,
        }
    }
}

/// A source of access tokens: implemented by the session, consumed by the realtime feed.
pub trait TokenSource: Send + Sync + 'static {
    /// A token with at least the connect margin (`min(60 s, lifetime / 4)`) left; refreshes
    /// first (single flight) when less remains.
    fn ensure_valid(&self) -> impl Future<Output = Result<AccessToken, AuthError>> + Send;

    /// The server rejected `rejected` (a 401): refresh once unless a newer token than
    /// `rejected.generation` already exists, and return the newest token.
    fn refresh_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> impl Future<Output = Result<AccessToken, AuthError>> + Send;

    /// Fires after the machine slept (a wall-clock jump); consumers reconnect and resync.
    fn subscribe_wake(&self) -> broadcast::Receiver<()>;
}
