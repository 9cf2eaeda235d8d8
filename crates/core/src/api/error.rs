//! What went wrong talking to the server, keeping the server's own words.

use crate::net::NetError;
use std::time::Duration;

/// The body of chi's `NotFound` handler: the path matches no route.
const MISSING_ROUTE: &str = "404 page not found";

/// A failed API call. HTTP failures keep the server's text: the problem+json `detail`, or
/// the plain-text body of the auth middleware (`Invalid token`) and the rate limiter.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request was refused as malformed (e.g. `json: unknown field "rememberMe"`).
    #[error("bad request (400): {detail}")]
    BadRequest {
        /// The server's words.
        detail: String,
    },
    /// 401: credentials or token refused (`Invalid credentials`, `Invalid refresh token`,
    /// `Invalid token`…).
    #[error("unauthorized (401): {detail}")]
    Unauthorized {
        /// The server's words.
        detail: String,
    },
    /// 403: not allowed (`Access denied to project`).
    #[error("forbidden (403): {detail}")]
    Forbidden {
        /// The server's words.
        detail: String,
    },
    /// 404: no such thing.
    #[error("not found (404): {detail}")]
    NotFound {
        /// The server's words.
        detail: String,
    },
    /// 429: over the server's rate limit.
    #[error("rate limited (429): {detail}")]
    RateLimited {
        /// `Retry-After`, when the server sent a usable one.
        retry_after: Option<Duration>,
        /// The server's words (`Too Many Requests`).
        detail: String,
    },
    /// 5xx: the server failed (the body may be empty, e.g. after a recovered panic).
    #[error("server error ({status}){}", colon_detail(detail))]
    Server {
        /// The status code.
        status: u16,
        /// The server's words, possibly empty.
        detail: String,
    },
    /// Any other non-success status.
    #[error("unexpected status {status}{}", colon_detail(detail))]
    UnexpectedStatus {
        /// The status code.
        status: u16,
        /// The server's words, possibly empty.
        detail: String,
    },
    /// No answer in time (connect 5 s, request 10 s).
    #[error("timed out: {source}")]
    Timeout {
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The server was never reached, for a named cause: DNS, TCP, the proxy (407, a refused
    /// tunnel) or TLS (an untrusted certificate, with its issuer).
    #[error(transparent)]
    Unreachable {
        /// The cause, in plain words.
        source: Box<NetError>,
    },
    /// The connection failed or broke for a cause that could not be named.
    #[error("network error: {}", chain(source))]
    Network {
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// A 2xx answer we could not use (bad JSON, missing `Set-Cookie`).
    #[error("unusable response: {reason}")]
    InvalidResponse {
        /// What was wrong, in plain words.
        reason: String,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("HTTP client setup failed: {source}")]
    Setup {
        /// The builder's error.
        #[source]
        source: reqwest::Error,
    },
}

/// An error and its sources on one line (reqwest's own message names only the URL).
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn colon_detail(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::BadRequest { .. } => Some(400),
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::RateLimited { .. } => Some(429),
            Self::Server { status, .. } | Self::UnexpectedStatus { status, .. } => Some(*status),
            Self::Timeout { .. }
            | Self::Unreachable { .. }
            | Self::Network { .. }
            | Self::InvalidResponse { .. }
            | Self::Setup { .. } => None,
        }
    }

    /// The server's words (empty when it said nothing or did not answer).
    pub fn detail(&self) -> &str {
        match self {
            Self::BadRequest { detail }
            | Self::Unauthorized { detail }
            | Self::Forbidden { detail }
            | Self::NotFound { detail }
            | Self::RateLimited { detail, .. }
            | Self::Server { detail, .. }
            | Self::UnexpectedStatus { detail, .. } => detail,
            Self::Timeout { .. }
            | Self::Unreachable { .. }
            | Self::Network { .. }
            | Self::InvalidResponse { .. }
            | Self::Setup { .. } => "",
        }
    }

    /// True when waiting and trying again can help (network, timeout, 5xx, 429). An
    /// unreachable server counts, whatever the cause: a proxy or trust store fixed meanwhile
    /// lets the next try through, and a session must not end over the network.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::Server { .. }
            | Self::Timeout { .. }
            | Self::Unreachable { .. }
            | Self::Network { .. } => true,
            Self::BadRequest { .. }
            | Self::Unauthorized { .. }
            | Self::Forbidden { .. }
            | Self::NotFound { .. }
            | Self::UnexpectedStatus { .. }
            | Self::InvalidResponse { .. }
            | Self::Setup { .. } => false,
        }
    }

    /// True when the request may have reached the server without its answer reaching us
    /// (a timeout or a broken connection): for a refresh, the server may have rotated the
    /// token already (failure mode 15). An [`ApiError::Unreachable`] never got that far.
    pub fn is_unanswered(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::Network { .. })
    }

    /// True for the router's own 404 (`404 page not found`, plain text): the server has no
    /// such endpoint at all, unlike a problem+json 404 for a missing row (`Project not found`).
    pub fn is_missing_route(&self) -> bool {
        matches!(self, Self::NotFound { detail } if detail == MISSING_ROUTE)
    }

    /// Classifies a transport error.
    pub(crate) fn transport(source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Self::Timeout { source }
        } else {
            Self::Network { source }
        }
    }

    /// Builds the error for a non-success status from the body text.
    pub(crate) fn from_status(
        status: u16,
        content_type: &str,
        body: &str,
        retry_after: Option<Duration>,
    ) -> Self {
        let detail = detail_from_body(content_type, body);
        match status {
            400 => Self::BadRequest { detail },
            401 => Self::Unauthorized { detail },
            403 => Self::Forbidden { detail },
            404 => Self::NotFound { detail },
            429 => Self::RateLimited {
                retry_after,
                detail,
            },
            500..=599 => Self::Server { status, detail },
            _ => Self::UnexpectedStatus { status, detail },
        }
    }
}

