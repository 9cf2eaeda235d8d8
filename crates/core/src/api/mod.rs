//! The REST client for a DevHive server (backend-contract §1, §4): reqwest with the shared
//! TLS configuration and proxy routes of a [`Network`], connect timeout 5 s, request timeout
//! 10 s, the refresh cookie handled by hand.

pub mod cookie;
mod error;
pub mod models;

pub use error::ApiError;
pub use models::{
    Member, MemberList, Message, MessageList, Project, ProjectList, Task, TaskList, TaskPerson,
    User,
};

use crate::auth::AccessToken;
use crate::net::{NetError, Network, Route};
use crate::secret::Secret;
use crate::server::{ApiVersion, ServerProfile};
use futures_util::future::BoxFuture;
use reqwest::header::{CONTENT_TYPE, COOKIE, DATE, PROXY_AUTHENTICATE, RETRY_AFTER, SET_COOKIE};
use reqwest::{RequestBuilder, Response};
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// How long to wait for a TCP/TLS connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long logout may take (it is best effort).
pub const LOGOUT_TIMEOUT: Duration = Duration::from_secs(5);
/// The refresh cookie's name.
pub const REFRESH_COOKIE: &str = "refresh_token";

/// What a successful login or refresh hands us.
#[derive(Debug, Clone)]
pub struct AuthGrant {
    /// The new access token (JWT).
    pub access: Secret,
    /// The user id from the body (`userId`).
    pub user_id: String,
    /// The new refresh token from `Set-Cookie: refresh_token=…`.
    pub refresh: Secret,
    /// The cookie's `Max-Age` (7 or 30 days), if sent.
    pub refresh_lifetime: Option<Duration>,
    /// The server's `Date` header, for skew diagnostics.
    pub server_date: Option<SystemTime>,
}

/// The auth calls the session makes; implemented by [`ApiClient`] and by test doubles.
pub trait AuthApi: Send + Sync + 'static {
    /// `POST /auth/login`.
    fn login<'a>(
        &'a self,
        username: &'a str,
        password: &'a Secret,
        remember_me: bool,
    ) -> BoxFuture<'a, Result<AuthGrant, ApiError>>;
    /// `POST /auth/refresh` with `Cookie: refresh_token=<refresh>`.
    fn refresh<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<AuthGrant, ApiError>>;
    /// `POST /auth/logout` with the cookie (5 s, best effort).
    fn logout<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<(), ApiError>>;
    /// The server's host key (`host[:port]`), used to name keychain entries and locks.
    fn host_key(&self) -> String;
}

/// A client for one server profile. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    profile: ServerProfile,
    network: Network,
    last_server_date: Arc<Mutex<Option<SystemTime>>>,
}

