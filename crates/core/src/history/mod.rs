//! The local history of one account (design.md §6b): feed items, the last-seen snapshot per
//! watched project, and read marks, in a SQLite file per server + user under the data dir.
//!
//! **Two processes, one file.** The app and the CLI each open their own connection. The file
//! is in WAL mode: readers never block and are never blocked; writers take SQLite's single
//! write lock for one short transaction each, and a writer that finds it taken waits up to
//! the busy timeout (5 s) before giving up. A catch-up reads the stored snapshot, diffs and
//! writes the fresh one in one `IMMEDIATE` transaction, so when two processes catch up at once
//! the second one diffs against the first one's result and nothing is reported twice.
//!
//! **Bad files.** A file that is damaged, stays locked beyond the timeout, has a newer schema
//! or belongs to another account is renamed aside with a [`HistoryWarning`] naming the cause,
//! and a fresh one is made; nothing panics. No token or password is ever written here.
//!
//! All methods block on SQLite (at most the busy timeout): call them off the async runtime
//! (`spawn_blocking`), as [`crate::catchup`] does.

mod error;
mod feed;
mod key;
mod open;
mod schema;
mod snapshot;

pub use error::{HistoryError, HistoryWarning};
pub use feed::{FeedItem, FeedRecord, Origin};
pub use key::HistoryKey;
pub use schema::LATEST as SCHEMA_VERSION;
pub use snapshot::{MemberRow, MessageRow, ProjectSnapshot, TaskRow};

/// What the feed showed live since a snapshot: `(resource, id)` in the catch-up's terms.
pub type SeenLive = std::collections::BTreeSet<(String, String)>;

use rusqlite::{Connection, TransactionBehavior};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// How long a writer waits for another process's write transaction.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How many feed items are kept; older ones are pruned as new ones arrive.
pub const FEED_CAP: u32 = 5_000;

/// How a store is opened (tests shorten the timeout and the cap).
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    /// How long to wait for another process's lock.
    pub busy_timeout: Duration,
    /// The feed's size cap.
    pub feed_cap: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            busy_timeout: BUSY_TIMEOUT,
            feed_cap: FEED_CAP,
        }
    }
}

/// An open history store and, when the old file had to be set aside, why.
#[derive(Debug)]
pub struct Opened {
    /// The store.
    pub store: HistoryStore,
    /// Set when a bad file was moved aside for this fresh one.
    pub warning: Option<HistoryWarning>,
}

/// One account's history database.
#[derive(Debug)]
pub struct HistoryStore {
    conn: Mutex<Connection>,
    path: PathBuf,
    options: OpenOptions,
}

impl HistoryStore {
    /// Opens `key`'s history under `data_dir`, setting a bad file aside (see the module docs).
    /// Fails only when even a fresh file cannot be made (an unwritable data dir, a full disk).
    pub fn open(data_dir: &Path, key: &HistoryKey) -> Result<Opened, HistoryError> {
        Self::open_at(&key.path_in(data_dir), key, OpenOptions::default())
    }

    /// Opens the database at `path` with `options`.
    pub fn open_at(
        path: &Path,
        key: &HistoryKey,
        options: OpenOptions,
    ) -> Result<Opened, HistoryError> {
        let warning = match open::open_checked(path, key, options.busy_timeout) {
            Ok(conn) => {
                return Ok(Opened {
                    store: Self::wrap(conn, path, options),
                    warning: None,
                })
            }
            Err(cause) if cause.is_recoverable() => {
                let moved_to = open::move_aside(path, &cause)?;
                let warning = HistoryWarning { moved_to, cause };
                tracing::warn!(%warning, "history database set aside");
                warning
            }
            Err(other) => return Err(other),
        };
        let conn = open::open_checked(path, key, options.busy_timeout)?;
        Ok(Opened {
            store: Self::wrap(conn, path, options),
            warning: Some(warning),
        })
    }

    fn wrap(conn: Connection, path: &Path, options: OpenOptions) -> Self {
        Self {
            conn: Mutex::new(conn),
            path: path.to_owned(),
            options,
        }
    }

