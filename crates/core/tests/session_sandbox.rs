//! The session against the sandbox on 127.0.0.1:0 (real time, real HTTP): single flight at the
//! server, rotation into the store, revocation, 5xx, 429, skew and the lost refresh response.

mod session_support;

use devhive_core::api::{ApiClient, ApiError};
use devhive_core::auth::{AuthError, TokenSource};
use devhive_core::clock::SharedClock;
use devhive_core::keychain::{AccountKey, MemoryStore, SecretStore};
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::session::{RefreshOutcome, Session, SessionState};
use devhive_sandbox::{Config, RefreshFaults, Running};
use session_support::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct World {
    run: Running,
    alice: uuid::Uuid,
    store: Arc<MemoryStore>,
    data_dir: PathBuf,
}

async fn world(ttl: Duration) -> World {
    let config = Config {
        access_ttl: ttl,
        rate_limit_per_minute: None,
        ..Config::default()
    };
    let run = devhive_sandbox::spawn(config).await;
    let alice = run.sandbox.create_user("alice", "pw-alice");
    World {
        run,
        alice,
        store: Arc::new(MemoryStore::new()),
        data_dir: temp_dir("sandbox"),
    }
}

impl World {
    fn profile(&self) -> ServerProfile {
        ServerProfile::custom(&self.run.base_url(), None, Flavour::Fly, ApiVersion::B).unwrap()
    }

    fn api(&self) -> ApiClient {
        ApiClient::new(self.profile()).unwrap()
    }

    fn session_on(&self, api: ApiClient, clock: SharedClock) -> Session {
        session_with(
            Arc::new(api),
            self.store.clone(),
            clock,
            self.data_dir.clone(),
        )
    }

    async fn signed_in(&self) -> Session {
        let session = self.session_on(self.api(), devhive_core::clock::system());
        session
            .login("alice", &Secret::new("pw-alice"), false)
            .await
            .unwrap();
        session
    }

    fn stored_refresh(&self) -> Secret {
        let key = AccountKey::refresh_token(&self.run.addr.to_string(), &self.alice.to_string());
        self.store
            .get(&key)
            .unwrap()
            .expect("a stored refresh token")
    }

    fn refreshes(&self) -> u64 {
        self.run.sandbox.stats().refreshes_total()
    }

    fn invalid_refreshes(&self) -> u64 {
        self.run
            .sandbox
            .stats()
            .refreshes
            .get("Invalid refresh token")
            .copied()
            .unwrap_or(0)
    }
}

#[tokio::test]
async fn hundred_concurrent_callers_on_an_expired_token_make_one_refresh_at_the_server() {
    let w = world(Duration::from_secs(900)).await;
    let session = w.signed_in().await;
    // Our clock says the token expired; nothing runs until the callers are queued.
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(901)).await;
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let s = session.clone();
            tokio::spawn(async move { s.ensure_valid().await })
        })
        .collect();
    tokio::time::resume();
    for caller in callers {
        caller.await.unwrap().expect("every caller gets a token");
    }
    assert_eq!(w.refreshes(), 1, "the sandbox saw exactly one refresh");
    assert_eq!(w.run.sandbox.stats().refreshes_ok(), 1);
}

#[tokio::test]
async fn the_store_holds_the_rotated_token_and_a_new_process_continues_without_a_password() {
    let w = world(Duration::from_secs(900)).await;
    let session = w.signed_in().await;
    let mut previous = w.stored_refresh();
    assert_eq!(
        previous.expose().len(),
        128,
        "the refresh token is 128 hex chars"
    );
    for _ in 0..3 {
        session.refresh_now().await.unwrap();
        let stored = w.stored_refresh();
        assert_ne!(stored, previous, "every refresh rotates the stored token");
        previous = stored;
    }
    drop(session);
    // A "new process": a new session over the same store and data dir, no password.
    let resumed = w.session_on(w.api(), devhive_core::clock::system());
    resumed.resume_stored().await.unwrap();
    assert_eq!(resumed.status().user.unwrap().name, "alice");
    let token = resumed.ensure_valid().await.unwrap();
    let me = w.api().me(&token).await.unwrap();
    assert_eq!(me.username, "alice");
    assert_eq!(w.invalid_refreshes(), 0, "no refresh was ever refused");
}

