//! The chi-like router of the REST API and both realtime endpoints, with the global rate limit.

// Handlers return ready `Response`s as errors; boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod errors;
pub mod extract;
pub mod health;
pub mod messages;
pub mod projects;
pub mod users;
pub mod work;
pub mod ws_status;

use crate::Sandbox;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::Router;
use std::net::SocketAddr;

/// Builds the full application router (API, realtime, control).
pub fn router(sb: Sandbox) -> Router {
    let api = Router::new()
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/validate-token", get(auth::validate_token))
        .route("/api/v1/users", post(users::create))
        .route("/api/v1/users/me", get(users::me).patch(users::update_me))
        .route("/api/v1/users/{userId}", get(users::get))
        .route(
            "/api/v1/projects",
            get(projects::list).post(projects::create),
        )
        .route(
            "/api/v1/projects/{projectId}",
            get(projects::get)
                .patch(projects::update)
                .put(projects::update)
                .delete(projects::delete),
        )
        .route(
            "/api/v1/projects/{projectId}/members",
            get(projects::members).post(projects::add_member),
        )
        .route(
            "/api/v1/projects/{projectId}/members/{userId}",
            axum::routing::delete(projects::remove_member),
        )
        .route(
            "/api/v1/projects/{projectId}/messages",
            get(messages::list).post(messages::create),
        )
        .route(
            "/api/v1/projects/{projectId}/tasks",
            get(work::list_tasks).post(work::create_task),
        )
        .route(
            "/api/v1/projects/{projectId}/sprints",
            get(work::list_sprints).post(work::create_sprint),
        )
        .route(
            "/api/v1/projects/{projectId}/ws/status",
            get(ws_status::status),
        )
        .route(
            "/api/v1/tasks/{taskId}",
            get(work::get_task)
                .patch(work::update_task)
                .put(work::update_task)
                .delete(work::delete_task),
        )
        .route("/api/v1/tasks/{taskId}/status", patch(work::update_task))
        .route(
            "/api/v1/sprints/{sprintId}",
            get(work::get_sprint)
                .patch(work::update_sprint)
                .put(work::update_sprint)
                .delete(work::delete_sprint),
        )
        .route("/api/v1/messages/ws", get(crate::ws::fly::handshake))
        .route("/aws", get(crate::ws::aws::handshake))
        .route("/health", get(health::health))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(errors::not_found)
        .layer(middleware::from_fn_with_state(sb.clone(), rate_limit));
    crate::control::routes::router().merge(api).with_state(sb)
}

/// httprate `LimitByIP(limit, 1 minute)` keyed by the RealIP address.
async fn rate_limit(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    let Some(limit) = sb.settings().rate_limit else {
        return next.run(req).await;
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = extract::real_ip(req.headers(), peer);
    let now_ms = (crate::timefmt::now().unix_timestamp_nanos() / 1_000_000) as i64;
    let d = sb.inner.limiter.check(&ip, limit, now_ms);
    let mut resp = if d.allowed {
        next.run(req).await
    } else {
        let mut r = errors::plain(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static("60"));
        if req.uri().path() == "/api/v1/messages/ws" {
            sb.inner.stats.handshake(crate::Flavour::Fly, 429);
        } else if req.uri().path() == "/aws" {
            sb.inner.stats.handshake(crate::Flavour::Aws, 429);
        }
        r
    };
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(d.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(d.reset));
    resp
}
