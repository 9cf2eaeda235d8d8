//! Tasks and sprints as one kind of row: owned by a project, read and written only by its
//! members, and every write reported as a NOTIFY row change plus an aws event.

use super::db::Db;
use super::models::{Sprint, Task};
use super::ops::{check_access, OpError};
use super::Sandbox;
use crate::events::{Emission, Table};
use crate::views::{SprintView, TaskView};
use serde::Serialize;
use serde_json::json;
use std::cmp::Ordering;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// A row of a project's work (task or sprint): what differs between the two kinds.
pub(crate) trait WorkItem: Clone {
    /// The table whose trigger reports changes to this kind.
    const TABLE: Table;
    /// The 404 detail for an unknown id.
    const NOT_FOUND: &'static str;
    /// The aws event kind of an insert.
    const CREATED: &'static str;
    /// The aws event kind of an update.
    const UPDATED: &'static str;
    /// The aws event kind of a delete.
    const DELETED: &'static str;
    /// The response shape, also the data of the created/updated events.
    type View: Serialize;

    /// Primary key.
    fn id(&self) -> Uuid;
    /// The owning project.
    fn project_id(&self) -> Uuid;
    /// Sets the last update time.
    fn touch(&mut self, now: OffsetDateTime);
    /// The `ORDER BY` of the project's list query.
    fn list_order(a: &Self, b: &Self) -> Ordering;
    /// The table of this kind.
    fn rows(db: &Db) -> &HashMap<Uuid, Self>;
    /// The table of this kind, for writing.
    fn rows_mut(db: &mut Db) -> &mut HashMap<Uuid, Self>;
    /// The response view of a row.
    fn view(&self, db: &Db) -> Self::View;
}

impl WorkItem for Task {
    const TABLE: Table = Table::Tasks;
    const NOT_FOUND: &'static str = "Task not found";
    const CREATED: &'static str = "task_created";
    const UPDATED: &'static str = "task_updated";
    const DELETED: &'static str = "task_deleted";
    type View = TaskView;

    fn id(&self) -> Uuid {
        self.id
    }
    fn project_id(&self) -> Uuid {
        self.project_id
    }
    fn touch(&mut self, now: OffsetDateTime) {
        self.updated_at = now;
    }
    /// Newest first.
    fn list_order(a: &Self, b: &Self) -> Ordering {
        b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id))
    }
    fn rows(db: &Db) -> &HashMap<Uuid, Self> {
        &db.tasks
    }
    fn rows_mut(db: &mut Db) -> &mut HashMap<Uuid, Self> {
        &mut db.tasks
    }
    fn view(&self, db: &Db) -> TaskView {
        TaskView::of(db, self)
    }
}

impl WorkItem for Sprint {
    const TABLE: Table = Table::Sprints;
    const NOT_FOUND: &'static str = "Sprint not found";
    const CREATED: &'static str = "sprint_created";
    const UPDATED: &'static str = "sprint_updated";
    const DELETED: &'static str = "sprint_deleted";
    type View = SprintView;

    fn id(&self) -> Uuid {
        self.id
    }
    fn project_id(&self) -> Uuid {
        self.project_id
    }
    fn touch(&mut self, now: OffsetDateTime) {
        self.updated_at = now;
    }
    /// Earliest start first.
    fn list_order(a: &Self, b: &Self) -> Ordering {
        a.start_date.cmp(&b.start_date).then(a.id.cmp(&b.id))
    }
    fn rows(db: &Db) -> &HashMap<Uuid, Self> {
        &db.sprints
    }
    fn rows_mut(db: &mut Db) -> &mut HashMap<Uuid, Self> {
        &mut db.sprints
    }
    fn view(&self, db: &Db) -> SprintView {
        SprintView::of(db, self)
    }
}

fn not_found<R: WorkItem>() -> OpError {
    OpError::NotFound(R::NOT_FOUND.into())
}

fn event_data<R: WorkItem>(db: &Db, item: &R) -> serde_json::Value {
    serde_json::to_value(item.view(db)).unwrap_or_default()
}

/// The row with this id, if it exists (404) and the actor can access its project (404/403).
pub(crate) fn readable<R: WorkItem>(db: &Db, id: Uuid, actor: Uuid) -> Result<&R, OpError> {
    let item = R::rows(db).get(&id).ok_or_else(not_found::<R>)?;
    check_access(db, item.project_id(), actor)?;
    Ok(item)
}

