//! REST with a session: every call gets a valid token first, and a 401 on a token we handed
//! out refreshes once (unless someone already did) and retries once — never more, and never
//! for `/auth/*` calls, which the session makes itself (backend-contract §5.7).

use crate::api::{ApiClient, ApiError, MemberList, Message, Project, Task};
use crate::auth::{AccessToken, AuthError, TokenSource};
use futures_util::future::BoxFuture;
use std::sync::Arc;

/// Why an authenticated call failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthedError {
    /// No token could be had (signed out, sign-in required, refresh failing, keychain).
    #[error(transparent)]
    Token(#[from] AuthError),
    /// The server answered with an error (after the one retry, for a 401).
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl AuthedError {
    /// True when waiting helps (network, 5xx, 429, a refresh that is retrying).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Token(e) => e.is_transient(),
            Self::Api(e) => e.is_transient(),
        }
    }

    /// True when only a new sign-in helps.
    pub fn requires_sign_in(&self) -> bool {
        match self {
            Self::Token(e) => e.requires_sign_in(),
            Self::Api(e) => matches!(e, ApiError::Unauthorized { .. }),
        }
    }
}

impl From<&AuthedError> for super::AppError {
    fn from(e: &AuthedError) -> Self {
        match e {
            AuthedError::Token(t) => t.into(),
            AuthedError::Api(a) => a.into(),
        }
    }
}

/// The REST client of one signed-in account. Cheap to clone.
pub struct AuthedApi<T: TokenSource> {
    api: Arc<ApiClient>,
    tokens: Arc<T>,
}

impl<T: TokenSource> Clone for AuthedApi<T> {
    fn clone(&self) -> Self {
        Self {
            api: Arc::clone(&self.api),
            tokens: Arc::clone(&self.tokens),
        }
    }
}

impl<T: TokenSource> AuthedApi<T> {
    /// REST calls to `api` with tokens from `tokens`.
    pub fn new(api: Arc<ApiClient>, tokens: Arc<T>) -> Self {
        Self { api, tokens }
    }

    /// The plain client (for calls that need no token).
    pub fn client(&self) -> &ApiClient {
        &self.api
    }

    /// Runs `call` with a valid token; on a 401, once: a fresh token, then `call` again.
    /// Dropping the future abandons the call; a refresh it started runs on in the session.
    pub async fn call<R, F>(&self, call: F) -> Result<R, AuthedError>
    where
        F: for<'a> Fn(&'a ApiClient, &'a AccessToken) -> BoxFuture<'a, Result<R, ApiError>>,
    {
        let token = self.tokens.ensure_valid().await?;
        match call(&self.api, &token).await {
            Err(ApiError::Unauthorized { detail }) => {
                tracing::info!(%detail, "REST 401: refreshing once and retrying");
                let fresh = self.tokens.refresh_after_rejection(&token).await?;
                Ok(call(&self.api, &fresh).await?)
            }
            other => Ok(other?),
        }
    }

    /// `GET /projects`.
    pub async fn projects(&self) -> Result<Vec<Project>, AuthedError> {
        self.call(|api, t| Box::pin(async move { Ok(api.projects(t).await?.projects) }))
            .await
    }

    /// `GET /projects/{id}`.
    pub async fn project(&self, id: &str) -> Result<Project, AuthedError> {
        let id = id.to_owned();
        self.call(move |api, t| {
            let id = id.clone();
            Box::pin(async move { api.project(t, &id).await })
        })
        .await
    }

    /// `GET /projects/{id}/members`.
    pub async fn members(&self, id: &str) -> Result<MemberList, AuthedError> {
        let id = id.to_owned();
        self.call(move |api, t| {
            let id = id.clone();
            Box::pin(async move { api.members(t, &id).await })
        })
        .await
    }

    /// The newest messages of a project (`limit` of them).
    pub async fn messages(&self, id: &str, limit: u32) -> Result<Vec<Message>, AuthedError> {
        let id = id.to_owned();
        self.call(move |api, t| {
            let id = id.clone();
            Box::pin(async move { Ok(api.messages(t, &id, limit, 0).await?.messages) })
        })
        .await
    }

    /// Posts `content` to a project's chat; a 401 refreshes and retries once.
    pub async fn post_message(&self, id: &str, content: &str) -> Result<Message, AuthedError> {
        let (id, content) = (id.to_owned(), content.to_owned());
        self.call(move |api, t| {
            let (id, content) = (id.clone(), content.clone());
            Box::pin(async move { api.post_message(t, &id, &content).await })
        })
        .await
    }

    /// A project's tasks.
    pub async fn tasks(&self, project: &str) -> Result<Vec<Task>, AuthedError> {
        let project = project.to_owned();
        self.call(move |api, t| {
            let project = project.clone();
            Box::pin(async move { api.tasks(t, &project).await })
        })
        .await
    }

    /// One task (`None` once deleted).
    pub async fn task(&self, id: &str) -> Result<Option<Task>, AuthedError> {
        let id = id.to_owned();
        self.call(move |api, t| {
            let id = id.clone();
            Box::pin(async move { api.task(t, &id).await })
        })
        .await
    }
}
