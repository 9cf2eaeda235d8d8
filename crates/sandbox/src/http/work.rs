//! Tasks and sprints: list and create under a project, get/update/delete by id.

use super::errors::{json, op_error, problem};
use super::extract::{decode, paging, path_id, AuthUser};
use crate::config::ApiVersion;
use crate::gojson::{GoStruct, Kind};
use crate::state::models::{Sprint, Task};
use crate::state::ops::OpError;
use crate::state::work::{SprintPatch, TaskPatch};
use crate::state::work_item::{in_project, readable, WorkItem};
use crate::views::{SprintView, TaskView};
use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

/// Task create/update body.
#[derive(Deserialize)]
pub struct TaskRequest {
    description: Option<String>,
    status: Option<i64>,
    #[serde(rename = "assigneeId")]
    assignee_id: Option<String>,
    #[serde(rename = "sprintId")]
    sprint_id: Option<String>,
}

impl GoStruct for TaskRequest {
    const GO_NAME: &'static str = "handlers.TaskRequest";
    fn fields(_: ApiVersion) -> &'static [(&'static str, Kind)] {
        &[
            ("description", Kind::Str),
            ("status", Kind::Int),
            ("assigneeId", Kind::Str),
            ("sprintId", Kind::Str),
        ]
    }
}

/// Sprint create/update body.
#[derive(Deserialize)]
pub struct SprintRequest {
    name: Option<String>,
    description: Option<String>,
    #[serde(rename = "startDate")]
    start_date: Option<String>,
    #[serde(rename = "endDate")]
    end_date: Option<String>,
    #[serde(rename = "isStarted")]
    is_started: Option<bool>,
    #[serde(rename = "isCompleted")]
    is_completed: Option<bool>,
}

impl GoStruct for SprintRequest {
    const GO_NAME: &'static str = "handlers.SprintRequest";
    fn fields(_: ApiVersion) -> &'static [(&'static str, Kind)] {
        &[
            ("name", Kind::Str),
            ("description", Kind::Str),
            ("startDate", Kind::Str),
            ("endDate", Kind::Str),
            ("isStarted", Kind::Bool),
            ("isCompleted", Kind::Bool),
        ]
    }
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

fn opt_id(raw: Option<String>, detail: &str) -> Result<Option<Uuid>, Response> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => path_id(&s, detail).map(Some),
    }
}

fn task_patch(r: TaskRequest) -> Result<TaskPatch, Response> {
    Ok(TaskPatch {
        description: r.description,
        status: r.status,
        assignee_id: opt_id(r.assignee_id, "Invalid assignee ID")?,
        sprint_id: opt_id(r.sprint_id, "Invalid sprint ID")?,
    })
}

fn date(raw: Option<String>, detail: &str) -> Result<Option<OffsetDateTime>, Response> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => OffsetDateTime::parse(&s, &Rfc3339)
            .map(Some)
            .map_err(|_| problem(StatusCode::BAD_REQUEST, detail)),
    }
}

fn sprint_patch(r: SprintRequest) -> Result<SprintPatch, Response> {
    Ok(SprintPatch {
        name: r.name,
        description: r.description,
        start_date: date(r.start_date, "Invalid start date format")?,
        end_date: date(r.end_date, "Invalid end date format")?,
        is_started: r.is_started,
        is_completed: r.is_completed,
    })
}

/// The text a create needs, as sent, or 400 with `detail` when missing or blank.
fn required(raw: Option<&str>, detail: &str) -> Result<String, Response> {
    match raw {
        Some(text) if !text.trim().is_empty() => Ok(text.to_string()),
        _ => Err(problem(StatusCode::BAD_REQUEST, detail)),
    }
}

macro_rules! try_r {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

/// 200 with the page of the project's rows the query asks for, shaped by `body` from the
/// views, `limit` and `offset`; or 404/403 for the project.
fn listed<R: WorkItem, B: Serialize>(
    sb: &Sandbox,
    me: Uuid,
    project: Uuid,
    q: &HashMap<String, String>,
    body: impl FnOnce(Vec<R::View>, i64, i64) -> B,
) -> Response {
    let (limit, offset) = paging(q);
    let db = sb.db();
    let rows = match in_project::<R>(&db, project, me) {
        Ok(rows) => rows,
        Err(e) => return op_error(e),
    };
    let views = rows
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|r| r.view(&db))
        .collect();
    json(StatusCode::OK, &body(views, limit, offset))
}

