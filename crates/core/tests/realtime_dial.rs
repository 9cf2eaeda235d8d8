//! The dialer seam: the feed gets every socket's byte stream from the `Dial` object in its
//! `FeedConfig`. Here an in-memory pipe (bridged to the sandbox) carries a whole connection,
//! and a dialer's failure reaches the connection state in its own words.

mod support;

use devhive_core::net::{BoxStream, Dial, NetError, Route, Target};
use devhive_core::realtime::{ConnState, Feed, FeedConfig, FeedUpdate, ResyncReason};
use devhive_core::timeline::Timeline;
use devhive_sandbox::{demo, Config};
use futures_util::future::BoxFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

const WITHIN: Duration = Duration::from_secs(10);

/// Hands out one end of an in-memory pipe per dial; the other end is copied to the sandbox.
#[derive(Debug)]
struct PipeDialer {
    server: SocketAddr,
    dialled: Mutex<Vec<(Target, Route)>>,
}

impl Dial for PipeDialer {
    fn dial<'a>(
        &'a self,
        target: &'a Target,
        route: &'a Route,
    ) -> BoxFuture<'a, Result<BoxStream, NetError>> {
        Box::pin(async move {
            self.dialled
                .lock()
                .unwrap()
                .push((target.clone(), route.clone()));
            let (ours, mut theirs) = tokio::io::duplex(64 * 1024);
            let mut tcp = tokio::net::TcpStream::connect(self.server)
                .await
                .map_err(|source| NetError::Connect {
                    target: target.to_string(),
                    source,
                })?;
            tokio::spawn(async move {
                let _ = tokio::io::copy_bidirectional(&mut theirs, &mut tcp).await;
            });
            Ok(Box::new(ours) as BoxStream)
        })
    }
}

/// Always fails, as a dead network would.
#[derive(Debug)]
struct RefusingDialer;

impl Dial for RefusingDialer {
    fn dial<'a>(
        &'a self,
        target: &'a Target,
        _route: &'a Route,
    ) -> BoxFuture<'a, Result<BoxStream, NetError>> {
        Box::pin(async move {
            Err(NetError::Connect {
                target: target.to_string(),
                source: std::io::Error::other("the test pipe is unplugged"),
            })
        })
    }
}

fn config_with(dialer: Arc<dyn Dial>) -> FeedConfig {
    FeedConfig {
        dialer,
        ..fast_config()
    }
}

#[tokio::test]
async fn a_feed_runs_its_socket_over_whatever_stream_the_dialer_returns() {
    let running = devhive_sandbox::spawn(Config {
        demo: true,
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let tokens = TestTokens::login(&running.api_url(), "alice", demo::PASSWORD).await;
    let dialer = Arc::new(PipeDialer {
        server: running.addr,
        dialled: Mutex::new(Vec::new()),
    });
    let feed = Feed::start(
        fly_profile(&running),
        tokens,
        Timeline::new(devhive_core::clock::system()),
        config_with(dialer.clone()),
    );
    let mut updates = feed.subscribe();
    feed.watch([demo::APOLLO.to_string()]);
    until(&mut updates, WITHIN, |u| {
        matches!(
            u,
            FeedUpdate::Resync {
                reason: ResyncReason::Connected,
                ..
            }
        )
    })
    .await;
    let dialled = dialer.dialled.lock().unwrap().clone();
    assert_eq!(dialled.len(), 1, "one socket, one dial: {dialled:?}");
    assert_eq!(
        dialled[0].0,
        Target {
            host: "127.0.0.1".into(),
            port: running.addr.port()
        },
        "the dialer is asked for the WebSocket URL's host and port"
    );
    assert!(
        dialled[0].1.proxy().is_none(),
        "no proxy is configured in the test"
    );
    feed.stop().await;
}

#[tokio::test]
async fn a_dialer_failure_backs_off_with_the_dialers_words_as_the_reason() {
    let running = devhive_sandbox::spawn(Config {
        demo: true,
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let tokens = TestTokens::login(&running.api_url(), "alice", demo::PASSWORD).await;
    let feed = Feed::start(
        fly_profile(&running),
        tokens,
        Timeline::new(devhive_core::clock::system()),
        config_with(Arc::new(RefusingDialer)),
    );
    let mut updates = feed.subscribe();
    feed.watch([demo::APOLLO.to_string()]);
    let seen = until(&mut updates, WITHIN, |u| is_state(u, "backoff")).await;
    let Some(ConnState::Backoff { reason, .. }) = seen.last().and_then(state_of) else {
        panic!("the last update is the backoff: {seen:?}");
    };
    assert!(
        reason.contains("the test pipe is unplugged"),
        "the dialer's words reach the state: {reason}"
    );
    feed.stop().await;
}
