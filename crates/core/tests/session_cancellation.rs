//! Callers that give up (Reconnect now, unwatch, sign-out, a timeout) against the sandbox on
//! 127.0.0.1:0, real time: a dropped refresh future neither wedges the session nor loses the
//! token the server rotated, and a late keychain write holds up no refresh of this process.

mod session_support;

use devhive_core::api::ApiClient;
use devhive_core::keychain::{AccountKey, MemoryStore, SecretStore};
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::session::{Session, SessionState};
use devhive_sandbox::{Config, RefreshFaults, Running};
use session_support::*;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

async fn sandbox(ttl: Duration) -> (Running, uuid::Uuid) {
    let run = devhive_sandbox::spawn(Config {
        access_ttl: ttl,
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let alice = run.sandbox.create_user("alice", "pw-alice");
    (run, alice)
}

fn profile(addr: SocketAddr) -> ServerProfile {
    ServerProfile::custom(&format!("http://{addr}"), None, Flavour::Fly, ApiVersion::B).unwrap()
}

async fn signed_in(addr: SocketAddr, store: Arc<MemoryStore>) -> Session {
    let session = session_with(
        Arc::new(ApiClient::new(profile(addr)).unwrap()),
        store,
        devhive_core::clock::system(),
        temp_dir("cancel"),
    );
    session
        .login("alice", &Secret::new("pw-alice"), false)
        .await
        .unwrap();
    session
}

/// Waits (at most `within`) until the session's state satisfies `done`.
async fn until_state(session: &Session, within: Duration, done: impl Fn(&SessionState) -> bool) {
    let mut states = session.subscribe();
    let reached = timeout(within, async {
        while !done(&states.borrow_and_update().state) {
            states.changed().await.unwrap();
        }
    })
    .await;
    assert!(
        reached.is_ok(),
        "state after {within:?}: {:?}",
        session.status().state
    );
}

#[tokio::test]
async fn a_caller_giving_up_on_a_slow_refresh_does_not_wedge_the_session() {
    let (run, _) = sandbox(Duration::from_secs(4)).await;
    let session = signed_in(run.addr, Arc::new(MemoryStore::new())).await;
    run.sandbox.faults().set_refresh(RefreshFaults {
        latency_ms: 1_500,
        count: Some(1),
        ..RefreshFaults::default()
    });
    let gave_up = timeout(Duration::from_millis(300), session.refresh_now()).await;
    assert!(
        gave_up.is_err(),
        "the caller gave up before the answer came"
    );
    // The refresh is the session's, not the caller's: it finishes, and the proactive timer
    // keeps the 4 s tokens fresh afterwards.
    until_state(&session, Duration::from_secs(5), |s| {
        matches!(s, SessionState::Valid { .. })
    })
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        run.sandbox.stats().refreshes_ok() >= 3,
        "refreshes went on after the caller gave up: {}",
        run.sandbox.stats().refreshes_ok()
    );
    assert!(matches!(
        session.status().state,
        SessionState::Valid { .. } | SessionState::Refreshing
    ));
}

/// A TCP proxy to `upstream` that, while `hold` is set, passes requests on at once but
/// delivers the server's answers `by` late (a slow network between the server and us).
async fn slow_answers(upstream: SocketAddr, hold: Arc<AtomicBool>, by: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let Ok(outbound) = TcpStream::connect(upstream).await else {
                continue;
            };
            let (mut in_read, mut in_write) = inbound.into_split();
            let (mut out_read, mut out_write) = outbound.into_split();
            tokio::spawn(async move { tokio::io::copy(&mut in_read, &mut out_write).await });
            let hold = hold.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let n = match out_read.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if hold.load(Ordering::SeqCst) {
                        tokio::time::sleep(by).await;
                    }
                    if in_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_caller_giving_up_after_the_server_rotated_keeps_the_rotated_token() {
    let (run, alice) = sandbox(Duration::from_secs(900)).await;
    let hold = Arc::new(AtomicBool::new(false));
    let proxy = slow_answers(run.addr, hold.clone(), Duration::from_millis(1_500)).await;
    let store = Arc::new(MemoryStore::new());
    let session = signed_in(proxy, store.clone()).await;
    hold.store(true, Ordering::SeqCst);
    let gave_up = timeout(Duration::from_millis(300), session.refresh_now()).await;
    assert!(
        gave_up.is_err(),
        "the caller gave up before the answer came"
    );
    hold.store(false, Ordering::SeqCst);
    // The server rotated at once; its answer arrives after the caller left. The next caller
    // must not present the token just rotated away (that is a sign-out).
    let next = session.refresh_now().await;
    assert!(next.is_ok(), "the rotated token was kept: {next:?}");
    let again = session.refresh_now().await;
    assert!(again.is_ok(), "and the session goes on: {again:?}");
    assert_eq!(
        run.sandbox.stats().refreshes_ok(),
        2,
        "one refresh the caller gave up on, one more"
    );
    let key = AccountKey::refresh_token(&proxy.to_string(), &alice.to_string());
    assert!(
        store.get(&key).unwrap().is_some(),
        "the newest token is in the store"
    );
    assert!(matches!(session.status().state, SessionState::Valid { .. }));
}

#[tokio::test]
async fn a_late_keychain_write_does_not_hold_up_this_process_s_next_refresh() {
    let (run, _) = sandbox(Duration::from_secs(900)).await;
    let store = Arc::new(HeldWrites::default());
    let session = session_with(
        Arc::new(ApiClient::new(profile(run.addr)).unwrap()),
        store.clone(),
        devhive_core::clock::system(),
        temp_dir("late-write"),
    );
    session
        .login("alice", &Secret::new("pw-alice"), false)
        .await
        .unwrap();
    // An unlock prompt nobody answers: the write times out after 3 s but may still land,
    // so the refresh lock stays held for other processes.
    store.hold(true);
    session.refresh_now().await.unwrap();
    assert!(
        session.status().warning.is_some(),
        "kept in memory, said so"
    );
    let next = timeout(Duration::from_secs(2), session.refresh_now()).await;
    store.hold(false);
    assert!(
        matches!(next, Ok(Ok(_))),
        "this process's next refresh shares the lock it holds: {next:?}"
    );
}
