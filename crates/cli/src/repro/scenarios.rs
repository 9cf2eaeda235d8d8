//! The scripted faults. Each returns the one-line outcome; the timeline is read afterwards.

use super::harness::{count, signed_out, Harness, ReproError};
use super::lossy::LossyProxy;
use devhive_core::auth::TokenSource;
use devhive_core::clock::{self, SharedClock, TestClock};
use devhive_core::realtime::ConnState;
use devhive_core::server::{Flavour, ServerProfile};
use devhive_core::support::scenario::Scenario;
use devhive_core::support::verdict::{classify_handshake, HandshakeContext};
use devhive_core::timeline::{Entry, Scope};
use devhive_sandbox::{demo, Config, DropMode, RefreshFaults};
use std::time::Duration;

/// What a scenario produced: the timeline (in the harness) and the outcome line.
pub struct Ran {
    /// The world, for its timeline.
    pub harness: Harness,
    /// `outcome: …` without the prefix.
    pub outcome: String,
}

/// Runs one scenario.
pub async fn run(scenario: Scenario) -> Result<Ran, ReproError> {
    match scenario {
        Scenario::ExpiredTokenAtConnect => expired_token_at_connect().await,
        Scenario::RefreshRace => refresh_race().await,
        Scenario::RefreshRevoked => refresh_revoked().await,
        Scenario::ServerRestart => server_restart().await,
        Scenario::KeyMismatch => key_mismatch().await,
        Scenario::RateLimited => rate_limited().await,
        Scenario::NotAMember => not_a_member().await,
        Scenario::AwsIdleTimeout => aws_idle_timeout().await,
        Scenario::SleepWake => sleep_wake().await,
        Scenario::LostRefreshResponse => lost_refresh_response().await,
    }
}

fn apollo() -> String {
    demo::APOLLO.to_string()
}

async fn fly(config: Config) -> Result<Harness, ReproError> {
    Harness::start(config, Flavour::Fly, clock::system()).await
}

fn refresh_ok(e: &Entry) -> bool {
    matches!(e, Entry::Refresh { outcome, .. } if outcome == "ok")
}

fn sign_out_note(h: &Harness) -> &'static str {
    if signed_out(&h.records()) {
        "signed out"
    } else {
        "no sign-out"
    }
}

async fn expired_token_at_connect() -> Result<Ran, ReproError> {
    let mut h = fly(Config::default()).await?;
    let session = h.signed_in("alice").await?;
    let feed = h.feed(&session, &apollo());
    h.wait_handshake("the first connect", 101).await?;
    // The token dies while the socket is down; our clock still thinks it is valid.
    h.control().expire_tokens().await?;
    h.control().drop_sockets(DropMode::Abrupt, None).await?;
    h.wait_handshake("the 401 at reconnect", 401).await?;
    h.wait_handshake("the reconnect with a fresh token", 101)
        .await?;
    feed.stop().await;
    let records = h.records();
    let rejected = count(&records, |e| {
        matches!(e, Entry::Handshake { status: 401, .. })
    });
    let outcome = format!(
        "{rejected} handshake 401 (token expired) → {} refresh → reconnected, {}",
        count(&records, refresh_ok),
        sign_out_note(&h)
    );
    Ok(Ran {
        harness: h,
        outcome,
    })
}