#[tokio::test]
async fn revoked_refresh_token_needs_login_and_is_not_tried_again() {
    let w = world(Duration::from_secs(3)).await;
    let session = w.signed_in().await;
    w.run.sandbox.revoke_refresh_tokens(Some(w.alice));
    let err = session.refresh_now().await.unwrap_err();
    assert_eq!(
        err,
        AuthError::NeedsLogin {
            reason: "Invalid refresh token".into()
        }
    );
    assert_eq!(
        session.status().state,
        SessionState::NeedsLogin {
            reason: "Invalid refresh token".into()
        }
    );
    // Past the 3 s token's life: no timer, no caller brings another attempt.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(session.ensure_valid().await.unwrap_err().requires_sign_in());
    assert_eq!(w.refreshes(), 1, "one refused refresh and nothing after it");
}

#[tokio::test]
async fn refresh_5xx_for_a_while_keeps_the_session_and_it_recovers() {
    let w = world(Duration::from_secs(900)).await;
    let session = w.signed_in().await;
    w.run.sandbox.faults().set_refresh(RefreshFaults {
        fail_status: Some(503),
        fail_detail: Some(String::new()),
        duration_ms: Some(2_500),
        ..RefreshFaults::default()
    });
    let err = session.refresh_now().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(matches!(
        session.status().state,
        SessionState::RetryingRefresh { .. }
    ));
    let mut states = session.subscribe();
    tokio::time::timeout(Duration::from_secs(40), async {
        loop {
            if matches!(states.borrow_and_update().state, SessionState::Valid { .. }) {
                break;
            }
            assert!(
                !matches!(states.borrow().state, SessionState::NeedsLogin { .. }),
                "a 5xx must never end the session"
            );
            states.changed().await.unwrap();
        }
    })
    .await
    .expect("the session recovers once the server does");
    assert!(w.run.sandbox.stats().refreshes_ok() >= 1);
    session.ensure_valid().await.unwrap();
}

#[tokio::test]
async fn a_429_is_honoured_with_its_retry_after() {
    let w = world(Duration::from_secs(900)).await;
    let session = w.signed_in().await;
    w.run.sandbox.set_rate_limit(Some(1));
    // Use up the one allowed request, so the refresh is rate limited.
    let _ = w.api().me(&session.ensure_valid().await.unwrap()).await;
    let before = w.refreshes();
    let err = session.refresh_now().await.unwrap_err();
    let AuthError::Transient { retry_after, .. } = &err else {
        panic!("expected a transient error, got {err:?}");
    };
    assert_eq!(
        *retry_after,
        Some(Duration::from_secs(60)),
        "Retry-After: 60"
    );
    let status = session.status();
    assert_eq!(
        status.last_refresh.unwrap().outcome,
        RefreshOutcome::RateLimited
    );
    let SessionState::RetryingRefresh { at, .. } = status.state else {
        panic!("expected retrying");
    };
    assert!(at.saturating_duration_since(tokio::time::Instant::now()) > Duration::from_secs(58));
    // Callers keep the unexpired token and do not knock again.
    session.ensure_valid().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        w.refreshes(),
        before,
        "rejected 429s never reach the refresh handler"
    );
    assert!(matches!(
        session.status().state,
        SessionState::RetryingRefresh { .. }
    ));
}

