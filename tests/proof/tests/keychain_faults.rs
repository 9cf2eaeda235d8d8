//! Keychain faults against the real Secret Service (run under `scripts/with-session`): the
//! keychain locked mid-session and the Secret Service restarted. The session must never turn
//! `NeedsLogin` over a keychain problem, must say plainly what is wrong, and must hold the
//! newest refresh token in the keychain again once the store is back. Without a Secret
//! Service these tests print a note and pass, unless `DEVHIVE_REQUIRE_KEYCHAIN=1`.

mod keychain_rig;

use devhive_core::keychain::{KeyringStore, SecretStore};
use devhive_proof::keyring_ctl;
use keychain_rig::{Rig, SERIAL};
use std::time::Duration;
use tokio::time::sleep;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keychain_locked_mid_session_is_reported_and_the_token_is_stored_again_once_unlocked() {
    let _serial = SERIAL.lock().await;
    if !keyring_ctl::available_or_skip("keychain locked mid-session").await {
        return;
    }
    let rig = Rig::start().await;
    assert!(rig.stored().is_some(), "login stored the refresh token");
    let grants_before_lock = rig.client.tokens.grants();
    keyring_ctl::lock_login_collection();
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
    assert!(
        keyring_ctl::kill_daemon().await.is_some() && keyring_ctl::start_daemon_unlocked().await,
        "the Secret Service comes back unlocked"
    );
    assert!(
        rig.repersisted_within(Duration::from_secs(40)).await,
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
