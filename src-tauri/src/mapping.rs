//! Pure mappings from devhive-core's state and REST models to the IPC view types. Monotonic
//! instants become wall-clock epoch milliseconds using one `(now, wall)` pair, so the UI can
//! count down without knowing our clock.

use std::time::SystemTime;

use devhive_core::api::{ApiError, Member, Message, Project};
use devhive_core::realtime::{ConnState, FeedEvent, ResyncReason};
use devhive_core::session::{
    RefreshOutcome as CoreOutcome, SessionError, SessionState as CoreState, SessionStatus,
};
use devhive_core::timeline::Record;
use tokio::time::Instant;

use crate::epoch_ms;
use crate::error::{ErrorCode, IpcError};
use crate::view::*;

/// Converts a monotonic instant to wall-clock epoch ms, given the current reading of both.
pub fn instant_ms(at: Instant, now: Instant, wall: SystemTime) -> f64 {
    let wall_at = if at >= now {
        wall + (at - now)
    } else {
        wall - (now - at)
    };
    epoch_ms(wall_at)
}

/// Parses an RFC 3339 server time into epoch ms (0 when absent or unreadable).
pub fn rfc3339_ms(text: Option<&str>) -> f64 {
    text.and_then(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    })
    .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as f64)
    .unwrap_or(0.0)
}

/// The session view of a core status.
pub fn session_view(
    s: &SessionStatus,
    server_label: Option<&str>,
    now: Instant,
    wall: SystemTime,
) -> SessionView {
    let state = match s.state {
        CoreState::SignedOut => SessionState::SignedOut,
        CoreState::Valid { .. } => SessionState::Valid,
        CoreState::Refreshing => SessionState::Refreshing,
        CoreState::RetryingRefresh { .. } => SessionState::Retrying,
        CoreState::NeedsLogin { .. } => SessionState::NeedsLogin,
    };
    let signed_in = state != SessionState::SignedOut;
    SessionView {
        state,
        user: s.user.as_ref().map(|u| u.name.clone()),
        server_label: server_label.filter(|_| signed_in).map(str::to_owned),
        expires_at_ms: s.expires_at_wall.map(epoch_ms),
        lifetime_secs: s
            .lifetime
            .map(|d| d.as_secs().min(u64::from(u32::MAX)) as u32),
        next_refresh_at_ms: s.next_refresh.map(|at| instant_ms(at, now, wall)),
        last_refresh: s.last_refresh.as_ref().map(|r| RefreshOutcome {
            ok: r.outcome == CoreOutcome::Ok,
            at_ms: epoch_ms(r.at),
            detail: r.detail.clone(),
        }),
        refresh_token_storage: signed_in.then(|| s.store_label.clone()),
        reason: s
            .state
            .reason()
            .map(str::to_owned)
            .or_else(|| s.warning.clone()),
    }
}

/// The badge of one project's connection.
pub fn connection_view(
    project: &str,
    c: &ConnState,
    now: Instant,
    wall: SystemTime,
) -> ConnectionView {
    let mut v = ConnectionView {
        project_id: project.to_owned(),
        state: ConnectionState::Stopped,
        attempt: None,
        retry_at_ms: None,
        since_ms: None,
        reason: None,
    };
    match c {
        ConnState::Connecting { attempt } => {
            v.state = ConnectionState::Connecting;
            v.attempt = Some(*attempt);
        }
        ConnState::Connected { since } => {
            v.state = ConnectionState::Connected;
            v.since_ms = Some(instant_ms(*since, now, wall));
        }
        ConnState::Backoff { retry_at, reason } => {
            v.state = ConnectionState::Backoff;
            v.retry_at_ms = Some(instant_ms(*retry_at, now, wall));
            v.reason = Some(reason.clone());
        }
        ConnState::NeedsLogin { reason } => {
            v.state = ConnectionState::NeedsLogin;
            v.reason = Some(reason.clone());
        }
        ConnState::Forbidden { message } => {
            v.state = ConnectionState::Forbidden;
            v.reason = Some(message.clone());
        }
        ConnState::NotFound { message } => {
            v.state = ConnectionState::NotFound;
            v.reason = Some(message.clone());
        }
        ConnState::Stopped { reason } => v.reason = reason.clone(),
    }
    v
}

/// A realtime event as the UI sees it (only events with a project reach here).
pub fn feed_event_view(e: &FeedEvent, at: SystemTime) -> Option<FeedEventView> {
    fn wire<T: serde::Serialize>(value: &T) -> Option<String> {
        serde_json::to_value(value)
            .ok()?
            .as_str()
            .map(str::to_owned)
    }
    Some(FeedEventView {
        project_id: e.project.clone()?,
        kind: e.kind.as_str().to_owned(),
        resource: e.resource.as_ref().and_then(wire),
        action: e.action.as_ref().and_then(wire),
        id: e.id.clone(),
        summary: e.summary.clone(),
        at_ms: epoch_ms(at),
    })
}

