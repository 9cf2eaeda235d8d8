//! `/api/v1/projects`: list, create, get, update, delete, and members.

use super::errors::{json, op_error, problem};
use super::extract::{decode, paging, path_id, AuthUser};
use crate::config::ApiVersion;
use crate::gojson::{GoStruct, Kind};
use crate::state::ops::check_access;
use crate::views::{MemberView, ProjectView};
use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// `CreateProjectRequest` / `UpdateProjectRequest`.
#[derive(Deserialize)]
pub struct ProjectRequest {
    name: Option<String>,
    description: Option<String>,
}

impl GoStruct for ProjectRequest {
    const GO_NAME: &'static str = "handlers.ProjectRequest";
    fn fields(_: ApiVersion) -> &'static [(&'static str, Kind)] {
        &[("name", Kind::Str), ("description", Kind::Str)]
    }
}

/// `AddMemberRequest`.
#[derive(Deserialize)]
pub struct AddMemberRequest {
    #[serde(default, rename = "userId")]
    user_id: String,
    #[serde(default)]
    role: String,
}

impl GoStruct for AddMemberRequest {
    const GO_NAME: &'static str = "handlers.AddMemberRequest";
    fn fields(_: ApiVersion) -> &'static [(&'static str, Kind)] {
        &[("userId", Kind::Str), ("role", Kind::Str)]
    }
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

/// `GET /api/v1/projects`: owned or member projects, newest first; `"projects": null` when empty.
pub async fn list(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (limit, offset) = paging(&q);
    #[derive(Serialize)]
    struct Out {
        projects: Option<Vec<ProjectView>>,
        limit: i64,
        offset: i64,
    }
    let db = sb.db();
    let mut mine: Vec<_> = db
        .projects
        .values()
        .filter(|p| db.can_access(p.id, me))
        .collect();
    mine.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let viewer = (sb.api_version() == ApiVersion::B).then_some(me);
    let items: Vec<ProjectView> = mine
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|p| ProjectView::of(&db, p, viewer, true))
        .collect();
    let projects = (!items.is_empty()).then_some(items);
    json(
        StatusCode::OK,
        &Out {
            projects,
            limit,
            offset,
        },
    )
}

/// `POST /api/v1/projects`: 201 `ProjectResponse`.
pub async fn create(State(sb): State<Sandbox>, AuthUser(me): AuthUser, body: Body) -> Response {
    let req: ProjectRequest = match decode(&sb, body).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let name = req.name.unwrap_or_default();
    if name.trim().is_empty() {
        return problem(StatusCode::BAD_REQUEST, "Project name is required");
    }
    match sb.create_project_with(me, &name, &req.description.unwrap_or_default(), None) {
        Ok(p) => json(
            StatusCode::CREATED,
            &ProjectView::of(&sb.db(), &p, Some(me), true),
        ),
        Err(e) => op_error(e),
    }
}

/// `GET /api/v1/projects/{projectId}`.
pub async fn get(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = match path_id(&raw, "Invalid project ID") {
        Ok(id) => id,
        Err(r) => return r,
    };
    let db = sb.db();
    if let Err(e) = check_access(&db, id, me) {
        return op_error(e);
    }
    match db.projects.get(&id) {
        Some(p) => json(StatusCode::OK, &ProjectView::of(&db, p, Some(me), true)),
        None => problem(StatusCode::NOT_FOUND, "Project not found"),
    }
}

/// `PATCH|PUT /api/v1/projects/{projectId}`.
pub async fn update(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let id = match path_id(&raw, "Invalid project ID") {
        Ok(id) => id,
        Err(r) => return r,
    };
    let req: ProjectRequest = match decode(&sb, body).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match sb.update_project(me, id, req.name, req.description) {
        Ok(p) => json(
            StatusCode::OK,
            &ProjectView::of(&sb.db(), &p, Some(me), true),
        ),
        Err(e) => op_error(e),
    }
}

/// `DELETE /api/v1/projects/{projectId}`: cascades, one event per row.
pub async fn delete(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = match path_id(&raw, "Invalid project ID") {
        Ok(id) => id,
        Err(r) => return r,
    };
    match sb.delete_project(me, id) {
        Ok(()) => json(
            StatusCode::OK,
            &Message {
                message: "Project deleted successfully",
            },
        ),
        Err(e) => op_error(e),
    }
}

/// `GET /api/v1/projects/{projectId}/members`: always an array, owner included.
pub async fn members(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
) -> Response {
    let id = match path_id(&raw, "Invalid project ID") {
        Ok(id) => id,
        Err(r) => return r,
    };
    let db = sb.db();
    if let Err(e) = check_access(&db, id, me) {
        return op_error(e);
    }
    #[derive(Serialize)]
    struct Out {
        members: Vec<MemberView>,
        count: usize,
    }
    let members: Vec<MemberView> = db
        .members
        .iter()
        .filter(|m| m.project_id == id)
        .filter_map(|m| MemberView::of(&db, m))
        .collect();
    let count = members.len();
    json(StatusCode::OK, &Out { members, count })
}

/// `POST /api/v1/projects/{projectId}/members`: upsert.
pub async fn add_member(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let id = match path_id(&raw, "Invalid project ID") {
        Ok(id) => id,
        Err(r) => return r,
    };
    let req: AddMemberRequest = match decode(&sb, body).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Ok(user) = Uuid::parse_str(&req.user_id) else {
        return problem(StatusCode::BAD_REQUEST, "Invalid user ID");
    };
    let role = if req.role.is_empty() {
        "member".to_string()
    } else {
        req.role
    };
    if !matches!(role.as_str(), "admin" | "member" | "viewer") {
        return problem(StatusCode::BAD_REQUEST, "Invalid role");
    }
    match sb.add_member_as(Some(me), id, user, &role) {
        Ok(()) => json(
            StatusCode::CREATED,
            &Message {
                message: "Member added successfully",
            },
        ),
        Err(e) => op_error(e),
    }
}

/// `DELETE /api/v1/projects/{projectId}/members/{userId}`.
pub async fn remove_member(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path((p, u)): Path<(String, String)>,
) -> Response {
    let (project, user) = match (
        path_id(&p, "Invalid project ID"),
        path_id(&u, "Invalid user ID"),
    ) {
        (Ok(p), Ok(u)) => (p, u),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    match sb.remove_member(Some(me), project, user) {
        Ok(()) => json(
            StatusCode::OK,
            &Message {
                message: "Member removed successfully",
            },
        ),
        Err(e) => op_error(e),
    }
}
