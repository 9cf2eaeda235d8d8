//! The project list and REST, headless: a project added on the server appears (after a
//! resync, or within the refresh period), one the user leaves disappears, a REST 401 is
//! refreshed and retried once, a server without task lists degrades quietly with a note, and
//! the diagnostics bundle carries the feed's counters.

mod app_support;

use app_support::*;
use devhive_core::app::{ErrorCode, ResourceData, ResourceKind, UiEvent};
use devhive_sandbox::demo;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn listed(app: &devhive_core::app::App, name: &str) -> bool {
    app.projects().iter().any(|p| p.name == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_added_on_the_server_appears_after_a_resync_and_is_watched() {
    let running = sandbox().await;
    let machine = Machine::new("added");
    let (app, port) = machine.launch();
    app.sign_in(sign_in(fly(&running), "alice", false))
        .await
        .unwrap();
    port.until("three live projects", WAIT, || live(&app) == 3)
        .await;
    running.sandbox.create_project(demo::ALICE, "Dione");
    // Its creation event is for a project this client does not watch yet; the server's
    // `reconnect` message makes every socket resync, and a resync fetches the list again.
    running.control().send_reconnect().await.unwrap();
    port.until("Dione listed and live", WAIT, || {
        listed(&app, "Dione") && live(&app) == 4
    })
    .await;
    let announced = port.events.lock().unwrap().iter().any(
        |e| matches!(e, UiEvent::ProjectsChanged(list) if list.iter().any(|p| p.name == "Dione")),
    );
    assert!(announced, "front ends were told");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_added_on_the_server_appears_within_the_refresh_period() {
    let running = sandbox().await;
    let machine = Machine::new("periodic");
    let mut config = machine.config();
    config.list_every = Duration::from_secs(2);
    let (app, port) = machine.launch_with(config);
    app.sign_in(sign_in(fly(&running), "alice", false))
        .await
        .unwrap();
    port.until("three listed", WAIT, || app.projects().len() == 3)
        .await;
    running.sandbox.create_project(demo::ALICE, "Europa");
    port.until("Europa listed with no event at all", WAIT, || {
        listed(&app, "Europa")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_membership_event_on_a_watched_project_fetches_the_list_again() {
    let running = sandbox().await;
    let machine = Machine::new("removed");
    let (app, port) = machine.launch();
    app.sign_in(sign_in(fly(&running), "alice", false))
        .await
        .unwrap();
    port.until("three live projects", WAIT, || live(&app) == 3)
        .await;
    running
        .sandbox
        .remove_member(Some(demo::BOB), demo::BOREALIS, demo::ALICE)
        .unwrap();
    port.until("Borealis gone from the list and the feed", WAIT, || {
        !listed(&app, "Borealis") && app.connections().len() == 2
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rest_401_refreshes_once_and_retries() {
    let running = sandbox().await;
    let machine = Machine::new("rest401");
    let (app, port) = machine.launch();
    app.sign_in(sign_in(fly(&running), "alice", false))
        .await
        .unwrap();
    port.until("live", WAIT, || live(&app) == 3).await;
    let before = refreshes_ok(&running).await;
    running.control().expire_tokens().await.unwrap();
    let data = app.fetch(&apollo(), ResourceKind::Messages, None).await;
    assert!(
        matches!(&data, Ok(ResourceData::Messages(m)) if !m.is_empty()),
        "the read succeeds after one refresh: {data:?}"
    );
    assert_eq!(
        refreshes_ok(&running).await,
        before + 1,
        "exactly one refresh"
    );
    let again = app.fetch(&apollo(), ResourceKind::Members, None).await;
    assert!(again.is_ok(), "the fresh token serves the next read");
    assert_eq!(
        refreshes_ok(&running).await,
        before + 1,
        "and no second refresh"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_task_lists_degrades_quietly_with_a_note() {
    let running = sandbox().await;
    running.control().hide_work_lists(true).await.unwrap();
    let machine = Machine::new("notasks");
    let (app, port) = machine.launch();
    app.sign_in(sign_in(fly(&running), "alice", false))
        .await
        .unwrap();
    port.until("live", WAIT, || live(&app) == 3).await;
    for _ in 0..2 {
        let tasks = app.fetch(&apollo(), ResourceKind::Tasks, None).await;
        assert_eq!(
            tasks,
            Ok(ResourceData::Tasks(Vec::new())),
            "an empty list, no error"
        );
    }
    let notes = app.notes();
    assert_eq!(
        notes.len(),
        1,
        "one note, however often it is asked: {notes:?}"
    );
    assert!(
        notes[0].contains("GET /projects/{id}/tasks"),
        "{}",
        notes[0]
    );
    let bundle: serde_json::Value = serde_json::from_str(&app.diagnostics().await).unwrap();
    assert_eq!(
        bundle["notes"][0],
        notes[0].as_str(),
        "the note is in the diagnostics"
    );
    let timeline = bundle["session_timeline"].to_string();
    assert!(
        timeline.contains("\"kind\":\"note\""),
        "and in the timeline: {timeline}"
    );
    // A project that does not exist is still an error: only the router's 404 degrades.
    let missing = app
        .fetch(
            "00000000-0000-4000-8000-000000000000",
            ResourceKind::Project,
            None,
        )
        .await;
    assert!(
        matches!(missing, Err(ref e) if e.code == ErrorCode::NotFound || e.code == ErrorCode::Forbidden),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_diagnostics_bundle_carries_the_feed_counters() {
    let running = sandbox().await;
    let machine = Machine::new("counters");
    let (app, port) = machine.launch();
    app.sign_in(sign_in(fly(&running), "alice", false))
        .await
        .unwrap();
    port.until("live", WAIT, || live(&app) == 3).await;
    running
        .sandbox
        .post_message(demo::BOB, demo::APOLLO, "counted", "text", None)
        .unwrap();
    port.until("the event", WAIT, || {
        port.events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, UiEvent::FeedEvent(_)))
    })
    .await;
    let bundle: serde_json::Value = serde_json::from_str(&app.diagnostics().await).unwrap();
    assert!(
        bundle["feed"]["delivered"].as_u64() >= Some(1),
        "{}",
        bundle["feed"]
    );
    assert!(bundle["feed"].get("dropped_unwatched").is_some());
}