async fn refresh_race() -> Result<Ran, ReproError> {
    let h = fly(Config::default()).await?;
    let app = h.signed_in("alice").await?;
    // A second DevHive process (the CLI) on the same keychain entry and lock directory.
    let cli = h.session_via(&h.profile)?;
    cli.resume_stored().await?;
    let before = h.control().stats().await?.refreshes_total();
    // Slow refreshes make the overlap certain.
    h.control()
        .refresh_faults(RefreshFaults {
            latency_ms: 150,
            count: Some(4),
            ..Default::default()
        })
        .await?;
    h.control().expire_tokens().await?;
    let token = app
        .ensure_valid()
        .await
        .map_err(devhive_core::session::SessionError::from)?;
    let cli_token = cli
        .ensure_valid()
        .await
        .map_err(devhive_core::session::SessionError::from)?;
    let (a, b, c) = tokio::join!(
        app.refresh_after_rejection(&token),
        app.refresh_after_rejection(&token),
        cli.refresh_after_rejection(&cli_token),
    );
    let failures = [a.is_err(), b.is_err(), c.is_err()]
        .iter()
        .filter(|f| **f)
        .count();
    let server = h.control().stats().await?.refreshes_total() - before;
    let outcome = format!(
        "3 callers in 2 processes, {server} refresh attempts serialised by the lock (callers in one process share one), {failures} failed, {}",
        sign_out_note(&h)
    );
    Ok(Ran {
        harness: h,
        outcome,
    })
}

async fn refresh_revoked() -> Result<Ran, ReproError> {
    let mut h = fly(Config::default()).await?;
    let session = h.signed_in("alice").await?;
    let feed = h.feed(&session, &apollo());
    h.wait_handshake("the first connect", 101).await?;
    h.control().revoke_refresh_tokens(None).await?;
    h.control().expire_tokens().await?;
    h.control().drop_sockets(DropMode::Abrupt, None).await?;
    h.wait_for("the session to need a sign-in", |s, e| {
        *s == Scope::Session && matches!(e, Entry::State { state, .. } if state == "needs_login")
    })
    .await?;
    h.wait_for("the connection to stop for sign-in", |s, e| {
        matches!(s, Scope::Project(_))
            && matches!(e, Entry::State { state, .. } if state == "needs_login")
    })
    .await?;
    feed.stop().await;
    let records = h.records();
    let attempts = count(
        &records,
        |e| matches!(e, Entry::Refresh { outcome, .. } if outcome == "rejected"),
    );
    let outcome = format!(
        "refresh rejected (Invalid refresh token) {attempts} time → needs sign-in for the session and the project; no retry loop"
    );
    Ok(Ran {
        harness: h,
        outcome,
    })
}

async fn server_restart() -> Result<Ran, ReproError> {
    let mut h = fly(Config::default()).await?;
    let session = h.signed_in("alice").await?;
    let feed = h.feed(&session, &apollo());
    h.wait_handshake("the first connect", 101).await?;
    h.wait_for("the first resync", |_, e| matches!(e, Entry::Resync { .. }))
        .await?;
    let started = tokio::time::Instant::now();
    // A deploy: the process dies (no close frame) and is back on the same port 1 s later.
    h.restart(Duration::from_secs(1)).await?;
    h.wait_handshake("the reconnect", 101).await?;
    h.wait_for("the resync after reconnect", |_, e| {
        matches!(e, Entry::Resync { .. })
    })
    .await?;
    let took = started.elapsed().as_millis();
    feed.stop().await;
    let records = h.records();
    let dropped = records
        .iter()
        .any(|r| matches!(&r.entry, Entry::Closed { code: None, .. }));
    let tries = count(
        &records,
        |e| matches!(e, Entry::State { state, .. } if state == "connecting"),
    );
    let outcome = format!(
        "{} → server down 1 s → back after {took} ms and {} connect attempts → resync (connected), {}",
        if dropped { "dropped without a close frame" } else { "dropped" },
        tries.saturating_sub(1),
        sign_out_note(&h)
    );
    Ok(Ran {
        harness: h,
        outcome,
    })
}

