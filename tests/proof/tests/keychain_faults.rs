//! Keychain faults against the real Secret Service (run under `scripts/with-session`): the
//! keychain locked mid-session, the Secret Service restarted, the entry deleted by another
//! program. The session must never turn `NeedsLogin` over a keychain problem, must keep
//! refreshing from memory, must say plainly what is wrong, and must hold the newest refresh
//! token in the keychain again once the store is back; a sign-out in another process still
//! ends it (the server revoked the token). Without a Secret Service these tests print a note
//! and pass, unless `DEVHIVE_REQUIRE_KEYCHAIN=1`.

mod keychain_rig;

use devhive_core::keychain::{AccountKey, KeyringStore, SecretStore};
use devhive_core::realtime::FeedConfig;
use devhive_core::secret::Secret;
use devhive_core::session::SessionState;
use devhive_proof::client::{fly_profile, Client};
use devhive_proof::keyring_ctl;
use keychain_rig::{Rig, SERIAL};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::sleep;

/// gnome-keyring aborts when short-lived clients race its `OpenSession` (upstream #190/#196),
/// so a process opens one Secret Service session however many calls its stores make (a
/// session per call would be 40 here; the store `keyring` 3 ships opens one per read, two
/// per write).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_opens_one_secret_service_session_for_all_its_calls() {
    let _serial = SERIAL.lock().await;
    if !keyring_ctl::available_or_skip("one session per store").await {
        return;
    }
    let service = format!("devhive-proof-{}", uuid::Uuid::new_v4().simple());
    let opened = tokio::task::spawn_blocking(move || {
        let store = KeyringStore::with_service(service);
        let before = keyring_ctl::sessions_opened().expect("probe before");
        for n in 0..10 {
            let key = AccountKey::refresh_token("sessions.test", &format!("user-{n}"));
            let value = Secret::new(format!("value {n}"));
            store.set(&key, &value).expect("set");
            assert_eq!(store.get(&key).expect("get"), Some(value));
            store.delete(&key).expect("delete");
            assert_eq!(store.get(&key).expect("get after delete"), None);
        }
        let after = keyring_ctl::sessions_opened().expect("probe after");
        after - before - 1
    })
    .await
    .expect("store calls");
    // The process's one connection may already be open (an earlier probe here opened it).
    assert!(
        opened <= 1,
        "{opened} Secret Service sessions opened for 40 store calls"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keychain_locked_mid_session_is_reported_and_the_token_is_stored_again_once_unlocked() {
    let _serial = SERIAL.lock().await;
    if !keyring_ctl::available_or_skip("keychain locked mid-session").await {
        return;
    }
    let rig = Rig::start().await;
    assert!(rig.stored().is_some(), "login stored the refresh token");
    let grants_before_lock = rig.client.tokens.grants();
    keyring_ctl::lock_login_collection().expect("the login collection locks");
    assert!(
        KeyringStore::with_service(rig.service.clone())
            .get(&rig.account)
            .is_err(),
        "the collection is locked now"
    );
    // A 3 s token: several refreshes are due while the keychain is locked.
    sleep(Duration::from_secs(8)).await;
    println!(
        "while locked: grants {} → {}, state {:?}",
        grants_before_lock,
        rig.client.tokens.grants(),
        rig.client.session.status().state.name()
    );
    assert!(
        !rig.ever_needed_login(),
        "a locked keychain never ends the session"
    );
    assert!(
        rig.told_the_user_about_the_keychain(),
        "the state or a warning names the keychain: {:#?}",
        rig.history.lock().expect("history").last()
    );
    // The user unlocks the keychain (with its password, as at the desktop's prompt).
    tokio::task::spawn_blocking(keyring_ctl::unlock_login_collection)
        .await
        .expect("unlock task")
        .expect("the login collection unlocks");
    // Re-saves back off to one every 30 s while the keychain refuses them.
    assert!(
        rig.repersisted_within(Duration::from_secs(45)).await,
        "once unlocked, the session is valid and the keychain holds the newest refresh token"
    );
    assert!(!rig.ever_needed_login(), "still never NeedsLogin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_secret_service_does_not_end_the_session_and_gets_the_newest_token() {
    let _serial = SERIAL.lock().await;
    if !keyring_ctl::available_or_skip("Secret Service restart").await {
        return;
    }
    let rig = Rig::start().await;
    assert!(
        keyring_ctl::kill_daemon().await.is_some(),
        "the Secret Service daemon was found on the bus and stopped"
    );
    // Down across at least one refresh of the 3 s token.
    sleep(Duration::from_secs(5)).await;
    assert!(
        !rig.ever_needed_login(),
        "a missing Secret Service never ends the session"
    );
    assert!(
        keyring_ctl::start_daemon_unlocked().await,
        "the Secret Service comes back unlocked"
    );
    assert!(
        rig.repersisted_within(Duration::from_secs(40)).await,
        "after the restart the session is valid and the keychain holds the newest refresh token"
    );
    assert!(!rig.ever_needed_login(), "still never NeedsLogin");
}

/// While the keychain is locked the session keeps refreshing with the token it holds in
/// memory, so the feed outlives the access token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keychain_does_not_stop_refreshes_from_memory() {
    let _serial = SERIAL.lock().await;
    if !keyring_ctl::available_or_skip("locked keychain").await {
        return;
    }
    let rig = Rig::start().await;
    let before = rig.client.tokens.grants();
    keyring_ctl::lock_login_collection().expect("the login collection locks");
    sleep(Duration::from_secs(8)).await;
    let after = rig.client.tokens.grants();
    // The next test's `available_or_skip` unlocks it again.
    assert!(
        after > before,
        "a 3 s token is refreshed during 8 s of locked keychain ({before} → {after} grants)"
    );
    assert!(!rig.ever_needed_login(), "never NeedsLogin");
}

/// An entry deleted by another program (`secret-tool clear`, a keychain cleaner): the next
/// refresh uses the token held in memory and writes the rotated one back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_deleted_by_another_program_keeps_the_session_and_is_written_back() {
    let _serial = SERIAL.lock().await;
    if !keyring_ctl::available_or_skip("entry deleted").await {
        return;
    }
    let rig = Rig::start().await;
    assert!(
        keyring_ctl::clear_entry(&rig.service, rig.account.as_str()),
        "secret-tool cleared the entry"
    );
    sleep(Duration::from_secs(5)).await;
    assert!(
        !rig.ever_needed_login(),
        "a deleted entry does not end a session whose refresh token is still valid"
    );
    assert!(
        rig.repersisted_within(Duration::from_secs(10)).await,
        "the newest refresh token is written back"
    );
}

