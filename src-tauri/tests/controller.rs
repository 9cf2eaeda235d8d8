//! The app controller against the real sandbox, with a recording UI port instead of Tauri:
//! sign-in errors, going live, data reads, the notification policy, the diagnostics bundle,
//! and that no token ever reaches anything the WebView would see.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use devhive_core::auth::TokenSource;
use devhive_desktop_lib::controller::Controller;
use devhive_desktop_lib::error::ErrorCode;
use devhive_desktop_lib::port::UiPort;
use devhive_desktop_lib::tray_state::TrayState;
use devhive_desktop_lib::view::*;
use tokio::sync::Notify;

#[derive(Default)]
struct Recorder {
    emitted: Mutex<Vec<(String, serde_json::Value)>>,
    notes: Mutex<Vec<(String, String)>>,
    trays: Mutex<Vec<TrayState>>,
    changed: Notify,
}

impl UiPort for Recorder {
    fn emit(&self, event: &'static str, payload: serde_json::Value) {
        self.emitted
            .lock()
            .unwrap()
            .push((event.to_owned(), payload));
        self.changed.notify_waiters();
    }
    fn notify(&self, title: &str, body: &str) {
        self.notes
            .lock()
            .unwrap()
            .push((title.to_owned(), body.to_owned()));
    }
    fn tray(&self, state: TrayState, _tooltip: &str) {
        self.trays.lock().unwrap().push(state);
    }
}

impl Recorder {
    /// Waits (driven by emits, not by sleeping) until `done` holds, or fails after 10 s.
    async fn until(&self, what: &str, done: impl Fn() -> bool) {
        let wait = async {
            loop {
                let changed = self.changed.notified();
                if done() {
                    return;
                }
                changed.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
    }
}

fn request(username: &str, password: &str) -> SignInRequest {
    serde_json::from_value(serde_json::json!({
        "server": "sandbox", "custom_url": null, "custom_ws_url": null, "custom_flavour": null,
        "username": username, "password": password, "remember_me": false,
    }))
    .unwrap()
}

async fn setup() -> (devhive_sandbox::Running, Arc<Recorder>, Arc<Controller>) {
    let running = devhive_sandbox::spawn(devhive_sandbox::Config {
        demo: true,
        ..Default::default()
    })
    .await;
    let port = Arc::new(Recorder::default());
    let dir = std::env::temp_dir().join(format!("devhive-desktop-test-{}", std::process::id()));
    let ctl = Controller::new(port.clone(), dir, true, Settings::default());
    ctl.set_sandbox_url(running.base_url());
    (running, port, ctl)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_reported_as_bad_credentials_with_the_server_words() {
    let (_running, _port, ctl) = setup().await;
    let err = ctl
        .sign_in(request("alice", "not-the-password"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadCredentials, "{err:?}");
    assert!(!err.message.is_empty(), "the server's words are passed on");
    let err = ctl.sign_in(request("", "")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_sign_in_goes_live_reads_data_and_never_emits_a_token() {
    let (_running, port, ctl) = setup().await;
    let view = ctl.sign_in_demo().await.unwrap();
    assert_eq!(view.state, SessionState::Valid);
    assert_eq!(view.user.as_deref(), Some("alice"));

    let live = || {
        ctl.connections()
            .iter()
            .filter(|c| c.state == ConnectionState::Connected)
            .count()
            == 3
    };
    port.until("three live projects", live).await;
    port.until("a resync per project", || {
        port.emitted
            .lock()
            .unwrap()
            .iter()
            .filter(|(e, _)| e == "resync")
            .count()
            >= 3
    })
    .await;
    assert_eq!(
        port.trays.lock().unwrap().last(),
        Some(&TrayState::Connected)
    );

    let apollo = devhive_sandbox::demo::APOLLO.to_string();
    let ResourceData::Messages(messages) = ctl
        .fetch(apollo.clone(), ResourceKind::Messages, None)
        .await
        .unwrap()
    else {
        panic!("messages expected")
    };
    assert!(!messages.is_empty() && messages.iter().all(|m| !m.sender.is_empty()));
    let ResourceData::Tasks(tasks) = ctl
        .fetch(apollo.clone(), ResourceKind::Tasks, None)
        .await
        .unwrap()
    else {
        panic!("tasks expected")
    };
    let first = tasks.first().expect("the demo seeds tasks").id.clone();
    let ResourceData::Task(Some(task)) = ctl
        .fetch(apollo.clone(), ResourceKind::Task, Some(first))
        .await
        .unwrap()
    else {
        panic!("one task expected")
    };
    assert!(!task.title.is_empty());

    let signed = ctl.signed().unwrap();
    let token = signed.session.ensure_valid().await.unwrap();
    let bundle = ctl.export_diagnostics().await.unwrap();
    let emitted = serde_json::to_string(&*port.emitted.lock().unwrap()).unwrap();
    let snapshot = serde_json::to_string(&ctl.snapshot()).unwrap();
    for (what, text) in [
        ("emitted events", &emitted),
        ("snapshot", &snapshot),
        ("diagnostics bundle", &bundle),
    ] {
        assert!(
            !text.contains(token.secret.expose()),
            "the access token leaked into the {what}"
        );
        assert!(
            !text.contains(&token.secret.expose()[..24]),
            "a piece of the access token leaked into the {what}"
        );
        assert!(
            !text.contains("password123"),
            "the password leaked into the {what}"
        );
    }

    ctl.sign_out().await.unwrap();
    assert_eq!(ctl.session_view().state, SessionState::SignedOut);
    assert_eq!(port.trays.lock().unwrap().last(), Some(&TrayState::Offline));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_skip_my_own_actions_throttle_per_project_and_stop_when_paused() {
    let (_running, port, ctl) = setup().await;
    ctl.sign_in_demo().await.unwrap();
    let me = devhive_sandbox::demo::ALICE.to_string();
    let item = |project: &str, actor: &str| NotifyItem {
        project_id: project.into(),
        project_name: project.into(),
        text: format!("{actor}: hello"),
        actor_id: Some(actor.into()),
    };
    ctl.notify(vec![item("apollo", &me)]);
    assert!(
        port.notes.lock().unwrap().is_empty(),
        "never for my own actions"
    );
    ctl.notify(vec![
        item("apollo", "bob"),
        item("apollo", "carol"),
        item("zeus", "bob"),
    ]);
    assert_eq!(
        port.notes.lock().unwrap().len(),
        2,
        "one per project inside the 10 s window; the rest waits for a summary"
    );
    ctl.set_paused(true);
    ctl.notify(vec![item("borealis", "bob")]);
    assert_eq!(port.notes.lock().unwrap().len(), 2, "nothing while paused");
}
