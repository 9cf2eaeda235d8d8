//! Keychain faults in the middle of a session (issue 8), on tokio's paused clock against a
//! scripted auth server and a store that fails reads and writes on demand: the session
//! survives in memory, says so plainly, and saves the newest token once the store is back.

mod session_support;

use devhive_core::auth::{AuthError, TokenSource};
use devhive_core::keychain::{AccountKey, MemoryStore, SecretStore};
use devhive_core::secret::Secret;
use devhive_core::session::{Session, SessionState};
use devhive_core::timeline::Entry;
use session_support::*;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::sleep;

const HOST: &str = "fake.test:443";

async fn signed_in(lifetime: Duration) -> (Session, Arc<FakeAuth>, Arc<FlakyStore>) {
    let api = FakeAuth::new(lifetime);
    let store = Arc::new(FlakyStore::default());
    let (_, shared) = test_clock();
    let session = session_with(api.clone(), store.clone(), shared, temp_dir("kc-faults"));
    session
        .login("alice", &Secret::new("pw-alice"), false)
        .await
        .unwrap();
    (session, api, store)
}

/// The refresh token the fake issued `n`-th (0 = at login).
fn issued(n: usize) -> String {
    format!("{n:0128x}")
}

fn stored(store: &FlakyStore, api: &FakeAuth) -> Option<String> {
    let key = AccountKey::refresh_token(HOST, &api.user_id);
    store
        .inner
        .get(&key)
        .unwrap()
        .map(|s| s.expose().to_owned())
}

/// Every state name and reason the session wrote to its timeline.
fn states(session: &Session) -> Vec<(String, Option<String>)> {
    session
        .timeline()
        .snapshot()
        .into_iter()
        .filter_map(|r| match r.entry {
            Entry::State { state, reason } => Some((state, reason)),
            _ => None,
        })
        .collect()
}

fn timeline_mentions(session: &Session, words: &str) -> bool {
    session
        .timeline()
        .snapshot()
        .iter()
        .any(|r| match &r.entry {
            Entry::State {
                reason: Some(text), ..
            }
            | Entry::Error { message: text } => text.contains(words),
            _ => false,
        })
}

#[tokio::test(start_paused = true)]
async fn a_locked_keychain_keeps_refreshing_from_memory_warns_and_saves_once_unlocked() {
    let (session, api, store) = signed_in(Duration::from_secs(60)).await;
    store.set_locked(true);
    // Proactive refreshes at about 42–45 s and 84–90 s; the next one not before 126 s.
    sleep(Duration::from_secs(100)).await;
    assert_eq!(
        api.refreshes(),
        2,
        "refreshes go on while the keychain is locked"
    );
    let presented = api.presented.lock().unwrap().clone();
    assert_eq!(
        presented,
        vec![issued(0), issued(1)],
        "each refresh presents the newest token, kept in memory"
    );
    let status = session.status();
    assert!(matches!(status.state, SessionState::Valid { .. }));
    let warning = status
        .warning
        .expect("a warning while the keychain is locked");
    assert!(
        warning.starts_with("keychain locked") && warning.contains("kept in memory"),
        "{warning}"
    );
    assert_eq!(
        stored(&store, &api),
        Some(issued(0)),
        "the store is left alone while locked"
    );
    assert_eq!(
        store.deletes.load(Ordering::SeqCst),
        0,
        "a failed read deletes nothing"
    );

    store.set_locked(false);
    // The driver's tick saves the token without waiting for the next refresh (at 126 s or
    // later); its re-save attempts back off to one every 30 s while the keychain refuses.
    sleep(Duration::from_secs(16)).await;
    assert_eq!(api.refreshes(), 2, "saved by the tick, not by a refresh");
    assert_eq!(
        stored(&store, &api),
        Some(issued(2)),
        "the newest token is saved"
    );
    assert_eq!(session.status().warning, None, "the warning is cleared");
    assert!(timeline_mentions(&session, "keychain available again"));
    assert!(
        states(&session)
            .iter()
            .all(|(state, _)| state != "needs_login" && state != "retrying"),
        "never NeedsLogin, never retrying: {:#?}",
        states(&session)
    );
}

#[tokio::test(start_paused = true)]
async fn re_saves_into_a_locked_keychain_back_off_so_unlock_prompts_do_not_pile_up() {
    let (session, api, store) = signed_in(Duration::from_secs(900)).await;
    store.set_locked(true);
    // The first proactive refresh (2 min and up to 10 s before expiry) cannot save its
    // rotated token.
    sleep(Duration::from_secs(800)).await;
    assert_eq!(api.refreshes(), 1);
    assert!(session.status().warning.is_some(), "the user is told");
    let before = store.writes.load(Ordering::SeqCst);
    sleep(Duration::from_secs(600)).await;
    let attempts = store.writes.load(Ordering::SeqCst) - before;
    // Every 5 s would be 120 prompts in 10 minutes; 5, 10, 20 then 30 s apart is about 20.
    assert!(
        (15..=25).contains(&attempts),
        "{attempts} write attempts in 10 minutes of locked keychain"
    );
    store.set_locked(false);
    sleep(Duration::from_secs(31)).await;
    assert_eq!(
        stored(&store, &api),
        Some(issued(1)),
        "saved within 30 s of the unlock"
    );
    assert_eq!(session.status().warning, None);
    assert_eq!(api.refreshes(), 1, "saved by the tick, not by a refresh");
}

