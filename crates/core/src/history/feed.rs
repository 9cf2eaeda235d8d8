//! Feed items as stored (live and caught-up lines, oldest first), the size cap, and read
//! marks per project.

use rusqlite::{params, Connection};
use std::collections::BTreeMap;

/// Where a feed item came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Seen as it happened.
    Live,
    /// Found by a catch-up ("while you were away").
    CatchUp,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::CatchUp => "catch_up",
        }
    }

    fn parse(text: &str) -> Self {
        if text == "catch_up" {
            Self::CatchUp
        } else {
            Self::Live
        }
    }
}

/// A feed item to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRecord {
    /// When it happened (epoch ms).
    pub at_ms: i64,
    /// Project id (lowercase).
    pub project: String,
    /// Live or caught up.
    pub origin: Origin,
    /// `message`, `task`, `member`…
    pub resource: String,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub action: String,
    /// The server's id of the item.
    pub item_id: String,
    /// The line in words.
    pub summary: String,
}

/// A stored feed item with its sequence number and read state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// Increasing with insertion; read marks refer to it.
    pub seq: i64,
    /// What was stored.
    pub record: FeedRecord,
    /// At or below the project's read mark.
    pub read: bool,
}

/// Appends items and prunes the oldest beyond `cap` (call inside a transaction).
pub(super) fn append(
    conn: &Connection,
    items: &[FeedRecord],
    cap: u32,
) -> Result<(), rusqlite::Error> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO feed_items (at_ms, project, origin, resource, action, item_id, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for i in items {
        insert.execute(params![
            i.at_ms,
            i.project,
            i.origin.as_str(),
            i.resource,
            i.action,
            i.item_id,
            i.summary
        ])?;
    }
    conn.execute(
        "DELETE FROM feed_items WHERE seq <= (SELECT MAX(seq) FROM feed_items) - ?1",
        [cap],
    )?;
    Ok(())
}

/// The newest `limit` items (of one project, or all), oldest first.
pub(super) fn newest(
    conn: &Connection,
    project: Option<&str>,
    limit: u32,
) -> Result<Vec<FeedItem>, rusqlite::Error> {
    let mut statement = conn.prepare_cached(
        "SELECT f.seq, f.at_ms, f.project, f.origin, f.resource, f.action, f.item_id, f.summary,
                f.seq <= COALESCE(m.seq, 0)
         FROM feed_items f LEFT JOIN read_marks m ON m.project = f.project
         WHERE ?1 IS NULL OR f.project = ?1
         ORDER BY f.seq DESC LIMIT ?2",
    )?;
    let mut items = statement
        .query_map(params![project, limit], |r| {
            Ok(FeedItem {
                seq: r.get(0)?,
                record: FeedRecord {
                    at_ms: r.get(1)?,
                    project: r.get(2)?,
                    origin: Origin::parse(&r.get::<_, String>(3)?),
                    resource: r.get(4)?,
                    action: r.get(5)?,
                    item_id: r.get(6)?,
                    summary: r.get(7)?,
                },
                read: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    items.reverse();
    Ok(items)
}

/// Unread items per project (projects with none are left out).
pub(super) fn unread(conn: &Connection) -> Result<BTreeMap<String, u64>, rusqlite::Error> {
    let mut statement = conn.prepare_cached(
        "SELECT f.project, COUNT(*) FROM feed_items f LEFT JOIN read_marks m ON m.project = f.project
         WHERE f.seq > COALESCE(m.seq, 0) GROUP BY f.project",
    )?;
    let rows = statement.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })?;
    rows.collect()
}

/// Marks everything of `project` (or of every project) up to now as read.
pub(super) fn mark_read(conn: &Connection, project: Option<&str>) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO read_marks (project, seq)
         SELECT project, MAX(seq) FROM feed_items WHERE ?1 IS NULL OR project = ?1 GROUP BY project
         ON CONFLICT (project) DO UPDATE SET seq = excluded.seq",
        [project],
    )?;
    Ok(())
}
