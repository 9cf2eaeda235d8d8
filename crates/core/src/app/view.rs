//! The view models front ends render: state and metadata only. No type here has a field that
//! could hold a token or a password (the sign-in request in `signin.rs` is the one inbound
//! exception and is never serialised back out). Types cross IPC, so TypeScript declarations
//! are generated from them (`ui/src/generated`, see `bindings.rs`).
//!
//! Times are wall-clock milliseconds since the Unix epoch as `f64`, so TypeScript sees `number`.

use super::data::ProjectView;
use super::settings::Settings;
use serde::Serialize;
use ts_rs::TS;

/// Static facts about the running app.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AppInfo {
    /// The app version from Cargo.
    pub version: String,
    /// True when the app runs against the embedded demo sandbox.
    pub demo: bool,
}

/// Where the app as a whole stands: what the window shows before anything else.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Nothing decided yet (the first instants after launch).
    Starting,
    /// A remembered session is being resumed: no sign-in form meanwhile.
    Resuming {
        /// The server's label.
        server: String,
    },
    /// Signed in. `offline` is set while the server cannot be reached.
    SignedIn {
        /// Why the data is not current, and when the next try is.
        offline: Option<Offline>,
    },
    /// The keychain cannot be read, so the remembered session cannot be resumed: unlock it
    /// (or start one) and retry.
    Keychain {
        /// True when it is locked or waits on its unlock prompt ("Unlock your keychain").
        locked: bool,
        /// The keychain's own words and the remedy.
        message: String,
    },
    /// Nobody is signed in: the sign-in form.
    SignedOut {
        /// Why, when the app did not choose it (e.g. "The server signed you out: …").
        notice: Option<String>,
        /// The server's own words when it refused the session (refresh 401), e.g.
        /// `Invalid refresh token`.
        refused: Option<String>,
    },
}

impl Phase {
    /// Signed out by the user's choice (or never signed in).
    pub fn signed_out() -> Self {
        Self::SignedOut {
            notice: None,
            refused: None,
        }
    }
}

/// The server cannot be reached right now; the app retries by itself.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Offline {
    /// The server's label.
    pub server: String,
    /// When the next attempt starts (epoch ms).
    pub retry_at_ms: f64,
    /// What went wrong, in plain words.
    pub reason: String,
}

/// "Can't reach <server>, retrying in N s" — the sentence both front ends show.
pub fn offline_sentence(server: &str, retry_in_secs: u64) -> String {
    format!("Can't reach {server}, retrying in {retry_in_secs} s")
}

/// Where the session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Nobody is signed in.
    SignedOut,
    /// A valid access token is held.
    Valid,
    /// A refresh is in flight.
    Refreshing,
    /// The last refresh failed transiently; another attempt is scheduled.
    Retrying,
    /// The server rejected the refresh token; the user must sign in again.
    NeedsLogin,
}

impl SessionState {
    /// The name in the CLI's JSON lines (design.md §4).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::Valid => "valid",
            Self::Refreshing => "refreshing",
            Self::Retrying => "retrying",
            Self::NeedsLogin => "needs_login",
        }
    }
}

/// The result of the most recent token refresh.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RefreshOutcome {
    /// Whether it succeeded.
    pub ok: bool,
    /// When it finished (epoch ms).
    pub at_ms: f64,
    /// A short explanation on failure.
    pub detail: Option<String>,
}

/// The session as the UI and tray show it. Never contains a token.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SessionView {
    /// The state.
    pub state: SessionState,
    /// The signed-in (or last) user name.
    pub user: Option<String>,
    /// A human label of the server (e.g. "DevHive Fly", "http://127.0.0.1:4000").
    pub server_label: Option<String>,
    /// When the access token expires (epoch ms).
    pub expires_at_ms: Option<f64>,
    /// The access token's lifetime in seconds.
    pub lifetime_secs: Option<u32>,
    /// When the next proactive refresh is scheduled (epoch ms).
    pub next_refresh_at_ms: Option<f64>,
    /// The last refresh result.
    pub last_refresh: Option<RefreshOutcome>,
    /// Where the refresh token lives ("OS keychain", "memory (demo)").
    pub refresh_token_storage: Option<String>,
    /// Why the session is retrying or needs a login.
    pub reason: Option<String>,
}