#[tokio::test(start_paused = true)]
async fn a_keychain_that_refuses_writes_is_retried_on_the_next_refresh() {
    let (session, api, store) = signed_in(Duration::from_secs(900)).await;
    store.fail_writes.store(true, Ordering::SeqCst);
    session.refresh_now().await.unwrap();
    assert!(session
        .status()
        .warning
        .is_some_and(|w| w.contains("keychain locked")));
    store.fail_writes.store(false, Ordering::SeqCst);
    // A refresh before the tick: it writes the kept token first, then the rotated one.
    session.refresh_now().await.unwrap();
    assert_eq!(api.presented.lock().unwrap()[1], issued(1));
    assert_eq!(stored(&store, &api), Some(issued(2)));
    assert_eq!(session.status().warning, None);
}

#[tokio::test(start_paused = true)]
async fn an_entry_deleted_by_another_program_is_refreshed_from_memory_and_written_back() {
    let (session, api, store) = signed_in(Duration::from_secs(900)).await;
    let key = AccountKey::refresh_token(HOST, &api.user_id);
    store.inner.delete(&key).unwrap();
    store.inner.delete(&AccountKey::last_user(HOST)).unwrap();
    session.refresh_now().await.unwrap();
    assert!(matches!(session.status().state, SessionState::Valid { .. }));
    assert_eq!(api.presented.lock().unwrap().clone(), vec![issued(0)]);
    assert_eq!(stored(&store, &api), Some(issued(1)), "written back");
    assert!(
        store
            .inner
            .get(&AccountKey::last_user(HOST))
            .unwrap()
            .is_some(),
        "the last-user record is written back too, so a restart finds the session"
    );
    assert!(timeline_mentions(&session, "missing"));
    assert!(timeline_mentions(&session, "in the keychain again"));
    assert_eq!(session.status().warning, None);
}

#[tokio::test(start_paused = true)]
async fn a_sign_out_in_another_process_ends_the_session_once_without_a_loop() {
    let api = FakeAuth::new(Duration::from_secs(900));
    let store = Arc::new(MemoryStore::new());
    let (first, shared, data_dir) = first_process(&api, store.clone(), "kc-logout").await;
    // `devhive logout` in another process: the server revokes the token, the entry goes.
    let other = session_with(api.clone(), store.clone(), shared, data_dir);
    other.logout().await.unwrap();
    assert_eq!(api.logouts.load(Ordering::SeqCst), 1);

    let err = first.refresh_now().await.unwrap_err();
    let AuthError::NeedsLogin { reason } = err else {
        panic!("expected NeedsLogin, got {err:?}");
    };
    assert!(
        reason.starts_with("Invalid refresh token")
            && reason.contains("signed out in another DevHive process"),
        "{reason}"
    );
    sleep(Duration::from_secs(3600)).await;
    assert!(first.ensure_valid().await.unwrap_err().requires_sign_in());
    assert_eq!(api.refreshes(), 1, "one refused refresh, then nothing");
    let key = AccountKey::refresh_token(HOST, &api.user_id);
    assert_eq!(store.get(&key).unwrap(), None, "nothing is written back");
}

/// A keychain write that answers after the 3 s limit (an unlock prompt answered late) still
/// lands. Until it has, the refresh lock stays held: another process must not read the entry
/// meanwhile, or it would present the token just rotated away and be signed out. And the
/// process whose write was late must not later present (or write back) its spent token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_waits_for_a_late_keychain_write_instead_of_reading_the_old_token() {
    let api = FakeAuth::new(Duration::from_secs(900));
    let store = Arc::new(HeldWrites::default());
    let (first, shared, data_dir) = first_process(&api, store.clone(), "kc-late-write").await;
    store.hold(true);
    first.refresh_now().await.expect("the refresh itself works");
    assert!(
        first.status().warning.is_some(),
        "the write timed out: the user is told the token is only in memory"
    );

    // Another DevHive process starts and resumes from the keychain.
    let second = session_with(api.clone(), store.clone(), shared, data_dir);
    let mut resumed = tokio::spawn(async move { second.resume_stored().await.map(|_| second) });
    let early = tokio::time::timeout(Duration::from_millis(500), &mut resumed).await;
    assert!(
        early.is_err(),
        "the other process waits for the lock while the write is pending: {early:?}"
    );
    store.hold(false);
    let second = resumed
        .await
        .unwrap()
        .expect("resumed with the token the late write stored");
    assert!(matches!(second.status().state, SessionState::Valid { .. }));
    assert_eq!(
        *api.presented.lock().unwrap(),
        vec![issued(0), issued(1)],
        "each token presented once, the second process presenting the rotated one"
    );

    // The first process still holds the token it could not save, now spent: its next
    // refresh takes the one the second process stored instead of presenting its own.
    first
        .refresh_now()
        .await
        .expect("the first process stays signed in");
    assert_eq!(
        *api.presented.lock().unwrap(),
        vec![issued(0), issued(1), issued(2)]
    );
    assert_eq!(first.status().warning, None, "nothing is unsaved any more");
    let key = AccountKey::refresh_token(HOST, &api.user_id);
    assert_eq!(
        store
            .inner
            .get(&key)
            .unwrap()
            .map(|s| s.expose().to_owned()),
        Some(issued(3)),
        "the newest token is in the keychain"
    );
}
