//! The last-seen state of one project (tasks, messages, members) as stored, and its rows'
//! SQL. A snapshot is replaced whole: the stored one is always one consistent REST read.

use rusqlite::{params, Connection, OptionalExtension};

/// A task as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    /// The server's task id (lowercase).
    pub id: String,
    /// Status code (0 to do, 1 in progress, 2 done).
    pub status: i64,
    /// The task's text (`description` on the wire).
    pub title: String,
    /// Assignee's user id, when the server names it.
    pub assignee_id: Option<String>,
    /// Assignee's login name, when assigned.
    pub assignee: Option<String>,
}

/// A chat message as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    /// The server's message id (lowercase).
    pub id: String,
    /// Sender's user id (lowercase).
    pub sender_id: String,
    /// Sender's login name (may be empty on API version A).
    pub sender: String,
    /// When it was posted (RFC 3339, as the server wrote it).
    pub created_at: Option<String>,
    /// The start of the text, for the feed line.
    pub preview: String,
}

/// A member as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// The member's user id (lowercase).
    pub user_id: String,
    /// Login name.
    pub username: String,
}

/// One project's last-seen state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectSnapshot {
    /// When it was read (epoch ms).
    pub taken_at_ms: i64,
    /// Tasks.
    pub tasks: Vec<TaskRow>,
    /// True when the server's page was full, so tasks beyond it are unknown (not deleted).
    pub tasks_truncated: bool,
    /// The newest messages (one page).
    pub messages: Vec<MessageRow>,
    /// Members, owner included.
    pub members: Vec<MemberRow>,
}

/// The stored snapshot of `project`, if one was taken.
pub(super) fn load(
    conn: &Connection,
    project: &str,
) -> Result<Option<ProjectSnapshot>, rusqlite::Error> {
    let head: Option<(i64, bool)> = conn
        .query_row(
            "SELECT taken_at_ms, tasks_truncated FROM snapshot_projects WHERE project = ?1",
            [project],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((taken_at_ms, tasks_truncated)) = head else {
        return Ok(None);
    };
    let tasks = conn
        .prepare_cached(
            "SELECT id, status, title, assignee_id, assignee FROM snapshot_tasks
             WHERE project = ?1 ORDER BY id",
        )?
        .query_map([project], |r| {
            Ok(TaskRow {
                id: r.get(0)?,
                status: r.get(1)?,
                title: r.get(2)?,
                assignee_id: r.get(3)?,
                assignee: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let messages = conn
        .prepare_cached(
            "SELECT id, sender_id, sender, created_at, preview FROM snapshot_messages
             WHERE project = ?1 ORDER BY created_at, id",
        )?
        .query_map([project], |r| {
            Ok(MessageRow {
                id: r.get(0)?,
                sender_id: r.get(1)?,
                sender: r.get(2)?,
                created_at: r.get(3)?,
                preview: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let members = conn
        .prepare_cached(
            "SELECT user_id, username FROM snapshot_members WHERE project = ?1 ORDER BY user_id",
        )?
        .query_map([project], |r| {
            Ok(MemberRow {
                user_id: r.get(0)?,
                username: r.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(ProjectSnapshot {
        taken_at_ms,
        tasks,
        tasks_truncated,
        messages,
        members,
    }))
}

/// Replaces the stored snapshot of `project` (call inside a transaction).
pub(super) fn save(
    conn: &Connection,
    project: &str,
    snapshot: &ProjectSnapshot,
) -> Result<(), rusqlite::Error> {
    for table in ["snapshot_tasks", "snapshot_messages", "snapshot_members"] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE project = ?1"),
            [project],
        )?;
    }
    conn.execute(
        "INSERT INTO snapshot_projects (project, taken_at_ms, tasks_truncated) VALUES (?1, ?2, ?3)
         ON CONFLICT (project) DO UPDATE SET taken_at_ms = ?2, tasks_truncated = ?3",
        params![project, snapshot.taken_at_ms, snapshot.tasks_truncated],
    )?;
    let mut task = conn.prepare_cached(
        "INSERT OR REPLACE INTO snapshot_tasks (project, id, status, title, assignee_id, assignee)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for t in &snapshot.tasks {
        task.execute(params![
            project,
            t.id,
            t.status,
            t.title,
            t.assignee_id,
            t.assignee
        ])?;
    }
    let mut message = conn.prepare_cached(
        "INSERT OR REPLACE INTO snapshot_messages (project, id, sender_id, sender, created_at, preview)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for m in &snapshot.messages {
        message.execute(params![
            project,
            m.id,
            m.sender_id,
            m.sender,
            m.created_at,
            m.preview
        ])?;
    }
    let mut member = conn.prepare_cached(
        "INSERT OR REPLACE INTO snapshot_members (project, user_id, username) VALUES (?1, ?2, ?3)",
    )?;
    for m in &snapshot.members {
        member.execute(params![project, m.user_id, m.username])?;
    }
    Ok(())
}