    /// Deletes `key`'s history under `data_dir` (sign-out). Close open stores first.
    pub fn wipe(data_dir: &Path, key: &HistoryKey) -> Result<(), HistoryError> {
        open::remove(&key.path_in(data_dir))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self, op: &'static str) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        move |e| open::classify(&self.path, op, self.options.busy_timeout, e)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back on drop), so a poisoned lock is still a usable connection.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The stored snapshot of `project`, if any.
    pub fn snapshot(&self, project: &str) -> Result<Option<ProjectSnapshot>, HistoryError> {
        snapshot::load(&self.conn(), project).map_err(self.fail("read a snapshot"))
    }

    /// Projects with a stored snapshot.
    pub fn snapshot_projects(&self) -> Result<Vec<String>, HistoryError> {
        let conn = self.conn();
        let mut statement = conn
            .prepare_cached("SELECT project FROM snapshot_projects ORDER BY project")
            .map_err(self.fail("list snapshots"))?;
        let rows = statement
            .query_map([], |r| r.get(0))
            .map_err(self.fail("list snapshots"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.fail("list snapshots"))
    }

    /// Replaces `project`'s snapshot with `fresh` and, in the same transaction, hands the
    /// previous one to `compare` and stores the feed items it returns. Another process doing
    /// the same waits for this to commit, then compares against `fresh`.
    ///
    /// `compare` also gets what was seen live since the previous snapshot was taken, as
    /// `(resource, id)` pairs in the catch-up's terms (`message`, `task`, `member`; see
    /// [`FeedRecord`]), so that it can leave out what the feed already showed.
    pub fn exchange_snapshot<R>(
        &self,
        project: &str,
        fresh: &ProjectSnapshot,
        compare: impl FnOnce(Option<&ProjectSnapshot>, &SeenLive) -> (R, Vec<FeedRecord>),
    ) -> Result<R, HistoryError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail("begin a snapshot exchange"))?;
        let previous = snapshot::load(&tx, project).map_err(self.fail("read a snapshot"))?;
        let seen = match &previous {
            Some(p) => feed::seen_live(&tx, project, p.taken_at_ms)
                .map_err(self.fail("read the live feed"))?,
            None => SeenLive::new(),
        };
        let (result, items) = compare(previous.as_ref(), &seen);
        snapshot::save(&tx, project, fresh).map_err(self.fail("write a snapshot"))?;
        feed::append(&tx, &items, self.options.feed_cap)
            .map_err(self.fail("append to the feed"))?;
        tx.commit()
            .map_err(self.fail("commit a snapshot exchange"))?;
        Ok(result)
    }

    /// Appends feed items (pruning the oldest beyond the cap).
    pub fn append_feed(&self, items: &[FeedRecord]) -> Result<(), HistoryError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.fail("begin a feed append"))?;
        feed::append(&tx, items, self.options.feed_cap).map_err(self.fail("append to the feed"))?;
        tx.commit().map_err(self.fail("commit a feed append"))
    }

    /// The newest `limit` feed items (of `project`, or of all), oldest first.
    pub fn feed(&self, project: Option<&str>, limit: u32) -> Result<Vec<FeedItem>, HistoryError> {
        feed::newest(&self.conn(), project, limit).map_err(self.fail("read the feed"))
    }

    /// Unread feed items per project.
    pub fn unread_counts(&self) -> Result<BTreeMap<String, u64>, HistoryError> {
        feed::unread(&self.conn()).map_err(self.fail("count unread items"))
    }

    /// Marks `project`'s feed read up to now.
    pub fn mark_read(&self, project: &str) -> Result<(), HistoryError> {
        feed::mark_read(&self.conn(), Some(project)).map_err(self.fail("mark read"))
    }

    /// "Mark all read".
    pub fn mark_all_read(&self) -> Result<(), HistoryError> {
        feed::mark_read(&self.conn(), None).map_err(self.fail("mark all read"))
    }
}

#[cfg(test)]
mod tests;
