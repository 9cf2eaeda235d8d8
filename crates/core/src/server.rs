//! Which DevHive deployment we talk to: REST base, WebSocket URL, realtime flavour, API version.

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;
use url::Url;

/// The realtime flavour of a deployment (backend-contract §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// Fly.io server: Gorilla WebSocket at `/api/v1/messages/ws`, `Authorization: Bearer`.
    #[default]
    Fly,
    /// AWS API Gateway WebSocket: `?token=`, subscribe action, app-level pings.
    Aws,
}

/// The REST API version of a deployment (backend-contract §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ApiVersion {
    /// Commit f21400e: no `rememberMe`, plural resource names.
    A,
    /// Commit cfa4b22: `rememberMe`, singular resource names, AWS variant.
    #[default]
    B,
}

/// A server profile. REST and WebSocket hosts are configured separately but must belong to
/// the same deployment (tokens are signed per deployment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerProfile {
    /// REST base including `/api/v1`, e.g. `https://devhive-go-backend.fly.dev/api/v1`.
    pub rest_base: Url,
    /// WebSocket endpoint, e.g. `wss://devhive-go-backend.fly.dev/api/v1/messages/ws`.
    pub ws_url: Url,
    /// Realtime flavour.
    pub flavour: Flavour,
    /// API version (decides whether `rememberMe` may be sent).
    pub api_version: ApiVersion,
}

/// A profile could not be built from the given URLs.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The URL did not parse.
    #[error("invalid URL {url:?}: {source}")]
    InvalidUrl {
        /// The text that failed to parse.
        url: String,
        /// The parser's error.
        #[source]
        source: url::ParseError,
    },
    /// The URL scheme does not fit (REST needs http/https, WebSocket ws/wss).
    #[error("URL {url:?} must use {expected}")]
    WrongScheme {
        /// The offending URL.
        url: String,
        /// What was expected.
        expected: &'static str,
    },
}

impl ServerProfile {
    /// The real Fly deployment (API version B server, Gorilla WebSocket).
    pub fn devhive_fly() -> Self {
        Self::custom(
            "https://devhive-go-backend.fly.dev",
            None,
            Flavour::Fly,
            ApiVersion::B,
        )
        .expect("built-in URL is valid")
    }

    /// The real AWS deployment (HTTP API + API Gateway WebSocket).
    pub fn devhive_aws() -> Self {
        Self::custom(
            "https://go.devhive.it.com",
            Some("wss://ws.devhive.it.com"),
            Flavour::Aws,
            ApiVersion::B,
        )
        .expect("built-in URL is valid")
    }

    /// A profile from a server origin (`http://127.0.0.1:8080`); the REST base gets `/api/v1`
    /// and, unless given, the WebSocket URL is derived for the flavour (fly: same host,
    /// `/api/v1/messages/ws`; aws: same host, `/aws`, which is where the sandbox serves it).
    pub fn custom(
        origin: &str,
        ws_url: Option<&str>,
        flavour: Flavour,
        api_version: ApiVersion,
    ) -> Result<Self, ProfileError> {
        let parse = |text: &str| {
            Url::parse(text).map_err(|source| ProfileError::InvalidUrl {
                url: text.to_owned(),
                source,
            })
        };
        let origin_url = parse(origin.trim_end_matches('/'))?;
        if !matches!(origin_url.scheme(), "http" | "https") {
            return Err(ProfileError::WrongScheme {
                url: origin.to_owned(),
                expected: "http:// or https://",
            });
        }
        let base_path = origin_url.path().trim_end_matches('/');
        let rest_base = if base_path.ends_with("/api/v1") {
            origin_url.clone()
        } else {
            parse(&format!("{}/api/v1", origin.trim_end_matches('/')))?
        };
        let ws_url = match ws_url {
            Some(text) => parse(text)?,
            None => {
                let mut url = rest_base.clone();
                let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
                url.set_scheme(scheme).expect("http(s) → ws(s) is allowed");
                let path = match flavour {
                    Flavour::Fly => format!("{}/messages/ws", rest_base.path()),
                    Flavour::Aws => "/aws".to_owned(),
                };
                url.set_path(&path);
                url
            }
        };
        if !matches!(ws_url.scheme(), "ws" | "wss") {
            return Err(ProfileError::WrongScheme {
                url: ws_url.to_string(),
                expected: "ws:// or wss://",
            });
        }
        Ok(Self {
            rest_base,
            ws_url,
            flavour,
            api_version,
        })
    }

    /// `host[:port]` of the REST server: the keychain account prefix and lock-file name.
    pub fn host_key(&self) -> String {
        let host = self.rest_base.host_str().unwrap_or("unknown");
        match self.rest_base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// A REST endpoint URL under the base, e.g. `endpoint("auth/refresh")`.
    pub fn endpoint(&self, path: &str) -> Url {
        let mut url = self.rest_base.clone();
        let joined = format!(
            "{}/{}",
            self.rest_base.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        url.set_path(&joined);
        url
    }
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fly => "fly",
            Self::Aws => "aws",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_origin_gets_api_base_and_fly_socket_path() {
        let p = ServerProfile::custom("http://127.0.0.1:8080", None, Flavour::Fly, ApiVersion::B)
            .unwrap();
        assert_eq!(p.rest_base.as_str(), "http://127.0.0.1:8080/api/v1");
        assert_eq!(p.ws_url.as_str(), "ws://127.0.0.1:8080/api/v1/messages/ws");
        assert_eq!(
            p.endpoint("auth/refresh").as_str(),
            "http://127.0.0.1:8080/api/v1/auth/refresh"
        );
        assert_eq!(p.host_key(), "127.0.0.1:8080");
    }

    #[test]
    fn https_origin_maps_to_wss_and_aws_path() {
        let p = ServerProfile::custom("https://example.test", None, Flavour::Aws, ApiVersion::B)
            .unwrap();
        assert_eq!(p.ws_url.as_str(), "wss://example.test/aws");
    }

    #[test]
    fn non_http_origin_is_a_typed_error() {
        let err = ServerProfile::custom("ftp://x", None, Flavour::Fly, ApiVersion::A).unwrap_err();
        assert!(matches!(err, ProfileError::WrongScheme { .. }));
    }
}
