//! The store against real SQLite files in a temporary folder.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "devhive-history-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn key(user: &str) -> HistoryKey {
    HistoryKey::new(&url::Url::parse("http://127.0.0.1:9/api/v1").unwrap(), user)
}

fn quick() -> OpenOptions {
    OpenOptions {
        busy_timeout: Duration::from_millis(200),
        feed_cap: 5,
    }
}

fn snapshot(status: i64) -> ProjectSnapshot {
    ProjectSnapshot {
        taken_at_ms: 1,
        tasks: vec![TaskRow {
            id: "t1".into(),
            status,
            title: "Fix login".into(),
            assignee_id: Some("u1".into()),
            assignee: Some("ada".into()),
        }],
        tasks_truncated: false,
        messages: vec![MessageRow {
            id: "m1".into(),
            sender_id: "u1".into(),
            sender: "ada".into(),
            created_at: Some("2026-01-01T00:00:00Z".into()),
            preview: "hi".into(),
        }],
        members: vec![MemberRow {
            user_id: "u1".into(),
            username: "ada".into(),
        }],
    }
}

fn record(project: &str, n: i64) -> FeedRecord {
    FeedRecord {
        at_ms: n,
        project: project.into(),
        origin: Origin::CatchUp,
        resource: "message".into(),
        action: "INSERT".into(),
        item_id: format!("m{n}"),
        summary: format!("line {n}"),
    }
}

fn open(dir: &Path, user: &str) -> Opened {
    HistoryStore::open_at(&key(user).path_in(dir), &key(user), quick()).unwrap()
}

#[test]
fn a_snapshot_survives_reopening_and_is_replaced_whole() {
    let dir = temp_dir("roundtrip");
    {
        let opened = open(&dir, "u1");
        assert!(opened.warning.is_none(), "a new file needs no warning");
        assert_eq!(opened.store.snapshot("p1").unwrap(), None);
        opened
            .store
            .exchange_snapshot("p1", &snapshot(0), |_, _| ((), vec![]))
            .unwrap();
    }
    let opened = open(&dir, "u1");
    assert!(opened.warning.is_none());
    assert_eq!(opened.store.snapshot("p1").unwrap(), Some(snapshot(0)));
    let emptier = ProjectSnapshot {
        tasks: vec![],
        ..snapshot(1)
    };
    opened
        .store
        .exchange_snapshot("p1", &emptier, |_, _| ((), vec![]))
        .unwrap();
    assert_eq!(
        opened.store.snapshot("p1").unwrap(),
        Some(emptier),
        "a task gone from the fresh read is gone from the stored one"
    );
    assert_eq!(opened.store.snapshot_projects().unwrap(), vec!["p1"]);
}

#[test]
fn an_exchange_compares_against_what_the_other_process_stored_last() {
    let dir = temp_dir("exchange");
    // Two connections to one file: the app and the CLI.
    let app = open(&dir, "u1").store;
    let cli = open(&dir, "u1").store;
    let first = app
        .exchange_snapshot("p1", &snapshot(0), |old, _| {
            (old.cloned(), vec![record("p1", 1)])
        })
        .unwrap();
    assert_eq!(first, None, "nothing stored yet: a baseline");
    let second = cli
        .exchange_snapshot("p1", &snapshot(2), |old, _| (old.cloned(), vec![]))
        .unwrap();
    assert_eq!(
        second,
        Some(snapshot(0)),
        "the CLI sees the app's snapshot, so no change is reported twice"
    );
    assert_eq!(
        cli.feed(None, 10).unwrap().len(),
        1,
        "the app's item is shared"
    );
}

#[test]
fn the_feed_keeps_the_newest_items_up_to_the_cap_and_counts_unread() {
    let dir = temp_dir("feed");
    let store = open(&dir, "u1").store;
    let items: Vec<_> = (1..=7)
        .map(|n| record(if n % 2 == 0 { "a" } else { "b" }, n))
        .collect();
    store.append_feed(&items).unwrap();
    let kept = store.feed(None, 100).unwrap();
    assert_eq!(
        kept.iter().map(|i| i.record.at_ms).collect::<Vec<_>>(),
        vec![3, 4, 5, 6, 7],
        "the cap (5) prunes the oldest"
    );
    assert_eq!(
        store.unread_counts().unwrap(),
        BTreeMap::from([("a".into(), 2), ("b".into(), 3)])
    );
    store.mark_read("a").unwrap();
    assert_eq!(
        store.unread_counts().unwrap(),
        BTreeMap::from([("b".into(), 3)])
    );
    assert!(store.feed(Some("a"), 10).unwrap().iter().all(|i| i.read));
    store.append_feed(&[record("a", 8)]).unwrap();
    assert_eq!(
        store.unread_counts().unwrap()["a"],
        1,
        "a new item is unread"
    );
    store.mark_all_read().unwrap();
    assert!(store.unread_counts().unwrap().is_empty());
}

