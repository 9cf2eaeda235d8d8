//! What flows into and out of the session machine: the inputs (callers' requests, the
//! reports of account operations, deadlines) and the actions the driver carries out.

use super::state::RefreshOutcome;
use crate::auth::{AccessToken, AuthError};
use crate::keychain::LastUser;
use crate::secret::Secret;
use crate::timeline::Entry;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// The time, both clocks: monotonic for deadlines, wall for display and sleep detection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    /// Monotonic now.
    pub mono: Instant,
    /// Wall-clock now.
    pub wall: SystemTime,
}

/// Why a refresh is being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// Start-up with a stored refresh token.
    Resume,
    /// A caller found less than the connect margin left.
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
    /// Causes that refresh even when the token is younger than a quarter of its life.
    pub(crate) fn forced(self) -> bool {
        matches!(self, Self::Rejected | Self::Manual | Self::Resume)
    }
}

/// What a caller wants a token for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// A token with at least the connect margin left (before every connect).
    Margin,
    /// The server rejected the token of this generation: a newer one, refreshing once.
    AfterRejection {
        /// The generation that was rejected.
        generation: u64,
    },
    /// A refresh now, whatever the timers say.
    Manual,
}

/// A caller waiting for a token (the driver keeps its reply channel under this number).
pub(crate) type Waiter = u64;
/// An account operation the driver runs (refresh, sign-in, sign-out, re-save).
pub(crate) type OpId = u64;

/// What a refresh or a sign-in brought back (its refresh token is already stored, or kept
/// in memory by the IO side when the store refused it).
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    /// The new access token.
    pub access: Secret,
    /// `exp − iat` as issued.
    pub lifetime: Duration,
    /// When the request went out (an upper bound on the token's issue time).
    pub requested_at: Instant,
    /// The server's `Date`, for skew diagnostics.
    pub server_date: Option<SystemTime>,
}

/// How a refresh ended, as the IO side saw it.
#[derive(Debug, Clone)]
pub(crate) enum FlightOutcome {
    /// A new token pair.
    Granted(Grant),
    /// The server said 401 (or nothing is left to present): the session is over.
    Rejected {
        /// The server's words with what we know about the token presented.
        detail: String,
    },
    /// A passing failure: retry later.
    Failed {
        /// `Transient`, `RateLimited` or `StoreFailed`.
        outcome: RefreshOutcome,
        /// Plain words.
        reason: String,
        /// The server's `Retry-After` (429).
        retry_after: Option<Duration>,
        /// No answer came (timeout, broken connection): the server may have rotated.
        unanswered: bool,
    },
}

/// Whether the newest refresh token is only in memory, after an operation.
pub(crate) type Unsaved = Option<String>;

/// How a re-save of a refused refresh token went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PersistOutcome {
    /// Tried; the warning while it is still only in memory (`None`: saved, or superseded).
    Tried(Unsaved),
    /// Not tried (the keychain is still busy with an earlier call, or another process holds
    /// the refresh lock): try again soon, without counting it as a refusal.
    Skipped,
}

/// Something that happened.
#[derive(Debug, Clone)]
pub(crate) enum Input {
    /// A caller wants a token.
    Token {
        /// Its reply slot.
        waiter: Waiter,
        /// What for.
        want: Want,
    },
    /// Resume as `user`, whose refresh token is in the store; `waiter` hears the result.
    Resume {
        /// Who signed in last.
        user: LastUser,
        /// The caller.
        waiter: Waiter,
    },
    /// Sign in (the driver holds the credentials under `op`).
    SignIn {
        /// The operation.
        op: OpId,
    },
    /// Sign out.
    SignOut {
        /// The operation.
        op: OpId,
    },
    /// A refresh finished.
    Refreshed {
        /// The operation.
        op: OpId,
        /// What came back.
        outcome: FlightOutcome,
        /// The unsaved-token warning after it.
        unsaved: Unsaved,
    },
    /// A sign-in finished; `None` when it failed (the driver tells its caller why).
    SignedIn {
        /// The operation.
        op: OpId,
        /// Who, and the grant.
        result: Option<(LastUser, Grant)>,
    },
    /// A sign-out finished.
    SignedOut {
        /// The operation.
        op: OpId,
    },
    /// A re-save finished.
    Persisted {
        /// The operation.
        op: OpId,
        /// How it went.
        outcome: PersistOutcome,
    },
    /// The deadline from [`Machine::poll_timeout`] passed.
    Timeout,
}

/// What the driver must do.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Run one refresh for `user` as operation `op`.
    Refresh {
        /// The operation.
        op: OpId,
        /// Why (for the log).
        cause: Cause,
        /// Whose token.
        user: LastUser,
    },
    /// Run the sign-in whose credentials the driver holds under `op`.
    SignIn {
        /// The operation.
        op: OpId,
    },
    /// Sign out `user` (or whoever the store names, when `None`).
    SignOut {
        /// The operation.
        op: OpId,
        /// Who.
        user: Option<LastUser>,
    },
    /// Write the refresh token the store refused earlier.
    Persist {
        /// The operation.
        op: OpId,
        /// Whose token.
        user: LastUser,
    },
    /// The machine stopped waiting for `op` (see [`OP_WATCHDOG`]); its caller, if any, is
    /// told it did not finish.
    Abandoned {
        /// The operation.
        op: OpId,
    },
    /// Answer a waiting caller.
    Answer {
        /// The caller.
        waiter: Waiter,
        /// The token, or why there is none.
        result: Result<AccessToken, AuthError>,
    },
    /// Write this to the timeline.
    Record(Entry),
    /// Tell consumers the machine slept (they reconnect and resync).
    Wake,
}

/// What the next deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// The proactive refresh of a valid token.
    ProactiveRefresh,
    /// The retry after a failed refresh.
    Retry,
    /// An account operation ran too long.
    Watchdog,
    /// Compare wall and monotonic time (sleep detection).
    WakeTick,
    /// Write a refused refresh token again.
    PersistRetry,
}
