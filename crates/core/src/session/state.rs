//! What the session publishes on its `watch` channel for UIs: the state and its metadata.
//! Nothing here holds a token.

use crate::keychain::LastUser;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// The session's state (design.md §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// No one is signed in.
    SignedOut,
    /// A usable access token is held until `expires_at` (our monotonic clock).
    Valid {
        /// When the access token expires.
        expires_at: Instant,
    },
    /// A refresh is in flight.
    Refreshing,
    /// The last refresh failed for a passing reason; the next try is at `at`.
    RetryingRefresh {
        /// When the next try happens.
        at: Instant,
        /// What went wrong, in the server's or plain words.
        reason: String,
    },
    /// The server ended the session; only a new sign-in helps.
    NeedsLogin {
        /// The server's words (e.g. `Invalid refresh token`), or our explanation.
        reason: String,
    },
}

impl SessionState {
    /// The state's name as used in the timeline and the CLI's JSON lines.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::Valid { .. } => "valid",
            Self::Refreshing => "refreshing",
            Self::RetryingRefresh { .. } => "retrying",
            Self::NeedsLogin { .. } => "needs_login",
        }
    }

    /// The reason carried by the state, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::RetryingRefresh { reason, .. } | Self::NeedsLogin { reason } => Some(reason),
            Self::SignedOut | Self::Valid { .. } | Self::Refreshing => None,
        }
    }
}

/// How a refresh ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// A new token pair was received (and stored).
    Ok,
    /// The server said 401: the session is over.
    Rejected,
    /// Network, timeout, 5xx or an unusable answer: retrying.
    Transient,
    /// 429: waiting for `Retry-After`.
    RateLimited,
    /// The refresh token could not be read from the store.
    StoreFailed,
}

impl RefreshOutcome {
    /// The outcome's name in the timeline.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Rejected => "rejected",
            Self::Transient => "transient",
            Self::RateLimited => "rate_limited",
            Self::StoreFailed => "store_failed",
        }
    }
}

/// The last refresh's result and wall time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshReport {
    /// How it ended.
    pub outcome: RefreshOutcome,
    /// Wall time when it ended.
    pub at: SystemTime,
    /// The server's words or ours, if it failed.
    pub detail: Option<String>,
}

/// Everything a UI shows about the session. Published on every change.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionStatus {
    /// The state.
    pub state: SessionState,
    /// Who is (or was, for `NeedsLogin`) signed in.
    pub user: Option<LastUser>,
    /// The access token's lifetime as issued (`exp − iat`).
    pub lifetime: Option<Duration>,
    /// The access token's expiry in wall time, for display.
    pub expires_at_wall: Option<SystemTime>,
    /// The last refresh's result.
    pub last_refresh: Option<RefreshReport>,
    /// When the proactive timer or the next retry will refresh.
    pub next_refresh: Option<Instant>,
    /// Where the refresh token lives (e.g. `OS keychain (Secret Service)`).
    pub store_label: String,
    /// False when the refresh token dies with this process (memory store).
    pub store_persistent: bool,
    /// The server's clock minus ours in seconds, from the `Date` header (diagnostics only:
    /// expiry is timed on our own clock).
    pub skew_secs: Option<i64>,
    /// A condition the user should know about while the session works (e.g. the rotated
    /// refresh token could not be saved, so the session will not survive a restart).
    pub warning: Option<String>,
}

impl SessionStatus {
    pub(crate) fn signed_out(store_label: String, store_persistent: bool) -> Self {
        Self {
            state: SessionState::SignedOut,
            user: None,
            lifetime: None,
            expires_at_wall: None,
            last_refresh: None,
            next_refresh: None,
            store_label,
            store_persistent,
            skew_secs: None,
            warning: None,
        }
    }
}
