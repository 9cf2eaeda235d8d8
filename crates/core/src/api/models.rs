//! Response bodies of the REST API (backend-contract §1, §4): camelCase, tolerant of missing
//! optional fields, `null` lists read as empty.

use serde::{Deserialize, Deserializer, Serialize};

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// `POST /auth/login` and `/auth/refresh` body: `{"token","userId"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenBody {
    pub token: String,
    pub user_id: String,
}

/// A user (`GET /users/me`, `GET /users/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id (UUID).
    pub id: String,
    /// Login name.
    pub username: String,
    /// Email (any signed-in user can read it).
    #[serde(default)]
    pub email: String,
    /// Given name.
    #[serde(default)]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    pub last_name: String,
    /// False for deactivated accounts.
    #[serde(default = "yes")]
    pub active: bool,
    /// Avatar URL (omitted when empty).
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: Option<String>,
}

fn yes() -> bool {
    true
}

/// A project's owner as embedded in a project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectOwner {
    /// User id.
    #[serde(default)]
    pub id: String,
    /// Login name.
    #[serde(default)]
    pub username: String,
    /// Given name.
    #[serde(default)]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    pub last_name: String,
}

/// A project (`GET /projects`, `GET /projects/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Project id (UUID).
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Description (may be absent or null).
    #[serde(default)]
    pub description: Option<String>,
    /// Owner id.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Owner details.
    #[serde(default)]
    pub owner: Option<ProjectOwner>,
    /// The caller's role (absent in API version A's list).
    #[serde(default)]
    pub user_role: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `GET /projects` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectList {
    /// The projects (`null` from the server reads as empty).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub projects: Vec<Project>,
    /// Page size.
    #[serde(default)]
    pub limit: u32,
    /// Page offset.
    #[serde(default)]
    pub offset: u32,
}

/// A project member (`GET /projects/{id}/members`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// User id.
    pub id: String,
    /// Login name.
    #[serde(default)]
    pub username: String,
    /// Email.
    #[serde(default)]
    pub email: String,
    /// Given name.
    #[serde(default)]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    pub last_name: String,
    /// RFC 3339.
    #[serde(default)]
    pub joined_at: Option<String>,
    /// `owner`, `admin`, `member`…
    #[serde(default)]
    pub role: Option<String>,
}

/// `GET /projects/{id}/members` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    /// The members, owner included.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub members: Vec<Member>,
    /// How many.
    #[serde(default)]
    pub count: u32,
}

/// A message's sender as embedded in a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sender {
    /// Login name (empty in API version A's create response).
    #[serde(default)]
    pub username: String,
    /// Given name.
    #[serde(default)]
    pub first_name: String,
    /// Family name.
    #[serde(default)]
    pub last_name: String,
    /// Avatar URL.
    #[serde(default)]
    pub avatar_url: Option<String>,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Message id.
    pub id: String,
    /// Project id.
    #[serde(default)]
    pub project_id: String,
    /// Sender's user id.
    #[serde(default)]
    pub sender_id: String,
    /// Text.
    #[serde(default)]
    pub content: String,
    /// `text`, `image` or `file`.
    #[serde(default)]
    pub message_type: Option<String>,
    /// Thread parent.
    #[serde(default)]
    pub parent_message_id: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Sender details.
    #[serde(default)]
    pub sender: Option<Sender>,
}

/// `GET /projects/{id}/messages` body (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageList {
    /// The messages (`null` reads as empty).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub messages: Vec<Message>,
    /// Page size.
    #[serde(default)]
    pub limit: u32,
    /// Page offset.
    #[serde(default)]
    pub offset: u32,
}

/// A person embedded in a task (assignee or owner).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskPerson {
    /// Login name.
    #[serde(default)]
    pub username: String,
}

/// A task (`TaskResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Task id.
    pub id: String,
    /// Project id.
    #[serde(default)]
    pub project_id: String,
    /// The task's text.
    #[serde(default)]
    pub description: String,
    /// Status code (0 to do, 1 in progress, 2 done in the reference server).
    #[serde(default)]
    pub status: i64,
    /// Assignee's user id, if any.
    #[serde(default)]
    pub assignee_id: Option<String>,
    /// Assignee, if any.
    #[serde(default)]
    pub assignee: Option<TaskPerson>,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `GET /projects/{id}/tasks` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskList {
    /// The tasks (`null` reads as empty).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tasks: Vec<Task>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_lists_read_as_empty() {
        let p: ProjectList =
            serde_json::from_str(r#"{"projects":null,"limit":20,"offset":0}"#).unwrap();
        assert!(p.projects.is_empty());
        let m: MessageList = serde_json::from_str(r#"{"messages":null}"#).unwrap();
        assert!(m.messages.is_empty());
    }

    #[test]
    fn user_without_optional_fields_parses() {
        let u: User = serde_json::from_str(
            r#"{"id":"u1","username":"ada","email":"a@x","firstName":"Ada","lastName":"L","active":true,"createdAt":"2025-12-20T21:03:56Z","updatedAt":"2025-12-20T21:03:56Z"}"#,
        )
        .unwrap();
        assert_eq!(u.first_name, "Ada");
        assert_eq!(u.avatar_url, None);
    }

    #[test]
    fn api_version_a_project_without_role_parses() {
        let p: ProjectList = serde_json::from_str(
            r#"{"projects":[{"id":"p1","ownerId":"u1","name":"X","description":null,"createdAt":"2025-12-20T21:03:56Z","owner":{"id":"u1","username":"ada","firstName":"A","lastName":"L"},"permissions":{"canViewInvites":false}}],"limit":20,"offset":0}"#,
        )
        .unwrap();
        assert_eq!(p.projects[0].user_role, None);
        assert_eq!(p.projects[0].owner.as_ref().unwrap().username, "ada");
    }

    #[test]
    fn task_response_is_read_with_assignee() {
        let body = r#"{"id":"t1","projectId":"p1","description":"Fix login","status":2,
            "createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:01Z",
            "assignee":{"username":"bob","firstName":"Bob","lastName":"B"},
            "owner":{"id":"u","username":"alice","email":"a@x","firstName":"","lastName":""}}"#;
        let task: Task = serde_json::from_str(body).unwrap();
        assert_eq!(task.description, "Fix login");
        assert_eq!(task.status, 2);
        assert_eq!(task.assignee.map(|a| a.username).as_deref(), Some("bob"));
        let list: TaskList =
            serde_json::from_str(r#"{"tasks":null,"limit":100,"offset":0}"#).unwrap();
        assert!(list.tasks.is_empty(), "a null task list reads as empty");
    }
}
