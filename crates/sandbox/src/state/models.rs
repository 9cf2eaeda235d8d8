//! Rows of the in-memory "database", one struct per table.

use time::OffsetDateTime;
use uuid::Uuid;

/// A row of `users`.
#[derive(Debug, Clone)]
pub struct User {
    /// Primary key.
    pub id: Uuid,
    /// Unique, compared case-insensitively at login.
    pub username: String,
    /// E-mail address.
    pub email: String,
    /// Plain password; `None` for an OAuth-only user.
    pub password: Option<String>,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Optional avatar URL.
    pub avatar_url: Option<String>,
    /// Deactivated users cannot log in or refresh.
    pub active: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last update time.
    pub updated_at: OffsetDateTime,
}

/// A row of `projects`.
#[derive(Debug, Clone)]
pub struct Project {
    /// Primary key.
    pub id: Uuid,
    /// The owning user.
    pub owner_id: Uuid,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last update time.
    pub updated_at: OffsetDateTime,
}

/// A row of `project_members`.
#[derive(Debug, Clone)]
pub struct Member {
    /// The project.
    pub project_id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// `owner`, `admin`, `member` or `viewer`.
    pub role: String,
    /// When the user joined.
    pub joined_at: OffsetDateTime,
}

/// A row of `tasks`.
#[derive(Debug, Clone)]
pub struct Task {
    /// Primary key.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Optional sprint.
    pub sprint_id: Option<Uuid>,
    /// Optional assignee.
    pub assignee_id: Option<Uuid>,
    /// The creator.
    pub owner_id: Uuid,
    /// Text of the task.
    pub description: String,
    /// 0 todo, 1 in progress, 2 done.
    pub status: i64,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last update time.
    pub updated_at: OffsetDateTime,
}

/// A row of `sprints`.
#[derive(Debug, Clone)]
pub struct Sprint {
    /// Primary key.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// The creator.
    pub owner_id: Uuid,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Start date.
    pub start_date: OffsetDateTime,
    /// End date.
    pub end_date: OffsetDateTime,
    /// Completed flag.
    pub is_completed: bool,
    /// Started flag.
    pub is_started: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last update time.
    pub updated_at: OffsetDateTime,
}

/// A row of `messages`.
#[derive(Debug, Clone)]
pub struct Message {
    /// Primary key.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// The author.
    pub sender_id: Uuid,
    /// Text.
    pub content: String,
    /// `text`, `image` or `file`.
    pub message_type: String,
    /// Optional parent for threads.
    pub parent_message_id: Option<Uuid>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last update time.
    pub updated_at: OffsetDateTime,
}

/// A row of `refresh_tokens`.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    /// The session's user.
    pub user_id: Uuid,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
    /// Remember-me session (B): rotation keeps the 30-day lifetime.
    pub is_persistent: bool,
}
