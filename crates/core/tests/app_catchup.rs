//! The app controller publishes "While you were away" after every resync: a baseline the
//! first time, then exactly what changed while the project's socket was down.

mod app_support;

use app_support::*;
use devhive_core::app::{CatchUpView, ConnectionState, ServerChoice, ServerSettings, UiEvent};
use devhive_sandbox::control::types::UpgradeFailure;
use devhive_sandbox::{demo, DropMode};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn catch_ups(port: &Recorder, project: &str) -> Vec<CatchUpView> {
    port.events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            UiEvent::CatchUp(c) if c.project_id == project => Some(c.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_after_an_outage_publishes_what_was_missed_as_catch_up() {
    let machine = Machine::new("catchup");
    let running = sandbox().await;
    let mut config = machine.config();
    config.demo = true;
    let (app, port) = machine.launch_with(config);
    app.set_sandbox_url(running.base_url());
    let mut request = sign_in(
        ServerSettings {
            choice: ServerChoice::Sandbox,
            ..ServerSettings::default()
        },
        "alice",
        false,
    );
    request.password = demo::PASSWORD.into();
    app.sign_in(request).await.unwrap();
    let apollo = demo::APOLLO.to_string();
    port.until("the baseline", WAIT, || {
        !catch_ups(&port, &apollo).is_empty()
    })
    .await;
    let first = catch_ups(&port, &apollo);
    assert!(first[0].baseline && first[0].items.is_empty(), "{first:?}");

    let sb = &running.sandbox;
    sb.faults().fail_upgrades(UpgradeFailure {
        count: 1_000,
        status: 503,
        body: "maintenance".into(),
    });
    sb.drop_sockets(DropMode::Abrupt, None, None);
    port.until("apollo backing off", WAIT, || {
        app.connections()
            .iter()
            .any(|c| c.project_id == apollo && c.state == ConnectionState::Backoff)
    })
    .await;
    let message = sb
        .post_message(
            demo::BOB,
            demo::APOLLO,
            "while the app was away",
            "text",
            None,
        )
        .unwrap();
    let dave = sb.create_user("dave", demo::PASSWORD);
    sb.add_member(demo::APOLLO, dave, "member");
    sb.faults().fail_upgrades(UpgradeFailure {
        count: 0,
        status: 503,
        body: String::new(),
    });

    port.until("the catch-up after the outage", WAIT, || {
        catch_ups(&port, &apollo).len() >= 2
    })
    .await;
    let after = catch_ups(&port, &apollo).swap_remove(1);
    assert!(!after.baseline);
    let mut got: Vec<(String, String, String)> = after
        .items
        .iter()
        .map(|i| (i.resource.clone(), i.action.clone(), i.id.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("member".into(), "INSERT".into(), dave.to_string()),
            ("message".into(), "INSERT".into(), message.id.to_string()),
        ],
        "exactly what the outage hid: {after:?}"
    );
    let json = serde_json::to_value(UiEvent::CatchUp(after)).unwrap();
    assert_eq!(
        json["type"], "catch-up",
        "the UI tells catch-up items from live ones"
    );
}
