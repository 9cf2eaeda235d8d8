//! A project's data as front ends show it (projects, members, messages, tasks), and the
//! mapping from the REST models. Ids are lowercase; times are epoch milliseconds.

use crate::api::{Member, Message, Project, Task};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

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

/// Which piece of a project's data a front end asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
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

/// Parses an RFC 3339 server time into epoch ms (0 when absent or unreadable).
pub fn rfc3339_ms(text: Option<&str>) -> f64 {
    text.and_then(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    })
    .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as f64)
    .unwrap_or(0.0)
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

/// A task row.
pub fn task_view(t: &Task) -> TaskView {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_times_become_epoch_milliseconds() {
        assert_eq!(rfc3339_ms(Some("1970-01-01T00:00:01Z")), 1000.0);
        assert_eq!(rfc3339_ms(Some("yesterday")), 0.0);
        assert_eq!(rfc3339_ms(None), 0.0);
    }

    #[test]
    fn ids_are_lowercased_for_comparison() {
        let task: Task = serde_json::from_value(serde_json::json!({
            "id": "T-1", "projectId": "P-1", "description": "Ship", "status": 1,
            "assignee": {"username": ""}
        }))
        .unwrap();
        let view = task_view(&task);
        assert_eq!((view.id.as_str(), view.project_id.as_str()), ("t-1", "p-1"));
        assert_eq!(view.assignee, None, "an empty assignee name is no assignee");
    }
}