/// The problem+json `detail` (or `title`) when the body is a problem document, else the
/// trimmed text (plain-text middleware errors end with `\n`). Long bodies are cut.
pub(crate) fn detail_from_body(content_type: &str, body: &str) -> String {
    let json_like = content_type.contains("json") || body.trim_start().starts_with('{');
    if json_like {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
            for key in ["detail", "title", "message", "error"] {
                if let Some(text) = value.get(key).and_then(|v| v.as_str()) {
                    if !text.is_empty() {
                        return text.to_owned();
                    }
                }
            }
        }
    }
    let text = body.trim();
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Parses `Retry-After` given in seconds (HTTP dates are rare here and fall back to `None`).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_json_keeps_the_detail() {
        let body = r#"{"type":"unauthorized","title":"Unauthorized","status":401,"detail":"Invalid refresh token"}"#;
        let err = ApiError::from_status(401, "application/problem+json", body, None);
        assert!(
            matches!(&err, ApiError::Unauthorized { detail } if detail == "Invalid refresh token")
        );
        assert_eq!(err.to_string(), "unauthorized (401): Invalid refresh token");
    }

    #[test]
    fn plain_text_middleware_body_is_trimmed() {
        let err = ApiError::from_status(401, "text/plain; charset=utf-8", "Invalid token\n", None);
        assert_eq!(err.detail(), "Invalid token");
    }

    #[test]
    fn rate_limit_keeps_retry_after() {
        let err = ApiError::from_status(
            429,
            "text/plain",
            "Too Many Requests\n",
            parse_retry_after("60"),
        );
        assert!(matches!(
            err,
            ApiError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(60)
        ));
        assert!(err.is_transient());
    }

    #[test]
    fn empty_500_is_transient_with_empty_detail() {
        let err = ApiError::from_status(500, "", "", None);
        assert_eq!(err.detail(), "");
        assert_eq!(err.to_string(), "server error (500)");
        assert!(err.is_transient());
        assert!(!ApiError::from_status(401, "", "x", None).is_transient());
    }

    #[test]
    fn long_bodies_are_cut() {
        let detail = detail_from_body("text/html", &"x".repeat(5000));
        assert!(detail.chars().count() <= 301);
    }

    #[test]
    fn the_routers_404_is_a_missing_route_but_a_missing_row_is_not() {
        let route = ApiError::from_status(
            404,
            "text/plain; charset=utf-8",
            "404 page not found\n",
            None,
        );
        assert!(route.is_missing_route());
        let row = ApiError::from_status(
            404,
            "application/problem+json",
            r#"{"type":"not_found","title":"Not Found","status":404,"detail":"Project not found"}"#,
            None,
        );
        assert!(!row.is_missing_route());
    }
}
