//! Session timing and failure handling on tokio's paused clock, against a scripted auth
//! server (no network, so paused time cannot fire a request timeout by accident).

mod session_support;

use devhive_core::api::ApiError;
use devhive_core::auth::{AuthError, TokenSource};
use devhive_core::clock::TestClock;
use devhive_core::keychain::{AccountKey, MemoryStore, SecretStore};
use devhive_core::secret::Secret;
use devhive_core::session::{RefreshOutcome, Session, SessionState};
use devhive_core::timeline::Entry;
use session_support::*;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{advance, Instant};

const MIN15: Duration = Duration::from_secs(900);

async fn signed_in(
    lifetime: Duration,
) -> (Session, Arc<FakeAuth>, Arc<MemoryStore>, Arc<TestClock>) {
    let api = FakeAuth::new(lifetime);
    let store = Arc::new(MemoryStore::new());
    let (clock, shared) = test_clock();
    let session = session_with(api.clone(), store.clone(), shared, temp_dir("timing"));
    session
        .login("alice", &Secret::new("pw-alice"), false)
        .await
        .unwrap();
    (session, api, store, clock)
}

fn state(session: &Session) -> SessionState {
    session.status().state
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_on_an_expired_token_share_one_refresh() {
    let (session, api, _, _) = signed_in(MIN15).await;
    // Jump past expiry before anything else runs: the driver's timer is due as well.
    advance(MIN15 + Duration::from_secs(1)).await;
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let s = session.clone();
            tokio::spawn(async move { s.ensure_valid().await })
        })
        .collect();
    let mut generations = std::collections::HashSet::new();
    for caller in callers {
        generations.insert(caller.await.unwrap().unwrap().generation);
    }
    assert_eq!(api.refreshes(), 1, "one refresh must serve all 100 callers");
    assert_eq!(generations.len(), 1, "every caller gets the same new token");
}

#[tokio::test(start_paused = true)]
async fn proactive_timer_refreshes_two_minutes_before_expiry_with_jitter() {
    let (session, api, _, _) = signed_in(MIN15).await;
    let issued = Instant::now();
    assert!(matches!(state(&session), SessionState::Valid { .. }));
    // Planned expiry is `exp − iat − 1 s` (whole-second claims, backend-contract §9.7).
    tokio::time::sleep(MIN15 - Duration::from_secs(132)).await;
    assert_eq!(api.refreshes(), 0, "nothing before expiry − 1 s − 130 s");
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(
        api.refreshes(),
        1,
        "refreshed between expiry − 1 s − 130 s and expiry − 1 s − 120 s"
    );
    let at = api.refresh_times.lock().unwrap()[0] - issued;
    assert!(
        at >= MIN15 - Duration::from_secs(131) && at <= MIN15 - Duration::from_secs(121),
        "refresh at {at:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_three_second_token_refreshes_steadily_and_never_loops() {
    let (session, api, _, _) = signed_in(Duration::from_secs(3)).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    let times = api.refresh_times.lock().unwrap().clone();
    // Planned lifetime 2 s (3 s less the whole-second slack); margin, timer and the quarter
    // rule all use it, so refreshes come 0.5–0.6 s before planned expiry: at most two per
    // 3 s lifetime (ten lifetimes in 30 s, plus one for where the window starts).
    assert!(
        (18..=21).contains(&times.len()),
        "one refresh per 1.4–1.5 s over 30 s, got {}",
        times.len()
    );
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(1400),
            "refreshes closer than 1.4 s: {:?}",
            pair[1] - pair[0]
        );
    }
    let token = session.ensure_valid().await.unwrap();
    assert!(
        token.expires_at > Instant::now(),
        "the token handed out is never expired"
    );
}

#[tokio::test(start_paused = true)]
async fn ensure_valid_refreshes_only_inside_the_connect_margin() {
    let (session, api, _, _) = signed_in(MIN15).await;
    advance(MIN15 - Duration::from_secs(61)).await;
    session.ensure_valid().await.unwrap();
    assert_eq!(api.refreshes(), 0, "61 s left is enough for a connect");
    // The proactive timer is due by now; a caller inside the margin refreshes regardless.
    advance(Duration::from_secs(2)).await;
    let token = session.ensure_valid().await.unwrap();
    assert_eq!(api.refreshes(), 1);
    assert_eq!(token.lifetime, MIN15);
}

#[tokio::test(start_paused = true)]
async fn revoked_refresh_token_requires_sign_in_and_stops_refreshing() {
    let (session, api, _, _) = signed_in(MIN15).await;
    api.revoke_all();
    let err = session.refresh_now().await.unwrap_err();
    assert_eq!(
        err,
        AuthError::NeedsLogin {
            reason: "Invalid refresh token".into()
        }
    );
    assert_eq!(
        state(&session),
        SessionState::NeedsLogin {
            reason: "Invalid refresh token".into()
        }
    );
    assert_eq!(
        session.status().user.unwrap().name,
        "alice",
        "the user name is kept for the sign-in prompt"
    );
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(session.ensure_valid().await.unwrap_err().requires_sign_in());
    assert_eq!(
        api.refreshes(),
        1,
        "no further refresh attempts after a 401"
    );
}

