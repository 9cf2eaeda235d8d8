//! The per-project connection as a pure state machine: inputs arrive with `now`, the machine
//! answers with actions for the driver and exposes its next deadline. It owns the handshake
//! outcome table and the close rules of design.md §3; it never touches a socket or a clock.

use super::backoff::BackoffPolicy;
use crate::auth::AuthError;
use rand::Rng;
use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;

/// How long to wait after a 429 without a usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// One project's connection state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    /// A handshake is under way (or about to be); `attempt` counts failures since the last
    /// healthy connection.
    Connecting {
        /// Consecutive failures so far.
        attempt: u32,
    },
    /// The upgrade succeeded.
    Connected {
        /// When the 101 arrived.
        since: Instant,
    },
    /// Waiting before the next try.
    Backoff {
        /// When the next try starts.
        retry_at: Instant,
        /// Why the last try failed, in the server's words where it gave any.
        reason: String,
    },
    /// The session ended; nothing is retried until the user signs in again.
    NeedsLogin {
        /// The server's reason (e.g. `Invalid refresh token`).
        reason: String,
    },
    /// 403 at the handshake: no retries until the user acts.
    Forbidden {
        /// The server's message.
        message: String,
    },
    /// 404 at the handshake: no retries until the user acts.
    NotFound {
        /// The server's message.
        message: String,
    },
    /// Not running: stopped by the user, or a 400 (a client bug or bad configuration).
    Stopped {
        /// The server's message for a 400; `None` when we stopped on purpose.
        reason: Option<String>,
    },
}

impl ConnState {
    /// The state's name as used in JSON lines and the timeline.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Connecting { .. } => "connecting",
            Self::Connected { .. } => "connected",
            Self::Backoff { .. } => "backoff",
            Self::NeedsLogin { .. } => "needs_login",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::Stopped { .. } => "stopped",
        }
    }

    /// The reason or message carried by the state, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Backoff { reason, .. } | Self::NeedsLogin { reason } => Some(reason),
            Self::Forbidden { message } | Self::NotFound { message } => Some(message),
            Self::Stopped { reason } => reason.as_deref(),
            Self::Connecting { .. } | Self::Connected { .. } => None,
        }
    }

    /// True for states that wait for the user (sign-in, another project, a fix) to act.
    pub fn waits_for_user(&self) -> bool {
        match self {
            Self::NeedsLogin { .. }
            | Self::Forbidden { .. }
            | Self::NotFound { .. }
            | Self::Stopped { .. } => true,
            Self::Connecting { .. } | Self::Connected { .. } | Self::Backoff { .. } => false,
        }
    }
}

/// Why consumers are told to refetch everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResyncReason {
    /// A connection was (re)established: events during the gap may be lost.
    Connected,
    /// The server sent `{"type":"reconnect"}`.
    ServerReconnect,
    /// The machine woke from sleep.
    Wake,
}

impl ResyncReason {
    /// `connected`, `server_reconnect` or `wake`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::ServerReconnect => "server_reconnect",
            Self::Wake => "wake",
        }
    }
}

/// Something that happened to the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Begin (or begin again after a user action).
    Start,
    /// The user asked to reconnect now (also after signing in again).
    ReconnectNow,
    /// The token source could not give a token.
    TokenUnavailable(AuthError),
    /// The upgrade succeeded (101).
    HandshakeAccepted,
    /// The server answered the upgrade with an HTTP error.
    HandshakeRejected {
        /// The HTTP status.
        status: u16,
        /// The response body, trimmed.
        body: String,
        /// `Retry-After`, if the server sent one.
        retry_after: Option<Duration>,
    },
    /// No HTTP answer at all: timeout, DNS, TCP or TLS failure.
    ConnectFailed {
        /// What went wrong.
        reason: String,
    },
    /// The socket closed without us asking.
    Closed {
        /// The close code; `None` when the connection ended with no close frame.
        code: Option<u16>,
        /// The close reason or transport error.
        reason: String,
    },
    /// No frame of any kind arrived in time after our ping.
    Dead,
    /// The server sent `{"type":"reconnect"}`.
    ServerReconnect,
    /// The open connection proved it works: the first data frame from the server, or an
    /// answer to our Ping. Resets the attempt count (a 101 alone does not: a server that
    /// accepts and closes at once must keep backing off).
    Healthy,
    /// The deadline from [`Connection::deadline`] passed.
    RetryDue,
    /// The machine woke from sleep.
    Wake,
    /// Time to replace the socket with one carrying a fresh token (AWS 2 h cap).
    Renew,
    /// Stop for good.
    Stop,
}

