//! Feed items as stored (live and caught-up lines, oldest first), the size cap, and read
//! marks per project. Live lines count as read: the feed showed them as they happened (and
//! they include the user's own actions); what a catch-up found is unread until marked.

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
    /// Seen live (shown as it happened), or at or below the project's read mark.
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
                f.origin = 'live' OR f.seq <= COALESCE(m.seq, 0)
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

/// Unread items per project (projects with none are left out): what a catch-up found and no
/// "mark read" has covered. A live line was shown as it happened, so it is never unread.
pub(super) fn unread(conn: &Connection) -> Result<BTreeMap<String, u64>, rusqlite::Error> {
    let mut statement = conn.prepare_cached(
        "SELECT f.project, COUNT(*) FROM feed_items f LEFT JOIN read_marks m ON m.project = f.project
         WHERE f.origin <> 'live' AND f.seq > COALESCE(m.seq, 0) GROUP BY f.project",
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

/// `(resource, id)` of every live item of `project` stored at or after `since_ms`, in the
/// catch-up's terms: `message`, `task` or `member` (a membership's `<project>:<user>` id
/// becomes the user id), ids lowercase. What the feed showed live is not "missed".
pub(super) fn seen_live(
    conn: &Connection,
    project: &str,
    since_ms: i64,
) -> Result<std::collections::BTreeSet<(String, String)>, rusqlite::Error> {
    let mut statement = conn.prepare_cached(
        "SELECT resource, item_id FROM feed_items
         WHERE project = ?1 AND origin = 'live' AND at_ms >= ?2 AND item_id <> ''",
    )?;
    let rows = statement.query_map(params![project, since_ms], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut seen = std::collections::BTreeSet::new();
    for row in rows {
        let (resource, id) = row?;
        if let Some(key) = seen_key(&resource, &id) {
            seen.insert(key);
        }
    }
    Ok(seen)
}

/// A live line's resource and id in the catch-up's terms, if it is a message, task or member.
fn seen_key(resource: &str, id: &str) -> Option<(String, String)> {
    let resource = resource.to_ascii_lowercase();
    let id = id.to_ascii_lowercase();
    if resource.contains("member") {
        let user = id.rsplit(':').next().unwrap_or(&id);
        Some(("member".into(), user.to_owned()))
    } else if resource.contains("task") {
        Some(("task".into(), id))
    } else if resource.contains("message") {
        Some(("message".into(), id))
    } else {
        None
    }
}
