//! A "missed" item: one change that happened while we were away, found by comparing the
//! stored snapshot with a fresh read.

use crate::history::{FeedRecord, Origin};

/// What kind of thing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MissedResource {
    /// A chat message.
    Message,
    /// A task.
    Task,
    /// A project member.
    Member,
}

impl MissedResource {
    /// `message`, `task` or `member` (the CLI's JSON lines).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Task => "task",
            Self::Member => "member",
        }
    }
}

/// How it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissedAction {
    /// Created, posted or joined.
    Insert,
    /// Moved, reassigned or edited.
    Update,
    /// Deleted or left.
    Delete,
}

impl MissedAction {
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Insert => "INSERT",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
        }
    }
}

/// One change we missed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    /// Project id (lowercase).
    pub project: String,
    /// What changed.
    pub resource: MissedResource,
    /// How.
    pub action: MissedAction,
    /// The server's id of the message, task or member (user id).
    pub id: String,
    /// In words, e.g. `‘Fix login’ moved To do → Done`.
    pub summary: String,
    /// When it happened, if the server says (RFC 3339); otherwise it was found at `found_at_ms`.
    pub at: Option<String>,
    /// When the catch-up found it (epoch ms).
    pub found_at_ms: i64,
}

impl Missed {
    /// When it happened as epoch ms: the server's time when it gives one, else when found.
    pub fn at_ms(&self) -> i64 {
        self.at
            .as_deref()
            .and_then(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            .unwrap_or(self.found_at_ms)
    }

    /// The feed item stored for it.
    pub fn record(&self) -> FeedRecord {
        FeedRecord {
            at_ms: self.at_ms(),
            project: self.project.clone(),
            origin: Origin::CatchUp,
            resource: self.resource.as_str().into(),
            action: self.action.as_str().into(),
            item_id: self.id.clone(),
            summary: self.summary.clone(),
        }
    }
}

/// The reference server's task status names (0…3).
pub fn status_name(status: i64) -> String {
    match status {
        0 => "To do".into(),
        1 => "In progress".into(),
        2 => "Done".into(),
        3 => "Blocked".into(),
        other => format!("status {other}"),
    }
}
