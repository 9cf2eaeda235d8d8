//! Reading a project's fresh snapshot over REST (tasks, newest messages, members: three
//! requests, each paid from the budget) and catching up: diff against the stored snapshot and
//! store the fresh one in one transaction.

use super::budget::RequestBudget;
use super::diff::diff;
use super::missed::Missed;
use crate::api::{Member, Message, Task};
use crate::app::{AuthedApi, AuthedError};
use crate::auth::TokenSource;
use crate::history::{HistoryError, HistoryStore, MemberRow, MessageRow, ProjectSnapshot, TaskRow};
use std::sync::Arc;

/// How many of the newest messages a snapshot holds.
pub const MESSAGE_PAGE: u32 = 50;
/// The task list's page size (the API client reads the first 100).
pub const TASK_PAGE: usize = 100;
/// The longest message preview kept.
const PREVIEW_CHARS: usize = 120;

/// Why a catch-up failed.
#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    /// A REST read failed.
    #[error("reading the project over REST failed: {0}")]
    Fetch(#[from] AuthedError),
    /// The history store failed.
    #[error(transparent)]
    Store(#[from] HistoryError),
    /// The blocking store task panicked or was cancelled at shutdown.
    #[error("the history store task ended early")]
    StoreTask,
}

/// What a catch-up of one project found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatchUp {
    /// Nothing was stored for it: the fresh snapshot is now the baseline.
    Baseline,
    /// What changed since the stored snapshot (possibly nothing).
    Missed(Vec<Missed>),
}

/// Builds the snapshot rows from REST bodies.
pub fn snapshot_of(
    tasks: &[Task],
    messages: &[Message],
    members: &[Member],
    taken_at_ms: i64,
) -> ProjectSnapshot {
    let lower = |s: &str| s.to_ascii_lowercase();
    ProjectSnapshot {
        taken_at_ms,
        tasks: tasks
            .iter()
            .map(|t| TaskRow {
                id: lower(&t.id),
                status: t.status,
                title: t.description.clone(),
                assignee_id: t.assignee_id.as_deref().map(lower),
                assignee: t.assignee.as_ref().map(|a| a.username.clone()),
            })
            .collect(),
        tasks_truncated: tasks.len() >= TASK_PAGE,
        messages: messages
            .iter()
            .map(|m| MessageRow {
                id: lower(&m.id),
                sender_id: lower(&m.sender_id),
                sender: m
                    .sender
                    .as_ref()
                    .map(|s| s.username.clone())
                    .unwrap_or_default(),
                created_at: m.created_at.clone(),
                preview: m.content.chars().take(PREVIEW_CHARS).collect(),
            })
            .collect(),
        members: members
            .iter()
            .map(|m| MemberRow {
                user_id: lower(&m.id),
                username: m.username.clone(),
            })
            .collect(),
    }
}

/// Reads `project`'s fresh snapshot: three requests, each waiting for the budget.
/// Dropping the future abandons the reads; nothing is stored.
pub async fn fetch_snapshot<T: TokenSource>(
    api: &AuthedApi<T>,
    budget: &RequestBudget,
    project: &str,
) -> Result<ProjectSnapshot, AuthedError> {
    budget.take().await;
    let tasks = api.tasks(project).await?;
    budget.take().await;
    let messages = api.messages(project, MESSAGE_PAGE).await?;
    budget.take().await;
    let members = api.members(project).await?.members;
    let now = time::OffsetDateTime::now_utc();
    let ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
    Ok(snapshot_of(&tasks, &messages, &members, ms))
}

/// Compares `fresh` with the stored snapshot of `project` and stores `fresh` (and the missed
/// items as catch-up feed items) in one transaction. What the feed recorded live since the
/// stored snapshot (same resource and id) is not "missed". The price: a task seen changing
/// live and changed again before the next snapshot is not reported a second time; the app
/// takes a fresh snapshot of a project changed live every few minutes to keep that short. Runs on a blocking thread; dropping the
/// future does not stop it: the exchange commits whole or not at all.
pub async fn exchange(
    store: &Arc<HistoryStore>,
    project: &str,
    fresh: ProjectSnapshot,
    me: &str,
) -> Result<CatchUp, CatchUpError> {
    let (store, project, me) = (Arc::clone(store), project.to_owned(), me.to_owned());
    tokio::task::spawn_blocking(move || {
        store.exchange_snapshot(&project, &fresh, |stored, seen| match stored {
            None => (CatchUp::Baseline, Vec::new()),
            Some(stored) => {
                let mut missed = diff(&project, stored, &fresh, &me);
                missed.retain(|m| !seen.contains(&(m.resource.as_str().to_owned(), m.id.clone())));
                let records = missed.iter().map(Missed::record).collect();
                (CatchUp::Missed(missed), records)
            }
        })
    })
    .await
    .map_err(|_| CatchUpError::StoreTask)?
    .map_err(CatchUpError::from)
}

/// Fetches and exchanges one project. Dropping the future during the reads stores nothing;
/// once the exchange has begun it completes.
pub async fn catch_up<T: TokenSource>(
    api: &AuthedApi<T>,
    budget: &RequestBudget,
    store: &Arc<HistoryStore>,
    project: &str,
    me: &str,
) -> Result<CatchUp, CatchUpError> {
    let fresh = fetch_snapshot(api, budget, project).await?;
    exchange(store, project, fresh, me).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_bodies_become_rows_with_lowercase_ids_and_short_previews() {
        let task: Task = serde_json::from_value(serde_json::json!({
            "id": "T-1", "projectId": "P", "description": "Ship", "status": 1,
            "assigneeId": "U-B", "assignee": {"username": "bob"}
        }))
        .unwrap();
        let message: Message = serde_json::from_value(serde_json::json!({
            "id": "M-1", "senderId": "U-A", "content": "x".repeat(500),
            "createdAt": "2026-01-01T00:00:00Z", "sender": {"username": "ada"}
        }))
        .unwrap();
        let member: Member =
            serde_json::from_value(serde_json::json!({"id": "U-A", "username": "ada"})).unwrap();
        let s = snapshot_of(std::slice::from_ref(&task), &[message], &[member], 7);
        assert_eq!(s.taken_at_ms, 7);
        assert_eq!(
            s.tasks,
            vec![TaskRow {
                id: "t-1".into(),
                status: 1,
                title: "Ship".into(),
                assignee_id: Some("u-b".into()),
                assignee: Some("bob".into()),
            }]
        );
        assert!(!s.tasks_truncated);
        assert_eq!(s.messages[0].sender_id, "u-a");
        assert_eq!(s.messages[0].preview.chars().count(), PREVIEW_CHARS);
        assert_eq!(s.members[0].user_id, "u-a");
        let full = vec![task; TASK_PAGE];
        assert!(
            snapshot_of(&full, &[], &[], 0).tasks_truncated,
            "a full page may hide more tasks"
        );
    }
}
