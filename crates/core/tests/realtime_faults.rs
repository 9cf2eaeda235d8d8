//! The fault matrix: one test per server fault, against the sandbox on 127.0.0.1:0. Each
//! asserts the final state, the refreshes and handshakes the sandbox saw, and that a
//! `Resync` follows every (re)connect. The feed runs on the real `Session` (memory secret
//! store), so the refresh counts prove the real integration; only the wake test uses the
//! test token source, because it has to trigger a wake on demand.

mod support;

use devhive_core::auth::TokenSource;
use devhive_core::realtime::{ConnState, FeedUpdate, ResyncReason};
use devhive_core::session::Session;
use devhive_sandbox::{demo, Config, DropMode, Flavour};
use std::time::Duration;
use support::*;

const WITHIN: Duration = Duration::from_secs(10);

fn config() -> Config {
    Config {
        demo: true,
        rate_limit_per_minute: None,
        ..Config::default()
    }
}

struct Rig<T: TokenSource = Session> {
    running: devhive_sandbox::Running,
    tokens: std::sync::Arc<T>,
    feed: devhive_core::realtime::Feed<T>,
    updates: tokio::sync::broadcast::Receiver<FeedUpdate>,
    timeline: devhive_core::timeline::Timeline,
}

/// A sandbox and a feed driven by alice's real session.
async fn rig() -> Rig {
    let running = devhive_sandbox::spawn(config()).await;
    let (feed, updates, timeline, tokens) =
        start_session_feed(fly_profile(&running), "alice").await;
    Rig {
        running,
        tokens,
        feed,
        updates,
        timeline,
    }
}

/// A sandbox and a feed driven by the test token source (for tests that steer it).
async fn test_token_rig() -> Rig<TestTokens> {
    let running = devhive_sandbox::spawn(config()).await;
    let tokens = TestTokens::login(&running.api_url(), "alice", demo::PASSWORD).await;
    let (feed, updates, timeline) = start_feed(fly_profile(&running), tokens.clone());
    Rig {
        running,
        tokens,
        feed,
        updates,
        timeline,
    }
}

async fn connected<T: TokenSource>(mut rig: Rig<T>) -> (Rig<T>, Vec<FeedUpdate>) {
    rig.feed.watch([demo::APOLLO.to_string()]);
    let seen = until(&mut rig.updates, WITHIN, |u| {
        matches!(
            u,
            FeedUpdate::Resync {
                reason: ResyncReason::Connected,
                ..
            }
        )
    })
    .await;
    (rig, seen)
}

async fn connected_rig() -> (Rig, Vec<FeedUpdate>) {
    connected(rig().await).await
}

async fn handshakes<T: TokenSource>(rig: &Rig<T>, status: u16) -> u64 {
    rig.running
        .control()
        .stats()
        .await
        .unwrap()
        .handshakes_with(Flavour::Fly, status)
}

async fn refreshes<T: TokenSource>(rig: &Rig<T>) -> u64 {
    rig.running
        .control()
        .stats()
        .await
        .unwrap()
        .refreshes_total()
}

#[tokio::test]
async fn expired_token_at_handshake_is_refreshed_exactly_once_then_connects() {
    let mut rig = rig().await;
    rig.running.control().expire_tokens().await.unwrap();
    rig.feed.watch([demo::APOLLO.to_string()]);
    let seen = until(&mut rig.updates, WITHIN, |u| {
        matches!(u, FeedUpdate::Resync { .. })
    })
    .await;
    assert!(every_connect_is_followed_by_a_resync(&seen));
    assert_eq!(refreshes(&rig).await, 1, "exactly one refresh");
    assert_eq!(handshakes(&rig, 401).await, 1);
    assert_eq!(handshakes(&rig, 101).await, 1);
    let states = rig.feed.states().borrow().clone();
    assert!(matches!(
        states.values().next(),
        Some(ConnState::Connected { .. })
    ));
}

async fn drop_reconnects(mode: DropMode, expected_code: Option<u16>) {
    let (mut rig, _) = connected_rig().await;
    rig.running
        .control()
        .drop_sockets(mode, None)
        .await
        .unwrap();
    let seen = until(&mut rig.updates, WITHIN, |u| {
        matches!(
            u,
            FeedUpdate::Resync {
                reason: ResyncReason::Connected,
                ..
            }
        )
    })
    .await;
    assert!(seen.iter().any(|u| is_state(u, "backoff")), "{seen:#?}");
    assert!(every_connect_is_followed_by_a_resync(&seen));
    assert_eq!(handshakes(&rig, 101).await, 2);
    assert_eq!(refreshes(&rig).await, 0, "a drop needs no refresh");
    let closes: Vec<_> = rig
        .timeline
        .export_json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "closed")
        .map(|r| r["code"].as_u64())
        .collect();
    assert_eq!(
        closes,
        vec![expected_code.map(u64::from)],
        "the timeline records the close code"
    );
}