/// What the driver must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open a socket; with `refresh_first` the token source must refresh the rejected token,
    /// otherwise `ensure_valid()` is called (always, before every connect).
    Connect {
        /// Force one refresh of the token just rejected.
        refresh_first: bool,
    },
    /// Close the current socket (we asked for it: it does not count as a drop).
    Close,
    /// Tell consumers to refetch.
    Resync(ResyncReason),
}

/// The machine.
#[derive(Debug, Clone)]
pub struct Connection {
    state: ConnState,
    policy: BackoffPolicy,
    /// Failures since the last connection that proved healthy.
    attempt: u32,
    /// A 401 already forced a refresh since the last backoff: the next 401 backs off.
    refreshed_since_backoff: bool,
}

impl Connection {
    /// A stopped connection; feed it [`Input::Start`].
    pub fn new(policy: BackoffPolicy) -> Self {
        Self {
            state: ConnState::Stopped { reason: None },
            policy,
            attempt: 0,
            refreshed_since_backoff: false,
        }
    }

    /// The current state.
    pub fn state(&self) -> &ConnState {
        &self.state
    }

    /// When [`Input::RetryDue`] should be fed, if the machine is waiting.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.state {
            ConnState::Backoff { retry_at, .. } => Some(*retry_at),
            _ => None,
        }
    }

    /// Applies one input and returns what the driver must do, in order.
    pub fn handle(&mut self, input: Input, now: Instant, rng: &mut impl Rng) -> Vec<Action> {
        let connected = matches!(self.state, ConnState::Connected { .. });
        match input {
            Input::Start | Input::ReconnectNow => {
                self.attempt = 0;
                self.refreshed_since_backoff = false;
                self.connect_now(connected, false)
            }
            Input::Renew if connected => {
                self.attempt = 0;
                self.connect_now(true, false)
            }
            Input::Stop => {
                self.state = ConnState::Stopped { reason: None };
                if connected {
                    vec![Action::Close]
                } else {
                    vec![]
                }
            }
            Input::HandshakeAccepted if self.is_connecting() => {
                self.state = ConnState::Connected { since: now };
                vec![Action::Resync(ResyncReason::Connected)]
            }
            Input::HandshakeRejected {
                status,
                body,
                retry_after,
            } if self.is_connecting() => self.rejected(status, body, retry_after, now, rng),
            Input::ConnectFailed { reason } if self.is_connecting() => {
                self.backoff(reason, now, rng);
                vec![]
            }
            Input::TokenUnavailable(error) if self.is_connecting() => {
                self.token_unavailable(error, now, rng)
            }
            Input::Healthy if connected => {
                self.attempt = 0;
                self.refreshed_since_backoff = false;
                vec![]
            }
            Input::Closed { code, reason } if connected => match code {
                Some(1008 | 1002) => self.auth_rejected(reason, now, rng),
                _ => {
                    let text = match code {
                        Some(code) if reason.is_empty() => format!("closed {code}"),
                        Some(code) => format!("closed {code}: {reason}"),
                        None => format!("dropped: {reason}"),
                    };
                    self.backoff(text, now, rng);
                    vec![]
                }
            },
            Input::Dead if connected => {
                self.backoff("no frame for 10 s after a ping".into(), now, rng);
                vec![Action::Close]
            }
            Input::ServerReconnect if connected => {
                vec![Action::Resync(ResyncReason::ServerReconnect)]
            }
            Input::RetryDue => match &self.state {
                ConnState::Backoff { retry_at, .. } if *retry_at <= now => {
                    self.connect_now(false, false)
                }
                _ => vec![],
            },
            Input::Wake => match &self.state {
                ConnState::Connected { .. } => vec![Action::Resync(ResyncReason::Wake)],
                ConnState::Backoff { .. } => self.connect_now(false, false),
                _ => vec![],
            },
            // Inputs that do not apply to the current state (a late handshake result after
            // a stop, a close while backing off) change nothing.
            Input::Renew
            | Input::HandshakeAccepted
            | Input::HandshakeRejected { .. }
            | Input::ConnectFailed { .. }
            | Input::TokenUnavailable(_)
            | Input::Closed { .. }
            | Input::Dead
            | Input::Healthy
            | Input::ServerReconnect => vec![],
        }
    }

    fn is_connecting(&self) -> bool {
        matches!(self.state, ConnState::Connecting { .. })
    }

    fn connect_now(&mut self, close_first: bool, refresh_first: bool) -> Vec<Action> {
        self.state = ConnState::Connecting {
            attempt: self.attempt,
        };
        let connect = Action::Connect { refresh_first };
        if close_first {
            vec![Action::Close, connect]
        } else {
            vec![connect]
        }
    }

    fn rejected(
        &mut self,
        status: u16,
        body: String,
        retry_after: Option<Duration>,
        now: Instant,
        rng: &mut impl Rng,
    ) -> Vec<Action> {
        match status {
            401 => return self.auth_rejected(body, now, rng),
            403 => self.state = ConnState::Forbidden { message: body },
            404 => self.state = ConnState::NotFound { message: body },
            400 => self.state = ConnState::Stopped { reason: Some(body) },
            429 => {
                let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                self.state = ConnState::Backoff {
                    retry_at: now + wait,
                    reason: with_status(429, &body),
                };
            }
            _ => self.backoff(with_status(status, &body), now, rng),
        }
        vec![]
    }

    /// A 401 (or close 1008/1002): one forced refresh and an immediate retry; if that was
    /// already done since the last backoff, the fresh token was rejected too, so back off.
    fn auth_rejected(&mut self, reason: String, now: Instant, rng: &mut impl Rng) -> Vec<Action> {
        if self.refreshed_since_backoff {
            self.refreshed_since_backoff = false;
            self.backoff(reason, now, rng);
            vec![]
        } else {
            self.refreshed_since_backoff = true;
            self.connect_now(false, true)
        }
    }

    fn token_unavailable(
        &mut self,
        error: AuthError,
        now: Instant,
        rng: &mut impl Rng,
    ) -> Vec<Action> {
        match error {
            AuthError::SignedOut => {
                self.state = ConnState::NeedsLogin {
                    reason: "signed out".into(),
                }
            }
            AuthError::NeedsLogin { reason } => self.state = ConnState::NeedsLogin { reason },
            AuthError::Transient {
                reason,
                retry_after: Some(wait),
            } => {
                self.state = ConnState::Backoff {
                    retry_at: now + wait,
                    reason: format!("session: {reason}"),
                }
            }
            AuthError::Transient {
                reason,
                retry_after: None,
            } => self.backoff(format!("session: {reason}"), now, rng),
            AuthError::Keychain { reason } => self.backoff(format!("keychain: {reason}"), now, rng),
        }
        vec![]
    }

    fn backoff(&mut self, reason: String, now: Instant, rng: &mut impl Rng) {
        let delay = self.policy.delay(self.attempt, rng);
        self.attempt = self.attempt.saturating_add(1);
        self.state = ConnState::Backoff {
            retry_at: now + delay,
            reason,
        };
    }
}

fn with_status(status: u16, body: &str) -> String {
    if body.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {body}")
    }
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