impl ApiClient {
    /// A client with the standard timeouts on this machine's network settings.
    pub fn new(profile: ServerProfile) -> Result<Self, ApiError> {
        Self::with_timeouts(profile, CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// A client with custom timeouts (tests shorten them) on this machine's network settings.
    pub fn with_timeouts(
        profile: ServerProfile,
        connect: Duration,
        request: Duration,
    ) -> Result<Self, ApiError> {
        Self::with_network_and_timeouts(profile, &Network::system(), connect, request)
    }

    /// A client with the standard timeouts on `network` (a proxy, an extra CA).
    pub fn with_network(profile: ServerProfile, network: &Network) -> Result<Self, ApiError> {
        Self::with_network_and_timeouts(profile, network, CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// A client with custom timeouts on `network`.
    pub fn with_network_and_timeouts(
        profile: ServerProfile,
        network: &Network,
        connect: Duration,
        request: Duration,
    ) -> Result<Self, ApiError> {
        let http = network
            .http_builder()
            .connect_timeout(connect)
            .timeout(request)
            .user_agent(concat!("devhive-desktop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| ApiError::Setup { source })?;
        Ok(Self {
            http,
            profile,
            network: network.clone(),
            last_server_date: Arc::new(Mutex::new(None)),
        })
    }

    /// The profile this client talks to.
    pub fn profile(&self) -> &ServerProfile {
        &self.profile
    }

    /// The network settings this client uses.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The `Date` header of the most recent response, if any.
    pub fn last_server_date(&self) -> Option<SystemTime> {
        *self.last_server_date.lock().expect("date lock")
    }

    /// `POST /auth/login`. `rememberMe` is sent only to API version B: A rejects unknown
    /// fields with 400.
    pub async fn login(
        &self,
        username: &str,
        password: &Secret,
        remember_me: bool,
    ) -> Result<AuthGrant, ApiError> {
        let mut body = serde_json::json!({
            "username": username,
            "password": password.expose(),
        });
        if self.profile.api_version == ApiVersion::B {
            body["rememberMe"] = serde_json::Value::Bool(remember_me);
        }
        let response = self
            .send(
                self.http
                    .post(self.profile.endpoint("auth/login"))
                    .json(&body),
            )
            .await?;
        self.grant(response).await
    }

    /// `POST /auth/refresh`: the refresh token goes in a hand-made cookie header, the body is
    /// empty; the rotated token comes back in `Set-Cookie`.
    pub async fn refresh(&self, refresh: &Secret) -> Result<AuthGrant, ApiError> {
        let request = self
            .http
            .post(self.profile.endpoint("auth/refresh"))
            .header(COOKIE, cookie_header(refresh));
        let response = self.send(request).await?;
        self.grant(response).await
    }

    /// `POST /auth/logout` with the cookie; 5 s; the server always answers 200.
    pub async fn logout(&self, refresh: &Secret) -> Result<(), ApiError> {
        let request = self
            .http
            .post(self.profile.endpoint("auth/logout"))
            .header(COOKIE, cookie_header(refresh))
            .timeout(LOGOUT_TIMEOUT);
        self.send(request).await.map(drop)
    }

    /// `GET /users/me`.
    pub async fn me(&self, token: &AccessToken) -> Result<User, ApiError> {
        self.get_json("users/me", token).await
    }

    /// `GET /users/{id}`.
    pub async fn user(&self, token: &AccessToken, id: &str) -> Result<User, ApiError> {
        self.get_json(&format!("users/{id}"), token).await
    }

    /// `GET /projects` (`"projects": null` reads as empty).
    pub async fn projects(&self, token: &AccessToken) -> Result<ProjectList, ApiError> {
        self.get_json("projects", token).await
    }

    /// `GET /projects/{id}`.
    pub async fn project(&self, token: &AccessToken, id: &str) -> Result<Project, ApiError> {
        self.get_json(&format!("projects/{id}"), token).await
    }

    /// `GET /projects/{id}/members`.
    pub async fn members(&self, token: &AccessToken, id: &str) -> Result<MemberList, ApiError> {
        self.get_json(&format!("projects/{id}/members"), token)
            .await
    }

    /// `GET /projects/{id}/messages?limit&offset` (newest first; `null` reads as empty).
    pub async fn messages(
        &self,
        token: &AccessToken,
        id: &str,
        limit: u32,
        offset: u32,
    ) -> Result<MessageList, ApiError> {
        let mut url = self.profile.endpoint(&format!("projects/{id}/messages"));
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        let request = self
            .http
            .get(url)
            .header(reqwest::header::AUTHORIZATION, token.bearer());
        let response = self.send(request).await?;
        json_body(response).await
    }

    /// `POST /projects/{id}/messages` with `{"content"}`; the server answers 201 with the
    /// message it stored.
    pub async fn post_message(
        &self,
        token: &AccessToken,
        id: &str,
        content: &str,
    ) -> Result<Message, ApiError> {
        let request = self
            .http
            .post(self.profile.endpoint(&format!("projects/{id}/messages")))
            .header(reqwest::header::AUTHORIZATION, token.bearer())
            .json(&serde_json::json!({ "content": content, "messageType": "text" }));
        let response = self.send(request).await?;
        json_body(response).await
    }

    /// `GET /tasks/{id}`; `Ok(None)` when the task no longer exists (404).
    pub async fn task(&self, token: &AccessToken, id: &str) -> Result<Option<Task>, ApiError> {
        match self.get_json(&format!("tasks/{id}"), token).await {
            Ok(task) => Ok(Some(task)),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `GET /projects/{id}/tasks` (the first 100; `null` reads as empty).
    pub async fn tasks(&self, token: &AccessToken, project: &str) -> Result<Vec<Task>, ApiError> {
        let mut url = self.profile.endpoint(&format!("projects/{project}/tasks"));
        url.query_pairs_mut()
            .append_pair("limit", "100")
            .append_pair("offset", "0");
        let request = self
            .http
            .get(url)
            .header(reqwest::header::AUTHORIZATION, token.bearer());
        let response = self.send(request).await?;
        Ok(json_body::<TaskList>(response).await?.tasks)
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        token: &AccessToken,
    ) -> Result<T, ApiError> {
        let request = self
            .http
            .get(self.profile.endpoint(path))
            .header(reqwest::header::AUTHORIZATION, token.bearer());
        let response = self.send(request).await?;
        json_body(response).await
    }

    /// Sends, records `Date`, and turns a non-success status into a typed error. A failure
    /// to reach the server is explained by its cause ([`Network::explain`]); a proxy's 407
    /// on a forwarded (plain http) request is the proxy's, not the server's.
    async fn send(&self, request: RequestBuilder) -> Result<Response, ApiError> {
        let request = request.build().map_err(ApiError::transport)?;
        let url = request.url().clone();
        let route = self
            .network
            .route(&url)
            .map_err(|source| ApiError::Unreachable {
                source: Box::new(source),
            })?;
        let response = match self.http.execute(request).await {
            Ok(response) => response,
            Err(error) if error.is_timeout() => return Err(ApiError::transport(error)),
            Err(error) => {
                return Err(match self.network.explain(&url, &error).await {
                    Some(source) => ApiError::Unreachable {
                        source: Box::new(source),
                    },
                    None => ApiError::transport(error),
                })
            }
        };
        if let (407, Route::Proxy(hop)) = (response.status().as_u16(), &route) {
            return Err(ApiError::Unreachable {
                source: Box::new(NetError::ProxyAuthRequired {
                    proxy: hop.address.to_string(),
                    credentials_sent: hop.credentials.is_some(),
                    scheme: header_text(&response, PROXY_AUTHENTICATE)
                        .split_whitespace()
                        .next()
                        .map(str::to_owned),
                }),
            });
        }
        if let Some(date) = response
            .headers()
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
        {
            *self.last_server_date.lock().expect("date lock") = Some(date);
        }
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let content_type = header_text(&response, CONTENT_TYPE);
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(error::parse_retry_after);
        let body = response.text().await.unwrap_or_default();
        Err(ApiError::from_status(
            status.as_u16(),
            &content_type,
            &body,
            retry_after,
        ))
    }

    async fn grant(&self, response: Response) -> Result<AuthGrant, ApiError> {
        let server_date = response
            .headers()
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
        let cookie = cookie::find_cookie(
            response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok()),
            REFRESH_COOKIE,
        );
        let body: models::TokenBody = json_body(response).await?;
        let cookie = cookie
            .filter(|c| !c.clears())
            .ok_or_else(|| ApiError::InvalidResponse {
                reason: "no refresh_token cookie in the response".into(),
            })?;
        Ok(AuthGrant {
            access: Secret::new(body.token),
            user_id: body.user_id,
            refresh_lifetime: cookie.lifetime(),
            refresh: cookie.value,
            server_date,
        })
    }
}

impl AuthApi for ApiClient {
    fn login<'a>(
        &'a self,
        username: &'a str,
        password: &'a Secret,
        remember_me: bool,
    ) -> BoxFuture<'a, Result<AuthGrant, ApiError>> {
        Box::pin(ApiClient::login(self, username, password, remember_me))
    }

    fn refresh<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<AuthGrant, ApiError>> {
        Box::pin(ApiClient::refresh(self, refresh))
    }

    fn logout<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(ApiClient::logout(self, refresh))
    }

    fn host_key(&self) -> String {
        self.profile.host_key()
    }
}

fn cookie_header(refresh: &Secret) -> String {
    format!("{REFRESH_COOKIE}={}", refresh.expose())
}

fn header_text(response: &Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn json_body<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let bytes = response.bytes().await.map_err(ApiError::transport)?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::InvalidResponse {
        reason: format!("unexpected JSON: {e}"),
    })
}

/// Parses an HTTP `Date` (IMF-fixdate, e.g. `Thu, 26 Nov 2026 15:13:28 GMT`).
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text.trim(), format)
        .ok()
        .map(|t| t.assume_utc().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date_parses_as_utc() {
        let t = parse_http_date("Thu, 26 Nov 2026 15:13:28 GMT").unwrap();
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs, 1_795_706_008);
        assert!(parse_http_date("yesterday").is_none());
    }
}
