//! The schema and its migrations. `PRAGMA user_version` is the schema version; migration `i`
//! (0-based) takes a database from version `i` to `i + 1`, in one transaction with the
//! version bump, so a crash leaves either the old or the new schema.

/// Version `i + 1` is reached by `MIGRATIONS[i]`.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    -- Which projects have a last-seen snapshot, and when it was taken (epoch ms).
    CREATE TABLE snapshot_projects (
        project         TEXT PRIMARY KEY,
        taken_at_ms     INTEGER NOT NULL,
        tasks_truncated INTEGER NOT NULL
    );
    CREATE TABLE snapshot_tasks (
        project     TEXT NOT NULL,
        id          TEXT NOT NULL,
        status      INTEGER NOT NULL,
        title       TEXT NOT NULL,
        assignee_id TEXT,
        assignee    TEXT,
        PRIMARY KEY (project, id)
    ) WITHOUT ROWID;
    CREATE TABLE snapshot_messages (
        project     TEXT NOT NULL,
        id          TEXT NOT NULL,
        sender_id   TEXT NOT NULL,
        sender      TEXT NOT NULL,
        created_at  TEXT,
        preview     TEXT NOT NULL,
        PRIMARY KEY (project, id)
    ) WITHOUT ROWID;
    CREATE TABLE snapshot_members (
        project  TEXT NOT NULL,
        user_id  TEXT NOT NULL,
        username TEXT NOT NULL,
        PRIMARY KEY (project, user_id)
    ) WITHOUT ROWID;
    -- The feed, oldest first; pruned from the oldest end to the size cap.
    CREATE TABLE feed_items (
        seq      INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms    INTEGER NOT NULL,
        project  TEXT NOT NULL,
        origin   TEXT NOT NULL CHECK (origin IN ('live', 'catch_up')),
        resource TEXT NOT NULL,
        action   TEXT NOT NULL,
        item_id  TEXT NOT NULL,
        summary  TEXT NOT NULL
    );
    CREATE INDEX feed_items_by_project ON feed_items (project, seq);
    -- Everything up to and including `seq` in `project` has been read.
    CREATE TABLE read_marks (
        project TEXT PRIMARY KEY,
        seq     INTEGER NOT NULL
    );",
];

/// The newest schema version this build reads and writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// The migrations still to run on a database at `version`, with the version each reaches.
pub fn pending(version: i64) -> impl Iterator<Item = (i64, &'static str)> {
    MIGRATIONS
        .iter()
        .enumerate()
        .skip(version.max(0) as usize)
        .map(|(i, sql)| (i as i64 + 1, *sql))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_runs_every_migration_and_a_current_one_none() {
        assert_eq!(pending(0).count(), MIGRATIONS.len());
        assert_eq!(pending(0).last().map(|(v, _)| v), Some(LATEST));
        assert_eq!(pending(LATEST).count(), 0);
        assert_eq!(pending(LATEST + 3).count(), 0);
    }
}
