//! The app model against the sandbox with a recording port, as the desktop's demo mode runs
//! it: sign-in errors, going live, data reads, the notification policy, and that no token ever
//! reaches anything a front end sees.

mod app_support;

use app_support::*;
use devhive_core::app::{
    ErrorCode, NotifyItem, ResourceData, ResourceKind, ServerChoice, ServerSettings, TrayState,
    UiEvent,
};
use devhive_core::auth::TokenSource;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn demo_sign_in(username: &str, password: &str) -> devhive_core::app::SignInRequest {
    let mut request = sign_in(
        ServerSettings {
            choice: ServerChoice::Sandbox,
            ..ServerSettings::default()
        },
        username,
        false,
    );
    request.password = password.into();
    request
}

async fn demo_app(
    machine: &Machine,
) -> (
    devhive_sandbox::Running,
    devhive_core::app::App,
    std::sync::Arc<Recorder>,
) {
    let running = sandbox().await;
    let mut config = machine.config();
    config.demo = true;
    let (app, port) = machine.launch_with(config);
    app.set_sandbox_url(running.base_url());
    (running, app, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_bad_credentials_with_the_servers_words() {
    let machine = Machine::new("badpw");
    let (_running, app, _port) = demo_app(&machine).await;
    let err = app
        .sign_in(demo_sign_in("alice", "not-the-password"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadCredentials, "{err:?}");
    assert_eq!(
        err.message, "Invalid credentials",
        "the server's words are passed on"
    );
    let err = app.sign_in(demo_sign_in("", "")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_sign_in_goes_live_reads_data_and_never_emits_a_token() {
    let machine = Machine::new("demo");
    let (_running, app, port) = demo_app(&machine).await;
    let view = app
        .sign_in(demo_sign_in("alice", devhive_sandbox::demo::PASSWORD))
        .await
        .unwrap();
    assert_eq!(view.user.as_deref(), Some("alice"));
    assert!(
        view.refresh_token_storage.unwrap().contains("memory"),
        "demo keeps nothing"
    );
    port.until("three live projects and their resyncs", WAIT, || {
        live(&app) == 3
            && port
                .events
                .lock()
                .unwrap()
                .iter()
                .filter(|e| matches!(e, UiEvent::Resync(_)))
                .count()
                >= 3
    })
    .await;
    assert_eq!(
        port.trays.lock().unwrap().last(),
        Some(&TrayState::Connected)
    );

    let ResourceData::Messages(messages) = app
        .fetch(&apollo(), ResourceKind::Messages, None)
        .await
        .unwrap()
    else {
        panic!("messages expected")
    };
    assert!(!messages.is_empty() && messages.iter().all(|m| !m.sender.is_empty()));
    let ResourceData::Tasks(tasks) = app
        .fetch(&apollo(), ResourceKind::Tasks, None)
        .await
        .unwrap()
    else {
        panic!("tasks expected")
    };
    let first = tasks.first().expect("the demo seeds tasks").id.clone();
    let ResourceData::Task(Some(task)) = app
        .fetch(&apollo(), ResourceKind::Task, Some(&first))
        .await
        .unwrap()
    else {
        panic!("one task expected")
    };
    assert!(!task.title.is_empty());

    let token = app.session().unwrap().ensure_valid().await.unwrap();
    let bundle = app.diagnostics().await;
    let emitted = serde_json::to_string(&*port.events.lock().unwrap()).unwrap();
    let snapshot = serde_json::to_string(&app.snapshot()).unwrap();
    for (what, text) in [
        ("events", &emitted),
        ("snapshot", &snapshot),
        ("diagnostics bundle", &bundle),
    ] {
        assert!(
            !text.contains(token.secret.expose()),
            "the access token leaked into the {what}"
        );
        assert!(
            !text.contains(&token.secret.expose()[..24]),
            "a piece of the token leaked into the {what}"
        );
        assert!(
            !text.contains(devhive_sandbox::demo::PASSWORD),
            "the password leaked into the {what}"
        );
    }

    app.sign_out().await.unwrap();
    assert_eq!(app.phase(), devhive_core::app::Phase::signed_out());
    assert_eq!(port.trays.lock().unwrap().last(), Some(&TrayState::Offline));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tray_hears_only_what_changed() {
    let machine = Machine::new("tray");
    let (_running, app, port) = demo_app(&machine).await;
    app.sign_in(demo_sign_in("alice", devhive_sandbox::demo::PASSWORD))
        .await
        .unwrap();
    port.until("three live projects in the tray", WAIT, || {
        live(&app) == 3 && port.trays.lock().unwrap().last() == Some(&TrayState::Connected)
    })
    .await;
    assert_eq!(
        port.tooltips.lock().unwrap().last().map(String::as_str),
        Some("DevHive — Live: 3 of 3 projects, signed in as alice")
    );
    let calls = port.trays.lock().unwrap().len();
    let session_events = || {
        port.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, UiEvent::SessionChanged(_)))
            .count()
    };
    // Each refresh publishes the session twice or more (refreshing, then valid with a new
    // expiry); none of it changes what the tray shows.
    let before = session_events();
    for _ in 0..3 {
        app.refresh_now().await.unwrap();
    }
    port.until("the refreshes published", WAIT, || {
        session_events() >= before + 3
    })
    .await;
    assert_eq!(
        port.trays.lock().unwrap().len(),
        calls,
        "no tray call for publications that change nothing it shows"
    );
    // A reconnect does change it (reconnecting, then live again): told once per change.
    app.reconnect_now();
    port.until("live again after the reconnect", WAIT, || {
        port.trays.lock().unwrap().len() > calls
            && port.trays.lock().unwrap().last() == Some(&TrayState::Connected)
    })
    .await;
    let trays = port.trays.lock().unwrap().clone();
    let tooltips = port.tooltips.lock().unwrap().clone();
    let shown: Vec<_> = trays.iter().zip(&tooltips).collect();
    assert!(
        shown.windows(2).all(|w| w[0] != w[1]),
        "each call changes the state or the tooltip: {shown:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_skip_my_own_actions_throttle_per_project_and_stop_when_paused() {
    let machine = Machine::new("notify");
    let (_running, app, port) = demo_app(&machine).await;
    app.sign_in(demo_sign_in("alice", devhive_sandbox::demo::PASSWORD))
        .await
        .unwrap();
    let me = devhive_sandbox::demo::ALICE.to_string();
    let item = |project: &str, actor: &str| NotifyItem {
        project_id: project.into(),
        project_name: project.into(),
        text: format!("{actor}: hello"),
        actor_id: Some(actor.into()),
        key: Some(format!("message/{actor}")),
    };
    app.offer_notifications(vec![item("apollo", &me)]);
    assert!(
        port.notes.lock().unwrap().is_empty(),
        "never for my own actions"
    );
    app.offer_notifications(vec![
        item("apollo", "bob"),
        item("apollo", "carol"),
        item("zeus", "bob"),
    ]);
    assert_eq!(
        port.notes.lock().unwrap().len(),
        2,
        "one per project inside the 10 s window"
    );
}
