//! Writes to tasks, sprints and messages, with their fly and aws events.
//!
//! Tasks and sprints share their write path (`work_item.rs`); here is what differs:
//! the fields of a new row and how a patch changes one.

use super::models::*;
use super::ops::{check_access, OpError};
use super::Sandbox;
use crate::events::{Emission, Table};
use crate::views::MessageView;
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

impl TaskPatch {
    fn apply(self, t: &mut Task) {
        if let Some(d) = self.description {
            t.description = d;
        }
        if let Some(s) = self.status {
            t.status = s;
        }
        if self.assignee_id.is_some() {
            t.assignee_id = self.assignee_id;
        }
        if self.sprint_id.is_some() {
            t.sprint_id = self.sprint_id;
        }
    }
}

impl SprintPatch {
    fn apply(self, s: &mut Sprint) {
        if let Some(v) = self.name {
            s.name = v;
        }
        if let Some(v) = self.description {
            s.description = v;
        }
        if let Some(v) = self.start_date {
            s.start_date = v;
        }
        if let Some(v) = self.end_date {
            s.end_date = v;
        }
        if let Some(v) = self.is_started {
            s.is_started = v;
        }
        if let Some(v) = self.is_completed {
            s.is_completed = v;
        }
    }
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
        self.insert_item(actor, project, |now| Task {
            id: Uuid::new_v4(),
            project_id: project,
            sprint_id: patch.sprint_id,
            assignee_id: patch.assignee_id,
            owner_id: actor,
            description: description.to_string(),
            status: patch.status.unwrap_or(0),
            created_at: now,
            updated_at: now,
        })
    }

    /// Updates a task (PATCH or status change).
    pub fn update_task(&self, actor: Uuid, id: Uuid, patch: TaskPatch) -> Result<Task, OpError> {
        self.edit_item(actor, id, |t| patch.apply(t))
    }

    /// Deletes a task.
    pub fn delete_task(&self, actor: Uuid, id: Uuid) -> Result<(), OpError> {
        self.remove_item::<Task>(actor, id)
    }

    /// Creates a sprint.
    pub fn create_sprint(
        &self,
        actor: Uuid,
        project: Uuid,
        name: &str,
        patch: SprintPatch,
    ) -> Result<Sprint, OpError> {
        self.insert_item(actor, project, |now| Sprint {
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
        })
    }

    /// Updates a sprint.
    pub fn update_sprint(
        &self,
        actor: Uuid,
        id: Uuid,
        patch: SprintPatch,
    ) -> Result<Sprint, OpError> {
        self.edit_item(actor, id, |s| patch.apply(s))
    }

    /// Deletes a sprint (its tasks keep existing with no sprint).
    pub fn delete_sprint(&self, actor: Uuid, id: Uuid) -> Result<(), OpError> {
        self.remove_item::<Sprint>(actor, id)
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