#[tokio::test]
async fn a_skewed_clock_still_refreshes_before_the_servers_expiry() {
    for skew in [-600.0, 600.0] {
        let w = world(Duration::from_secs(3)).await;
        let (clock, shared) = test_clock();
        clock.set_skew_secs(skew);
        let session = w.session_on(w.api(), shared);
        session
            .login("alice", &Secret::new("pw-alice"), false)
            .await
            .unwrap();
        let seen = session.status().skew_secs.unwrap();
        assert!(
            (seen + skew as i64).abs() <= 2,
            "reported skew {seen} for a clock {skew} s off"
        );
        // Three lifetimes of REST calls with whatever ensure_valid hands out: never a 401.
        let api = w.api();
        let until = tokio::time::Instant::now() + Duration::from_secs(8);
        while tokio::time::Instant::now() < until {
            let token = session.ensure_valid().await.unwrap();
            api.me(&token)
                .await
                .unwrap_or_else(|e| panic!("skew {skew}: token rejected: {e}"));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(w.run.sandbox.stats().refreshes_ok() >= 2);
        assert_eq!(w.invalid_refreshes(), 0);
    }
}

#[tokio::test]
async fn a_three_second_token_is_refreshed_at_most_twice_per_lifetime_at_the_sandbox() {
    // Issue 11: margin, timer and the quarter rule all work on the planned lifetime
    // (`exp − iat − min(1 s, L/2)`), so short tokens are not refreshed every ~1.2 s.
    let lifetime = Duration::from_secs(3);
    let w = world(lifetime).await;
    let session = w.signed_in().await;
    let api = w.api();
    let start = tokio::time::Instant::now();
    let run = Duration::from_secs(12);
    // A busy client: every 100 ms a connect or REST call takes a token and uses it.
    while start.elapsed() < run {
        let token = session.ensure_valid().await.unwrap();
        api.me(&token)
            .await
            .unwrap_or_else(|e| panic!("a token from ensure_valid was rejected: {e}"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let lifetimes = start.elapsed().as_secs_f64() / lifetime.as_secs_f64();
    let refreshes = w.refreshes();
    eprintln!("{refreshes} refreshes in {lifetimes:.1} lifetimes of a 3 s token");
    assert!(
        refreshes as f64 <= 2.0 * lifetimes + 0.5,
        "{refreshes} refreshes at the sandbox in {lifetimes:.1} lifetimes: more than two per lifetime"
    );
    assert!(
        refreshes as f64 >= lifetimes.floor() - 1.0,
        "{refreshes} refreshes in {lifetimes:.1} lifetimes: the token was not kept fresh"
    );
    assert_eq!(w.invalid_refreshes(), 0);
}

/// A TCP proxy to `upstream` that, while `swallow` is set, forwards requests but holds back
/// the server's answer on that connection (a response lost in transit).
async fn lossy_proxy(
    upstream: std::net::SocketAddr,
    swallow: Arc<AtomicBool>,
) -> std::net::SocketAddr {
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
            let swallow = swallow.clone();
            tokio::spawn(async move {
                let mut poisoned = false;
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let n = match out_read.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    poisoned |= swallow.swap(false, Ordering::SeqCst);
                    if !poisoned && in_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                // Keep the client waiting until it gives up.
                if poisoned {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn invalid_refresh_token_after_a_lost_refresh_response_says_so_plainly() {
    let w = world(Duration::from_secs(900)).await;
    let swallow = Arc::new(AtomicBool::new(false));
    let proxy = lossy_proxy(w.run.addr, swallow.clone()).await;
    let profile = ServerProfile::custom(
        &format!("http://{proxy}"),
        None,
        Flavour::Fly,
        ApiVersion::B,
    )
    .unwrap();
    let quick =
        ApiClient::with_timeouts(profile, Duration::from_secs(5), Duration::from_millis(500))
            .unwrap();
    let session = w.session_on(quick, devhive_core::clock::system());
    session
        .login("alice", &Secret::new("pw-alice"), false)
        .await
        .unwrap();
    // The server rotates; its answer never reaches us and the request times out.
    swallow.store(true, Ordering::SeqCst);
    let err = session.refresh_now().await.unwrap_err();
    assert!(err.is_transient(), "a timeout is retried: {err:?}");
    assert_eq!(
        w.run.sandbox.stats().refreshes_ok(),
        1,
        "the server did rotate"
    );
    let mut states = session.subscribe();
    let reason = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let SessionState::NeedsLogin { reason } = &states.borrow_and_update().state {
                return reason.clone();
            }
            states.changed().await.unwrap();
        }
    })
    .await
    .expect("the retry is refused");
    assert!(reason.starts_with("Invalid refresh token"), "{reason}");
    assert!(
        reason.contains("previous refresh response was lost"),
        "the reason says what happened: {reason}"
    );
    let timeline = serde_json::to_string(&session.timeline().export_json()).unwrap();
    assert!(
        timeline.contains("previous refresh response was lost"),
        "{timeline}"
    );
}

#[tokio::test]
async fn api_errors_keep_the_servers_words() {
    let w = world(Duration::from_secs(900)).await;
    let api = w.api();
    let err = api
        .login("alice", &Secret::new("wrong"), false)
        .await
        .unwrap_err();
    assert!(matches!(&err, ApiError::Unauthorized { detail } if detail == "Invalid credentials"));
    let bogus = devhive_core::auth::AccessToken {
        secret: Secret::new("not-a-jwt"),
        generation: 0,
        expires_at: tokio::time::Instant::now() + Duration::from_secs(60),
        lifetime: Duration::from_secs(60),
    };
    let err = api.me(&bogus).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::Unauthorized { detail } if detail == "Invalid token"),
        "plain-text middleware body: {err:?}"
    );
    let err = api
        .refresh(&Secret::new("ab".repeat(64)))
        .await
        .unwrap_err();
    assert_eq!(err.detail(), "Invalid refresh token");
    assert!(
        api.last_server_date().is_some(),
        "the Date header is recorded"
    );
}

#[tokio::test]
async fn login_sends_remember_me_only_to_api_version_b() {
    for version in [ApiVersion::A, ApiVersion::B] {
        let config = Config {
            api_version: match version {
                ApiVersion::A => devhive_sandbox::ApiVersion::A,
                ApiVersion::B => devhive_sandbox::ApiVersion::B,
            },
            rate_limit_per_minute: None,
            ..Config::default()
        };
        let run = devhive_sandbox::spawn(config).await;
        run.sandbox.create_user("alice", "pw-alice");
        let profile = ServerProfile::custom(&run.base_url(), None, Flavour::Fly, version).unwrap();
        let grant = ApiClient::new(profile)
            .unwrap()
            .login("alice", &Secret::new("pw-alice"), true)
            .await
            .unwrap_or_else(|e| panic!("API {version:?}: {e}"));
        let expected = match version {
            ApiVersion::A => Duration::from_secs(7 * 86_400),
            ApiVersion::B => Duration::from_secs(30 * 86_400),
        };
        assert_eq!(grant.refresh_lifetime, Some(expected), "API {version:?}");
    }
}

#[tokio::test]
async fn rest_lists_read_null_as_empty() {
    let w = world(Duration::from_secs(900)).await;
    let session = w.signed_in().await;
    let token = session.ensure_valid().await.unwrap();
    let projects = w.api().projects(&token).await.unwrap();
    assert!(
        projects.projects.is_empty(),
        "a user with no projects gets an empty list"
    );
    let project = w.run.sandbox.create_project(w.alice, "Apollo").to_string();
    let messages = w.api().messages(&token, &project, 20, 0).await.unwrap();
    assert!(messages.messages.is_empty());
    let members = w.api().members(&token, &project).await.unwrap();
    assert_eq!(members.members.len(), 1, "the owner is a member");
    assert_eq!(
        w.api().project(&token, &project).await.unwrap().name,
        "Apollo"
    );
    let me = w.api().user(&token, &w.alice.to_string()).await.unwrap();
    assert_eq!(me.username, "alice");
}