async fn key_mismatch() -> Result<Ran, ReproError> {
    let mut h = fly(Config::default()).await?;
    let other = devhive_sandbox::spawn(Config {
        demo: true,
        signing_key: "another deployment's key".into(),
        ..Default::default()
    })
    .await;
    // REST of one deployment, WebSocket of the other.
    h.profile = ServerProfile::custom(
        &h.running().base_url(),
        Some(&other.ws_fly_url()),
        Flavour::Fly,
        devhive_core::server::ApiVersion::B,
    )
    .expect("sandbox URLs are valid");
    let session = h.signed_in("alice").await?;
    let feed = h.feed(&session, &apollo());
    let first = h.wait_handshake("the refused handshake", 401).await?;
    h.wait_handshake("the retry after one refresh", 401).await?;
    feed.stop().await;
    let body = match first.entry {
        Entry::Handshake { body, .. } => body,
        _ => String::new(),
    };
    let problem = classify_handshake(
        &apollo(),
        401,
        &body,
        None,
        HandshakeContext {
            token_is_fresh: true,
        },
    );
    let outcome = format!(
        "handshake 401 \"{body}\" on a fresh token, again after 1 refresh → {}: REST and WebSocket hosts of different deployments",
        problem.slug()
    );
    Ok(Ran {
        harness: h,
        outcome,
    })
}

async fn rate_limited() -> Result<Ran, ReproError> {
    let mut h = fly(Config::default()).await?;
    let session = h.signed_in("alice").await?;
    let feed = h.feed(&session, &apollo());
    h.wait_handshake("the first connect", 101).await?;
    h.control().set_rate_limit(Some(0)).await?;
    h.control().drop_sockets(DropMode::Abrupt, None).await?;
    h.wait_handshake("the 429", 429).await?;
    let backoff = h
        .wait_for("the wait after 429", |s, e| {
            matches!(s, Scope::Project(_))
                && matches!(e, Entry::State { state, .. } if state == "backoff")
        })
        .await?;
    // Ordinary backoff would try again within 1.5 s; Retry-After must hold it off.
    let again = tokio::time::timeout(
        Duration::from_millis(1500),
        h.wait_handshake("a second attempt", 429),
    )
    .await;
    let retry_in = match feed.states().borrow().get(&apollo()) {
        Some(ConnState::Backoff { retry_at, .. }) => {
            retry_at.saturating_duration_since(tokio::time::Instant::now())
        }
        _ => Duration::ZERO,
    };
    feed.stop().await;
    let reason = match backoff.entry {
        Entry::State { reason, .. } => reason.unwrap_or_default(),
        _ => String::new(),
    };
    let attempts = count(&h.records(), |e| {
        matches!(e, Entry::Handshake { status: 429, .. })
    });
    let outcome = format!(
        "429 Too Many Requests → backoff ({reason}), {attempts} attempt in 1.5 s, next one in {} s ({}), {}",
        retry_in.as_secs_f64().round(),
        if again.is_ok() { "hammering" } else { "no hammering" },
        sign_out_note(&h)
    );
    Ok(Ran {
        harness: h,
        outcome,
    })
}

async fn not_a_member() -> Result<Ran, ReproError> {
    let mut h = fly(Config::default()).await?;
    let session = h.signed_in("carol").await?;
    let feed = h.feed(&session, &demo::BOREALIS.to_string());
    h.wait_handshake("the 403", 403).await?;
    // Give a retry storm the chance to show itself: a second 403 within 2 s would be one.
    let storm = h.wait_handshake("a second handshake", 403);
    let again = tokio::time::timeout(Duration::from_secs(2), storm).await;
    feed.stop().await;
    let handshakes = count(&h.records(), |e| matches!(e, Entry::Handshake { .. }));
    let outcome = format!(
        "403 \"You are not a member of this project…\" → forbidden; {handshakes} handshake in 2 s ({}), session still valid, {}",
        if again.is_ok() { "retried" } else { "no retry storm" },
        sign_out_note(&h)
    );
    Ok(Ran {
        harness: h,
        outcome,
    })
}