/// A sign-out in another DevHive process deletes the entry and revokes the token on the
/// server: the token held in memory is refused once, the session ends, nothing loops and
/// nothing is written back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_out_in_another_process_ends_the_session_once() {
    let _serial = SERIAL.lock().await;
    if !keyring_ctl::available_or_skip("sign-out elsewhere").await {
        return;
    }
    let rig = Rig::start().await;
    let other = Client::new(
        fly_profile(&rig._running.base_url()),
        Arc::new(KeyringStore::with_service(rig.service.clone())),
        rig._dirs.sub("data").expect("data"),
        FeedConfig::default(),
    );
    other
        .session
        .logout()
        .await
        .expect("the other process signs out");
    assert!(rig.stored().is_none(), "the entry is gone");
    // The 3 s token's next refresh presents the revoked token (through the refresh lock and
    // the Secret Service, each allowed 3 s, so wait for the state rather than a fixed time).
    let mut states = rig.client.session.subscribe();
    // Dropped at once (a held `watch::Ref` would block the session's sender); the check below
    // says what state it ended in.
    let _ = tokio::time::timeout(
        Duration::from_secs(20),
        states.wait_for(|s| matches!(s.state, SessionState::NeedsLogin { .. })),
    )
    .await;
    let status = rig.client.session.status();
    let SessionState::NeedsLogin { reason } = &status.state else {
        panic!("expected NeedsLogin within 20 s, got {:?}", status.state);
    };
    assert!(
        reason.contains("signed out in another DevHive process"),
        "{reason}"
    );
    let grants = rig.client.tokens.grants();
    sleep(Duration::from_secs(4)).await;
    assert_eq!(
        rig.client.tokens.grants(),
        grants,
        "no refresh after the 401"
    );
    assert!(rig.stored().is_none(), "nothing is written back");
}
