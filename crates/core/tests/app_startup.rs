//! Start-up, headless: "resuming" before anything else (no sign-in flash); an offline start
//! retries, says so, and goes live by itself once the server answers; a locked keychain says
//! "Unlock your keychain" and Retry resumes; a session the server refused is explained.

mod app_support;

use app_support::*;
use devhive_core::app::Phase;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// Signs alice in with "Remember me" on `machine`, waits until live, and quits.
async fn remembered(machine: &Machine, running: &devhive_sandbox::Running) {
    let (app, port) = machine.launch();
    app.sign_in(sign_in(fly(running), "alice", true))
        .await
        .unwrap();
    port.until("live", WAIT, || live(&app) == 3).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remembered_session_shows_resuming_at_once_and_never_the_sign_in_form() {
    let running = sandbox().await;
    let machine = Machine::new("resuming");
    remembered(&machine, &running).await;
    let (app, port) = machine.launch();
    // start() decides before it returns, so before the window can ask. The resume itself
    // runs in a task and may already have finished (the sandbox answers in microseconds),
    // so what the window sees is "resuming" or already "signed in", never the form.
    let published = port.phases();
    assert!(
        matches!(published.first(), Some(Phase::Resuming { server }) if *server == running.base_url()),
        "start() published 'resuming' before it returned: {published:?}"
    );
    assert!(
        matches!(app.phase(), Phase::Resuming { .. } | Phase::SignedIn { .. }),
        "what the window sees at once: {:?}",
        app.phase()
    );
    port.until("signed in", WAIT, || {
        matches!(app.phase(), Phase::SignedIn { offline: None })
    })
    .await;
    let phases = port.phases();
    assert!(
        matches!(phases.first(), Some(Phase::Resuming { .. })),
        "{phases:?}"
    );
    assert!(
        !phases.iter().any(|p| matches!(p, Phase::SignedOut { .. })),
        "{phases:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_start_says_it_cannot_reach_the_server_and_goes_live_when_it_answers() {
    let running = sandbox().await;
    let machine = Machine::new("offline");
    remembered(&machine, &running).await;
    let (addr, state) = (running.addr, running.sandbox.clone());
    running.stop().await;

    let (app, port) = machine.launch();
    port.until("the offline notice", WAIT, || {
        matches!(app.phase(), Phase::SignedIn { offline: Some(_) })
    })
    .await;
    let Phase::SignedIn {
        offline: Some(offline),
    } = app.phase()
    else {
        unreachable!()
    };
    assert_eq!(offline.server, format!("http://{addr}"), "names the server");
    let now_ms = devhive_core::app::epoch_ms(std::time::SystemTime::now());
    assert!(
        offline.retry_at_ms > now_ms - 1000.0,
        "says when it retries: {offline:?}"
    );
    assert!(
        devhive_core::app::offline_sentence(&offline.server, 3).starts_with("Can't reach http://"),
        "the sentence both front ends show"
    );
    assert_eq!(live(&app), 0);

    let _again = devhive_sandbox::spawn_on(addr, state)
        .await
        .expect("same port");
    port.until("every project live without any user action", WAIT, || {
        matches!(app.phase(), Phase::SignedIn { offline: None }) && live(&app) == 3
    })
    .await;
    assert_eq!(
        app.projects().len(),
        3,
        "the project list came once the server answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keychain_says_unlock_and_retry_resumes() {
    let running = sandbox().await;
    let machine = Machine::new("locked");
    remembered(&machine, &running).await;
    machine.keychain.set_locked(true);
    let (app, port) = machine.launch();
    port.until("the keychain phase", WAIT, || {
        matches!(app.phase(), Phase::Keychain { .. })
    })
    .await;
    let Phase::Keychain { locked, message } = app.phase() else {
        unreachable!()
    };
    assert!(locked, "a locked keychain is told apart from a missing one");
    assert!(message.starts_with("Unlock your keychain"), "{message}");
    machine.keychain.set_locked(false);
    app.retry().await;
    port.until("resumed after Retry", WAIT, || live(&app) == 3)
        .await;
    assert_eq!(app.session_view().user.as_deref(), Some("alice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_the_server_refused_is_explained_on_the_sign_in_form() {
    let running = sandbox().await;
    let machine = Machine::new("refused");
    remembered(&machine, &running).await;
    running.control().revoke_refresh_tokens(None).await.unwrap();
    let (app, port) = machine.launch();
    port.until("signed out", WAIT, || {
        matches!(app.phase(), Phase::SignedOut { .. })
    })
    .await;
    let Phase::SignedOut { notice, refused } = app.phase() else {
        unreachable!()
    };
    assert_eq!(
        refused.as_deref(),
        Some("Invalid refresh token"),
        "the server's words"
    );
    assert_eq!(
        notice.as_deref(),
        Some("The server signed you out: Invalid refresh token")
    );
    assert_eq!(
        app.settings().server,
        Some(fly(&running)),
        "the form starts from the same server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_remembered_shows_the_sign_in_form() {
    let machine = Machine::new("fresh");
    let (app, port) = machine.launch();
    assert_eq!(app.phase(), Phase::signed_out());
    assert_eq!(port.phases(), vec![Phase::signed_out()]);
}
