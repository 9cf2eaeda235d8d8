//! Request inputs: RequireAuth, strict bodies, path ids, client IPs and cookies.

use super::errors::{invalid_json, plain, problem};
use crate::gojson::{self, GoStruct};
use crate::Sandbox;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use uuid::Uuid;

/// Go's `MaxBytesReader` limit on request bodies.
pub const MAX_BODY: usize = 1 << 20;

/// The user authenticated by the `RequireAuth` middleware.
pub struct AuthUser(pub Uuid);

impl FromRequestParts<Sandbox> for AuthUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, sb: &Sandbox) -> Result<Self, Response> {
        let unauthorized = |body: &str| plain(StatusCode::UNAUTHORIZED, body);
        let header = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if header.is_empty() {
            return Err(unauthorized("Authorization header required"));
        }
        let pieces: Vec<&str> = header.split(' ').collect();
        if pieces.len() != 2 || pieces[0] != "Bearer" {
            return Err(unauthorized("Invalid authorization header format"));
        }
        let claims = sb
            .verify_token(pieces[1])
            .map_err(|_| unauthorized("Invalid token"))?;
        let Some(sub) = claims.get("sub").and_then(|s| s.as_str()) else {
            return Err(unauthorized("Invalid user ID in token"));
        };
        let id = Uuid::parse_str(sub)
            .map_err(|_| problem(StatusCode::UNAUTHORIZED, "Invalid user ID"))?;
        Ok(AuthUser(id))
    }
}

/// Reads at most 1 MiB and decodes it with Go's strict rules, or answers 400 `invalid_json`.
pub async fn decode<T: GoStruct>(sb: &Sandbox, body: Body) -> Result<T, Response> {
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| invalid_json("http: request body too large"))?;
    gojson::decode::<T>(&bytes, sb.api_version()).map_err(|d| invalid_json(&d))
}

/// Parses a path id, or answers 400 with `detail`.
pub fn path_id(raw: &str, detail: &str) -> Result<Uuid, Response> {
    Uuid::parse_str(raw).map_err(|_| problem(StatusCode::BAD_REQUEST, detail))
}

/// The client IP as chi's `RealIP` sees it: True-Client-IP, X-Real-IP, X-Forwarded-For, peer.
pub fn real_ip(headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    for name in ["true-client-ip", "x-real-ip"] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            if !v.trim().is_empty() {
                return v.trim().to_string();
            }
        }
    }
    if let Some(v) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        if let Some(first) = v.split(',').next().map(str::trim).filter(|s| !s.is_empty()) {
            return first.to_string();
        }
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| IpAddr::from([127, 0, 0, 1]).to_string())
}

/// The value of one cookie, like Go's `r.Cookie(name)`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_string())
}

/// `limit`/`offset` query values with the server's fallbacks (1–100, default 20).
pub fn paging(query: &std::collections::HashMap<String, String>) -> (i64, i64) {
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .filter(|l| (1..=100).contains(l))
        .unwrap_or(20);
    let offset = query
        .get("offset")
        .and_then(|o| o.parse::<i64>().ok())
        .filter(|o| *o >= 0)
        .unwrap_or(0);
    (limit, offset)
}