#[tokio::test(start_paused = true)]
async fn thirty_seconds_of_refresh_5xx_keep_the_session_and_it_recovers() {
    let (session, api, _, _) = signed_in(Duration::from_secs(120)).await;
    let mut states = session.subscribe();
    // The proactive refresh is due at 90 s (lead 30 s, jitter ≤ 6 s); the outage covers it.
    tokio::time::sleep(Duration::from_secs(80)).await;
    api.outage.store(true, Ordering::SeqCst);
    let outage_start = Instant::now();
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while states.changed().await.is_ok() {
            let s = states.borrow_and_update().state.clone();
            let done = matches!(s, SessionState::Valid { .. }) && seen.len() > 2;
            seen.push(s);
            if done {
                break;
            }
        }
        seen
    });
    tokio::time::sleep(Duration::from_secs(30)).await;
    api.outage.store(false, Ordering::SeqCst);
    let seen = tokio::time::timeout(Duration::from_secs(60), watcher)
        .await
        .expect("recovers within one maximum backoff after the outage")
        .unwrap();
    assert!(
        seen.iter()
            .all(|s| !matches!(s, SessionState::NeedsLogin { .. })),
        "a 5xx never ends the session: {seen:?}"
    );
    assert!(seen
        .iter()
        .any(|s| matches!(s, SessionState::RetryingRefresh { .. })));
    assert!(matches!(state(&session), SessionState::Valid { .. }));
    let times: Vec<_> = api
        .refresh_times
        .lock()
        .unwrap()
        .iter()
        .filter(|t| **t >= outage_start)
        .copied()
        .collect();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_secs(1) && gap <= Duration::from_secs(31),
            "retry gap {gap:?} outside the 1–30 s backoff"
        );
    }
    session.ensure_valid().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn rate_limited_refresh_waits_for_retry_after() {
    let (session, api, _, _) = signed_in(MIN15).await;
    api.push(Scripted::Fail(ApiError::RateLimited {
        retry_after: Some(Duration::from_secs(45)),
        detail: "Too Many Requests".into(),
    }));
    let err = session.refresh_now().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    let first = api.refresh_times.lock().unwrap()[0];
    let status = session.status();
    assert_eq!(
        status.last_refresh.unwrap().outcome,
        RefreshOutcome::RateLimited
    );
    match status.state {
        SessionState::RetryingRefresh { at, .. } => assert!(
            at - first >= Duration::from_secs(45) && at - first < Duration::from_secs(46),
            "retry scheduled {:?} after the 429",
            at - first
        ),
        other => panic!("expected retrying, got {other:?}"),
    }
    // Callers still get the (unexpired) token without touching the server meanwhile.
    session.ensure_valid().await.unwrap();
    tokio::time::sleep(Duration::from_secs(44)).await;
    assert_eq!(api.refreshes(), 1, "nothing before Retry-After");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(api.refreshes(), 2, "the retry comes at Retry-After");
    let second = api.refresh_times.lock().unwrap()[1];
    assert!(second - first >= Duration::from_secs(45));
    assert!(matches!(state(&session), SessionState::Valid { .. }));
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_means_sleep_and_refreshes_at_once() {
    let (session, api, _, clock) = signed_in(MIN15).await;
    let mut wake = session.subscribe_wake();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(api.refreshes(), 0);
    clock.jump_wall_forward(Duration::from_secs(20 * 60));
    tokio::time::timeout(Duration::from_secs(6), wake.recv())
        .await
        .expect("wake is broadcast within one 5 s tick")
        .unwrap();
    assert_eq!(
        api.refreshes(),
        1,
        "the token was refreshed before consumers were woken"
    );
    assert!(session
        .timeline()
        .snapshot()
        .iter()
        .any(|r| matches!(r.entry, Entry::Wake { jump_secs } if jump_secs >= 1200)));
}

#[tokio::test(start_paused = true)]
async fn a_skewed_wall_clock_changes_nothing_about_refresh_timing() {
    for skew in [-600.0, 600.0] {
        let api = FakeAuth::new(MIN15);
        let (clock, shared) = test_clock();
        clock.set_skew_secs(skew);
        let session = session_with(
            api.clone(),
            Arc::new(MemoryStore::new()),
            shared,
            temp_dir("skew"),
        );
        session
            .login("alice", &Secret::new("pw-alice"), false)
            .await
            .unwrap();
        let skew_seen = session.status().skew_secs.unwrap();
        assert!(
            (skew_seen + skew as i64).abs() <= 1,
            "skew {skew_seen} for clock skew {skew}"
        );
        tokio::time::sleep(MIN15 - Duration::from_secs(119)).await;
        assert_eq!(
            api.refreshes(),
            1,
            "refreshed before expiry with skew {skew}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn rotated_token_is_stored_before_use_and_a_failed_write_keeps_it_in_memory() {
    let api = FakeAuth::new(MIN15);
    let store = Arc::new(FlakyStore::default());
    let (_, shared) = test_clock();
    let session = session_with(api.clone(), store.clone(), shared, temp_dir("flaky"));
    session
        .login("alice", &Secret::new("pw-alice"), false)
        .await
        .unwrap();
    let key = AccountKey::refresh_token("fake.test:443", &api.user_id);
    for _ in 0..3 {
        session.refresh_now().await.unwrap();
        let stored = store.get(&key).unwrap().unwrap();
        let presented = api.presented.lock().unwrap().clone();
        let n = presented.len();
        assert_eq!(
            presented[n - 1],
            format!("{:0128x}", n - 1),
            "each refresh presents the token the previous one stored"
        );
        assert_eq!(
            stored.expose(),
            format!("{n:0128x}"),
            "the store holds the rotated token"
        );
    }
    store.fail_writes.store(true, Ordering::SeqCst);
    session.refresh_now().await.unwrap();
    let status = session.status();
    assert!(matches!(status.state, SessionState::Valid { .. }));
    assert!(
        status
            .warning
            .as_deref()
            .unwrap()
            .contains("could not be saved"),
        "{:?}",
        status.warning
    );
    // The next refresh presents the in-memory token (the stored one is dead) and saves it.
    store.fail_writes.store(false, Ordering::SeqCst);
    session.refresh_now().await.unwrap();
    assert_eq!(session.status().warning, None);
    assert_eq!(api.refreshes(), 5);
}

#[tokio::test(start_paused = true)]
async fn a_second_process_uses_the_token_the_first_one_rotated() {
    let api = FakeAuth::new(MIN15);
    let store: Arc<MemoryStore> = Arc::new(MemoryStore::new());
    let (first, shared, data_dir) = first_process(&api, store.clone(), "two").await;
    let second = session_with(api.clone(), store.clone(), shared, data_dir);
    second.resume_stored().await.unwrap();
    // `first` still remembers the token it received at login, which `second` rotated.
    first.refresh_now().await.unwrap();
    second.refresh_now().await.unwrap();
    assert!(matches!(state(&first), SessionState::Valid { .. }));
    assert!(matches!(state(&second), SessionState::Valid { .. }));
    assert_eq!(api.refreshes(), 3, "no refresh was refused");
    assert!(first
        .timeline()
        .snapshot()
        .iter()
        .any(|r| matches!(&r.entry, Entry::State { reason: Some(reason), .. } if reason.contains("another DevHive process rotated"))));
}

#[tokio::test(start_paused = true)]
async fn a_rejected_token_forces_one_refresh_and_a_newer_token_is_reused() {
    let (session, api, _, _) = signed_in(MIN15).await;
    let old = session.ensure_valid().await.unwrap();
    let fresh = session.refresh_after_rejection(&old).await.unwrap();
    assert_eq!(
        api.refreshes(),
        1,
        "a 401 overrides the quarter-lifetime rule"
    );
    assert!(fresh.generation > old.generation);
    let again = session.refresh_after_rejection(&old).await.unwrap();
    assert_eq!(
        again.generation, fresh.generation,
        "a newer token is handed out, no refresh"
    );
    assert_eq!(api.refreshes(), 1);
}

#[tokio::test(start_paused = true)]
async fn logout_tells_the_server_and_deletes_the_stored_token() {
    let (session, api, store, _) = signed_in(MIN15).await;
    session.logout().await.unwrap();
    assert_eq!(api.logouts.load(Ordering::SeqCst), 1);
    let key = AccountKey::refresh_token("fake.test:443", &api.user_id);
    assert_eq!(store.get(&key).unwrap(), None);
    assert_eq!(
        store.get(&AccountKey::last_user("fake.test:443")).unwrap(),
        None
    );
    assert_eq!(state(&session), SessionState::SignedOut);
    assert_eq!(
        session.ensure_valid().await.unwrap_err(),
        AuthError::SignedOut
    );
}

#[tokio::test(start_paused = true)]
async fn wrong_password_is_a_typed_refusal_with_the_servers_words() {
    let api = FakeAuth::new(MIN15);
    let (_, shared) = test_clock();
    let session = session_with(api, Arc::new(MemoryStore::new()), shared, temp_dir("pw"));
    let err = session
        .login("alice", &Secret::new("nope"), false)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "sign-in refused: Invalid credentials");
    assert!(err.requires_sign_in());
}