/// 200 with the row's view, or 404/403 as for a write.
fn found<R: WorkItem>(sb: &Sandbox, me: Uuid, id: Uuid) -> Response {
    let db = sb.db();
    match readable::<R>(&db, id, me) {
        Ok(r) => json(StatusCode::OK, &r.view(&db)),
        Err(e) => op_error(e),
    }
}

/// `status` with the written row's view, or the refusal.
fn written<R: WorkItem>(sb: &Sandbox, status: StatusCode, result: Result<R, OpError>) -> Response {
    match result {
        Ok(r) => json(status, &r.view(&sb.db())),
        Err(e) => op_error(e),
    }
}

/// 200 `{"message": …}`, or the refusal.
fn deleted(result: Result<(), OpError>, message: &'static str) -> Response {
    match result {
        Ok(()) => json(StatusCode::OK, &Message { message }),
        Err(e) => op_error(e),
    }
}

/// `GET /projects/{id}/tasks`: always an array.
pub async fn list_tasks(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if sb.faults().work_lists_missing() {
        return super::errors::not_found().await;
    }
    let project = try_r!(path_id(&raw, "Invalid project ID"));
    #[derive(Serialize)]
    struct Out {
        tasks: Vec<TaskView>,
        limit: i64,
        offset: i64,
    }
    listed::<Task, _>(&sb, me, project, &q, |tasks, limit, offset| Out {
        tasks,
        limit,
        offset,
    })
}

/// `POST /projects/{id}/tasks`.
pub async fn create_task(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let project = try_r!(path_id(&raw, "Invalid project ID"));
    let req: TaskRequest = try_r!(decode(&sb, body).await);
    let description = try_r!(required(
        req.description.as_deref(),
        "Task description is required"
    ));
    let patch = try_r!(task_patch(req));
    let created = sb.create_task(me, project, &description, patch);
    written(&sb, StatusCode::CREATED, created)
}

/// `GET /tasks/{id}`.
pub async fn get_task(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid task ID"));
    found::<Task>(&sb, me, id)
}

/// `PATCH|PUT /tasks/{id}` and `PATCH /tasks/{id}/status`.
pub async fn update_task(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid task ID"));
    let req: TaskRequest = try_r!(decode(&sb, body).await);
    let patch = try_r!(task_patch(req));
    written(&sb, StatusCode::OK, sb.update_task(me, id, patch))
}

/// `DELETE /tasks/{id}`.
pub async fn delete_task(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid task ID"));
    deleted(sb.delete_task(me, id), "Task deleted successfully")
}

/// `GET /projects/{id}/sprints`: `"sprints": null` when empty.
pub async fn list_sprints(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if sb.faults().work_lists_missing() {
        return super::errors::not_found().await;
    }
    let project = try_r!(path_id(&raw, "Invalid project ID"));
    #[derive(Serialize)]
    struct Out {
        sprints: Option<Vec<SprintView>>,
        limit: i64,
        offset: i64,
    }
    listed::<Sprint, _>(&sb, me, project, &q, |sprints, limit, offset| Out {
        sprints: (!sprints.is_empty()).then_some(sprints),
        limit,
        offset,
    })
}

/// `POST /projects/{id}/sprints`.
pub async fn create_sprint(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let project = try_r!(path_id(&raw, "Invalid project ID"));
    let req: SprintRequest = try_r!(decode(&sb, body).await);
    let name = try_r!(required(req.name.as_deref(), "Sprint name is required"));
    let patch = try_r!(sprint_patch(req));
    let created = sb.create_sprint(me, project, &name, patch);
    written(&sb, StatusCode::CREATED, created)
}

/// `GET /sprints/{id}`.
pub async fn get_sprint(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid sprint ID"));
    found::<Sprint>(&sb, me, id)
}

/// `PATCH|PUT /sprints/{id}`.
pub async fn update_sprint(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid sprint ID"));
    let req: SprintRequest = try_r!(decode(&sb, body).await);
    let patch = try_r!(sprint_patch(req));
    written(&sb, StatusCode::OK, sb.update_sprint(me, id, patch))
}

/// `DELETE /sprints/{id}`.
pub async fn delete_sprint(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid sprint ID"));
    deleted(sb.delete_sprint(me, id), "Sprint deleted successfully")
}