/// The resync notice.
pub fn resync_view(project: &str, reason: &ResyncReason) -> ResyncView {
    let reason = serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{reason:?}").to_lowercase());
    ResyncView {
        project_id: project.to_owned(),
        reason,
    }
}

/// One timeline record as a one-line, already-redacted entry.
pub fn timeline_view(r: &Record) -> TimelineEntryView {
    let value = serde_json::to_value(r).unwrap_or_default();
    let mut kind = String::new();
    let mut parts = Vec::new();
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            match k.as_str() {
                "at" | "scope" | "project" => {}
                "kind" => kind = v.as_str().unwrap_or_default().to_owned(),
                _ => parts.push(match v.as_str() {
                    Some(s) => format!("{k}: {s}"),
                    None => format!("{k}: {v}"),
                }),
            }
        }
    }
    let scope = match &r.scope {
        devhive_core::timeline::Scope::Session => "session".to_owned(),
        devhive_core::timeline::Scope::Project(p) => p.clone(),
    };
    TimelineEntryView {
        at_ms: (r.at.unix_timestamp_nanos() / 1_000_000) as f64,
        scope,
        kind,
        text: devhive_core::timeline::redact(&parts.join(" · ")),
    }
}

/// A project row.
pub fn project_view(p: &Project) -> ProjectView {
    ProjectView {
        id: p.id.to_ascii_lowercase(),
        name: p.name.clone(),
        description: p.description.clone().unwrap_or_default(),
        role: p.user_role.clone(),
        owner: p
            .owner
            .as_ref()
            .map(|o| o.username.clone())
            .filter(|u| !u.is_empty()),
    }
}

/// A member row.
pub fn member_view(m: &Member) -> MemberView {
    MemberView {
        id: m.id.to_ascii_lowercase(),
        username: m.username.clone(),
        display_name: format!("{} {}", m.first_name, m.last_name)
            .trim()
            .to_owned(),
        role: m.role.clone(),
    }
}

/// A message row.
pub fn message_view(m: &Message) -> MessageView {
    MessageView {
        id: m.id.clone(),
        project_id: m.project_id.to_ascii_lowercase(),
        sender_id: m.sender_id.to_ascii_lowercase(),
        sender: m
            .sender
            .as_ref()
            .map(|s| s.username.clone())
            .unwrap_or_default(),
        content: m.content.clone(),
        created_at_ms: rfc3339_ms(m.created_at.as_deref()),
    }
}

/// The UI error for a session failure.
pub fn session_error(e: &SessionError) -> IpcError {
    match e {
        SessionError::LoginRejected { reason } => {
            IpcError::new(ErrorCode::BadCredentials, reason.clone())
        }
        SessionError::NoStoredSession => {
            IpcError::new(ErrorCode::NeedsSignIn, "Not signed in to this server.")
        }
        SessionError::NeedsLogin { reason } => IpcError::new(
            ErrorCode::NeedsSignIn,
            format!("Please sign in again: {reason}"),
        ),
        SessionError::Store(s) => {
            IpcError::new(ErrorCode::Keychain, format!("{s}. {}", s.remedy()))
        }
        SessionError::Transient { reason, .. } => IpcError::new(ErrorCode::Network, reason.clone()),
        SessionError::Api(a) => api_error(a),
        SessionError::BadToken(_) => IpcError::new(ErrorCode::Server, e.to_string()),
    }
}

/// The UI error for a REST failure.
pub fn api_error(e: &ApiError) -> IpcError {
    let code = match e.status() {
        Some(400) => ErrorCode::InvalidInput,
        Some(401) => ErrorCode::NeedsSignIn,
        Some(403) => ErrorCode::Forbidden,
        Some(404) => ErrorCode::NotFound,
        Some(429) => ErrorCode::RateLimited,
        Some(_) => ErrorCode::Server,
        None if e.is_transient() => ErrorCode::Network,
        None => ErrorCode::Server,
    };
    let detail = e.detail();
    let message = if detail.is_empty() {
        e.to_string()
    } else {
        detail.to_owned()
    };
    IpcError::new(code, message)
}

/// A task row.
pub fn task_view(t: &devhive_core::app::Task) -> TaskView {
    TaskView {
        id: t.id.to_ascii_lowercase(),
        project_id: t.project_id.to_ascii_lowercase(),
        title: t.description.clone(),
        status: t.status.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        assignee: t
            .assignee
            .as_ref()
            .map(|a| a.username.clone())
            .filter(|u| !u.is_empty()),
        updated_at_ms: rfc3339_ms(t.updated_at.as_deref()),
    }
}
