//! Tasks and sprints: list and create under a project, get/update/delete by id.

use super::errors::{json, op_error, problem};
use super::extract::{decode, paging, path_id, AuthUser};
use crate::config::ApiVersion;
use crate::gojson::{GoStruct, Kind};
use crate::state::ops::check_access;
use crate::state::work::{SprintPatch, TaskPatch};
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

macro_rules! try_r {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

/// `GET /projects/{id}/tasks`: always an array.
pub async fn list_tasks(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid project ID"));
    let (limit, offset) = paging(&q);
    let db = sb.db();
    try_r!(check_access(&db, id, me).map_err(op_error));
    let mut tasks: Vec<_> = db.tasks.values().filter(|t| t.project_id == id).collect();
    tasks.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    #[derive(Serialize)]
    struct Out {
        tasks: Vec<TaskView>,
        limit: i64,
        offset: i64,
    }
    let tasks = tasks
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|t| TaskView::of(&db, t))
        .collect();
    json(
        StatusCode::OK,
        &Out {
            tasks,
            limit,
            offset,
        },
    )
}

/// `POST /projects/{id}/tasks`.
pub async fn create_task(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid project ID"));
    let req: TaskRequest = try_r!(decode(&sb, body).await);
    let description = req.description.clone().unwrap_or_default();
    if description.trim().is_empty() {
        return problem(StatusCode::BAD_REQUEST, "Task description is required");
    }
    let patch = try_r!(task_patch(req));
    match sb.create_task(me, id, &description, patch) {
        Ok(t) => json(StatusCode::CREATED, &TaskView::of(&sb.db(), &t)),
        Err(e) => op_error(e),
    }
}

/// `GET /tasks/{id}`.
pub async fn get_task(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid task ID"));
    let db = sb.db();
    let Some(t) = db.tasks.get(&id) else {
        return problem(StatusCode::NOT_FOUND, "Task not found");
    };
    try_r!(check_access(&db, t.project_id, me).map_err(op_error));
    json(StatusCode::OK, &TaskView::of(&db, t))
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
    match sb.update_task(me, id, patch) {
        Ok(t) => json(StatusCode::OK, &TaskView::of(&sb.db(), &t)),
        Err(e) => op_error(e),
    }
}

/// `DELETE /tasks/{id}`.
pub async fn delete_task(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid task ID"));
    match sb.delete_task(me, id) {
        Ok(()) => json(
            StatusCode::OK,
            &Message {
                message: "Task deleted successfully",
            },
        ),
        Err(e) => op_error(e),
    }
}

/// `GET /projects/{id}/sprints`: `"sprints": null` when empty.
pub async fn list_sprints(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid project ID"));
    let (limit, offset) = paging(&q);
    let db = sb.db();
    try_r!(check_access(&db, id, me).map_err(op_error));
    let mut sprints: Vec<_> = db.sprints.values().filter(|s| s.project_id == id).collect();
    sprints.sort_by(|a, b| a.start_date.cmp(&b.start_date).then(a.id.cmp(&b.id)));
    #[derive(Serialize)]
    struct Out {
        sprints: Option<Vec<SprintView>>,
        limit: i64,
        offset: i64,
    }
    let items: Vec<SprintView> = sprints
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|s| SprintView::of(&db, s))
        .collect();
    json(
        StatusCode::OK,
        &Out {
            sprints: (!items.is_empty()).then_some(items),
            limit,
            offset,
        },
    )
}

/// `POST /projects/{id}/sprints`.
pub async fn create_sprint(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid project ID"));
    let req: SprintRequest = try_r!(decode(&sb, body).await);
    let name = req.name.clone().unwrap_or_default();
    if name.trim().is_empty() {
        return problem(StatusCode::BAD_REQUEST, "Sprint name is required");
    }
    let patch = try_r!(sprint_patch(req));
    match sb.create_sprint(me, id, &name, patch) {
        Ok(s) => json(StatusCode::CREATED, &SprintView::of(&sb.db(), &s)),
        Err(e) => op_error(e),
    }
}

/// `GET /sprints/{id}`.
pub async fn get_sprint(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid sprint ID"));
    let db = sb.db();
    let Some(s) = db.sprints.get(&id) else {
        return problem(StatusCode::NOT_FOUND, "Sprint not found");
    };
    try_r!(check_access(&db, s.project_id, me).map_err(op_error));
    json(StatusCode::OK, &SprintView::of(&db, s))
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
    match sb.update_sprint(me, id, patch) {
        Ok(s) => json(StatusCode::OK, &SprintView::of(&sb.db(), &s)),
        Err(e) => op_error(e),
    }
}

/// `DELETE /sprints/{id}`.
pub async fn delete_sprint(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = try_r!(path_id(&raw, "Invalid sprint ID"));
    match sb.delete_sprint(me, id) {
        Ok(()) => json(
            StatusCode::OK,
            &Message {
                message: "Sprint deleted successfully",
            },
        ),
        Err(e) => op_error(e),
    }
}
