//! `GET /aws`: the API Gateway `$connect` flavour (`?token=` first, no membership check).

use super::hub::Flavour;
use super::socket::{self, Protocol};
use crate::Sandbox;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

fn refuse(status: StatusCode, body: &str) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The handler. The `Authorization` header is read by an exact-case map key on AWS; clients built
/// on the `http` crate always send it lowercase, so the sandbox never sees it (only `?token=` works).
pub async fn handshake(
    State(sb): State<Sandbox>,
    RawQuery(raw): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let q = super::query_map(raw.as_deref());
    let outcome = (|| {
        if let Some((status, body)) = sb.faults().take_upgrade_failure() {
            return Err((
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                format!("{body}\n"),
            ));
        }
        let token = q.get("token").filter(|t| !t.is_empty()).ok_or((
            StatusCode::UNAUTHORIZED,
            "Unauthorized: missing token".to_string(),
        ))?;
        let invalid = || {
            (
                StatusCode::UNAUTHORIZED,
                "Unauthorized: invalid token".to_string(),
            )
        };
        let claims = sb.verify_token(token).map_err(|_| invalid())?;
        let user = claims
            .get("user_id")
            .or_else(|| claims.get("sub"))
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(invalid)?;
        let project = q
            .get("projectId")
            .filter(|p| !p.is_empty())
            .or_else(|| q.get("project_id"))
            .cloned()
            .unwrap_or_default();
        Ok((user, project))
    })();
    let (user, project) = match outcome {
        Ok(v) => v,
        Err((status, body)) => {
            sb.inner.stats.handshake(Flavour::Aws, status.as_u16());
            return refuse(status, &body);
        }
    };
    let Ok(up) = upgrade else {
        sb.inner.stats.handshake(Flavour::Aws, 400);
        return refuse(StatusCode::BAD_REQUEST, "Bad Request");
    };
    sb.inner.stats.handshake(Flavour::Aws, 101);
    let cfg = sb.config();
    let protocol = Protocol::Aws {
        idle: cfg.aws_idle_timeout,
        max_age: cfg.aws_max_age,
    };
    // Registered before the 101 goes out (see fly.rs).
    let reg = sb.inner.hub.register(Flavour::Aws, user, project);
    let failed = (sb.clone(), reg.id);
    up.on_failed_upgrade(move |_| failed.0.inner.hub.unregister(failed.1))
        .on_upgrade(move |ws| async move {
            socket::run(sb, ws, reg, protocol).await;
        })
}