/// A project's rows in list order, after the access check.
pub(crate) fn in_project<R: WorkItem>(
    db: &Db,
    project: Uuid,
    actor: Uuid,
) -> Result<Vec<&R>, OpError> {
    check_access(db, project, actor)?;
    let mut items: Vec<&R> = R::rows(db)
        .values()
        .filter(|r| r.project_id() == project)
        .collect();
    items.sort_by(|a, b| R::list_order(a, b));
    Ok(items)
}

impl Sandbox {
    /// Inserts the row `build` makes at the transaction time, if the actor can access `project`.
    pub(crate) fn insert_item<R: WorkItem>(
        &self,
        actor: Uuid,
        project: Uuid,
        build: impl FnOnce(OffsetDateTime) -> R,
    ) -> Result<R, OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        let item = {
            let mut db = self.db();
            check_access(&db, project, actor)?;
            let item = build(now);
            R::rows_mut(&mut db).insert(item.id(), item.clone());
            em.row(R::TABLE, "INSERT", item.id().to_string(), project);
            em.app(R::CREATED, project, event_data(&db, &item));
            item
        };
        self.publish(em, now);
        Ok(item)
    }

    /// Applies `edit` to a row the actor can access and stamps its update time.
    pub(crate) fn edit_item<R: WorkItem>(
        &self,
        actor: Uuid,
        id: Uuid,
        edit: impl FnOnce(&mut R),
    ) -> Result<R, OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        let item = {
            let mut db = self.db();
            let project = readable::<R>(&db, id, actor)?.project_id();
            let item = R::rows_mut(&mut db)
                .get_mut(&id)
                .ok_or_else(not_found::<R>)?;
            edit(item);
            item.touch(now);
            let item = item.clone();
            em.row(R::TABLE, "UPDATE", id.to_string(), project);
            em.app(R::UPDATED, project, event_data(&db, &item));
            item
        };
        self.publish(em, now);
        Ok(item)
    }

    /// Deletes a row the actor can access; the event carries only its id and project.
    pub(crate) fn remove_item<R: WorkItem>(&self, actor: Uuid, id: Uuid) -> Result<(), OpError> {
        let now = crate::timefmt::now();
        let mut em = Emission::default();
        {
            let mut db = self.db();
            let project = readable::<R>(&db, id, actor)?.project_id();
            R::rows_mut(&mut db).remove(&id);
            em.row(R::TABLE, "DELETE", id.to_string(), project);
            em.app(R::DELETED, project, json!({"id": id, "projectId": project}));
        }
        self.publish(em, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{ALICE, APOLLO, BOREALIS, CAROL};
    use crate::state::work::{SprintPatch, TaskPatch};
    use crate::Config;
    use time::macros::datetime;

    fn demo() -> Sandbox {
        Sandbox::new(Config {
            demo: true,
            ..Config::default()
        })
    }

    #[test]
    fn task_list_is_newest_first_and_sprint_list_earliest_start_first() {
        let sb = demo();
        for (name, start) in [
            ("late", datetime!(2031-03-01 0:00 UTC)),
            ("early", datetime!(2031-01-01 0:00 UTC)),
        ] {
            let patch = SprintPatch {
                start_date: Some(start),
                ..Default::default()
            };
            sb.create_sprint(ALICE, APOLLO, name, patch).unwrap();
        }
        for text in ["a", "b", "c"] {
            sb.create_task(ALICE, APOLLO, text, TaskPatch::default())
                .unwrap();
        }
        let db = sb.db();
        let sprints: Vec<&str> = in_project::<Sprint>(&db, APOLLO, ALICE)
            .unwrap()
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        // The demo sprint starts now, before 2031.
        assert_eq!(sprints, ["Apollo sprint 1", "early", "late"]);
        let tasks = in_project::<Task>(&db, APOLLO, ALICE).unwrap();
        assert_eq!(tasks.len(), 6, "three demo tasks and three new ones");
        for pair in tasks.windows(2) {
            let newer_or_tie_by_id =
                (pair[0].created_at, pair[0].id) > (pair[1].created_at, pair[1].id);
            assert!(
                newer_or_tie_by_id,
                "tasks list newest first, then by id descending"
            );
        }
    }

    #[test]
    fn unknown_id_is_not_found_before_access_is_checked() {
        let sb = demo();
        let db = sb.db();
        let missing = Uuid::new_v4();
        assert_eq!(
            readable::<Sprint>(&db, missing, CAROL).err(),
            Some(OpError::NotFound("Sprint not found".into()))
        );
        let borealis_task = db
            .tasks
            .values()
            .find(|t| t.project_id == BOREALIS)
            .unwrap();
        assert_eq!(
            readable::<Task>(&db, borealis_task.id, CAROL).err(),
            Some(OpError::Forbidden("Access denied to project".into())),
            "carol is not a member of Borealis"
        );
    }
}
