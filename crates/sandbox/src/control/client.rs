//! A typed reqwest client for `/__sandbox/*`, so tests never hand-write HTTP.

use super::types::{DropMode, DropRequest, Flavour, RefreshFaults, Stats, UpgradeFailure};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

/// Errors of the control client.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The request failed or the response was not the expected JSON.
    #[error("control request failed: {0}")]
    Http(#[from] reqwest::Error),
}

/// Client for one sandbox's control API.
#[derive(Debug, Clone)]
pub struct ControlClient {
    base: String,
    http: reqwest::Client,
}

impl ControlClient {
    /// A client for the sandbox at `base_url` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base: base_url.into().trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
        }
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: Value) -> Result<T, ControlError> {
        let url = format!("{}/__sandbox/{path}", self.base);
        Ok(self
            .http
            .post(url)
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    async fn post_ok(&self, path: &str, body: Value) -> Result<(), ControlError> {
        self.post::<Value>(path, body).await.map(|_| ())
    }

    /// Sets the lifetime of tokens issued from now on (whole seconds).
    pub async fn set_access_ttl(&self, ttl: Duration) -> Result<(), ControlError> {
        self.post_ok("access-ttl", json!({"seconds": ttl.as_secs()}))
            .await
    }

    /// Makes every access token issued so far fail as expired; returns how many.
    pub async fn expire_tokens(&self) -> Result<u64, ControlError> {
        let v: Value = self.post("expire-tokens", json!({})).await?;
        Ok(v["expired"].as_u64().unwrap_or(0))
    }

    /// Deletes all refresh tokens, or one user's; returns how many.
    pub async fn revoke_refresh_tokens(&self, user: Option<Uuid>) -> Result<u64, ControlError> {
        let v: Value = self
            .post("revoke-refresh", json!({"user_id": user}))
            .await?;
        Ok(v["revoked"].as_u64().unwrap_or(0))
    }

    /// Drops sockets of both flavours (all, or those bound to `project`); returns how many.
    pub async fn drop_sockets(
        &self,
        mode: DropMode,
        project: Option<Uuid>,
    ) -> Result<u64, ControlError> {
        self.drop_sockets_of(mode, project, None).await
    }

    /// Drops sockets of one flavour (or both when `None`).
    pub async fn drop_sockets_of(
        &self,
        mode: DropMode,
        project: Option<Uuid>,
        flavour: Option<Flavour>,
    ) -> Result<u64, ControlError> {
        let body = DropRequest {
            mode,
            project: project.map(|p| p.to_string()),
            flavour,
        };
        let v: Value = self
            .post(
                "drop-sockets",
                serde_json::to_value(body).unwrap_or_default(),
            )
            .await?;
        Ok(v["dropped"].as_u64().unwrap_or(0))
    }

    /// Turns the blackhole (half-open sockets) on or off.
    pub async fn blackhole(&self, on: bool) -> Result<(), ControlError> {
        self.post_ok("blackhole", json!({"on": on})).await
    }

    /// Hides (or restores) the task and sprint list endpoints: `404 page not found`.
    pub async fn hide_work_lists(&self, on: bool) -> Result<(), ControlError> {
        self.post_ok("hide-work-lists", json!({"on": on})).await
    }

    /// Fails the next `n` handshakes (both flavours) with `status` and `body`.
    pub async fn fail_next_upgrades(
        &self,
        n: u32,
        status: u16,
        body: &str,
    ) -> Result<(), ControlError> {
        let f = UpgradeFailure {
            count: n,
            status,
            body: body.to_string(),
        };
        self.post_ok("fail-upgrades", serde_json::to_value(f).unwrap_or_default())
            .await
    }

    /// Makes the next `n` fly registrations close with 1011 `Server overloaded` right after the 101.
    pub async fn overload_next_registrations(&self, n: u32) -> Result<(), ControlError> {
        self.post_ok("overload", json!({"count": n})).await
    }

    /// Arms refresh latency/errors; `RefreshFaults::default()` clears them.
    pub async fn refresh_faults(&self, faults: RefreshFaults) -> Result<(), ControlError> {
        self.post_ok(
            "refresh-faults",
            serde_json::to_value(faults).unwrap_or_default(),
        )
        .await
    }

    /// Sends `{"type":"reconnect",…}` to every fly socket.
    pub async fn send_reconnect(&self) -> Result<(), ControlError> {
        self.post_ok("reconnect", json!({})).await
    }

    /// Switches the signing key (old tokens now look like another deployment's).
    pub async fn switch_signing_key(&self, key: &str) -> Result<(), ControlError> {
        self.post_ok("signing-key", json!({"key": key})).await
    }

    /// Sets the per-IP rate limit (`None` = off) and resets the counters.
    pub async fn set_rate_limit(&self, per_minute: Option<u32>) -> Result<(), ControlError> {
        self.post_ok("rate-limit", json!({"per_minute": per_minute}))
            .await
    }

    /// Creates a user (or returns the existing one's id).
    pub async fn create_user(&self, username: &str, password: &str) -> Result<Uuid, ControlError> {
        let v: Value = self
            .post("users", json!({"username": username, "password": password}))
            .await?;
        Ok(v["id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .unwrap_or_default())
    }

    /// Creates a project owned by `owner`.
    pub async fn create_project(&self, owner: Uuid, name: &str) -> Result<Uuid, ControlError> {
        let v: Value = self
            .post("projects", json!({"owner": owner, "name": name}))
            .await?;
        Ok(v["id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .unwrap_or_default())
    }

    /// Adds (upserts) a member, emitting the same events as the API.
    pub async fn add_member(
        &self,
        project: Uuid,
        user: Uuid,
        role: &str,
    ) -> Result<(), ControlError> {
        self.post_ok(
            "members",
            json!({"project": project, "user": user, "role": role}),
        )
        .await
    }

    /// Counters and the emitted-event log.
    pub async fn stats(&self) -> Result<Stats, ControlError> {
        let url = format!("{}/__sandbox/stats", self.base);
        Ok(self
            .http
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }
}