#[tokio::test]
async fn abrupt_drop_reconnects_and_resyncs() {
    drop_reconnects(DropMode::Abrupt, None).await;
}

#[tokio::test]
async fn close_1000_from_the_server_reconnects_and_resyncs() {
    drop_reconnects(DropMode::Close1000, Some(1000)).await;
}

#[tokio::test]
async fn close_1011_from_the_server_reconnects_and_resyncs() {
    drop_reconnects(DropMode::Close1011, Some(1011)).await;
}

#[tokio::test]
async fn close_1009_from_the_server_reconnects_and_resyncs_without_a_refresh() {
    drop_reconnects(DropMode::Close1009, Some(1009)).await;
}

#[tokio::test]
async fn a_blackholed_server_is_noticed_and_the_connection_comes_back() {
    let (mut rig, _) = connected_rig().await;
    rig.running.control().blackhole(true).await.unwrap();
    until(&mut rig.updates, WITHIN, |u| is_state(u, "backoff")).await;
    rig.running.control().blackhole(false).await.unwrap();
    let seen = until(&mut rig.updates, Duration::from_secs(20), |u| {
        matches!(
            u,
            FeedUpdate::Resync {
                reason: ResyncReason::Connected,
                ..
            }
        )
    })
    .await;
    assert!(every_connect_is_followed_by_a_resync(&seen));
    assert_eq!(refreshes(&rig).await, 0);
}

