//! Settings across restarts, headless: the server profile (custom URL, flavour, WebSocket
//! URL), the watched list per server + user, pause and notification choices all survive; a
//! settings change never forgets the sign-in; resume keeps a custom AWS server's flavour.

mod app_support;

use app_support::*;
use devhive_core::app::{Phase, SettingsPatch, UiEvent};
use devhive_core::server::{ApiVersion, Flavour};
use std::collections::BTreeMap;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_survive_a_restart_and_a_settings_change_keeps_the_sign_in() {
    let running = sandbox().await;
    let machine = Machine::new("settings");
    let server = fly(&running);
    {
        let (app, port) = machine.launch();
        app.sign_in(sign_in(server.clone(), "alice", true))
            .await
            .unwrap();
        port.until("three live projects", WAIT, || live(&app) == 3)
            .await;
        app.watch(vec![apollo(), cassini()]).unwrap();
        // What a stale UI copy used to undo: each change is a patch of what the user changed.
        app.update_settings(SettingsPatch {
            quiet: Some(true),
            ..SettingsPatch::default()
        })
        .unwrap();
        app.update_settings(SettingsPatch {
            paused: Some(true),
            ..SettingsPatch::default()
        })
        .unwrap();
        let notify = BTreeMap::from([(apollo(), false)]);
        let now = app
            .update_settings(SettingsPatch {
                notify: Some(notify),
                ..SettingsPatch::default()
            })
            .unwrap();
        assert_eq!(
            now.server.as_ref(),
            Some(&server),
            "a settings change keeps the server"
        );
        assert!(now.quiet && now.paused, "earlier patches stay: {now:?}");
    }
    let (app, port) = machine.launch();
    let settings = app.settings();
    assert_eq!(
        settings.server,
        Some(server),
        "the custom server profile survives"
    );
    assert!(settings.quiet && settings.paused && !settings.notifies(&apollo()));
    port.until("resumed and two live projects", WAIT, || {
        matches!(app.phase(), Phase::SignedIn { .. }) && live(&app) == 2
    })
    .await;
    assert_eq!(
        app.session_view().user.as_deref(),
        Some("alice"),
        "no password asked"
    );
    let mut watched: Vec<String> = app
        .connections()
        .into_iter()
        .map(|c| c.project_id)
        .collect();
    watched.sort();
    let mut want = vec![apollo(), cassini()];
    want.sort();
    assert_eq!(
        watched, want,
        "the watched list of this server + user is back"
    );
    assert!(
        !port
            .phases()
            .iter()
            .any(|p| matches!(p, Phase::SignedOut { .. })),
        "a remembered session never shows the sign-in form: {:?}",
        port.phases()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watched_list_is_kept_per_server_and_user() {
    let running = sandbox().await;
    let machine = Machine::new("per-user");
    let (app, port) = machine.launch();
    app.sign_in(sign_in(fly(&running), "alice", true))
        .await
        .unwrap();
    port.until("alice live", WAIT, || live(&app) == 3).await;
    app.watch(vec![apollo()]).unwrap();
    app.sign_out().await.unwrap();
    app.sign_in(sign_in(fly(&running), "carol", true))
        .await
        .unwrap();
    port.until("carol's own projects, all of them", WAIT, || {
        live(&app) == 2
    })
    .await;
    let carol: Vec<String> = app
        .connections()
        .into_iter()
        .map(|c| c.project_id)
        .collect();
    assert!(
        carol.contains(&cassini()),
        "carol is not limited by alice's list: {carol:?}"
    );
    let accounts = app.settings().watched.len();
    assert_eq!(accounts, 1, "only alice chose a list");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_keeps_a_custom_aws_servers_flavour_and_socket_url() {
    let running = sandbox().await;
    let machine = Machine::new("aws");
    let aws = devhive_core::app::ServerSettings::custom(
        &running.base_url(),
        Some(&running.ws_aws_url()),
        Flavour::Aws,
        ApiVersion::B,
    );
    {
        let (app, port) = machine.launch();
        app.sign_in(sign_in(aws.clone(), "alice", true))
            .await
            .unwrap();
        port.until("live over the aws flavour", WAIT, || live(&app) == 3)
            .await;
    }
    let (app, port) = machine.launch();
    port.until("resumed and live again", WAIT, || live(&app) == 3)
        .await;
    let profile = app.server().expect("signed in").profile;
    assert_eq!(
        profile.flavour,
        Flavour::Aws,
        "not silently turned into fly"
    );
    assert_eq!(profile.ws_url.as_str(), running.ws_aws_url());
    let stats = running.control().stats().await.unwrap();
    let aws_opens = stats
        .handshakes
        .get("aws")
        .and_then(|s| s.get("101"))
        .copied();
    assert!(
        aws_opens >= Some(6),
        "both runs connected over aws: {:?}",
        stats.handshakes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pausing_is_announced_to_every_front_end_and_silences_notifications() {
    let running = sandbox().await;
    let machine = Machine::new("pause");
    let (app, port) = machine.launch();
    app.sign_in(sign_in(fly(&running), "alice", false))
        .await
        .unwrap();
    app.update_settings(SettingsPatch {
        paused: Some(true),
        ..SettingsPatch::default()
    })
    .unwrap();
    let announced = port
        .events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, UiEvent::SettingsChanged(s) if s.paused));
    assert!(
        announced,
        "the tray's check follows the setting through this event"
    );
    app.offer_notifications(vec![devhive_core::app::NotifyItem {
        project_id: apollo(),
        project_name: "Apollo".into(),
        text: "bob: hello".into(),
        actor_id: Some(devhive_sandbox::demo::BOB.to_string()),
        key: None,
    }]);
    assert!(
        port.notes.lock().unwrap().is_empty(),
        "nothing while paused"
    );
}
