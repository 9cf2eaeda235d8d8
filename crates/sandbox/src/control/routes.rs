//! Handlers of `/__sandbox/*`; refused with 403 unless the peer is a loopback address.

use crate::control::types::{DropRequest, RefreshFaults, UpgradeFailure};
use crate::Sandbox;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use uuid::Uuid;

/// Body of `POST /__sandbox/access-ttl`.
#[derive(Deserialize)]
pub struct TtlBody {
    /// New lifetime in seconds.
    pub seconds: u64,
}

/// Body of `POST /__sandbox/revoke-refresh`.
#[derive(Deserialize, Default)]
pub struct RevokeBody {
    /// Only this user's tokens; all when absent.
    #[serde(default)]
    pub user_id: Option<Uuid>,
}

/// Body carrying a switch or a count.
#[derive(Deserialize)]
pub struct Toggle {
    /// On/off.
    #[serde(default)]
    pub on: bool,
    /// A count.
    #[serde(default)]
    pub count: u32,
}

/// Body of `POST /__sandbox/signing-key`.
#[derive(Deserialize)]
pub struct KeyBody {
    /// New HS256 key.
    pub key: String,
}

/// Body of `POST /__sandbox/rate-limit`.
#[derive(Deserialize)]
pub struct RateBody {
    /// Requests per minute per IP; `null` turns limiting off.
    pub per_minute: Option<u32>,
}

/// Body of `POST /__sandbox/users`.
#[derive(Deserialize)]
pub struct UserBody {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Body of `POST /__sandbox/projects`.
#[derive(Deserialize)]
pub struct ProjectBody {
    /// Owner id.
    pub owner: Uuid,
    /// Name.
    pub name: String,
}

/// Body of `POST /__sandbox/members`.
#[derive(Deserialize)]
pub struct MemberBody {
    /// Project id.
    pub project: Uuid,
    /// User id.
    pub user: Uuid,
    /// Role (`member` when absent).
    #[serde(default)]
    pub role: Option<String>,
}

/// The control routes, behind the loopback guard.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/__sandbox/stats", get(|State(sb): State<Sandbox>| async move { Json(sb.stats()) }))
        .route("/__sandbox/access-ttl", post(|State(sb): State<Sandbox>, Json(b): Json<TtlBody>| async move {
            sb.set_access_ttl(Duration::from_secs(b.seconds));
            Json(json!({"ok": true}))
        }))
        .route("/__sandbox/expire-tokens", post(|State(sb): State<Sandbox>| async move {
            Json(json!({"expired": sb.expire_access_tokens()}))
        }))
        .route("/__sandbox/revoke-refresh", post(|State(sb): State<Sandbox>, b: Option<Json<RevokeBody>>| async move {
            let user = b.and_then(|Json(b)| b.user_id);
            Json(json!({"revoked": sb.revoke_refresh_tokens(user)}))
        }))
        .route("/__sandbox/drop-sockets", post(|State(sb): State<Sandbox>, Json(b): Json<DropRequest>| async move {
            Json(json!({"dropped": sb.drop_sockets(b.mode, b.project.as_deref(), b.flavour)}))
        }))
        .route("/__sandbox/blackhole", post(|State(sb): State<Sandbox>, Json(b): Json<Toggle>| async move {
            sb.faults().set_blackhole(b.on);
            Json(json!({"ok": true}))
        }))
        .route("/__sandbox/hide-work-lists", post(|State(sb): State<Sandbox>, Json(b): Json<Toggle>| async move {
            sb.faults().set_work_lists_missing(b.on);
            Json(json!({"ok": true}))
        }))
        .route("/__sandbox/fail-upgrades", post(|State(sb): State<Sandbox>, Json(b): Json<UpgradeFailure>| async move {
            sb.faults().fail_upgrades(b);
            Json(json!({"ok": true}))
        }))
        .route("/__sandbox/overload", post(|State(sb): State<Sandbox>, Json(b): Json<Toggle>| async move {
            sb.faults().set_overloaded(b.count);
            Json(json!({"ok": true}))
        }))
        .route("/__sandbox/refresh-faults", post(|State(sb): State<Sandbox>, Json(b): Json<RefreshFaults>| async move {
            sb.faults().set_refresh(b);
            Json(json!({"ok": true}))
        }))
        .route("/__sandbox/reconnect", post(|State(sb): State<Sandbox>| async move {
            sb.send_reconnect();
            Json(json!({"ok": true}))
        }))
        .route("/__sandbox/signing-key", post(|State(sb): State<Sandbox>, Json(b): Json<KeyBody>| async move {
            sb.switch_signing_key(b.key);
            Json(json!({"ok": true}))
        }))
        .route("/__sandbox/rate-limit", post(|State(sb): State<Sandbox>, Json(b): Json<RateBody>| async move {
            sb.set_rate_limit(b.per_minute);
            Json(json!({"ok": true}))
        }))
        .route("/__sandbox/users", post(|State(sb): State<Sandbox>, Json(b): Json<UserBody>| async move {
            Json(json!({"id": sb.create_user(&b.username, &b.password)}))
        }))
        .route("/__sandbox/projects", post(|State(sb): State<Sandbox>, Json(b): Json<ProjectBody>| async move {
            Json(json!({"id": sb.create_project(b.owner, &b.name)}))
        }))
        .route("/__sandbox/members", post(|State(sb): State<Sandbox>, Json(b): Json<MemberBody>| async move {
            sb.add_member(b.project, b.user, b.role.as_deref().unwrap_or("member"));
            Json(json!({"ok": true}))
        }))
        .route_layer(middleware::from_fn(loopback_only))
}

async fn loopback_only(req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if peer.is_some_and(|ip| ip.is_loopback()) {
        next.run(req).await
    } else {
        (StatusCode::FORBIDDEN, "control API is loopback-only\n").into_response()
    }
}
