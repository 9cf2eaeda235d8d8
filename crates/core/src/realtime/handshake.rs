//! Building the upgrade request for each flavour, performing it with the feed's limits
//! ([`open`], also what `devhive doctor` uses), and turning the upgrade's outcome into a
//! machine input. The token goes in `Authorization` (fly) or `?token=` (aws); the diagnostic
//! `params` string never contains it.

use super::connection::Input;
use super::message::MAX_FRAME_BYTES;
use crate::auth::AccessToken;
use crate::net::{NetError, Network, TcpDialer};
use crate::server::{Flavour, ServerProfile};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Error as WsError;

/// An open WebSocket over TCP, a proxy tunnel or TLS.
pub type Socket = super::open::Socket;

/// The transport's limits: a frame or message above 8 MiB ends the connection (the parser
/// already skips, and counts, frames over 1 MiB).
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(8 * MAX_FRAME_BYTES))
        .max_frame_size(Some(8 * MAX_FRAME_BYTES))
}

/// Why an upgrade did not open a socket.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The request could not be built (bad URL, unusable token).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The server answered with an HTTP status instead of 101.
    #[error("HTTP {status}: {body}")]
    Refused {
        /// The status.
        status: u16,
        /// The body, trimmed.
        body: String,
        /// `Retry-After`, when usable.
        retry_after: Option<Duration>,
    },
    /// No stream to the server: DNS, TCP, the proxy or TLS, named by cause.
    #[error(transparent)]
    Unreachable(NetError),
    /// The connection failed after the stream opened, before an HTTP answer.
    #[error("{reason}")]
    Transport {
        /// Plain words, without the URL (it may carry the AWS token).
        reason: String,
    },
    /// No answer to the upgrade in time.
    #[error("no upgrade answer within {} s", after.as_secs_f32())]
    TimedOut {
        /// The limit that passed.
        after: Duration,
    },
}

/// An open socket and what the timeline shows about it.
pub struct Opened {
    /// The socket.
    pub socket: Socket,
    /// URL parameters minus any token.
    pub params: String,
}

/// Performs the upgrade for `project` with `token` on `network` (its proxy route and TLS
/// configuration, the feed's), within `limit`, with [`ws_config`]. Dropping the future drops
/// the half-open connection.
pub async fn open(
    profile: &ServerProfile,
    network: &Network,
    project: &str,
    token: &AccessToken,
    limit: Duration,
) -> Result<Opened, OpenError> {
    let prepared = prepare(profile, project, token)?;
    let connect = super::open::open(network, &TcpDialer, prepared.request, ws_config());
    match tokio::time::timeout(limit, connect).await {
        Err(_) => Err(OpenError::TimedOut { after: limit }),
        Ok(Ok((socket, _response))) => Ok(Opened {
            socket,
            params: prepared.params,
        }),
        Ok(Err(super::open::OpenError::Dial(error))) => Err(OpenError::Unreachable(error)),
        Ok(Err(super::open::OpenError::Upgrade(WsError::Http(response)))) => {
            let (status, body, retry_after) = read_response(&response);
            Err(OpenError::Refused {
                status,
                body,
                retry_after,
            })
        }
        Ok(Err(super::open::OpenError::Upgrade(other))) => Err(OpenError::Transport {
            reason: describe(&other),
        }),
    }
}

/// What the diagnostics show for the AWS token parameter.
pub const AWS_TOKEN_NOTE: &str = "token=<hidden> (token in URL (required by the AWS flavour))";

/// The upgrade request could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The configured WebSocket URL is not usable.
    #[error("WebSocket URL is not usable: {source}")]
    BadUrl {
        /// tungstenite's complaint.
        #[source]
        source: WsError,
    },
    /// The token contains bytes a header cannot carry.
    #[error("access token is not a valid header value")]
    BadToken,
}

impl RequestError {
    /// True when only a new sign-in can help.
    pub fn requires_sign_in(&self) -> bool {
        match self {
            Self::BadToken => true,
            Self::BadUrl { .. } => false,
        }
    }

    /// True when retrying may help (never: this is configuration).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::BadUrl { .. } | Self::BadToken => false,
        }
    }
}

/// An upgrade request plus its parameters as safe to show.
pub struct Prepared {
    /// The request to send.
    pub request: Request,
    /// URL parameters minus any token, for the timeline.
    pub params: String,
}

/// Builds the upgrade request for `project` (already lowercase).
pub fn prepare(
    profile: &ServerProfile,
    project: &str,
    token: &AccessToken,
) -> Result<Prepared, RequestError> {
    let mut url = profile.ws_url.clone();
    let params = match profile.flavour {
        Flavour::Fly => {
            url.query_pairs_mut()
                .append_pair("projectId", project)
                .append_pair("project_id", project);
            format!("projectId={project}&project_id={project}")
        }
        Flavour::Aws => {
            url.query_pairs_mut()
                .append_pair("token", token.secret.expose());
            AWS_TOKEN_NOTE.to_owned()
        }
    };
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|source| RequestError::BadUrl { source })?;
    if profile.flavour == Flavour::Fly {
        let value = HeaderValue::from_str(&token.bearer()).map_err(|_| RequestError::BadToken)?;
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    Ok(Prepared { request, params })
}

