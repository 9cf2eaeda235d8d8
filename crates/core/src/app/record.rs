//! What the app's feed showed live, kept in the account's history: a restart restores it
//! (with unread counts), and the next catch-up does not report it as missed. Every few
//! minutes each project changed live is caught up again, so its stored snapshot follows
//! what was seen and anything the feed did not show still comes out as "missed".

use super::{away, FeedEventView, Inner};
use crate::clock::SharedClock;
use crate::history::{FeedRecord, HistoryStore, Origin};
use std::collections::BTreeSet;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

/// How long after a project's first live change since its last snapshot it is caught up
/// again (3 requests from the shared budget of 60 a minute).
pub const RESNAPSHOT_EVERY: Duration = Duration::from_secs(180);

impl FeedEventView {
    /// This live line as the history stores it.
    pub fn record(&self) -> FeedRecord {
        FeedRecord {
            at_ms: self.at_ms as i64,
            project: self.project_id.clone(),
            origin: Origin::Live,
            resource: self.resource.clone().unwrap_or_else(|| self.kind.clone()),
            action: self.action.clone().unwrap_or_default(),
            item_id: self.id.clone().unwrap_or_default(),
            // Empty when the server said nothing (a bare `cache_invalidate`).
            summary: self.summary.clone().unwrap_or_default(),
        }
    }
}

/// Where the feed forwarder hands live lines; the writer task owns the appends.
pub(super) type LiveLog = mpsc::UnboundedSender<FeedRecord>;

/// The writer: appends live lines in the order they came (one blocking append per batch)
/// and catches up projects changed live every `every`. It ends when the log's sender is
/// dropped; aborting it (sign-out) loses only lines not yet appended, and an append under
/// way still commits whole on its blocking thread.
pub(super) async fn keep_live(
    weak: Weak<Inner>,
    store: Arc<HistoryStore>,
    mut lines: mpsc::UnboundedReceiver<FeedRecord>,
    clock: SharedClock,
    every: Duration,
) {
    let mut dirty = BTreeSet::new();
    let mut due: Option<Instant> = None;
    loop {
        tokio::select! {
            line = lines.recv() => {
                let Some(first) = line else { return };
                let mut batch = vec![first];
                while let Ok(more) = lines.try_recv() {
                    batch.push(more);
                }
                dirty.extend(batch.iter().map(|r| r.project.clone()));
                due.get_or_insert_with(|| clock.now() + every);
                let store = Arc::clone(&store);
                match tokio::task::spawn_blocking(move || store.append_feed(&batch)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::warn!(%error, "live feed lines not stored"),
                    Err(error) => tracing::warn!(%error, "live feed append task failed"),
                }
            }
            () = sleep_until(due.unwrap_or_else(|| clock.now())), if due.is_some() => {
                due = None;
                for project in std::mem::take(&mut dirty) {
                    away::catch_up(weak.clone(), project).await;
                }
            }
        }
    }
}
