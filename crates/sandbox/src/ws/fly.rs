//! `GET /api/v1/messages/ws`: the Gorilla handshake with every pre-upgrade error of §2.1, in order.

use super::hub::Flavour;
use super::socket::{self, Protocol};
use crate::config::ApiVersion;
use crate::http::errors::plain;
use crate::http::extract::cookie;
use crate::jwt::fly_rejection;
use crate::Sandbox;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use uuid::Uuid;

/// Where the fly handshake takes its token from: header > `access_token` cookie > `?token=`.
fn token(headers: &HeaderMap, q: &std::collections::HashMap<String, String>) -> Option<String> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(t) = header.strip_prefix("Bearer ").filter(|t| !t.is_empty()) {
        return Some(t.to_string());
    }
    if let Some(c) = cookie(headers, "access_token").filter(|c| !c.is_empty()) {
        return Some(c);
    }
    q.get("token").filter(|t| !t.is_empty()).cloned()
}

/// The handler; every refusal is a plain-text HTTP response, never a close frame.
pub async fn handshake(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let (status, result) = match check(&sb, &headers, raw.as_deref()) {
        Err((status, body)) => (status, Err(plain(status, &body))),
        Ok((user, project)) => match upgrade {
            Err(_) => {
                let mut r = plain(StatusCode::BAD_REQUEST, "Bad Request");
                r.headers_mut()
                    .insert("sec-websocket-version", HeaderValue::from_static("13"));
                (StatusCode::BAD_REQUEST, Err(r))
            }
            Ok(up) => (StatusCode::SWITCHING_PROTOCOLS, Ok((up, user, project))),
        },
    };
    sb.inner.stats.handshake(Flavour::Fly, status.as_u16());
    match result {
        Err(r) => r,
        Ok((up, user, project)) => {
            let cfg = sb.config();
            let protocol = Protocol::Fly {
                ping_interval: cfg.ping_interval,
                pong_timeout: cfg.pong_timeout,
            };
            // Registered before the 101 goes out: a client that saw the 101 counts as
            // connected, and a drop ordered right then must reach its socket.
            let reg = sb.inner.hub.register(Flavour::Fly, user, project);
            let failed = (sb.clone(), reg.id);
            up.max_message_size(1 << 20)
                .max_frame_size(1 << 20)
                .on_failed_upgrade(move |_| failed.0.inner.hub.unregister(failed.1))
                .on_upgrade(move |mut ws| async move {
                    if sb.faults().take_overloaded() {
                        sb.inner.hub.unregister(reg.id);
                        socket::close(&mut ws, 1011, "Server overloaded").await;
                        return;
                    }
                    socket::run(sb, ws, reg, protocol).await;
                })
        }
    }
}

type Refusal = (StatusCode, String);

fn check(sb: &Sandbox, headers: &HeaderMap, raw: Option<&str>) -> Result<(Uuid, String), Refusal> {
    if let Some((status, body)) = sb.faults().take_upgrade_failure() {
        return Err((
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body,
        ));
    }
    let v = sb.api_version();
    let q = super::query_map(raw);
    let unauthorized = |b: &str| (StatusCode::UNAUTHORIZED, b.to_string());
    let Some(token) = token(headers, &q) else {
        return Err(unauthorized("Missing authentication token. Provide token via Authorization header, cookie, or query parameter."));
    };
    let claims = sb
        .verify_token(&token)
        .map_err(|e| unauthorized(fly_rejection(&e)))?;
    let Some(sub) = claims.get("sub").and_then(|s| s.as_str()) else {
        return Err(unauthorized("Invalid authentication token format"));
    };
    let project = match v {
        ApiVersion::A => q.get("project_id").cloned().unwrap_or_default(),
        ApiVersion::B => q
            .get("projectId")
            .filter(|p| !p.is_empty())
            .or_else(|| q.get("project_id"))
            .cloned()
            .unwrap_or_default(),
    };
    let bad = |b: &str| (StatusCode::BAD_REQUEST, b.to_string());
    if project.is_empty() {
        return Err(bad(if v == ApiVersion::A {
            "Missing project_id"
        } else {
            "Missing projectId"
        }));
    }
    let pid = Uuid::parse_str(&project).map_err(|_| bad("Invalid project ID"))?;
    let user = Uuid::parse_str(sub).map_err(|_| bad("Invalid user ID"))?;
    let db = sb.db();
    let forbidden = |b: &str| (StatusCode::FORBIDDEN, b.to_string());
    if !db.projects.contains_key(&pid) {
        return Err(match v {
            ApiVersion::A => forbidden("Access denied to project"),
            ApiVersion::B => (StatusCode::NOT_FOUND, "Project not found".to_string()),
        });
    }
    if db.member(pid, user).is_none() {
        return Err(forbidden(match v {
            ApiVersion::A => "Access denied to project",
            ApiVersion::B => {
                "You are not a member of this project. Please select a project you have access to."
            }
        }));
    }
    // The hub stores the query value verbatim, so non-canonical spellings never match events.
    Ok((user, project))
}
