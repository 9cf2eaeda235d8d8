//! The signed-in account's history store for a CLI run: opened in the data dir the app uses,
//! keyed by server + user; a file set aside is reported as a warning on stderr.

use crate::exit::Exit;
use crate::globals::Globals;
use devhive_core::app::App;
use devhive_core::history::{HistoryKey, HistoryStore};
use std::sync::Arc;

/// The store and the user id it belongs to.
pub struct AccountHistory {
    /// The open store.
    pub store: Arc<HistoryStore>,
    /// The signed-in user's id (lowercase).
    pub me: String,
}

/// Opens the history of whoever `app` is signed in as.
pub fn open(app: &App, globals: &Globals) -> Result<AccountHistory, Exit> {
    let (Some(server), Some(me)) = (app.server(), app.snapshot().user_id) else {
        return Err(Exit::needs_login("not signed in: no history to read"));
    };
    let key = HistoryKey::new(&server.profile.rest_base, &me);
    let opened = HistoryStore::open(&globals.data_dir()?, &key).map_err(Exit::other)?;
    if let Some(warning) = &opened.warning {
        eprintln!("devhive: warning: {warning}");
    }
    Ok(AccountHistory {
        store: Arc::new(opened.store),
        me,
    })
}
