//! Writes to users, projects and members; every write emits its events like the real triggers.

use super::models::*;
use super::Sandbox;
use crate::events::{Emission, Table};
use crate::views::ProjectView;
use serde_json::json;
use uuid::Uuid;

/// Why an operation was refused, mapped to a problem response by the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    /// 400 `bad_request` with this detail.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 403 `forbidden` with this detail.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404 `not_found` with this detail.
    #[error("not found: {0}")]
    NotFound(String),
}

/// Fields of a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Username (B lowercases it).
    pub username: String,
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
}

impl Sandbox {
    /// Creates a user with a password (test helper); returns the existing id if the name is taken.
    pub fn create_user(&self, username: &str, password: &str) -> Uuid {
        if let Some(u) = self.db().user_by_name(username) {
            return u.id;
        }
        let new = NewUser {
            username: username.to_string(),
            email: format!("{}@example.com", username.to_lowercase()),
            password: password.to_string(),
            first_name: username.to_string(),
            last_name: "Tester".to_string(),
        };
        self.register_user(new, None)
            .map(|u| u.id)
            .unwrap_or_default()
    }

    /// Inserts a user; `id` fixes the id (demo seeding).
    pub fn register_user(&self, n: NewUser, id: Option<Uuid>) -> Result<User, OpError> {
        let now = crate::timefmt::now();
        let mut db = self.db();
        if db.user_by_name(&n.username).is_some() || db.users.values().any(|u| u.email == n.email) {
            return Err(OpError::BadRequest(
                "Username or email already exists".into(),
            ));
        }
        let user = User {
            id: id.unwrap_or_else(Uuid::new_v4),
            username: n.username,
            email: n.email,
            password: Some(n.password),
            first_name: n.first_name,
            last_name: n.last_name,
            avatar_url: None,
            active: true,
            created_at: now,
            updated_at: now,
        };
        db.users.insert(user.id, user.clone());
        Ok(user)
    }

    /// Marks a user active or deactivated.
    pub fn set_user_active(&self, user: Uuid, active: bool) {
        if let Some(u) = self.db().users.get_mut(&user) {
            u.active = active;
        }
    }

    /// Creates a project owned by `owner` (test helper); the owner becomes a member.
    pub fn create_project(&self, owner: Uuid, name: &str) -> Uuid {
        self.create_project_with(owner, name, "", None)
            .map(|p| p.id)
            .unwrap_or_default()
    }

