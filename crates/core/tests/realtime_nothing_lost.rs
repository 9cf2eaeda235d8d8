//! Nothing is lost silently: with 3 s access tokens, random drops of every kind and an event
//! every 100 ms, every event the sandbox emitted for a watched project is either delivered to
//! the feed, or missed while disconnected and then covered by a `Resync` for that project
//! before the next delivered event. Runs for the 2 minutes issue 5 asks for
//! (`DEVHIVE_NOTHING_LOST_SECS` to change it) on the real `Session` with a memory secret store.

mod support;

use devhive_core::realtime::{ConnState, Feed, FeedUpdate};
use devhive_core::session::Session;
use devhive_core::timeline::Timeline;
use devhive_sandbox::state::work::TaskPatch;
use devhive_sandbox::{demo, Config, DropMode, Flavour};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::*;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

const DROP_KINDS: [DropMode; 4] = [
    DropMode::Abrupt,
    DropMode::Close1000,
    DropMode::Close1011,
    DropMode::Close1009,
];

fn run_length() -> Duration {
    let secs = std::env::var("DEVHIVE_NOTHING_LOST_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

/// What the sandbox emitted on the fly flavour for one project, oldest first: row ids.
fn emitted_ids(stats: &devhive_sandbox::Stats, project: Uuid) -> Vec<(u64, String)> {
    let project = project.to_string();
    stats
        .events
        .iter()
        .filter(|e| e.flavour == Flavour::Fly && e.project.as_deref() == Some(project.as_str()))
        .map(|e| {
            let frame: serde_json::Value = serde_json::from_str(&e.frame).expect("frame is JSON");
            let id = frame["data"]["id"].as_str().expect("row id").to_owned();
            (e.seq, id)
        })
        .collect()
}

/// Checks one project's deliveries against what was emitted; returns (delivered, covered).
fn check_project(project: Uuid, emitted: &[(u64, String)], seen: &[FeedUpdate]) -> (usize, usize) {
    let name = project.to_string();
    let index: HashMap<&str, usize> = emitted
        .iter()
        .enumerate()
        .map(|(i, (_, id))| (id.as_str(), i))
        .collect();
    // The project's stream as the feed published it: Some(index) for an event, None for a resync.
    let stream: Vec<Option<usize>> = seen
        .iter()
        .filter_map(|u| match u {
            FeedUpdate::Event(e) if e.project.as_deref() == Some(name.as_str()) => {
                let id = e.id.as_deref().expect("every sandbox row event has an id");
                Some(Some(*index.get(id).unwrap_or_else(|| {
                    panic!("delivered event {id} was never emitted for {name}")
                })))
            }
            FeedUpdate::Resync { project, .. } if project == &name => Some(None),
            _ => None,
        })
        .collect();
    let delivered: Vec<usize> = stream.iter().flatten().copied().collect();
    assert!(
        delivered.windows(2).all(|w| w[0] < w[1]),
        "{name}: events arrive once each and in emit order: {delivered:?}"
    );
    let mut covered = 0;
    let mut last: Option<usize> = None;
    let mut resync_since_last = false;
    for item in &stream {
        match item {
            None => resync_since_last = true,
            Some(i) => {
                let first_missing = last.map_or(0, |l| l + 1);
                if *i > first_missing {
                    let missed: Vec<u64> = emitted[first_missing..*i].iter().map(|e| e.0).collect();
                    assert!(
                        resync_since_last,
                        "{name}: events {missed:?} (sandbox seq) were lost with no Resync before the next delivered one"
                    );
                    covered += missed.len();
                }
                last = Some(*i);
                resync_since_last = false;
            }
        }
    }
    assert_eq!(
        last,
        Some(emitted.len() - 1),
        "{name}: the tail event emitted after the run is delivered"
    );
    (delivered.len(), covered)
}

/// A real row change: a chat message in Apollo, a task in Borealis; returns the row id.
fn emit(sandbox: &devhive_sandbox::Sandbox, project: Uuid, text: &str) -> Uuid {
    if project == demo::APOLLO {
        sandbox
            .post_message(demo::ALICE, project, text, "text", None)
            .expect("post message")
            .id
    } else {
        sandbox
            .create_task(demo::ALICE, project, text, TaskPatch::default())
            .expect("create task")
            .id
    }
}

async fn both_connected(feed: &Feed<Session>, projects: &[Uuid]) {
    let mut states = feed.states();
    let all = |map: &BTreeMap<String, ConnState>| {
        projects
            .iter()
            .all(|p| matches!(map.get(&p.to_string()), Some(ConnState::Connected { .. })))
    };
    tokio::time::timeout(Duration::from_secs(30), states.wait_for(|m| all(m)))
        .await
        .expect("every project connects again after the drops stop")
        .expect("feed alive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_emitted_event_is_delivered_or_covered_by_a_resync_under_random_drops_and_3s_tokens()
{
    let running = devhive_sandbox::spawn(Config {
        demo: true,
        rate_limit_per_minute: None,
        access_ttl: Duration::from_secs(3),
        ..Config::default()
    })
    .await;
    let profile = fly_profile(&running);
    let timeline = Timeline::new(devhive_core::clock::system());
    let session = signed_in_session(&profile, "alice", &timeline).await;
    let mut config = fast_config();
    // Drops come every few seconds, far more often than the 30 s reset: keep the ceiling low
    // so the run sees many connected windows, not one long backoff.
    config.backoff.cap = Duration::from_secs(2);
    let feed = Feed::start(profile, Arc::clone(&session), timeline.clone(), config);
    let mut updates = feed.subscribe();
    let projects = [demo::APOLLO, demo::BOREALIS];
    feed.watch(projects.iter().map(Uuid::to_string));
    both_connected(&feed, &projects).await;

    let (finish, mut finished) = tokio::sync::oneshot::channel::<()>();
    let collector = tokio::spawn(async move {
        let mut seen = Vec::new();
        loop {
            tokio::select! {
                biased;
                update = updates.recv() => match update {
                    Ok(update) => seen.push(update),
                    Err(RecvError::Lagged(n)) => panic!("the test reader lagged by {n} updates"),
                    Err(RecvError::Closed) => return seen,
                },
                _ = &mut finished => return seen,
            }
        }
    });

    let stop = Arc::new(AtomicBool::new(false));
    let sandbox = running.sandbox.clone();
    let emitting = Arc::clone(&stop);
    let emitter = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let mut n = 0u64;
        while !emitting.load(Ordering::SeqCst) {
            tick.tick().await;
            n += 1;
            let project = if n.is_multiple_of(2) {
                demo::APOLLO
            } else {
                demo::BOREALIS
            };
            emit(&sandbox, project, &format!("e{n}"));
        }
    });

    let control = running.control();
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut drops: BTreeMap<String, u32> = BTreeMap::new();
    let end = tokio::time::Instant::now() + run_length();
    let mut kind = 0usize;
    while tokio::time::Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(1500..4000))).await;
        // Every kind in turn, so a short run still sees each one.
        let mode = DROP_KINDS[kind % DROP_KINDS.len()];
        kind += 1;
        control.drop_sockets(mode, None).await.expect("drop");
        *drops.entry(format!("{mode:?}")).or_default() += 1;
    }
    stop.store(true, Ordering::SeqCst);
    emitter.await.expect("emitter");

    both_connected(&feed, &projects).await;
    // A tail event per project after the run, so every miss has a delivered event after it.
    // An event emitted between our 101 and the server registering the socket is missed (the
    // connect's Resync covers it), so a tail is re-sent until one arrives.
    let mut tail_updates = feed.subscribe();
    for project in projects {
        let mut arrived = false;
        for _ in 0..20 {
            let id = emit(&running.sandbox, project, "tail").to_string();
            let wait = tokio::time::timeout(Duration::from_millis(500), async {
                loop {
                    if let Ok(FeedUpdate::Event(e)) = tail_updates.recv().await {
                        if e.id.as_deref() == Some(id.as_str()) {
                            return;
                        }
                    }
                }
            });
            if wait.await.is_ok() {
                arrived = true;
                break;
            }
        }
        assert!(arrived, "a tail event for {project} is delivered");
    }
    let stats = control.stats().await.expect("stats");
    // The collector reads the same broadcast: everything up to the tail is queued for it.
    let _ = finish.send(());
    let seen = collector.await.expect("collector");
    drop(feed);

    let mut total = (0, 0, 0);
    for project in projects {
        let emitted = emitted_ids(&stats, project);
        let (delivered, covered) = check_project(project, &emitted, &seen);
        assert_eq!(delivered + covered, emitted.len());
        total = (
            total.0 + emitted.len(),
            total.1 + delivered,
            total.2 + covered,
        );
    }
    let resyncs = resyncs(&seen);
    let refreshes = stats.refreshes_total();
    println!(
        "nothing-lost run {:?}: emitted {} delivered {} covered-by-resync {} resyncs {} drops {:?} refreshes {} (ok {})",
        run_length(),
        total.0,
        total.1,
        total.2,
        resyncs,
        drops,
        refreshes,
        stats.refreshes_ok()
    );
    assert!(
        DROP_KINDS
            .iter()
            .all(|m| drops.contains_key(&format!("{m:?}"))),
        "every drop kind happened: {drops:?}"
    );
    assert!(
        refreshes >= 3,
        "3 s tokens were refreshed during the run: {refreshes}"
    );
    assert_eq!(
        refreshes,
        stats.refreshes_ok(),
        "no refresh failed (no refresh races between the session and the feed)"
    );
    assert!(
        total.1 * 2 > total.0,
        "most events are delivered live: {total:?}"
    );
}