/// The `{"action":"subscribe"}` frame the AWS flavour sends after the upgrade.
pub fn aws_subscribe(project: &str) -> String {
    serde_json::json!({"action": "subscribe", "projectId": project}).to_string()
}

/// The AWS application-level keepalive.
pub const AWS_PING: &str = r#"{"action":"ping"}"#;

/// The outcome of a failed upgrade as a machine input plus the handshake status for the
/// timeline (`None` when no HTTP answer arrived).
pub fn classify_failure(error: WsError) -> (Input, Option<(u16, String)>) {
    match error {
        WsError::Http(response) => {
            let (status, body, retry_after) = read_response(&response);
            (
                Input::HandshakeRejected {
                    status,
                    body: body.clone(),
                    retry_after,
                },
                Some((status, body)),
            )
        }
        other => (
            Input::ConnectFailed {
                reason: describe(&other),
            },
            None,
        ),
    }
}

/// The outcome of a failed dial (DNS, TCP, proxy): a connect failure in the dialer's words.
pub fn classify_dial_failure(error: &NetError) -> Input {
    Input::ConnectFailed {
        reason: error.to_string(),
    }
}

fn read_response(response: &Response<Option<Vec<u8>>>) -> (u16, String, Option<Duration>) {
    let status = response.status().as_u16();
    let body = response
        .body()
        .as_deref()
        .map(|bytes| String::from_utf8_lossy(bytes).trim().to_owned())
        .unwrap_or_default();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    (status, body, retry_after)
}

/// Plain words for a transport error, without the URL (it may carry the AWS token).
pub fn describe(error: &WsError) -> String {
    match error {
        WsError::Io(io) => format!("network error: {io}"),
        WsError::Tls(tls) => format!("TLS error: {tls}"),
        WsError::ConnectionClosed | WsError::AlreadyClosed => "connection closed".into(),
        WsError::Protocol(p) => format!("protocol error: {p}"),
        WsError::Capacity(c) => format!("frame too large: {c}"),
        WsError::Url(_) => "WebSocket URL is not usable".into(),
        WsError::Http(response) => format!("HTTP {}", response.status().as_u16()),
        WsError::HttpFormat(_) => "malformed HTTP response".into(),
        WsError::Utf8(_) => "invalid UTF-8 in a text frame".into(),
        WsError::AttackAttempt => "server sent an invalid handshake".into(),
        WsError::WriteBufferFull(_) => "write buffer full".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::server::ApiVersion;
    use tokio::time::Instant;

    fn token() -> AccessToken {
        AccessToken {
            secret: Secret::new("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZw"),
            generation: 1,
            expires_at: Instant::now(),
            lifetime: Duration::from_secs(900),
        }
    }

    #[test]
    fn fly_sends_both_project_params_and_a_bearer_header_only() {
        let profile =
            ServerProfile::custom("http://127.0.0.1:9", None, Flavour::Fly, ApiVersion::B).unwrap();
        let p = prepare(&profile, "abc", &token()).unwrap();
        let uri = p.request.uri().to_string();
        assert!(
            uri.ends_with("/api/v1/messages/ws?projectId=abc&project_id=abc"),
            "{uri}"
        );
        assert!(
            !uri.contains("token"),
            "fly never puts the token in the URL: {uri}"
        );
        let auth = p.request.headers()[header::AUTHORIZATION].to_str().unwrap();
        assert!(auth.starts_with("Bearer eyJ"));
        assert_eq!(p.params, "projectId=abc&project_id=abc");
    }

    #[test]
    fn aws_puts_the_token_in_the_url_but_never_in_the_params_shown() {
        let profile =
            ServerProfile::custom("http://127.0.0.1:9", None, Flavour::Aws, ApiVersion::B).unwrap();
        let p = prepare(&profile, "abc", &token()).unwrap();
        assert!(p.request.uri().to_string().contains("token=eyJ"));
        assert!(p.request.headers().get(header::AUTHORIZATION).is_none());
        assert!(!p.params.contains("eyJ"));
        assert!(p
            .params
            .contains("token in URL (required by the AWS flavour)"));
    }

    #[test]
    fn an_http_rejection_keeps_status_body_and_retry_after() {
        let response = Response::builder()
            .status(429)
            .header("Retry-After", "60")
            .body(Some(b"Too Many Requests\n".to_vec()))
            .unwrap();
        let (input, seen) = classify_failure(WsError::Http(Box::new(response)));
        assert_eq!(
            input,
            Input::HandshakeRejected {
                status: 429,
                body: "Too Many Requests".into(),
                retry_after: Some(Duration::from_secs(60)),
            }
        );
        assert_eq!(seen, Some((429, "Too Many Requests".into())));
    }
}