#[tokio::test]
async fn a_429_waits_for_retry_after_instead_of_retrying() {
    let mut rig = rig().await;
    let control = rig.running.control();
    control
        .fail_next_upgrades(1, 429, "Too Many Requests")
        .await
        .unwrap();
    rig.feed.watch([demo::APOLLO.to_string()]);
    let seen = until(&mut rig.updates, WITHIN, |u| is_state(u, "backoff")).await;
    match state_of(seen.last().unwrap()) {
        Some(ConnState::Backoff { retry_at, reason }) => {
            assert!(reason.contains("429"), "{reason}");
            let wait = retry_at.saturating_duration_since(tokio::time::Instant::now());
            assert!(wait > Duration::from_secs(50), "waits about 60 s: {wait:?}");
        }
        other => panic!("expected backoff, got {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(handshakes(&rig, 429).await, 1, "no retry during the wait");
    assert_eq!(handshakes(&rig, 101).await, 0);
    rig.feed.reconnect_now();
    until(&mut rig.updates, WITHIN, |u| is_state(u, "connected")).await;
}

#[tokio::test]
async fn a_503_backs_off_then_connects() {
    let mut rig = rig().await;
    rig.running
        .control()
        .fail_next_upgrades(1, 503, "WebSocket connections are not supported in this deployment. Use API Gateway WebSocket API for real-time features.")
        .await
        .unwrap();
    rig.feed.watch([demo::APOLLO.to_string()]);
    let seen = until(&mut rig.updates, WITHIN, |u| {
        matches!(u, FeedUpdate::Resync { .. })
    })
    .await;
    assert!(seen.iter().any(|u| is_state(u, "backoff")));
    assert_eq!(handshakes(&rig, 503).await, 1);
    assert_eq!(handshakes(&rig, 101).await, 1);
    assert_eq!(refreshes(&rig).await, 0);
}

#[tokio::test]
async fn forbidden_and_not_found_are_terminal_with_the_server_words_and_no_retry_storm() {
    let mut rig = rig().await;
    let private = rig.running.sandbox.create_project(demo::CAROL, "Private");
    let missing = uuid::Uuid::new_v4();
    rig.feed.watch([private.to_string(), missing.to_string()]);
    let mut terminal = std::collections::BTreeMap::new();
    until(&mut rig.updates, WITHIN, |u| {
        if let FeedUpdate::Connection { project, state } = u {
            if state.waits_for_user() {
                terminal.insert(project.clone(), state.clone());
            }
        }
        terminal.len() == 2
    })
    .await;
    assert_eq!(
        terminal[&private.to_string()],
        ConnState::Forbidden {
            message:
                "You are not a member of this project. Please select a project you have access to."
                    .into()
        }
    );
    assert_eq!(
        terminal[&missing.to_string()],
        ConnState::NotFound {
            message: "Project not found".into()
        }
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(handshakes(&rig, 403).await, 1, "one try, no storm");
    assert_eq!(handshakes(&rig, 404).await, 1, "one try, no storm");
    assert_eq!(refreshes(&rig).await, 0, "never a session problem");
}

#[tokio::test]
async fn the_server_reconnect_message_triggers_a_resync_on_the_open_socket() {
    let (mut rig, _) = connected_rig().await;
    rig.running.control().send_reconnect().await.unwrap();
    until(&mut rig.updates, WITHIN, |u| {
        matches!(
            u,
            FeedUpdate::Resync {
                reason: ResyncReason::ServerReconnect,
                ..
            }
        )
    })
    .await;
    assert_eq!(handshakes(&rig, 101).await, 1, "the socket stays open");
}

#[tokio::test]
async fn revoked_refresh_means_needs_login_everywhere_without_loops() {
    let mut rig = rig().await;
    rig.feed
        .watch([demo::APOLLO.to_string(), demo::BOREALIS.to_string()]);
    let mut connected = 0;
    until(&mut rig.updates, WITHIN, |u| {
        connected += usize::from(is_state(u, "connected"));
        connected == 2
    })
    .await;
    let control = rig.running.control();
    control.revoke_refresh_tokens(None).await.unwrap();
    control.expire_tokens().await.unwrap();
    control.drop_sockets(DropMode::Abrupt, None).await.unwrap();
    let mut needs_login = 0;
    until(&mut rig.updates, WITHIN, |u| {
        needs_login += usize::from(is_state(u, "needs_login"));
        needs_login == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        refreshes(&rig).await,
        1,
        "one refresh learns the session is over"
    );
    assert_eq!(handshakes(&rig, 101).await, 2);
    let rejected = handshakes(&rig, 401).await;
    assert!(
        (1..=2).contains(&rejected),
        "at most one rejected handshake per project (a project that reconnects after the session ended needs none): {rejected}"
    );
    let states = rig.feed.states().borrow().clone();
    assert!(states.values().all(
        |s| matches!(s, ConnState::NeedsLogin { reason } if reason == "Invalid refresh token")
    ));
}

#[tokio::test]
async fn a_token_from_another_deployment_is_rejected_twice_then_backs_off_with_the_server_reason() {
    let rest = devhive_sandbox::spawn(config()).await;
    let ws = devhive_sandbox::spawn(Config {
        signing_key: "another-deployment-key".into(),
        ..config()
    })
    .await;
    let mut profile = fly_profile(&rest);
    profile.ws_url = url::Url::parse(&ws.ws_fly_url()).unwrap();
    let (feed, mut updates, _timeline, _session) = start_session_feed(profile, "alice").await;
    feed.watch([demo::APOLLO.to_string()]);
    let seen = until(&mut updates, WITHIN, |u| is_state(u, "backoff")).await;
    match state_of(seen.last().unwrap()) {
        Some(ConnState::Backoff { reason, .. }) => {
            assert_eq!(reason, "Invalid authentication token format")
        }
        other => panic!("expected backoff, got {other:?}"),
    }
    // Stop before counting: the backoff's retry could otherwise land between the reads.
    feed.stop().await;
    let ws_stats = ws.control().stats().await.unwrap();
    assert_eq!(ws_stats.handshakes_with(Flavour::Fly, 401), 2);
    assert_eq!(rest.control().stats().await.unwrap().refreshes_total(), 1);
}

#[tokio::test]
async fn a_server_restart_on_the_same_port_is_survived() {
    let (rig, _) = connected_rig().await;
    let Rig {
        running,
        feed,
        mut updates,
        tokens: _tokens,
        ..
    } = rig;
    let (addr, sandbox) = (running.addr, running.sandbox.clone());
    running.stop().await;
    until(&mut updates, WITHIN, |u| is_state(u, "backoff")).await;
    let _again = devhive_sandbox::spawn_on(addr, sandbox).await.unwrap();
    let seen = until(&mut updates, Duration::from_secs(20), |u| {
        matches!(
            u,
            FeedUpdate::Resync {
                reason: ResyncReason::Connected,
                ..
            }
        )
    })
    .await;
    assert!(every_connect_is_followed_by_a_resync(&seen));
    drop(feed);
}

#[tokio::test]
async fn wake_resyncs_an_open_connection() {
    let (mut rig, _) = connected(test_token_rig().await).await;
    rig.tokens.wake();
    until(&mut rig.updates, WITHIN, |u| {
        matches!(
            u,
            FeedUpdate::Resync {
                reason: ResyncReason::Wake,
                ..
            }
        )
    })
    .await;
}
