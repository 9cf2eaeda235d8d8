//! The in-memory tables and read-only queries over them.

use super::models::*;
use std::collections::HashMap;
use uuid::Uuid;

/// All tables; guarded by one mutex in [`crate::Sandbox`], so every operation is a transaction.
#[derive(Debug, Default)]
pub struct Db {
    /// `users` by id.
    pub users: HashMap<Uuid, User>,
    /// `projects` by id.
    pub projects: HashMap<Uuid, Project>,
    /// `project_members` in insertion order.
    pub members: Vec<Member>,
    /// `tasks` by id.
    pub tasks: HashMap<Uuid, Task>,
    /// `sprints` by id.
    pub sprints: HashMap<Uuid, Sprint>,
    /// `messages` by id.
    pub messages: HashMap<Uuid, Message>,
    /// `refresh_tokens` by token value.
    pub refresh: HashMap<String, RefreshRow>,
}

impl Db {
    /// Finds a user by name, ignoring case like `lower(username) = lower($1)`.
    pub fn user_by_name(&self, name: &str) -> Option<&User> {
        let lower = name.to_lowercase();
        self.users
            .values()
            .find(|u| u.username.to_lowercase() == lower)
    }

    /// The membership row of a user in a project.
    pub fn member(&self, project: Uuid, user: Uuid) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.project_id == project && m.user_id == user)
    }

    /// Whether a user may see a project (owner or member).
    pub fn can_access(&self, project: Uuid, user: Uuid) -> bool {
        self.member(project, user).is_some()
            || self
                .projects
                .get(&project)
                .is_some_and(|p| p.owner_id == user)
    }

    /// The role of a user in a project, owners first.
    pub fn role(&self, project: Uuid, user: Uuid) -> Option<String> {
        if self
            .projects
            .get(&project)
            .is_some_and(|p| p.owner_id == user)
        {
            return Some("owner".into());
        }
        self.member(project, user).map(|m| m.role.clone())
    }
}
