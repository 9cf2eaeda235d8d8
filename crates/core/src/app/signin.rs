//! The server catalogue (DevHive Fly, DevHive AWS, the local sandbox, a custom server) and the
//! sign-in form: which [`ServerProfile`] a choice means and the label shown for it.

use super::error::{AppError, ErrorCode};
use crate::server::{ApiVersion, Flavour, ServerProfile};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The server choice on the sign-in screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ServerChoice {
    /// The hosted Fly deployment.
    #[default]
    Fly,
    /// The hosted AWS deployment.
    Aws,
    /// The local sandbox (the embedded one in demo mode).
    Sandbox,
    /// A server at a URL of the user's.
    Custom,
}

/// A server as the user chose it; saved in the settings so start-up resumes the same one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ServerSettings {
    /// Which server.
    pub choice: ServerChoice,
    /// API origin for `Custom`.
    pub url: Option<String>,
    /// WebSocket URL for `Custom` (derived from the origin and flavour when empty).
    pub ws_url: Option<String>,
    /// Realtime protocol for `Custom`.
    pub flavour: Flavour,
    /// REST API version for `Custom` (A does not accept `rememberMe`).
    pub api_version: ApiVersion,
}

impl ServerSettings {
    /// A custom server at `url`.
    pub fn custom(url: &str, ws_url: Option<&str>, flavour: Flavour, api: ApiVersion) -> Self {
        Self {
            choice: ServerChoice::Custom,
            url: Some(url.to_owned()),
            ws_url: ws_url.map(str::to_owned),
            flavour,
            api_version: api,
        }
    }

    /// True when start-up may resume a stored session for it: the local sandbox gets a new
    /// port (and a fresh database) on every run.
    pub fn resumable(&self) -> bool {
        self.choice != ServerChoice::Sandbox
    }
}

/// The sign-in form. Inbound only: deliberately not `Serialize`, so the password cannot be
/// echoed back across IPC or into a log by accident.
#[derive(Clone, Deserialize, TS)]
pub struct SignInRequest {
    /// The server.
    pub server: ServerSettings,
    /// User name.
    pub username: String,
    /// Password; dropped right after the login request.
    pub password: String,
    /// Keep the refresh token in the keychain across restarts (and ask for 30 days).
    pub remember_me: bool,
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("server", &self.server)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("remember_me", &self.remember_me)
            .finish()
    }
}

/// A resolved server: its profile and the label shown for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    /// REST and WebSocket endpoints.
    pub profile: ServerProfile,
    /// "DevHive Fly", "Local sandbox (127.0.0.1:4000)", or the custom URL.
    pub label: String,
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// The profile and label of a server choice; `sandbox_url` is the running local sandbox.
pub fn resolve(
    server: &ServerSettings,
    sandbox_url: Option<&str>,
) -> Result<ServerTarget, AppError> {
    let bad =
        |e: crate::server::ProfileError| AppError::new(ErrorCode::InvalidInput, e.to_string());
    Ok(match server.choice {
        ServerChoice::Fly => ServerTarget {
            profile: ServerProfile::devhive_fly(),
            label: "DevHive Fly".into(),
        },
        ServerChoice::Aws => ServerTarget {
            profile: ServerProfile::devhive_aws(),
            label: "DevHive AWS".into(),
        },
        ServerChoice::Sandbox => {
            let url = sandbox_url.unwrap_or("http://127.0.0.1:8080");
            ServerTarget {
                profile: ServerProfile::custom(url, None, Flavour::Fly, ApiVersion::B)
                    .map_err(bad)?,
                label: format!("Local sandbox ({})", url.trim_start_matches("http://")),
            }
        }
        ServerChoice::Custom => {
            let url = non_empty(server.url.as_deref())
                .ok_or_else(|| AppError::new(ErrorCode::InvalidInput, "Enter the server URL."))?;
            let ws = non_empty(server.ws_url.as_deref());
            ServerTarget {
                profile: ServerProfile::custom(url, ws, server.flavour, server.api_version)
                    .map_err(bad)?,
                label: url.trim_end_matches('/').to_owned(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_aws_server_keeps_its_flavour_and_socket_url() {
        let server = ServerSettings::custom(
            "https://api.example.test",
            Some("wss://ws.example.test/prod"),
            Flavour::Aws,
            ApiVersion::B,
        );
        let target = resolve(&server, None).unwrap();
        assert_eq!(target.profile.flavour, Flavour::Aws);
        assert_eq!(target.profile.ws_url.as_str(), "wss://ws.example.test/prod");
        assert_eq!(target.label, "https://api.example.test");
    }

    #[test]
    fn a_custom_server_needs_a_url() {
        let server = ServerSettings {
            choice: ServerChoice::Custom,
            ..ServerSettings::default()
        };
        assert_eq!(
            resolve(&server, None).unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }

    #[test]
    fn the_sandbox_is_never_resumed() {
        let sandbox = ServerSettings {
            choice: ServerChoice::Sandbox,
            ..ServerSettings::default()
        };
        assert!(!sandbox.resumable());
        assert!(ServerSettings::default().resumable());
    }
}
