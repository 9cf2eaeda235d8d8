//! `/health`, `/healthz`, `/readyz`.

use super::errors::json;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

/// `GET /health`.
pub async fn health() -> Response {
    #[derive(Serialize)]
    struct Out {
        service: &'static str,
        status: &'static str,
        timestamp: String,
        version: &'static str,
    }
    let timestamp = crate::timefmt::rfc3339(crate::timefmt::now());
    json(
        StatusCode::OK,
        &Out {
            service: "DevHive API",
            status: "healthy",
            timestamp,
            version: "1.0.0",
        },
    )
}

/// `GET /healthz`.
pub async fn healthz() -> Response {
    #[derive(Serialize)]
    struct Out {
        status: &'static str,
    }
    json(StatusCode::OK, &Out { status: "alive" })
}

/// `GET /readyz`.
pub async fn readyz() -> Response {
    #[derive(Serialize)]
    struct Checks {
        database: &'static str,
    }
    #[derive(Serialize)]
    struct Out {
        checks: Checks,
        status: &'static str,
    }
    json(
        StatusCode::OK,
        &Out {
            checks: Checks { database: "ok" },
            status: "ready",
        },
    )
}
