//! The AWS (API Gateway) flavour against the sandbox, on the real `Session`: `?token=` at
//! connect, the subscribe, an application event produced over REST, and the platform's idle
//! timeout and maximum age (close 1001), each followed by a reconnect with a fresh token and a
//! `Resync`.

mod support;

use devhive_core::auth::TokenSource;
use devhive_core::realtime::{EventKind, Feed, FeedConfig, FeedUpdate, ResyncReason};
use devhive_core::session::Session;
use devhive_core::timeline::Timeline;
use devhive_sandbox::{demo, Config, Flavour};
use std::sync::Arc;
use std::time::Duration;
use support::*;
use tokio::sync::broadcast;

const WITHIN: Duration = Duration::from_secs(10);

struct AwsRig {
    running: devhive_sandbox::Running,
    session: Arc<Session>,
    feed: Feed<Session>,
    updates: broadcast::Receiver<FeedUpdate>,
    timeline: Timeline,
}

async fn aws_rig(config: Config, feed_config: FeedConfig) -> AwsRig {
    let running = devhive_sandbox::spawn(Config {
        demo: true,
        rate_limit_per_minute: None,
        ..config
    })
    .await;
    let profile = aws_profile(&running);
    let timeline = Timeline::new(devhive_core::clock::system());
    let session = signed_in_session(&profile, "alice", &timeline).await;
    let feed = Feed::start(profile, Arc::clone(&session), timeline.clone(), feed_config);
    let updates = feed.subscribe();
    feed.watch([demo::APOLLO.to_string()]);
    AwsRig {
        running,
        session,
        feed,
        updates,
        timeline,
    }
}

fn is_connect_resync(update: &FeedUpdate) -> bool {
    matches!(
        update,
        FeedUpdate::Resync {
            reason: ResyncReason::Connected,
            ..
        }
    )
}

fn close_codes(timeline: &Timeline) -> Vec<Option<u64>> {
    timeline
        .export_json()
        .as_array()
        .expect("timeline is a list")
        .iter()
        .filter(|r| r["kind"] == "closed")
        .map(|r| r["code"].as_u64())
        .collect()
}

#[tokio::test]
async fn aws_feed_connects_with_a_query_token_and_receives_a_message_posted_over_rest() {
    let mut rig = aws_rig(Config::default(), fast_config()).await;
    until(&mut rig.updates, WITHIN, is_connect_resync).await;
    let stats = rig.running.control().stats().await.unwrap();
    assert_eq!(
        stats.handshakes_with(Flavour::Aws, 101),
        1,
        "?token= is accepted"
    );
    assert_eq!(stats.handshakes_with(Flavour::Fly, 101), 0);

    let token = rig.session.ensure_valid().await.unwrap();
    let response = reqwest::Client::new()
        .post(format!(
            "{}/projects/{}/messages",
            rig.running.api_url(),
            demo::APOLLO
        ))
        .header("Authorization", token.bearer())
        .json(&serde_json::json!({"content": "Deploy is green"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "the REST post is accepted");
    let seen = until(
        &mut rig.updates,
        WITHIN,
        |u| matches!(u, FeedUpdate::Event(e) if e.kind == EventKind::MessageCreated),
    )
    .await;
    match seen.last() {
        Some(FeedUpdate::Event(event)) => {
            assert_eq!(
                event.project.as_deref(),
                Some(demo::APOLLO.to_string().as_str())
            );
            assert_eq!(event.summary.as_deref(), Some("Deploy is green"));
        }
        other => panic!("expected the message event, got {other:?}"),
    }
    let text = rig.timeline.export_json().to_string();
    assert!(
        !text.contains(token.secret.expose()),
        "the ?token= never reaches the timeline"
    );
    assert!(text.contains("token=<hidden>"), "the URL token is flagged");
}

/// The platform cuts the socket (1001); the feed reconnects with a token that is valid now
/// (the first one has expired by then) and resyncs.
async fn platform_cut_reconnects_with_a_fresh_token(config: Config) {
    let mut rig = aws_rig(
        Config {
            access_ttl: Duration::from_secs(2),
            ..config
        },
        fast_config(),
    )
    .await;
    until(&mut rig.updates, WITHIN, is_connect_resync).await;
    let first = rig.session.ensure_valid().await.unwrap();
    let seen = until(&mut rig.updates, WITHIN, is_connect_resync).await;
    assert!(
        seen.iter().any(|u| is_state(u, "backoff")),
        "the cut is noticed: {seen:#?}"
    );
    assert!(every_connect_is_followed_by_a_resync(&seen));
    assert_eq!(
        close_codes(&rig.timeline).first(),
        Some(&Some(1001)),
        "API Gateway closes with 1001"
    );
    let stats = rig.running.control().stats().await.unwrap();
    assert_eq!(stats.handshakes_with(Flavour::Aws, 101), 2);
    assert_eq!(
        stats.handshakes_with(Flavour::Aws, 401),
        0,
        "an expired token is never presented"
    );
    assert!(stats.refreshes_ok() >= 1, "the 2 s token was refreshed");
    let now = rig.session.ensure_valid().await.unwrap();
    assert!(
        now.generation > first.generation,
        "the reconnect runs on a newer token"
    );
    drop(rig.feed);
}

#[tokio::test]
async fn aws_idle_timeout_close_reconnects_with_a_fresh_token_and_resyncs() {
    platform_cut_reconnects_with_a_fresh_token(Config {
        aws_idle_timeout: Duration::from_secs(3),
        ..Config::default()
    })
    .await;
}

#[tokio::test]
async fn aws_max_age_close_reconnects_with_a_fresh_token_and_resyncs() {
    platform_cut_reconnects_with_a_fresh_token(Config {
        aws_max_age: Duration::from_secs(3),
        ..Config::default()
    })
    .await;
}

#[tokio::test]
async fn aws_keepalive_pings_hold_an_idle_socket_open_past_the_idle_timeout() {
    let mut rig = aws_rig(
        Config {
            aws_idle_timeout: Duration::from_secs(1),
            ..Config::default()
        },
        FeedConfig {
            aws_keepalive: Duration::from_millis(300),
            ..fast_config()
        },
    )
    .await;
    until(&mut rig.updates, WITHIN, is_connect_resync).await;
    // Three idle timeouts pass with no server traffic; only our {"action":"ping"} flows.
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    let stats = rig.running.control().stats().await.unwrap();
    assert_eq!(
        stats.handshakes_with(Flavour::Aws, 101),
        1,
        "the app-level ping must keep the socket open: no reconnect"
    );
    assert!(
        close_codes(&rig.timeline).is_empty(),
        "no close was seen: {:?}",
        close_codes(&rig.timeline)
    );
    rig.feed.stop().await;
}