#[test]
fn a_corrupt_file_is_moved_aside_with_a_warning_and_a_fresh_one_works() {
    let dir = temp_dir("corrupt");
    let path = key("u1").path_in(&dir);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let garbage = b"this is not a database, just bytes from a broken disk ".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let opened = open(&dir, "u1");
    let warning = opened.warning.expect("the damage is reported");
    assert!(
        matches!(warning.cause, HistoryError::Corrupt { .. }),
        "{warning}"
    );
    assert!(warning.to_string().contains("damaged"), "{warning}");
    assert_eq!(
        std::fs::read(&warning.moved_to).unwrap(),
        garbage,
        "the old file is kept aside, untouched"
    );
    opened
        .store
        .exchange_snapshot("p1", &snapshot(0), |_, _| ((), vec![]))
        .unwrap();
    assert!(
        open(&dir, "u1").warning.is_none(),
        "the fresh file is healthy"
    );
}

#[test]
fn a_file_from_a_newer_version_is_moved_aside_not_downgraded() {
    let dir = temp_dir("newer");
    let path = key("u1").path_in(&dir);
    drop(open(&dir, "u1"));
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
        .unwrap();
    drop(conn);
    let opened = open(&dir, "u1");
    let warning = opened.warning.expect("reported");
    match &warning.cause {
        HistoryError::NewerSchema {
            found, supported, ..
        } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected a newer schema, got {other}"),
    }
    let moved = Connection::open(&warning.moved_to).unwrap();
    let version: i64 = moved
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        version,
        SCHEMA_VERSION + 1,
        "the newer file is kept as it was"
    );
}

#[test]
fn a_file_locked_beyond_the_timeout_is_moved_aside() {
    let dir = temp_dir("locked");
    let path = key("u1").path_in(&dir);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // A process holding an exclusive lock on a rollback-journal file, and never letting go.
    let holder = Connection::open(&path).unwrap();
    holder
        .execute_batch("CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);")
        .unwrap();
    let opened = open(&dir, "u1");
    let warning = opened.warning.expect("reported");
    assert!(
        matches!(warning.cause, HistoryError::Locked { waited_ms: 200, .. }),
        "{warning}"
    );
    opened
        .store
        .exchange_snapshot("p1", &snapshot(0), |_, _| ((), vec![]))
        .unwrap();
    drop(holder);
}

#[test]
fn another_accounts_file_is_never_read() {
    let dir = temp_dir("foreign");
    let alice = open(&dir, "alice").store;
    alice
        .exchange_snapshot("p1", &snapshot(0), |_, _| ((), vec![record("p1", 1)]))
        .unwrap();
    let alice_path = alice.path().to_owned();
    drop(alice);
    // Someone copies alice's file to where bob's belongs.
    std::fs::copy(&alice_path, key("bob").path_in(&dir)).unwrap();
    let bob = open(&dir, "bob");
    assert!(matches!(
        bob.warning.map(|w| w.cause),
        Some(HistoryError::ForeignOwner { .. })
    ));
    assert_eq!(
        bob.store.snapshot("p1").unwrap(),
        None,
        "bob sees nothing of alice's"
    );
    assert!(bob.store.feed(None, 10).unwrap().is_empty());
}

#[test]
fn wiping_removes_the_database_and_its_wal() {
    let dir = temp_dir("wipe");
    let store = open(&dir, "u1").store;
    store.append_feed(&[record("p1", 1)]).unwrap();
    let path = store.path().to_owned();
    drop(store);
    HistoryStore::wipe(&dir, &key("u1")).unwrap();
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "nothing of the account is left: {left:?}");
    HistoryStore::wipe(&dir, &key("u1")).expect("wiping twice is fine");
    assert!(open(&dir, "u1").store.feed(None, 10).unwrap().is_empty());
}

#[test]
fn an_exchange_is_told_what_was_seen_live_since_the_stored_snapshot_in_catch_up_terms() {
    let dir = temp_dir("seen-live");
    let store = open(&dir, "u1").store;
    let live = |at_ms, resource: &str, id: &str| FeedRecord {
        at_ms,
        project: "p1".into(),
        origin: Origin::Live,
        resource: resource.into(),
        action: "UPDATE".into(),
        item_id: id.into(),
        summary: String::new(),
    };
    let before = ProjectSnapshot {
        taken_at_ms: 100,
        ..snapshot(0)
    };
    store
        .exchange_snapshot("p1", &before, |_, seen| {
            assert!(seen.is_empty(), "no stored snapshot, nothing to leave out");
            ((), vec![])
        })
        .unwrap();
    store
        .append_feed(&[
            live(99, "task", "T-OLD"),
            live(100, "task", "T-1"),
            live(101, "project_members", "P1:U-2"),
            live(102, "message", "M-9"),
            live(103, "sprint", "S-1"),
            FeedRecord {
                origin: Origin::CatchUp,
                ..live(104, "task", "T-CAUGHT")
            },
        ])
        .unwrap();
    let seen = store
        .exchange_snapshot("p1", &snapshot(1), |_, seen| (seen.clone(), vec![]))
        .unwrap();
    let want: SeenLive = [("task", "t-1"), ("member", "u-2"), ("message", "m-9")]
        .into_iter()
        .map(|(r, i)| (r.to_owned(), i.to_owned()))
        .collect();
    assert_eq!(
        seen, want,
        "live lines at or after the snapshot, lowercased; membership ids to user ids; \
         no sprints, nothing older, no catch-up lines"
    );
    assert_eq!(
        store.unread_counts().unwrap().get("p1"),
        Some(&1),
        "only the caught-up line is unread: live lines were shown as they happened"
    );
    let feed = store.feed(Some("p1"), 10).unwrap();
    assert!(feed
        .iter()
        .all(|i| i.read == (i.record.origin == Origin::Live)));
}