async fn aws_idle_timeout() -> Result<Ran, ReproError> {
    let config = Config {
        aws_idle_timeout: Duration::from_millis(800),
        ..Default::default()
    };
    let mut h = Harness::start(config, Flavour::Aws, clock::system()).await?;
    let session = h.signed_in("alice").await?;
    let feed = h.feed(&session, &apollo());
    h.wait_handshake("the first connect", 101).await?;
    let closed = h
        .wait_for("the idle close", |_, e| matches!(e, Entry::Closed { .. }))
        .await?;
    h.wait_handshake("the reconnect", 101).await?;
    feed.stop().await;
    let reason = match closed.entry {
        Entry::Closed { code, reason } => format!(
            "{} {reason}",
            code.map_or("no frame".into(), |c| c.to_string())
        ),
        _ => String::new(),
    };
    let outcome = format!(
        "idle socket closed by the platform ({}) → reconnected with a fresh check of the token, {}",
        reason.trim(),
        sign_out_note(&h)
    );
    Ok(Ran {
        harness: h,
        outcome,
    })
}

async fn sleep_wake() -> Result<Ran, ReproError> {
    let test_clock = TestClock::new();
    let shared: SharedClock = test_clock.clone();
    let mut h = Harness::start(Config::default(), Flavour::Fly, shared).await?;
    let session = h.signed_in("alice").await?;
    let feed = h.feed(&session, &apollo());
    h.wait_handshake("the first connect", 101).await?;
    // The lid closes for 20 minutes: wall time jumps, our monotonic clock does not.
    test_clock.jump_wall_forward(Duration::from_secs(20 * 60));
    h.control().expire_tokens().await?;
    let wake = h
        .wait_for("the wake to be noticed", |_, e| {
            matches!(e, Entry::Wake { .. })
        })
        .await?;
    let jump = match wake.entry {
        Entry::Wake { jump_secs } => jump_secs,
        _ => 0,
    };
    h.wait_for("a refresh after wake", |_, e| refresh_ok(e))
        .await?;
    h.wait_for(
        "the resync after wake",
        |_, e| matches!(e, Entry::Resync { reason } if reason == "wake" || reason == "connected"),
    )
    .await?;
    feed.stop().await;
    let outcome = format!(
        "wall clock jumped {jump} s → wake noticed → {} refresh → resync, {}",
        count(&h.records(), refresh_ok),
        sign_out_note(&h)
    );
    Ok(Ran {
        harness: h,
        outcome,
    })
}

async fn lost_refresh_response() -> Result<Ran, ReproError> {
    let mut h = fly(Config::default()).await?;
    let proxy = LossyProxy::start(h.running().addr).await;
    let via = ServerProfile::custom(
        &proxy.base_url(),
        None,
        Flavour::Fly,
        devhive_core::server::ApiVersion::B,
    )
    .expect("proxy URL is valid");
    let session = h.session_via(&via)?;
    session
        .login(
            "alice",
            &devhive_core::secret::Secret::new(demo::PASSWORD),
            false,
        )
        .await?;
    // The next refresh reaches the server (which rotates) but its answer never comes back.
    proxy.lose_next_refresh_response();
    let _ = session.refresh_now().await;
    // The retry presents the old, already rotated token.
    let _ = session.refresh_now().await;
    h.wait_for("the session to need a sign-in", |s, e| {
        *s == Scope::Session && matches!(e, Entry::State { state, .. } if state == "needs_login")
    })
    .await
    .or_else(|_| {
        if signed_out(&h.records()) {
            Ok(h.records().pop().expect("records exist"))
        } else {
            Err(ReproError::Timeout {
                waiting_for: "the session to need a sign-in",
            })
        }
    })?;
    let lost = h.records().iter().any(|r| {
        matches!(&r.entry, Entry::Refresh { detail: Some(d), .. } if d.contains("lost"))
            || matches!(&r.entry, Entry::State { reason: Some(d), .. } if d.contains("lost"))
    });
    let outcome = format!(
        "refresh timed out after the server rotated → next refresh Invalid refresh token → {} (refresh-response-lost){}",
        if lost { "needs sign-in, reason says the response was lost" } else { "needs sign-in" },
        if signed_out(&h.records()) { "" } else { "; session NOT ended" }
    );
    drop(proxy);
    Ok(Ran {
        harness: h,
        outcome,
    })
}