    /// Creates a project: project INSERT then owner member INSERT, both sent to every fly socket.
    pub fn create_project_with(
        &self,
        owner: Uuid,
        name: &str,
        description: &str,
        id: Option<Uuid>,
    ) -> Result<Project, OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        let project = {
            let mut db = self.db();
            if !db.users.contains_key(&owner) {
                return Err(OpError::NotFound("User not found".into()));
            }
            let p = Project {
                id: id.unwrap_or_else(Uuid::new_v4),
                owner_id: owner,
                name: name.to_string(),
                description: description.to_string(),
                created_at: now,
                updated_at: now,
            };
            db.projects.insert(p.id, p.clone());
            em.row(Table::Projects, "INSERT", p.id.to_string(), p.id);
            db.members.push(Member {
                project_id: p.id,
                user_id: owner,
                role: "owner".into(),
                joined_at: now,
            });
            em.row(
                Table::ProjectMembers,
                "INSERT",
                format!("{}:{}", p.id, owner),
                p.id,
            );
            p
        };
        self.publish(em, now);
        Ok(project)
    }

    /// Updates name/description; emits project UPDATE (project-scoped) and aws `project_updated`.
    pub fn update_project(
        &self,
        actor: Uuid,
        id: Uuid,
        name: Option<String>,
        description: Option<String>,
    ) -> Result<Project, OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        let p = {
            let mut db = self.db();
            check_manage(&db, id, actor)?;
            let p = db
                .projects
                .get_mut(&id)
                .ok_or_else(|| OpError::NotFound("Project not found".into()))?;
            if let Some(n) = name {
                p.name = n;
            }
            if let Some(d) = description {
                p.description = d;
            }
            p.updated_at = now;
            let p = p.clone();
            em.row(Table::Projects, "UPDATE", id.to_string(), id);
            let view =
                serde_json::to_value(ProjectView::of(&db, &p, None, false)).unwrap_or_default();
            em.app("project_updated", id, view);
            p
        };
        self.publish(em, now);
        Ok(p)
    }

    /// Deletes a project (owner only) with one DELETE event per cascaded row, the project last.
    pub fn delete_project(&self, actor: Uuid, id: Uuid) -> Result<(), OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        {
            let mut db = self.db();
            let p = db
                .projects
                .get(&id)
                .ok_or_else(|| OpError::NotFound("Project not found".into()))?;
            if p.owner_id != actor {
                return Err(OpError::Forbidden(
                    "Only the project owner can delete the project".into(),
                ));
            }
            let tasks: Vec<Uuid> = db
                .tasks
                .values()
                .filter(|t| t.project_id == id)
                .map(|t| t.id)
                .collect();
            for t in tasks {
                db.tasks.remove(&t);
                em.row(Table::Tasks, "DELETE", t.to_string(), id);
            }
            let sprints: Vec<Uuid> = db
                .sprints
                .values()
                .filter(|s| s.project_id == id)
                .map(|s| s.id)
                .collect();
            for s in sprints {
                db.sprints.remove(&s);
                em.row(Table::Sprints, "DELETE", s.to_string(), id);
            }
            let messages: Vec<Uuid> = db
                .messages
                .values()
                .filter(|m| m.project_id == id)
                .map(|m| m.id)
                .collect();
            for m in messages {
                db.messages.remove(&m);
                em.row(Table::Messages, "DELETE", m.to_string(), id);
            }
            let members: Vec<Uuid> = db
                .members
                .iter()
                .filter(|m| m.project_id == id)
                .map(|m| m.user_id)
                .collect();
            db.members.retain(|m| m.project_id != id);
            for u in members {
                em.row(Table::ProjectMembers, "DELETE", format!("{id}:{u}"), id);
            }
            db.projects.remove(&id);
            em.row(Table::Projects, "DELETE", id.to_string(), id);
        }
        self.publish(em, now);
        Ok(())
    }

    /// Adds (upserts) a member (test helper): INSERT, or UPDATE when already a member.
    pub fn add_member(&self, project: Uuid, user: Uuid, role: &str) {
        let _ = self.add_member_as(None, project, user, role);
    }

    /// Adds a member on behalf of `actor` (owner/admin required when given).
    pub fn add_member_as(
        &self,
        actor: Option<Uuid>,
        project: Uuid,
        user: Uuid,
        role: &str,
    ) -> Result<(), OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        {
            let mut db = self.db();
            if let Some(a) = actor {
                check_manage(&db, project, a)?;
            } else if !db.projects.contains_key(&project) {
                return Err(OpError::NotFound("Project not found".into()));
            }
            if !db.users.contains_key(&user) {
                return Err(OpError::NotFound("User not found".into()));
            }
            let action = match db
                .members
                .iter_mut()
                .find(|m| m.project_id == project && m.user_id == user)
            {
                Some(m) => {
                    m.role = role.to_string();
                    "UPDATE"
                }
                None => {
                    db.members.push(Member {
                        project_id: project,
                        user_id: user,
                        role: role.into(),
                        joined_at: now,
                    });
                    "INSERT"
                }
            };
            let id = format!("{project}:{user}");
            em.row(Table::ProjectMembers, action, id.clone(), project);
            em.app(
                "member_added",
                project,
                json!({"projectId": project, "role": role, "userId": user}),
            );
            em.app(
                "cache_invalidate",
                project,
                member_invalidate("INSERT", &id, project, now),
            );
        }
        self.publish(em, now);
        Ok(())
    }

    /// Removes a member; owner/admin or the member themself.
    pub fn remove_member(
        &self,
        actor: Option<Uuid>,
        project: Uuid,
        user: Uuid,
    ) -> Result<(), OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        {
            let mut db = self.db();
            if let Some(a) = actor.filter(|a| *a != user) {
                check_manage(&db, project, a)?;
            }
            if db
                .projects
                .get(&project)
                .is_some_and(|p| p.owner_id == user)
            {
                return Err(OpError::BadRequest(
                    "Cannot remove the project owner".into(),
                ));
            }
            let before = db.members.len();
            db.members
                .retain(|m| !(m.project_id == project && m.user_id == user));
            if db.members.len() == before {
                return Err(OpError::NotFound("Member not found".into()));
            }
            let id = format!("{project}:{user}");
            em.row(Table::ProjectMembers, "DELETE", id.clone(), project);
            em.app(
                "cache_invalidate",
                project,
                member_invalidate("DELETE", &id, project, now),
            );
        }
        self.publish(em, now);
        Ok(())
    }
}

fn member_invalidate(
    action: &str,
    id: &str,
    project: Uuid,
    now: time::OffsetDateTime,
) -> serde_json::Value {
    json!({"action": action, "id": id, "projectId": project, "resource": "project_members",
           "timestamp": crate::timefmt::rfc3339_nano(now)})
}

/// 404 when the project is missing, 403 unless the actor is owner or admin.
pub(crate) fn check_manage(db: &super::db::Db, project: Uuid, actor: Uuid) -> Result<(), OpError> {
    if !db.projects.contains_key(&project) {
        return Err(OpError::NotFound("Project not found".into()));
    }
    match db.role(project, actor).as_deref() {
        Some("owner" | "admin") => Ok(()),
        _ => Err(OpError::Forbidden("Access denied to project".into())),
    }
}

/// 404 when the project is missing, 403 unless the actor can access it.
pub(crate) fn check_access(db: &super::db::Db, project: Uuid, actor: Uuid) -> Result<(), OpError> {
    if !db.projects.contains_key(&project) {
        return Err(OpError::NotFound("Project not found".into()));
    }
    if !db.can_access(project, actor) {
        return Err(OpError::Forbidden("Access denied to project".into()));
    }
    Ok(())
}
