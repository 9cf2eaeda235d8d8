//! The feed as the account's history store keeps it, for a restarted app: the newest items
//! with their read state and the unread count per project, and "mark all read".

use super::{App, AppError, ErrorCode};
use crate::history::{FeedItem, HistoryError, Origin};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// How many stored items a front end gets at start-up.
pub const STORED_FEED_LIMIT: u32 = 300;

/// One stored feed line.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StoredItemView {
    /// The project.
    pub project_id: String,
    /// True when a catch-up found it ("while you were away"), false when seen live.
    pub catch_up: bool,
    /// `message`, `task` or `member`.
    pub resource: String,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub action: String,
    /// The server's id of the item.
    pub id: String,
    /// In words.
    pub summary: String,
    /// When it happened (epoch ms).
    pub at_ms: f64,
    /// Seen live, or at or below the project's read mark.
    pub read: bool,
}

/// The stored feed (oldest first) and the unread items per project.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StoredFeedView {
    /// The newest stored items, oldest first.
    pub items: Vec<StoredItemView>,
    /// Unread items per project id (projects with none are left out).
    #[ts(type = "Record<string, number>")]
    pub unread: BTreeMap<String, u64>,
}

fn item(i: &FeedItem) -> StoredItemView {
    StoredItemView {
        project_id: i.record.project.clone(),
        catch_up: i.record.origin == Origin::CatchUp,
        resource: i.record.resource.clone(),
        action: i.record.action.clone(),
        id: i.record.item_id.clone(),
        summary: i.record.summary.clone(),
        at_ms: i.record.at_ms as f64,
        read: i.read,
    }
}

fn history_error(e: &HistoryError) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("The local history could not be read: {e}"),
    )
}

impl App {
    /// The stored feed and unread counts of the signed-in account (empty when it keeps no
    /// history).
    pub fn stored_feed(&self) -> Result<StoredFeedView, AppError> {
        let s = self.signed().ok_or_else(AppError::not_signed_in)?;
        let Some(store) = s.history.clone() else {
            return Ok(StoredFeedView {
                items: Vec::new(),
                unread: BTreeMap::new(),
            });
        };
        let items = store
            .feed(None, STORED_FEED_LIMIT)
            .map_err(|e| history_error(&e))?;
        let unread = store.unread_counts().map_err(|e| history_error(&e))?;
        Ok(StoredFeedView {
            items: items.iter().map(item).collect(),
            unread,
        })
    }

    /// "Mark all read": every stored item of the account is read; returns the feed after.
    pub fn mark_all_read(&self) -> Result<StoredFeedView, AppError> {
        let s = self.signed().ok_or_else(AppError::not_signed_in)?;
        if let Some(store) = s.history.clone() {
            store.mark_all_read().map_err(|e| history_error(&e))?;
        }
        drop(s);
        self.stored_feed()
    }
}
