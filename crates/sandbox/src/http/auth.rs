//! `/api/v1/auth/*`: login, refresh (rotating), logout and validate-token.

use super::errors::{json, problem};
use super::extract::{cookie, decode};
use crate::config::ApiVersion;
use crate::gojson::{GoStruct, Kind};
use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

/// `LoginRequest`.
#[derive(Deserialize)]
pub struct LoginRequest {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "rememberMe")]
    remember_me: bool,
}

impl GoStruct for LoginRequest {
    const GO_NAME: &'static str = "handlers.LoginRequest";
    fn fields(v: ApiVersion) -> &'static [(&'static str, Kind)] {
        match v {
            ApiVersion::A => &[("username", Kind::Str), ("password", Kind::Str)],
            ApiVersion::B => &[
                ("username", Kind::Str),
                ("password", Kind::Str),
                ("rememberMe", Kind::Bool),
            ],
        }
    }
}

#[derive(Serialize)]
struct LoginResponse {
    token: String,
    #[serde(rename = "userId")]
    user_id: Uuid,
}

fn with_cookie(mut r: Response, value: &str, max_age: i64) -> Response {
    let c = format!(
        "refresh_token={value}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=None"
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// `POST /api/v1/auth/login`.
pub async fn login(State(sb): State<Sandbox>, body: Body) -> Response {
    let req: LoginRequest = match decode(&sb, body).await {
        Ok(r) => r,
        Err(r) => {
            sb.inner.stats.login("invalid_json");
            return r;
        }
    };
    let fail = |detail: &str| {
        sb.inner.stats.login(detail);
        problem(StatusCode::UNAUTHORIZED, detail)
    };
    let user = sb.db().user_by_name(&req.username).cloned();
    let Some(user) = user else {
        return fail("Invalid credentials");
    };
    match &user.password {
        None if sb.api_version() == ApiVersion::B => {
            return fail("Invalid credentials - OAuth user")
        }
        Some(p) if *p == req.password => {}
        _ => return fail("Invalid credentials"),
    }
    if !user.active {
        return fail("Account is deactivated");
    }
    let token = sb.issue_access_token(user.id);
    let (refresh, max_age) = sb.insert_refresh(user.id, req.remember_me);
    sb.inner.stats.login("ok");
    with_cookie(
        json(
            StatusCode::OK,
            &LoginResponse {
                token,
                user_id: user.id,
            },
        ),
        &refresh,
        max_age,
    )
}

/// `POST /api/v1/auth/refresh`: cookie only, delete-then-insert rotation.
pub async fn refresh(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    let outcome = refresh_inner(&sb, &headers).await;
    match &outcome {
        Ok(_) => sb.inner.stats.refresh("ok"),
        Err((_, detail)) => sb.inner.stats.refresh(detail),
    }
    match outcome {
        Ok(r) => r,
        Err((status, detail)) => problem(status, &detail),
    }
}

async fn refresh_inner(
    sb: &Sandbox,
    headers: &HeaderMap,
) -> Result<Response, (StatusCode, String)> {
    let unauthorized = |d: &str| (StatusCode::UNAUTHORIZED, d.to_string());
    let Some(old) = cookie(headers, "refresh_token") else {
        return Err(unauthorized("Refresh token not found"));
    };
    let fault = sb.faults().take_refresh();
    if let Some(f) = &fault {
        if !f.latency.is_zero() {
            tokio::time::sleep(f.latency).await;
        }
        if let (Some((status, detail)), false) = (&f.error, f.after_delete) {
            return Err((
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                detail.clone(),
            ));
        }
    }
    let row = sb
        .db()
        .refresh
        .get(&old)
        .cloned()
        .ok_or_else(|| unauthorized("Invalid refresh token"))?;
    if row.expires_at <= crate::timefmt::now() {
        sb.db().refresh.remove(&old);
        return Err(unauthorized("Refresh token has expired"));
    }
    let user = sb
        .db()
        .users
        .get(&row.user_id)
        .cloned()
        .ok_or_else(|| unauthorized("User not found"))?;
    if !user.active {
        sb.revoke_refresh_tokens(Some(user.id));
        return Err(unauthorized("Account is deactivated"));
    }
    let token = sb.issue_access_token(user.id);
    // The real server awaits the database between the read and the delete; so do we, which
    // lets concurrent refreshes with one cookie both read it (both succeed) or lose the race.
    tokio::task::yield_now().await;
    sb.db().refresh.remove(&old);
    if let Some((status, detail)) = fault.and_then(|f| f.after_delete.then_some(f.error).flatten())
    {
        return Err((
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            detail,
        ));
    }
    let (new, max_age) = sb.insert_refresh(user.id, row.is_persistent);
    Ok(with_cookie(
        json(
            StatusCode::OK,
            &LoginResponse {
                token,
                user_id: user.id,
            },
        ),
        &new,
        max_age,
    ))
}

/// `POST /api/v1/auth/logout`: idempotent; always clears the cookie.
pub async fn logout(State(sb): State<Sandbox>, headers: HeaderMap) -> Response {
    if let Some(t) = cookie(&headers, "refresh_token") {
        sb.db().refresh.remove(&t);
    }
    #[derive(Serialize)]
    struct Out {
        message: &'static str,
    }
    with_cookie(
        json(
            StatusCode::OK,
            &Out {
                message: "Logged out successfully",
            },
        ),
        "",
        0,
    )
}

/// `GET /api/v1/auth/validate-token`: always 200, keys alphabetical.
pub async fn validate_token(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = if auth.is_empty() {
        q.get("token").cloned().unwrap_or_default()
    } else {
        auth.strip_prefix("Bearer ").unwrap_or(auth).to_string()
    };
    #[derive(Serialize)]
    struct Out {
        error: &'static str,
        #[serde(rename = "expiresAt", skip_serializing_if = "Option::is_none")]
        expires_at: Option<Value>,
        valid: bool,
    }
    if token.is_empty() {
        return json(
            StatusCode::OK,
            &Out {
                error: "No token provided",
                expires_at: None,
                valid: false,
            },
        );
    }
    let Ok(v) = sb.verify_signature_only(&token) else {
        return json(
            StatusCode::OK,
            &Out {
                error: "Invalid token",
                expires_at: Some(Value::Null),
                valid: false,
            },
        );
    };
    let exp = v.claims.get("exp").and_then(Value::as_f64);
    let now = crate::timefmt::now().unix_timestamp() as f64;
    let valid = exp.is_none_or(|e| now < e) && !sb.is_force_expired(&v.signature);
    let expires_at = exp
        .and_then(|e| time::OffsetDateTime::from_unix_timestamp(e as i64).ok())
        .map(|t| Value::String(crate::timefmt::rfc3339(t)))
        .unwrap_or(Value::Null);
    json(
        StatusCode::OK,
        &Out {
            error: "",
            expires_at: Some(expires_at),
            valid,
        },
    )
}
