//! "While you were away" in the app: after every resync (the first connect at start-up
//! included), the project is caught up against the account's history store and what was
//! missed is published as one [`UiEvent::CatchUp`], marked catch-up rather than live.

use super::{App, Inner, UiEvent};
use crate::catchup::{self, CatchUp, Missed};
use serde::Serialize;
use std::sync::Weak;
use ts_rs::TS;

/// One change found by a catch-up (not seen live).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct MissedView {
    /// `message`, `task` or `member`.
    pub resource: String,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub action: String,
    /// The server's id of the message, task or member.
    pub id: String,
    /// In words.
    pub summary: String,
    /// When it happened (or, when the server does not say, when it was found).
    pub at_ms: f64,
}

/// The result of one project's catch-up: the "While you were away" group.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CatchUpView {
    /// The project.
    pub project_id: String,
    /// True the first time: nothing was stored, a baseline was recorded, `items` is empty.
    pub baseline: bool,
    /// What was missed, oldest first within each kind.
    pub items: Vec<MissedView>,
}

fn view(m: &Missed) -> MissedView {
    MissedView {
        resource: m.resource.as_str().into(),
        action: m.action.as_str().into(),
        id: m.id.clone(),
        summary: m.summary.clone(),
        at_ms: m.at_ms() as f64,
    }
}

/// Catches `project` up and publishes the result; failures are logged (the next resync
/// tries again). Runs as its own task: the model going away ends it at the next await.
pub(super) async fn catch_up(weak: Weak<Inner>, project: String) {
    let Some(app) = weak.upgrade().map(|inner| App { inner }) else {
        return;
    };
    let Some(signed) = app.signed() else { return };
    let (Some(store), Some(me)) = (signed.history.clone(), signed.user_id.clone()) else {
        return;
    };
    let authed = signed.authed.clone();
    let budget = std::sync::Arc::clone(&signed.budget);
    drop(signed);
    drop(app);
    let found = catchup::catch_up(&authed, &budget, &store, &project, &me).await;
    let Some(app) = weak.upgrade().map(|inner| App { inner }) else {
        return;
    };
    match found {
        Ok(CatchUp::Baseline) => app.publish(UiEvent::CatchUp(CatchUpView {
            project_id: project,
            baseline: true,
            items: Vec::new(),
        })),
        Ok(CatchUp::Missed(items)) => app.publish(UiEvent::CatchUp(CatchUpView {
            project_id: project,
            baseline: false,
            items: items.iter().map(view).collect(),
        })),
        Err(error) => tracing::info!(%error, project, "catch-up failed; the next resync retries"),
    }
}
