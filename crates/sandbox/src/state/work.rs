//! Writes to tasks, sprints and messages, with their fly and aws events.

use super::models::*;
use super::ops::{check_access, OpError};
use super::Sandbox;
use crate::events::{Emission, Table};
use crate::views::{MessageView, SprintView, TaskView};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// Changes to a task; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    /// New description.
    pub description: Option<String>,
    /// New status.
    pub status: Option<i64>,
    /// New assignee.
    pub assignee_id: Option<Uuid>,
    /// New sprint.
    pub sprint_id: Option<Uuid>,
}

/// Changes to a sprint; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SprintPatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New start date.
    pub start_date: Option<OffsetDateTime>,
    /// New end date.
    pub end_date: Option<OffsetDateTime>,
    /// New started flag.
    pub is_started: Option<bool>,
    /// New completed flag.
    pub is_completed: Option<bool>,
}

impl Sandbox {
    /// Creates a task in a project the actor can access.
    pub fn create_task(
        &self,
        actor: Uuid,
        project: Uuid,
        description: &str,
        patch: TaskPatch,
    ) -> Result<Task, OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        let task = {
            let mut db = self.db();
            check_access(&db, project, actor)?;
            let t = Task {
                id: Uuid::new_v4(),
                project_id: project,
                sprint_id: patch.sprint_id,
                assignee_id: patch.assignee_id,
                owner_id: actor,
                description: description.to_string(),
                status: patch.status.unwrap_or(0),
                created_at: now,
                updated_at: now,
            };
            db.tasks.insert(t.id, t.clone());
            em.row(Table::Tasks, "INSERT", t.id.to_string(), project);
            em.app(
                "task_created",
                project,
                serde_json::to_value(TaskView::of(&db, &t)).unwrap_or_default(),
            );
            t
        };
        self.publish(em, now);
        Ok(task)
    }

    /// Updates a task (PATCH or status change).
    pub fn update_task(&self, actor: Uuid, id: Uuid, patch: TaskPatch) -> Result<Task, OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        let task = {
            let mut db = self.db();
            let project = db
                .tasks
                .get(&id)
                .ok_or_else(|| OpError::NotFound("Task not found".into()))?
                .project_id;
            check_access(&db, project, actor)?;
            let t = db
                .tasks
                .get_mut(&id)
                .ok_or_else(|| OpError::NotFound("Task not found".into()))?;
            if let Some(d) = patch.description {
                t.description = d;
            }
            if let Some(s) = patch.status {
                t.status = s;
            }
            if patch.assignee_id.is_some() {
                t.assignee_id = patch.assignee_id;
            }
            if patch.sprint_id.is_some() {
                t.sprint_id = patch.sprint_id;
            }
            t.updated_at = now;
            let t = t.clone();
            em.row(Table::Tasks, "UPDATE", id.to_string(), project);
            em.app(
                "task_updated",
                project,
                serde_json::to_value(TaskView::of(&db, &t)).unwrap_or_default(),
            );
            t
        };
        self.publish(em, now);
        Ok(task)
    }

    /// Deletes a task.
    pub fn delete_task(&self, actor: Uuid, id: Uuid) -> Result<(), OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        {
            let mut db = self.db();
            let project = db
                .tasks
                .get(&id)
                .ok_or_else(|| OpError::NotFound("Task not found".into()))?
                .project_id;
            check_access(&db, project, actor)?;
            db.tasks.remove(&id);
            em.row(Table::Tasks, "DELETE", id.to_string(), project);
            em.app(
                "task_deleted",
                project,
                json!({"id": id, "projectId": project}),
            );
        }
        self.publish(em, now);
        Ok(())
    }

    /// Creates a sprint.
    pub fn create_sprint(
        &self,
        actor: Uuid,
        project: Uuid,
        name: &str,
        patch: SprintPatch,
    ) -> Result<Sprint, OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        let sprint = {
            let mut db = self.db();
            check_access(&db, project, actor)?;
            let s = Sprint {
                id: Uuid::new_v4(),
                project_id: project,
                owner_id: actor,
                name: name.to_string(),
                description: patch.description.unwrap_or_default(),
                start_date: patch.start_date.unwrap_or(now),
                end_date: patch.end_date.unwrap_or(now + time::Duration::days(14)),
                is_completed: patch.is_completed.unwrap_or(false),
                is_started: patch.is_started.unwrap_or(false),
                created_at: now,
                updated_at: now,
            };
            db.sprints.insert(s.id, s.clone());
            em.row(Table::Sprints, "INSERT", s.id.to_string(), project);
            em.app(
                "sprint_created",
                project,
                serde_json::to_value(SprintView::of(&db, &s)).unwrap_or_default(),
            );
            s
        };
        self.publish(em, now);
        Ok(sprint)
    }

    /// Updates a sprint.
    pub fn update_sprint(
        &self,
        actor: Uuid,
        id: Uuid,
        patch: SprintPatch,
    ) -> Result<Sprint, OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        let sprint = {
            let mut db = self.db();
            let project = db
                .sprints
                .get(&id)
                .ok_or_else(|| OpError::NotFound("Sprint not found".into()))?
                .project_id;
            check_access(&db, project, actor)?;
            let s = db
                .sprints
                .get_mut(&id)
                .ok_or_else(|| OpError::NotFound("Sprint not found".into()))?;
            if let Some(v) = patch.name {
                s.name = v;
            }
            if let Some(v) = patch.description {
                s.description = v;
            }
            if let Some(v) = patch.start_date {
                s.start_date = v;
            }
            if let Some(v) = patch.end_date {
                s.end_date = v;
            }
            if let Some(v) = patch.is_started {
                s.is_started = v;
            }
            if let Some(v) = patch.is_completed {
                s.is_completed = v;
            }
            s.updated_at = now;
            let s = s.clone();
            em.row(Table::Sprints, "UPDATE", id.to_string(), project);
            em.app(
                "sprint_updated",
                project,
                serde_json::to_value(SprintView::of(&db, &s)).unwrap_or_default(),
            );
            s
        };
        self.publish(em, now);
        Ok(sprint)
    }

    /// Deletes a sprint (its tasks keep existing with no sprint).
    pub fn delete_sprint(&self, actor: Uuid, id: Uuid) -> Result<(), OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        {
            let mut db = self.db();
            let project = db
                .sprints
                .get(&id)
                .ok_or_else(|| OpError::NotFound("Sprint not found".into()))?
                .project_id;
            check_access(&db, project, actor)?;
            db.sprints.remove(&id);
            em.row(Table::Sprints, "DELETE", id.to_string(), project);
            em.app(
                "sprint_deleted",
                project,
                json!({"id": id, "projectId": project}),
            );
        }
        self.publish(em, now);
        Ok(())
    }

    /// Posts a chat message; B's trigger emits a `message` INSERT, aws gets `message_created`.
    pub fn post_message(
        &self,
        actor: Uuid,
        project: Uuid,
        content: &str,
        message_type: &str,
        parent: Option<Uuid>,
    ) -> Result<Message, OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        let msg = {
            let mut db = self.db();
            check_access(&db, project, actor)?;
            let m = Message {
                id: Uuid::new_v4(),
                project_id: project,
                sender_id: actor,
                content: content.to_string(),
                message_type: message_type.to_string(),
                parent_message_id: parent,
                created_at: now,
                updated_at: now,
            };
            db.messages.insert(m.id, m.clone());
            em.row(Table::Messages, "INSERT", m.id.to_string(), project);
            em.app(
                "message_created",
                project,
                serde_json::to_value(MessageView::of(&db, &m, true)).unwrap_or_default(),
            );
            m
        };
        self.publish(em, now);
        Ok(msg)
    }
}
