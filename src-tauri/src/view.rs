//! Payload types that cross IPC. They carry state and metadata only: no type here has a field
//! that could hold a token or a password (the sign-in request is the one inbound exception and
//! is never serialised back out).
//!
//! Times are wall-clock milliseconds since the Unix epoch as `f64` so TypeScript sees `number`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Static facts about the running app.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AppInfo {
    /// The app version from Cargo.
    pub version: String,
    /// True when the app runs against the embedded demo sandbox.
    pub demo: bool,
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
    /// A human label of the server (e.g. "DevHive Fly", "sandbox 127.0.0.1:4000").
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

/// A project the user can watch.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ProjectView {
    /// Project id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The user's role, when the server says.
    pub role: Option<String>,
    /// The owner's user name.
    pub owner: Option<String>,
}

/// A project member.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MemberView {
    /// User id.
    pub id: String,
    /// User name.
    pub username: String,
    /// Display name ("First Last", may be empty).
    pub display_name: String,
    /// Role in the project.
    pub role: Option<String>,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MessageView {
    /// Message id.
    pub id: String,
    /// Project id.
    pub project_id: String,
    /// Sender user id.
    pub sender_id: String,
    /// Sender user name (may be empty on server A).
    pub sender: String,
    /// Text.
    pub content: String,
    /// Creation time (epoch ms).
    pub created_at_ms: f64,
}

/// A task.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct TaskView {
    /// Task id.
    pub id: String,
    /// Project id.
    pub project_id: String,
    /// The task's text (the server calls it `description`).
    pub title: String,
    /// Status code from the server.
    pub status: i32,
    /// Assignee user name.
    pub assignee: Option<String>,
    /// Last update (epoch ms).
    pub updated_at_ms: f64,
}

/// Which piece of a project's data the UI asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// The project itself.
    Project,
    /// Its members.
    Members,
    /// Its newest messages.
    Messages,
    /// Its tasks.
    Tasks,
    /// One task (`id` required).
    Task,
}

/// The data returned by `fetch_resource`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum ResourceData {
    /// The project.
    Project(ProjectView),
    /// The members.
    Members(Vec<MemberView>),
    /// Newest messages first.
    Messages(Vec<MessageView>),
    /// All tasks.
    Tasks(Vec<TaskView>),
    /// One task, or `null` when it was deleted.
    Task(Option<TaskView>),
}

/// The server choice on the sign-in screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ServerChoice {
    /// The hosted Fly deployment.
    Fly,
    /// The hosted AWS deployment.
    Aws,
    /// The embedded local sandbox.
    Sandbox,
    /// A custom URL.
    Custom,
}

/// Which realtime protocol a custom server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FlavourChoice {
    /// Gorilla WebSocket on the API host.
    Fly,
    /// API Gateway WebSocket.
    Aws,
}

/// The sign-in form. Inbound only: deliberately not `Serialize`, so the password cannot be
/// echoed back across IPC or into a log by accident.
#[derive(Clone, Deserialize, TS)]
pub struct SignInRequest {
    /// Server choice.
    pub server: ServerChoice,
    /// API origin for `Custom`.
    pub custom_url: Option<String>,
    /// WebSocket URL for `Custom` (defaults from the origin for Fly).
    pub custom_ws_url: Option<String>,
    /// Protocol for `Custom`.
    pub custom_flavour: Option<FlavourChoice>,
    /// User name.
    pub username: String,
    /// Password; dropped right after the login request.
    pub password: String,
    /// Keep the refresh token in the keychain across restarts.
    pub remember_me: bool,
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("server", &self.server)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("remember_me", &self.remember_me)
            .finish()
    }
}

/// User settings kept in the settings store. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// Per-project notification switch (missing = on).
    pub notify: BTreeMap<String, bool>,
    /// Quiet mode: no notifications at all.
    pub quiet: bool,
    /// Start hidden in the tray.
    pub start_hidden: bool,
    /// Projects to watch.
    pub watched: Vec<String>,
    /// Last server choice.
    pub server: Option<ServerChoice>,
    /// Last custom URL.
    pub custom_url: Option<String>,
}

/// Everything the UI needs at start-up, fetched after it has subscribed to events.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Snapshot {
    /// App facts.
    pub app: AppInfo,
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
    /// Settings.
    pub settings: Settings,
    /// Whether notifications are paused from the tray.
    pub notifications_paused: bool,
}

/// A feed line the UI offers for a desktop notification; the shell decides (paused, quiet,
/// per-project switch, my own action, throttle).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NotifyItem {
    /// Project id.
    pub project_id: String,
    /// Project name for the title and summaries.
    pub project_name: String,
    /// The sentence.
    pub text: String,
    /// Who did it, when known.
    pub actor_id: Option<String>,
}
