//! Why the history store could not be used, and the warning when a damaged file was set
//! aside for a fresh one.

use std::path::PathBuf;

/// Why a history database could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file is not a SQLite database, or its pages are damaged.
    #[error("the history database {path} is damaged: {detail}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// SQLite's words.
        detail: String,
    },
    /// Another process held the database longer than the busy timeout.
    #[error(
        "the history database {path} stayed locked by another process for more than {waited_ms} ms"
    )]
    Locked {
        /// The database file.
        path: PathBuf,
        /// How long we waited.
        waited_ms: u64,
    },
    /// A newer DevHive wrote this database; this version cannot read it.
    #[error("the history database {path} has schema version {found}; this DevHive reads up to version {supported}")]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The file's `user_version`.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The file belongs to another server or user (it was copied or renamed by hand).
    #[error("the history database {path} belongs to another account")]
    ForeignOwner {
        /// The database file.
        path: PathBuf,
    },
    /// The data dir or a file in it could not be read, written or renamed.
    #[error("history store: cannot {action} {path}: {source}")]
    Io {
        /// What we tried.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused a statement for another reason (disk full, read-only file…).
    #[error("history store: {op} failed: {source}")]
    Sqlite {
        /// What we were doing.
        op: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

impl HistoryError {
    /// True when setting the file aside and starting afresh is the remedy: damaged, locked
    /// beyond the timeout, too new, or someone else's.
    pub fn is_recoverable(&self) -> bool {
        match self {
            Self::Corrupt { .. }
            | Self::Locked { .. }
            | Self::NewerSchema { .. }
            | Self::ForeignOwner { .. } => true,
            Self::Io { .. } | Self::Sqlite { .. } => false,
        }
    }
}

/// A damaged, locked, too new or foreign database was moved aside and a fresh one made.
#[derive(Debug)]
pub struct HistoryWarning {
    /// Where the old file now is (kept for a support ticket, never read again).
    pub moved_to: PathBuf,
    /// Why it was moved.
    pub cause: HistoryError,
}

impl std::fmt::Display for HistoryWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}; it was moved to {} and a fresh history was started",
            self.cause,
            self.moved_to.display()
        )
    }
}