impl SessionView {
    /// The view of a signed-out app.
    pub fn signed_out() -> Self {
        Self {
            state: SessionState::SignedOut,
            user: None,
            server_label: None,
            expires_at_ms: None,
            lifetime_secs: None,
            next_refresh_at_ms: None,
            last_refresh: None,
            refresh_token_storage: None,
            reason: None,
        }
    }
}

/// One project's realtime connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// Opening the socket.
    Connecting,
    /// The socket is open.
    Connected,
    /// Waiting before the next attempt.
    Backoff,
    /// The session must be renewed by signing in.
    NeedsLogin,
    /// The server refused access (403).
    Forbidden,
    /// The project does not exist (404).
    NotFound,
    /// Stopped on purpose or after a client error.
    Stopped,
}

impl ConnectionState {
    /// The name in the CLI's JSON lines (design.md §4).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Backoff => "backoff",
            Self::NeedsLogin => "needs_login",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Stopped => "stopped",
        }
    }

    /// True for states that wait for the user (sign-in, another project, a fix).
    pub fn waits_for_user(self) -> bool {
        match self {
            Self::NeedsLogin | Self::Forbidden | Self::NotFound | Self::Stopped => true,
            Self::Connecting | Self::Connected | Self::Backoff => false,
        }
    }
}

/// A project's connection badge.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConnectionView {
    /// Project id.
    pub project_id: String,
    /// The state.
    pub state: ConnectionState,
    /// Attempt number while connecting.
    pub attempt: Option<u32>,
    /// Next retry (epoch ms) while backing off.
    pub retry_at_ms: Option<f64>,
    /// Connected since (epoch ms).
    pub since_ms: Option<f64>,
    /// The server's words for 403/404/400, or the backoff reason.
    pub reason: Option<String>,
}

/// A realtime event, reduced to what names the changed data.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FeedEventView {
    /// The project the event belongs to.
    pub project_id: String,
    /// The server's `type` (`cache_invalidate`, `task_updated`, …).
    pub kind: String,
    /// Normalised resource (`task`, `sprint`, `project`, `message`, `project_members`).
    pub resource: Option<String>,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub action: Option<String>,
    /// The changed row's id.
    pub id: Option<String>,
    /// A short human summary the server sent along (task text, message text), if any.
    pub summary: Option<String>,
    /// When we received it (epoch ms).
    pub at_ms: f64,
}

/// Show this project's feed, at this line when there is one: a notification was clicked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct FocusView {
    /// The project.
    pub project_id: String,
    /// The feed line's key (the one the front end offered), none for a summary.
    pub key: Option<String>,
}

/// "Refetch everything for this project": sent after connects, server reconnects and wakes.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ResyncView {
    /// The project.
    pub project_id: String,
    /// `connected`, `server_reconnect` or `wake`.
    pub reason: String,
}

/// One diagnostics timeline entry, already redacted.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TimelineEntryView {
    /// When (epoch ms).
    pub at_ms: f64,
    /// `session` or a project id.
    pub scope: String,
    /// Entry kind (`state`, `refresh`, `handshake`, …).
    pub kind: String,
    /// A redacted one-line description.
    pub text: String,
}

/// Everything a front end needs at start-up, fetched after it has subscribed to events.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Snapshot {
    /// App facts.
    pub app: AppInfo,
    /// Where the app stands (resuming, signed in, keychain locked …).
    pub phase: Phase,
    /// Session.
    pub session: SessionView,
    /// Projects (empty when signed out).
    pub projects: Vec<ProjectView>,
    /// Connection per watched project.
    pub connections: Vec<ConnectionView>,
    /// The signed-in user's id, to tell own actions from others'.
    pub user_id: Option<String>,
    /// Recent timeline entries, oldest first.
    pub timeline: Vec<TimelineEntryView>,
    /// The current settings (the UI edits this copy and the ones later events bring).
    pub settings: Settings,
}
