//! Response bodies with the Go structs' field names and order.

use crate::state::db::Db;
use crate::state::models::*;
use crate::timefmt::rfc3339;
use serde::Serialize;
use uuid::Uuid;

/// `UserResponse`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    id: Uuid,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar_url: Option<String>,
    created_at: String,
    updated_at: String,
}

impl UserView {
    /// Builds the view of a user row.
    pub fn of(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            active: u.active,
            avatar_url: u.avatar_url.clone().filter(|a| !a.is_empty()),
            created_at: rfc3339(u.created_at),
            updated_at: rfc3339(u.updated_at),
        }
    }
}

/// The `owner` object inside projects, tasks and sprints.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OwnerView {
    id: String,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
}

impl OwnerView {
    fn of(db: &Db, id: Uuid) -> Self {
        db.users
            .get(&id)
            .map(|u| Self {
                id: u.id.to_string(),
                username: u.username.clone(),
                email: u.email.clone(),
                first_name: u.first_name.clone(),
                last_name: u.last_name.clone(),
            })
            .unwrap_or_default()
    }
}

/// `permissions` of a project for the caller.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Permissions {
    can_view_invites: bool,
    can_create_invites: bool,
    can_revoke_invites: bool,
    can_manage_members: bool,
}

/// `ProjectResponse`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    id: Uuid,
    owner_id: Uuid,
    name: String,
    description: String,
    created_at: String,
    updated_at: String,
    owner: OwnerView,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_role: Option<String>,
    permissions: Permissions,
}

impl ProjectView {
    /// The view for `viewer`; `None` leaves role and permissions empty (A's list, AWS event).
    pub fn of(db: &Db, p: &Project, viewer: Option<Uuid>, with_owner: bool) -> Self {
        let role = viewer.and_then(|v| db.role(p.id, v));
        let manage = matches!(role.as_deref(), Some("owner" | "admin"));
        let permissions = Permissions {
            can_view_invites: role.is_some(),
            can_create_invites: manage,
            can_revoke_invites: manage,
            can_manage_members: manage,
        };
        Self {
            id: p.id,
            owner_id: p.owner_id,
            name: p.name.clone(),
            description: p.description.clone(),
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
            owner: if with_owner {
                OwnerView::of(db, p.owner_id)
            } else {
                OwnerView::default()
            },
            user_role: role,
            permissions,
        }
    }
}

/// One entry of `GET /projects/{id}/members`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    id: Uuid,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    joined_at: String,
    role: String,
}

impl MemberView {
    /// Builds the view of a membership row.
    pub fn of(db: &Db, m: &Member) -> Option<Self> {
        let u = db.users.get(&m.user_id)?;
        Some(Self {
            id: u.id,
            username: u.username.clone(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            joined_at: rfc3339(m.joined_at),
            role: m.role.clone(),
        })
    }
}

/// The short user object inside tasks (`assignee`) and messages (`sender`).
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PersonView {
    username: String,
    first_name: String,
    last_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar_url: Option<String>,
}

impl PersonView {
    fn of(db: &Db, id: Uuid) -> Self {
        db.users
            .get(&id)
            .map(|u| Self {
                username: u.username.clone(),
                first_name: u.first_name.clone(),
                last_name: u.last_name.clone(),
                avatar_url: u.avatar_url.clone().filter(|a| !a.is_empty()),
            })
            .unwrap_or_default()
    }
}

/// `TaskResponse`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskView {
    id: Uuid,
    project_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    sprint_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee_id: Option<Uuid>,
    description: String,
    status: i64,
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee: Option<PersonView>,
    owner: OwnerView,
}

impl TaskView {
    /// Builds the view of a task row.
    pub fn of(db: &Db, t: &Task) -> Self {
        Self {
            id: t.id,
            project_id: t.project_id,
            sprint_id: t.sprint_id,
            assignee_id: t.assignee_id,
            description: t.description.clone(),
            status: t.status,
            created_at: rfc3339(t.created_at),
            updated_at: rfc3339(t.updated_at),
            assignee: t.assignee_id.map(|a| PersonView::of(db, a)),
            owner: OwnerView::of(db, t.owner_id),
        }
    }
}

/// `SprintResponse`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SprintView {
    id: Uuid,
    project_id: Uuid,
    name: String,
    description: String,
    start_date: String,
    end_date: String,
    is_completed: bool,
    is_started: bool,
    created_at: String,
    updated_at: String,
    owner: OwnerView,
}

impl SprintView {
    /// Builds the view of a sprint row.
    pub fn of(db: &Db, s: &Sprint) -> Self {
        Self {
            id: s.id,
            project_id: s.project_id,
            name: s.name.clone(),
            description: s.description.clone(),
            start_date: rfc3339(s.start_date),
            end_date: rfc3339(s.end_date),
            is_completed: s.is_completed,
            is_started: s.is_started,
            created_at: rfc3339(s.created_at),
            updated_at: rfc3339(s.updated_at),
            owner: OwnerView::of(db, s.owner_id),
        }
    }
}

/// `MessageResponse`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    id: Uuid,
    project_id: Uuid,
    sender_id: Uuid,
    content: String,
    message_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_message_id: Option<Uuid>,
    created_at: String,
    updated_at: String,
    sender: PersonView,
}

impl MessageView {
    /// Builds the view of a message; `with_sender` false gives A's empty sender on create.
    pub fn of(db: &Db, m: &Message, with_sender: bool) -> Self {
        Self {
            id: m.id,
            project_id: m.project_id,
            sender_id: m.sender_id,
            content: m.content.clone(),
            message_type: m.message_type.clone(),
            parent_message_id: m.parent_message_id,
            created_at: rfc3339(m.created_at),
            updated_at: rfc3339(m.updated_at),
            sender: if with_sender {
                PersonView::of(db, m.sender_id)
            } else {
                PersonView::default()
            },
        }
    }
}
