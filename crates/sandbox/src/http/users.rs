//! `/api/v1/users`: registration, me (GET/PATCH) and lookup by id.

use super::errors::{json, op_error, problem};
use super::extract::{decode, path_id, AuthUser};
use crate::config::ApiVersion;
use crate::gojson::{GoStruct, Kind};
use crate::state::ops::NewUser;
use crate::views::UserView;
use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

/// `CreateUserRequest`.
#[derive(Deserialize)]
pub struct CreateUserRequest {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "firstName")]
    first_name: String,
    #[serde(default, rename = "lastName")]
    last_name: String,
}

impl GoStruct for CreateUserRequest {
    const GO_NAME: &'static str = "handlers.CreateUserRequest";
    fn fields(_: ApiVersion) -> &'static [(&'static str, Kind)] {
        &[
            ("username", Kind::Str),
            ("email", Kind::Str),
            ("password", Kind::Str),
            ("firstName", Kind::Str),
            ("lastName", Kind::Str),
        ]
    }
}

/// `UpdateUserRequest`.
#[derive(Deserialize)]
pub struct UpdateUserRequest {
    username: Option<String>,
    email: Option<String>,
    #[serde(rename = "firstName")]
    first_name: Option<String>,
    #[serde(rename = "lastName")]
    last_name: Option<String>,
    #[serde(rename = "avatarUrl")]
    avatar_url: Option<String>,
}

impl GoStruct for UpdateUserRequest {
    const GO_NAME: &'static str = "handlers.UpdateUserRequest";
    fn fields(_: ApiVersion) -> &'static [(&'static str, Kind)] {
        &[
            ("username", Kind::Str),
            ("email", Kind::Str),
            ("firstName", Kind::Str),
            ("lastName", Kind::Str),
            ("avatarUrl", Kind::Str),
        ]
    }
}

fn valid_username(u: &str) -> bool {
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    let ends = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    (3..=30).contains(&u.len()) && ok_chars && ends(u.chars().next()) && ends(u.chars().last())
}

/// `POST /api/v1/users`: registration, 201 `UserResponse`.
pub async fn create(State(sb): State<Sandbox>, body: Body) -> Response {
    let req: CreateUserRequest = match decode(&sb, body).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut username = req.username.trim().to_string();
    if sb.api_version() == ApiVersion::B {
        username = username.to_lowercase();
        if !valid_username(&username) {
            return problem(StatusCode::BAD_REQUEST, "Username must be 3-30 characters: lowercase letters, numbers, underscores and hyphens, starting and ending with a letter or number");
        }
    }
    if username.is_empty() || req.email.is_empty() || req.password.is_empty() {
        return problem(
            StatusCode::BAD_REQUEST,
            "Username, email and password are required",
        );
    }
    let new = NewUser {
        username,
        email: req.email,
        password: req.password,
        first_name: req.first_name,
        last_name: req.last_name,
    };
    match sb.register_user(new, None) {
        Ok(u) => json(StatusCode::CREATED, &UserView::of(&u)),
        Err(e) => op_error(e),
    }
}

/// `GET /api/v1/users/me`.
pub async fn me(State(sb): State<Sandbox>, AuthUser(id): AuthUser) -> Response {
    match sb.db().users.get(&id) {
        Some(u) => json(StatusCode::OK, &UserView::of(u)),
        None => problem(StatusCode::NOT_FOUND, "User not found"),
    }
}

/// `PATCH /api/v1/users/me`; `""` clears `avatarUrl`.
pub async fn update_me(State(sb): State<Sandbox>, AuthUser(id): AuthUser, body: Body) -> Response {
    let req: UpdateUserRequest = match decode(&sb, body).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut db = sb.db();
    let Some(u) = db.users.get_mut(&id) else {
        return problem(StatusCode::NOT_FOUND, "User not found");
    };
    if let Some(v) = req.username.filter(|v| !v.is_empty()) {
        u.username = v;
    }
    if let Some(v) = req.email.filter(|v| !v.is_empty()) {
        u.email = v;
    }
    if let Some(v) = req.first_name {
        u.first_name = v;
    }
    if let Some(v) = req.last_name {
        u.last_name = v;
    }
    if let Some(v) = req.avatar_url {
        u.avatar_url = Some(v).filter(|v| !v.is_empty());
    }
    u.updated_at = crate::timefmt::now();
    json(StatusCode::OK, &UserView::of(u))
}

/// `GET /api/v1/users/{userId}`: any authenticated user may read any user.
pub async fn get(State(sb): State<Sandbox>, _auth: AuthUser, Path(raw): Path<String>) -> Response {
    let id = match path_id(&raw, "Invalid user ID") {
        Ok(id) => id,
        Err(r) => return r,
    };
    match sb.db().users.get(&id) {
        Some(u) => json(StatusCode::OK, &UserView::of(u)),
        None => problem(StatusCode::NOT_FOUND, "User not found"),
    }
}
