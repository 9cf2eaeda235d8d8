//! `GET /api/v1/projects/{projectId}/ws/status`: the fly hub's debug view (no membership check).

use super::errors::json;
use super::extract::AuthUser;
use crate::config::ApiVersion;
use crate::ws::hub::Flavour;
use crate::Sandbox;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct ClientA {
    user_id: String,
    project_id: String,
}

#[derive(Serialize)]
struct StatusA {
    project_id: String,
    total_clients: usize,
    matching_clients: usize,
    clients: Vec<ClientA>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientB {
    user_id: String,
    project_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusB {
    project_id: String,
    total_clients: usize,
    matching_clients: usize,
    clients: Vec<ClientB>,
}

/// Handler: snake_case keys in A, camelCase in B.
pub async fn status(
    State(sb): State<Sandbox>,
    _auth: AuthUser,
    Path(project): Path<String>,
) -> Response {
    let clients: Vec<_> = sb
        .inner
        .hub
        .clients()
        .into_iter()
        .filter(|c| c.flavour == Flavour::Fly)
        .collect();
    let total = clients.len();
    let matching = clients.iter().filter(|c| c.project == project).count();
    match sb.api_version() {
        ApiVersion::A => {
            let clients = clients
                .into_iter()
                .map(|c| ClientA {
                    user_id: c.user.to_string(),
                    project_id: c.project,
                })
                .collect();
            json(
                StatusCode::OK,
                &StatusA {
                    project_id: project,
                    total_clients: total,
                    matching_clients: matching,
                    clients,
                },
            )
        }
        ApiVersion::B => {
            let clients = clients
                .into_iter()
                .map(|c| ClientB {
                    user_id: c.user.to_string(),
                    project_id: c.project,
                })
                .collect();
            json(
                StatusCode::OK,
                &StatusB {
                    project_id: project,
                    total_clients: total,
                    matching_clients: matching,
                    clients,
                },
            )
        }
    }
}
