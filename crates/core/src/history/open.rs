//! Opening a history database: WAL and a busy timeout, the integrity check, migrations, the
//! owner check; and setting a damaged, locked, too new or foreign file aside.

use super::error::HistoryError;
use super::key::HistoryKey;
use super::schema;
use rusqlite::{Connection, ErrorCode, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Maps SQLite's error to the cause a user can act on.
pub(super) fn classify(
    path: &Path,
    op: &'static str,
    busy: Duration,
    e: rusqlite::Error,
) -> HistoryError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => HistoryError::Corrupt {
            path: path.to_owned(),
            detail: e.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => HistoryError::Locked {
            path: path.to_owned(),
            waited_ms: busy.as_millis() as u64,
        },
        _ => HistoryError::Sqlite { op, source: e },
    }
}

/// Opens (creating) the database at `path` for `key`, checked and migrated.
pub(super) fn open_checked(
    path: &Path,
    key: &HistoryKey,
    busy: Duration,
) -> Result<Connection, HistoryError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
            action: "create the folder",
            path: dir.to_owned(),
            source,
        })?;
    }
    let fail = |op| move |e| classify(path, op, busy, e);
    let mut conn = Connection::open(path).map_err(fail("open"))?;
    conn.busy_timeout(busy)
        .map_err(fail("set the busy timeout"))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(fail("switch to WAL"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(%mode, "history database is not in WAL mode");
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL")
        .map_err(fail("set synchronous"))?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(fail("check integrity"))?;
    if check != "ok" {
        return Err(HistoryError::Corrupt {
            path: path.to_owned(),
            detail: check,
        });
    }
    migrate(&mut conn, path, busy)?;
    check_owner(&conn, path, key, busy)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection, path: &Path, busy: Duration) -> Result<(), HistoryError> {
    let fail = |op| move |e| classify(path, op, busy, e);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(fail("read the schema version"))?;
    if version > schema::LATEST {
        return Err(HistoryError::NewerSchema {
            path: path.to_owned(),
            found: version,
            supported: schema::LATEST,
        });
    }
    if version == schema::LATEST {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail("begin the migration"))?;
    // Another process may have migrated while we waited for the write lock.
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(fail("read the schema version"))?;
    for (to, sql) in schema::pending(version) {
        tx.execute_batch(sql).map_err(fail("migrate"))?;
        tx.execute_batch(&format!("PRAGMA user_version = {to}"))
            .map_err(fail("migrate"))?;
        tracing::info!(version = to, "history schema migrated");
    }
    tx.commit().map_err(fail("commit the migration"))
}

/// Records the owner in a new file; refuses a file whose recorded owner differs.
fn check_owner(
    conn: &Connection,
    path: &Path,
    key: &HistoryKey,
    busy: Duration,
) -> Result<(), HistoryError> {
    let fail = |op| move |e| classify(path, op, busy, e);
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('server', ?1), ('user_id', ?2)",
        [&key.server, &key.user_id],
    )
    .map_err(fail("record the owner"))?;
    let owner: (String, String) = conn
        .query_row(
            "SELECT (SELECT value FROM meta WHERE key = 'server'),
                    (SELECT value FROM meta WHERE key = 'user_id')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(fail("read the owner"))?;
    if owner != (key.server.clone(), key.user_id.clone()) {
        return Err(HistoryError::ForeignOwner {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// The files SQLite keeps beside a database in WAL mode.
fn companions(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_owned(), with("-wal"), with("-shm")]
}

/// Renames the database and its WAL files to `<name>.<cause>-<epoch ms>[-wal|-shm]`, so a
/// fresh database can take the name (a stale WAL left behind would be replayed into it).
pub(super) fn move_aside(path: &Path, cause: &HistoryError) -> Result<PathBuf, HistoryError> {
    let tag = match cause {
        HistoryError::Corrupt { .. } => "corrupt",
        HistoryError::Locked { .. } => "locked",
        HistoryError::NewerSchema { .. } => "newer",
        HistoryError::ForeignOwner { .. } => "foreign",
        HistoryError::Io { .. } | HistoryError::Sqlite { .. } => "unusable",
    };
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let mut moved = path.as_os_str().to_owned();
    moved.push(format!(".{tag}-{ms}"));
    let moved = PathBuf::from(moved);
    for (from, to) in companions(path).iter().zip(companions(&moved)) {
        match std::fs::rename(from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(HistoryError::Io {
                    action: "move aside",
                    path: from.clone(),
                    source,
                })
            }
        }
    }
    Ok(moved)
}

/// Deletes the database and its WAL files (sign-out). A missing file is not an error.
pub(super) fn remove(path: &Path) -> Result<(), HistoryError> {
    for file in companions(path) {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(HistoryError::Io {
                    action: "delete",
                    path: file,
                    source,
                })
            }
        }
    }
    Ok(())
}
