//! `GET /tasks/{id}` and `GET /projects/{id}/tasks`, so the feed can say which task changed
//! and how (a fly `cache_invalidate` names only the row id).

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use serde::Deserialize;

use crate::api::{ApiError, CONNECT_TIMEOUT, REQUEST_TIMEOUT};
use crate::auth::AccessToken;
use crate::server::ServerProfile;

/// A person embedded in a task.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskPerson {
    /// Login name.
    #[serde(default)]
    pub username: String,
}

/// A task (`TaskResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Task id.
    pub id: String,
    /// Project id.
    #[serde(default)]
    pub project_id: String,
    /// The task's text.
    #[serde(default)]
    pub description: String,
    /// Status code (0 to do, 1 in progress, 2 done in the reference server).
    #[serde(default)]
    pub status: i64,
    /// Assignee, if any.
    #[serde(default)]
    pub assignee: Option<TaskPerson>,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Deserialize)]
struct TaskList {
    #[serde(default)]
    tasks: Option<Vec<Task>>,
}

/// Reads tasks with a bearer token.
#[derive(Debug, Clone)]
pub struct TaskReader {
    http: reqwest::Client,
    profile: ServerProfile,
}

impl TaskReader {
    /// A reader for this server on this machine's network settings.
    pub fn new(profile: ServerProfile) -> Result<Self, ApiError> {
        Self::with_network(profile, &crate::net::Network::system())
    }

    /// A reader for this server on `network` (a proxy, an extra CA).
    pub fn with_network(
        profile: ServerProfile,
        network: &crate::net::Network,
    ) -> Result<Self, ApiError> {
        let http = network
            .http_builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(ApiError::transport)?;
        Ok(Self { http, profile })
    }

    /// One task; `Ok(None)` when it no longer exists (404).
    pub async fn task(&self, token: &AccessToken, id: &str) -> Result<Option<Task>, ApiError> {
        match self.get(&format!("tasks/{id}"), token).await {
            Ok(bytes) => Ok(Some(parse(&bytes)?)),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A project's tasks (first 100).
    pub async fn tasks(&self, token: &AccessToken, project: &str) -> Result<Vec<Task>, ApiError> {
        let bytes = self
            .get(
                &format!("projects/{project}/tasks?limit=100&offset=0"),
                token,
            )
            .await?;
        Ok(parse::<TaskList>(&bytes)?.tasks.unwrap_or_default())
    }

    async fn get(&self, path: &str, token: &AccessToken) -> Result<Vec<u8>, ApiError> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut url = self.profile.endpoint(path);
        if !query.is_empty() {
            url.set_query(Some(query));
        }
        let response = self
            .http
            .get(url)
            .header(AUTHORIZATION, token.bearer())
            .send()
            .await
            .map_err(ApiError::transport)?;
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE).unwrap_or_default();
        let retry_after = header(RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.map_err(ApiError::transport)?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let body = String::from_utf8_lossy(&bytes);
        Err(ApiError::from_status(
            status.as_u16(),
            &content_type,
            &body,
            retry_after,
        ))
    }
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::InvalidResponse {
        reason: format!("unexpected JSON: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_response_is_read_with_assignee() {
        let body = r#"{"id":"t1","projectId":"p1","description":"Fix login","status":2,
            "createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:01Z",
            "assignee":{"username":"bob","firstName":"Bob","lastName":"B"},
            "owner":{"id":"u","username":"alice","email":"a@x","firstName":"","lastName":""}}"#;
        let task: Task = parse(body.as_bytes()).unwrap();
        assert_eq!(task.description, "Fix login");
        assert_eq!(task.status, 2);
        assert_eq!(task.assignee.map(|a| a.username).as_deref(), Some("bob"));
    }

    #[test]
    fn empty_task_list_reads_as_empty() {
        let list: TaskList = parse(br#"{"tasks":null,"limit":100,"offset":0}"#).unwrap();
        assert!(list.tasks.unwrap_or_default().is_empty());
    }
}
