//! Tolerant parser for every server-to-client frame of backend-contract §3: both envelope key
//! styles (A `project_id`, B `projectId`), the fly `cache_invalidate`/`reconnect` messages, the
//! AWS application events and `{"action":"pong"}`. Unknown types pass through as
//! [`EventKind::Other`]; bad JSON and oversized frames are typed errors the driver counts.

use super::lenient::{Lenient, LenientData};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Frames larger than this are skipped unparsed (design.md §3).
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;

/// How long a data summary may get (characters).
const SUMMARY_CHARS: usize = 80;

/// Why a frame was not understood. Never fatal: the driver counts it and reads on.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The frame is larger than [`MAX_FRAME_BYTES`].
    #[error("frame of {len} bytes is over the 1 MiB limit")]
    Oversized {
        /// The frame's size in bytes.
        len: usize,
    },
    /// The frame is not JSON, or not a JSON object.
    #[error("frame is not a JSON object: {source}")]
    Malformed {
        /// The JSON parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// Valid JSON, but not an object (an array, a string, a number).
    #[error("frame is JSON but not an object")]
    NotAnObject,
    /// A JSON object with neither `type` nor a known `action`.
    #[error("frame has no type")]
    MissingType,
}

impl ParseError {
    /// True when only a new sign-in can help (never, for a frame).
    pub fn requires_sign_in(&self) -> bool {
        match self {
            Self::Oversized { .. }
            | Self::Malformed { .. }
            | Self::NotAnObject
            | Self::MissingType => false,
        }
    }

    /// True when the next frame may well be fine (always: a bad frame is skipped).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Oversized { .. }
            | Self::Malformed { .. }
            | Self::NotAnObject
            | Self::MissingType => true,
        }
    }
}

/// One understood server frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// An application event (`cache_invalidate`, `task_updated`, … or an unknown type).
    Event(FeedEvent),
    /// `{"type":"reconnect"}`: the server may have missed events; refetch everything.
    Reconnect {
        /// `data.reason`, e.g. `notify_reconnect`.
        reason: Option<String>,
    },
    /// `{"action":"pong"}`: the AWS flavour's keepalive reply.
    Pong,
}

/// The event's `type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `cache_invalidate` (fly NOTIFY or AWS member change).
    CacheInvalidate,
    /// `task_created` (AWS).
    TaskCreated,
    /// `task_updated` (AWS).
    TaskUpdated,
    /// `task_deleted` (AWS).
    TaskDeleted,
    /// `sprint_created` (AWS).
    SprintCreated,
    /// `sprint_updated` (AWS).
    SprintUpdated,
    /// `sprint_deleted` (AWS).
    SprintDeleted,
    /// `message_created` (AWS).
    MessageCreated,
    /// `project_updated` (AWS).
    ProjectUpdated,
    /// `member_added` (AWS).
    MemberAdded,
    /// Any other type, passed through verbatim.
    Other(String),
}

impl EventKind {
    fn from_wire(kind: &str) -> Self {
        match kind {
            "cache_invalidate" => Self::CacheInvalidate,
            "task_created" => Self::TaskCreated,
            "task_updated" => Self::TaskUpdated,
            "task_deleted" => Self::TaskDeleted,
            "sprint_created" => Self::SprintCreated,
            "sprint_updated" => Self::SprintUpdated,
            "sprint_deleted" => Self::SprintDeleted,
            "message_created" => Self::MessageCreated,
            "project_updated" => Self::ProjectUpdated,
            "member_added" => Self::MemberAdded,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire name (`cache_invalidate`, `task_updated`, …).
    pub fn as_str(&self) -> &str {
        match self {
            Self::CacheInvalidate => "cache_invalidate",
            Self::TaskCreated => "task_created",
            Self::TaskUpdated => "task_updated",
            Self::TaskDeleted => "task_deleted",
            Self::SprintCreated => "sprint_created",
            Self::SprintUpdated => "sprint_updated",
            Self::SprintDeleted => "sprint_deleted",
            Self::MessageCreated => "message_created",
            Self::ProjectUpdated => "project_updated",
            Self::MemberAdded => "member_added",
            Self::Other(name) => name,
        }
    }

    /// The resource and action an AWS application event implies.
    fn implied(&self) -> Option<(Resource, Action)> {
        Some(match self {
            Self::TaskCreated => (Resource::Task, Action::Insert),
            Self::TaskUpdated => (Resource::Task, Action::Update),
            Self::TaskDeleted => (Resource::Task, Action::Delete),
            Self::SprintCreated => (Resource::Sprint, Action::Insert),
            Self::SprintUpdated => (Resource::Sprint, Action::Update),
            Self::SprintDeleted => (Resource::Sprint, Action::Delete),
            Self::MessageCreated => (Resource::Message, Action::Insert),
            Self::ProjectUpdated => (Resource::Project, Action::Update),
            Self::MemberAdded => (Resource::ProjectMembers, Action::Insert),
            Self::CacheInvalidate | Self::Other(_) => return None,
        })
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of row changed, normalised to the singular (`project_members` stays distinct).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// `task` / `tasks`.
    Task,
    /// `sprint` / `sprints`.
    Sprint,
    /// `project` / `projects`.
    Project,
    /// `message` / `messages`.
    Message,
    /// `project_members` (and the doc's `project_member`).
    ProjectMembers,
}

impl Resource {
    /// Normalises a wire spelling; `None` for a resource we do not know.
    pub fn from_wire(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "task" | "tasks" => Self::Task,
            "sprint" | "sprints" => Self::Sprint,
            "project" | "projects" => Self::Project,
            "message" | "messages" => Self::Message,
            "project_members" | "project_member" => Self::ProjectMembers,
            _ => return None,
        })
    }

    /// The normalised name (`task`, …, `project_members`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Task => "task",
            Self::Sprint => "sprint",
            Self::Project => "project",
            Self::Message => "message",
            Self::ProjectMembers => "project_members",
        }
    }
}

