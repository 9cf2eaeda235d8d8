//! The feed survives a restart: what a catch-up found while the app was closed is stored,
//! comes back from `stored_feed` with unread counts per project, and "mark all read" sticks.

mod app_support;

use app_support::*;
use devhive_core::app::UiEvent;
use devhive_sandbox::demo;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn catch_ups(port: &Recorder, project: &str, baseline: bool) -> usize {
    port.events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, UiEvent::CatchUp(c) if c.project_id == project && c.baseline == baseline))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_restores_the_feed_with_unread_counts_and_mark_all_read_sticks() {
    let running = sandbox().await;
    let machine = Machine::new("stored-feed");
    let apollo = apollo();
    {
        let (app, port) = machine.launch();
        app.sign_in(sign_in(fly(&running), "alice", true))
            .await
            .unwrap();
        port.until("the baseline", WAIT, || catch_ups(&port, &apollo, true) > 0)
            .await;
        assert!(app.stored_feed().unwrap().unread.is_empty());
        app.stop().await;
    }
    let message = running
        .sandbox
        .post_message(demo::BOB, demo::APOLLO, "sent while closed", "text", None)
        .unwrap();

    let (app, port) = machine.launch();
    port.until("the catch-up after the restart", WAIT, || {
        catch_ups(&port, &apollo, false) > 0
    })
    .await;
    let stored = app.stored_feed().unwrap();
    let item = stored
        .items
        .iter()
        .find(|i| i.id == message.id.to_string())
        .unwrap_or_else(|| panic!("the missed message is stored: {stored:?}"));
    assert!(item.catch_up && !item.read, "{item:?}");
    assert_eq!(item.project_id, apollo);
    assert_eq!(stored.unread.get(&apollo), Some(&1), "{stored:?}");

    let after = app.mark_all_read().unwrap();
    assert!(after.unread.is_empty(), "{after:?}");
    assert!(after.items.iter().all(|i| i.read), "{after:?}");
    app.stop().await;

    let (app, port) = machine.launch();
    port.until("resumed", WAIT, || app.stored_feed().is_ok())
        .await;
    let again = app.stored_feed().unwrap();
    assert!(
        again.unread.is_empty(),
        "read marks survive a restart: {again:?}"
    );
    assert!(again.items.iter().any(|i| i.id == message.id.to_string()));
    app.stop().await;
}

fn catch_up_items(port: &Recorder, project: &str) -> Vec<String> {
    port.events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            UiEvent::CatchUp(c) if c.project_id == project && !c.baseline => Some(c),
            _ => None,
        })
        .flat_map(|c| c.items.iter().map(|i| i.id.clone()))
        .collect()
}

fn seen_live(port: &Recorder, id: &str) -> bool {
    port.events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, UiEvent::FeedEvent(f) if f.id.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(id))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_feed_showed_live_is_restored_after_a_restart_and_never_reported_as_missed() {
    let running = sandbox().await;
    let machine = Machine::new("stored-live");
    let apollo = apollo();
    let mut config = machine.config();
    config.resnapshot_every = Duration::from_millis(300);
    let (app, port) = machine.launch_with(config);
    app.sign_in(sign_in(fly(&running), "alice", true))
        .await
        .unwrap();
    port.until("the baseline", WAIT, || catch_ups(&port, &apollo, true) > 0)
        .await;
    let seen = running
        .sandbox
        .post_message(demo::BOB, demo::APOLLO, "seen live", "text", None)
        .unwrap()
        .id
        .to_string();
    port.until("the live message", WAIT, || seen_live(&port, &seen))
        .await;
    // Changed live → caught up again soon: the fresh snapshot holds the message, and the
    // catch-up leaves it out because the feed showed it.
    port.until("the catch-up of a project changed live", WAIT, || {
        catch_ups(&port, &apollo, false) > 0
    })
    .await;
    assert!(
        !catch_up_items(&port, &apollo).contains(&seen),
        "a message seen live is not 'missed'"
    );
    let stored = app.stored_feed().unwrap();
    let line = stored
        .items
        .iter()
        .find(|i| i.id.eq_ignore_ascii_case(&seen))
        .unwrap_or_else(|| panic!("the live line is stored: {stored:?}"));
    assert!(!line.catch_up && line.read, "shown live, so read: {line:?}");
    assert!(stored.unread.is_empty(), "nothing unread: {stored:?}");
    app.stop().await;

    let away = running
        .sandbox
        .post_message(demo::BOB, demo::APOLLO, "sent while closed", "text", None)
        .unwrap()
        .id
        .to_string();
    let (app, port) = machine.launch();
    port.until("the catch-up after the restart", WAIT, || {
        catch_ups(&port, &apollo, false) > 0
    })
    .await;
    let missed = catch_up_items(&port, &apollo);
    assert_eq!(
        missed,
        vec![away.clone()],
        "only what happened while closed"
    );
    let stored = app.stored_feed().unwrap();
    let ids: Vec<(String, bool)> = stored
        .items
        .iter()
        .map(|i| (i.id.to_ascii_lowercase(), i.catch_up))
        .collect();
    assert!(ids.contains(&(seen.to_ascii_lowercase(), false)), "{ids:?}");
    assert!(ids.contains(&(away.to_ascii_lowercase(), true)), "{ids:?}");
    app.stop().await;
}
