//! What `devhive watch` keeps in the history, as the app does: live feed items as they come;
//! after every resync, a catch-up of that project (its missed items printed and stored);
//! and, when the watch ends, a fresh snapshot of each project that had live events, so the
//! next catch-up does not report what was already seen live.

use crate::history::AccountHistory;
use devhive_core::app::{AuthedApi, FeedEventView};
use devhive_core::catchup::{self, CatchUp, CatchUpError, RequestBudget, PER_MINUTE};
use devhive_core::session::Session;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The history writer of one watch run.
pub struct Recorder {
    account: AccountHistory,
    api: AuthedApi<Session>,
    budget: RequestBudget,
    /// Projects changed live since their snapshot was taken.
    dirty: BTreeSet<String>,
}

impl Recorder {
    /// A recorder writing `account`'s history, reading with `api`.
    pub fn new(account: AccountHistory, api: AuthedApi<Session>) -> Self {
        Self {
            account,
            api,
            budget: RequestBudget::new(PER_MINUTE),
            dirty: BTreeSet::new(),
        }
    }

    /// Catches `project` up after a resync. Dropping the future during the reads stores
    /// nothing; the store exchange, once begun, completes.
    pub async fn resync(&mut self, project: &str) -> Result<CatchUp, CatchUpError> {
        let found = catchup::catch_up(
            &self.api,
            &self.budget,
            &self.account.store,
            project,
            &self.account.me,
        )
        .await?;
        self.dirty.remove(project);
        Ok(found)
    }

    /// Stores one live feed line. Dropping the future does not stop the append: it commits
    /// whole on its blocking thread, or not at all.
    pub async fn live(&mut self, event: &FeedEventView) {
        self.dirty.insert(event.project_id.clone());
        let record = event.record();
        let store = Arc::clone(&self.account.store);
        let stored = tokio::task::spawn_blocking(move || store.append_feed(&[record])).await;
        if let Ok(Err(error)) = stored {
            eprintln!("devhive: warning: {error}");
        }
    }

    /// Takes a fresh snapshot of every project changed live (what was seen is not "missed"
    /// next time). Dropping the future leaves the rest as they were.
    pub async fn flush(&mut self) {
        for project in std::mem::take(&mut self.dirty) {
            let saved = async {
                let fresh = catchup::fetch_snapshot(&self.api, &self.budget, &project).await?;
                let store = Arc::clone(&self.account.store);
                tokio::task::spawn_blocking(move || {
                    store.exchange_snapshot(&project, &fresh, |_, _| ((), Vec::new()))
                })
                .await
                .map_err(|_| CatchUpError::StoreTask)??;
                Ok::<(), CatchUpError>(())
            }
            .await;
            if let Err(error) = saved {
                eprintln!("devhive: warning: the last snapshot was not saved: {error}");
            }
        }
    }
}