/// The row operation (PostgreSQL `TG_OP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    /// `INSERT`.
    Insert,
    /// `UPDATE`.
    Update,
    /// `DELETE`.
    Delete,
}

impl Action {
    fn from_wire(text: &str) -> Option<Self> {
        Some(match text.to_ascii_uppercase().as_str() {
            "INSERT" => Self::Insert,
            "UPDATE" => Self::Update,
            "DELETE" => Self::Delete,
            _ => return None,
        })
    }

    /// `INSERT`, `UPDATE` or `DELETE`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Insert => "INSERT",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
        }
    }
}

/// A normalised application event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    /// The event's `type`.
    pub kind: EventKind,
    /// Lowercase project UUID from `projectId ?? project_id ?? data.project_id ?? data.projectId`.
    pub project: Option<String>,
    /// The changed resource, normalised.
    pub resource: Option<Resource>,
    /// The row operation.
    pub action: Option<Action>,
    /// The row id, lowercase (`<project>:<user>` for `project_members`).
    pub id: Option<String>,
    /// A short human summary of `data` (message text, task description, sprint name).
    pub summary: Option<String>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Lenient<'a>,
    #[serde(borrow, default)]
    action: Lenient<'a>,
    #[serde(rename = "projectId", borrow, default)]
    project_camel: Lenient<'a>,
    #[serde(rename = "project_id", borrow, default)]
    project_snake: Lenient<'a>,
    #[serde(borrow, default)]
    resource: Lenient<'a>,
    #[serde(borrow, default)]
    data: LenientData<'a>,
}

/// Parses one text or binary frame.
pub fn parse(frame: &[u8]) -> Result<ServerEvent, ParseError> {
    if frame.len() > MAX_FRAME_BYTES {
        return Err(ParseError::Oversized { len: frame.len() });
    }
    let first = frame.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        // Arrays would otherwise bind to the envelope's fields by position.
        return match serde_json::from_slice::<serde::de::IgnoredAny>(frame) {
            Ok(_) => Err(ParseError::NotAnObject),
            Err(source) => Err(ParseError::Malformed { source }),
        };
    }
    let envelope: Envelope<'_> =
        serde_json::from_slice(frame).map_err(|source| ParseError::Malformed { source })?;
    let Some(kind) = envelope.kind.0.as_deref() else {
        return match envelope.action.0.as_deref() {
            Some("pong") => Ok(ServerEvent::Pong),
            _ => Err(ParseError::MissingType),
        };
    };
    let data = envelope.data;
    if kind == "reconnect" {
        return Ok(ServerEvent::Reconnect {
            reason: data.reason.0.map(|r| r.into_owned()),
        });
    }
    let kind = EventKind::from_wire(kind);
    let project = envelope
        .project_camel
        .0
        .or(envelope.project_snake.0)
        .or(data.project_snake.0)
        .or(data.project_camel.0)
        .map(|p| p.to_ascii_lowercase());
    let implied = kind.implied();
    let resource = data
        .resource
        .0
        .or(envelope.resource.0)
        .and_then(|r| Resource::from_wire(&r))
        .or_else(|| implied.as_ref().map(|(r, _)| r.clone()));
    let action = data
        .action
        .0
        .or(envelope.action.0)
        .and_then(|a| Action::from_wire(&a))
        .or_else(|| implied.as_ref().map(|(_, a)| *a));
    let id = match (&kind, data.id.0, &data.user_id.0) {
        (_, Some(id), _) => Some(id.to_ascii_lowercase()),
        (EventKind::MemberAdded, None, Some(user)) => project
            .as_ref()
            .map(|p| format!("{p}:{}", user.to_ascii_lowercase())),
        _ => None,
    };
    let summary = data
        .content
        .0
        .or(data.name.0)
        .or(data.description.0)
        .map(|text| summarise(&text));
    Ok(ServerEvent::Event(FeedEvent {
        kind,
        project,
        resource,
        action,
        id,
        summary,
    }))
}

fn summarise(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(SUMMARY_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Lowercase comparison of UUID strings (the server compares exact strings; we never do).
pub fn same_id(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
