//! Response writers: Go's `response.JSON`, RFC 7807 problems, and `http.Error` plain text.

use crate::gojson;
use crate::state::ops::OpError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A bare JSON body with `Content-Type: application/json` and Go's trailing newline.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    let mut r = (status, gojson::encode(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: &'a str,
}

fn problem_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        _ => "internal_server_error",
    }
}

/// An RFC 7807 problem (`application/problem+json`) whose type follows the status.
pub fn problem(status: StatusCode, detail: &str) -> Response {
    problem_typed(status, problem_type(status), detail)
}

/// A problem with an explicit type, e.g. `invalid_json`.
pub fn problem_typed(status: StatusCode, kind: &str, detail: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = Problem {
        kind,
        title,
        status: status.as_u16(),
        detail,
    };
    let mut r = (status, gojson::encode(&body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

/// 400 `invalid_json` with Go's decoder error as detail.
pub fn invalid_json(detail: &str) -> Response {
    problem_typed(StatusCode::BAD_REQUEST, "invalid_json", detail)
}

/// Go's `http.Error`: `text/plain; charset=utf-8`, `nosniff`, body plus `\n`.
pub fn plain(status: StatusCode, body: &str) -> Response {
    let mut r = (status, format!("{body}\n")).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// chi's NotFound: `404 page not found`.
pub async fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "404 page not found")
}

/// Maps a refused operation to its problem response.
pub fn op_error(e: OpError) -> Response {
    match e {
        OpError::BadRequest(d) => problem(StatusCode::BAD_REQUEST, &d),
        OpError::Forbidden(d) => problem(StatusCode::FORBIDDEN, &d),
        OpError::NotFound(d) => problem(StatusCode::NOT_FOUND, &d),
    }
}
