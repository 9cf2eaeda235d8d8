//! Test helpers for the realtime suites: a small `TokenSource` that logs in and refreshes
//! against the sandbox with reqwest (single flight, counts its refreshes), and a rig that
//! wires a sandbox, that source and a `Feed` together.

#![allow(dead_code)]

use devhive_core::api::ApiClient;
use devhive_core::auth::{AccessToken, AuthError, TokenSource};
use devhive_core::clock;
use devhive_core::keychain::{MemoryStore, Vault};
use devhive_core::realtime::{ConnState, Feed, FeedConfig, FeedUpdate};
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::session::{Session, SessionConfig};
use devhive_core::timeline::Timeline;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, Mutex};
use tokio::time::{timeout, Instant};

struct State {
    token: Option<AccessToken>,
    cookie: Option<String>,
    generation: u64,
    ended: Option<String>,
}

/// Logs in once, then refreshes with the rotated cookie (single flight via one mutex).
pub struct TestTokens {
    http: reqwest::Client,
    api: String,
    state: Mutex<State>,
    wake: broadcast::Sender<()>,
    /// Refresh requests this source made.
    pub refreshes: AtomicU64,
}

impl TestTokens {
    /// Signs in as `username` against `api` (`http://…/api/v1`).
    pub async fn login(api: &str, username: &str, password: &str) -> Arc<Self> {
        let http = reqwest::Client::new();
        let response = http
            .post(format!("{api}/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 200, "login must succeed");
        let cookie = refresh_cookie(&response);
        let body: serde_json::Value = response.json().await.expect("login body");
        let this = Arc::new(Self {
            http,
            api: api.to_owned(),
            state: Mutex::new(State {
                token: None,
                cookie,
                generation: 0,
                ended: None,
            }),
            wake: broadcast::channel(4).0,
            refreshes: AtomicU64::new(0),
        });
        {
            let mut state = this.state.lock().await;
            state.generation = 1;
            state.token = Some(token_from(&body, 1));
        }
        this
    }

    /// Simulates the machine waking from sleep.
    pub fn wake(&self) {
        let _ = self.wake.send(());
    }

    async fn refresh(&self, state: &mut State) -> Result<AccessToken, AuthError> {
        if let Some(reason) = &state.ended {
            return Err(AuthError::NeedsLogin {
                reason: reason.clone(),
            });
        }
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let cookie = state.cookie.clone().unwrap_or_default();
        let response = self
            .http
            .post(format!("{}/auth/refresh", self.api))
            .header("Cookie", format!("refresh_token={cookie}"))
            .send()
            .await
            .map_err(|e| AuthError::Transient {
                reason: e.to_string(),
                retry_after: None,
            })?;
        let status = response.status().as_u16();
        if status == 401 {
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            let reason = body["detail"]
                .as_str()
                .unwrap_or("refresh rejected")
                .to_owned();
            state.ended = Some(reason.clone());
            state.token = None;
            return Err(AuthError::NeedsLogin { reason });
        }
        if status != 200 {
            return Err(AuthError::Transient {
                reason: format!("HTTP {status}"),
                retry_after: None,
            });
        }
        state.cookie = refresh_cookie(&response).or(state.cookie.take());
        let body: serde_json::Value = response.json().await.expect("refresh body");
        state.generation += 1;
        let token = token_from(&body, state.generation);
        state.token = Some(token.clone());
        Ok(token)
    }
}

fn refresh_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("refresh_token="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

fn token_from(body: &serde_json::Value, generation: u64) -> AccessToken {
    let jwt = body["token"].as_str().expect("token in body").to_owned();
    let lifetime = devhive_core::jwt::decode_claims(&jwt)
        .map(|c| c.lifetime())
        .unwrap_or(Duration::from_secs(900));
    AccessToken {
        secret: Secret::new(jwt),
        generation,
        expires_at: Instant::now() + lifetime,
        lifetime,
    }
}

impl TokenSource for TestTokens {
    async fn ensure_valid(&self) -> Result<AccessToken, AuthError> {
        let mut state = self.state.lock().await;
        if let Some(token) = &state.token {
            let margin = (token.lifetime / 4).min(Duration::from_secs(60));
            if token.expires_at.saturating_duration_since(Instant::now()) > margin {
                return Ok(token.clone());
            }
        }
        self.refresh(&mut state).await
    }

    async fn refresh_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, AuthError> {
        let mut state = self.state.lock().await;
        if let Some(token) = &state.token {
            if token.generation > rejected.generation {
                return Ok(token.clone());
            }
        }
        self.refresh(&mut state).await
    }

    fn subscribe_wake(&self) -> broadcast::Receiver<()> {
        self.wake.subscribe()
    }
}

/// The real [`Session`] (memory secret store, its own data dir) signed in as `username` on
/// `profile`'s server, sharing `timeline`.
pub async fn signed_in_session(
    profile: &ServerProfile,
    username: &str,
    timeline: &Timeline,
) -> Arc<Session> {
    static DIRS: AtomicU64 = AtomicU64::new(0);
    let data_dir = std::env::temp_dir().join(format!(
        "devhive-realtime-{}-{}",
        std::process::id(),
        DIRS.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&data_dir).expect("session data dir");
    let api = ApiClient::new(profile.clone()).expect("api client");
    let session = Session::new(SessionConfig {
        api: Arc::new(api),
        vault: Vault::new(Arc::new(MemoryStore::new())),
        clock: clock::system(),
        timeline: timeline.clone(),
        data_dir,
    });
    session
        .login(
            username,
            &Secret::new(devhive_sandbox::demo::PASSWORD),
            false,
        )
        .await
        .expect("sign-in against the sandbox");
    Arc::new(session)
}

/// A feed on `profile` driven by the real session of `username`, plus its update stream and
/// the timeline both write to.
pub async fn start_session_feed(
    profile: ServerProfile,
    username: &str,
) -> (
    Feed<Session>,
    broadcast::Receiver<FeedUpdate>,
    Timeline,
    Arc<Session>,
) {
    let timeline = Timeline::new(clock::system());
    let session = signed_in_session(&profile, username, &timeline).await;
    let feed = Feed::start(
        profile,
        Arc::clone(&session),
        timeline.clone(),
        fast_config(),
    );
    let updates = feed.subscribe();
    (feed, updates, timeline, session)
}

/// An aws profile for a sandbox.
pub fn aws_profile(running: &devhive_sandbox::Running) -> ServerProfile {
    ServerProfile::custom(
        &running.base_url(),
        Some(&running.ws_aws_url()),
        Flavour::Aws,
        ApiVersion::B,
    )
    .unwrap()
}

/// Feed timings shortened for tests (fixed jitter seed). Pings go often, but a socket is only
/// given up after 2 s without a pong: these tests run the client and the sandbox on one thread,
/// and a loaded CI machine can stall that thread for longer than a few hundred milliseconds,
/// which would add a reconnect that the exact handshake counts do not expect.
pub fn fast_config() -> FeedConfig {
    FeedConfig {
        ping_interval: Duration::from_millis(400),
        pong_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(3),
        jitter_seed: Some(7),
        ..FeedConfig::default()
    }
}

/// A fly profile for a sandbox.
pub fn fly_profile(running: &devhive_sandbox::Running) -> ServerProfile {
    ServerProfile::custom(&running.base_url(), None, Flavour::Fly, ApiVersion::B).unwrap()
}

/// A feed on `profile` with `tokens`, plus its update stream and timeline.
pub fn start_feed<T: TokenSource>(
    profile: ServerProfile,
    tokens: Arc<T>,
) -> (Feed<T>, broadcast::Receiver<FeedUpdate>, Timeline) {
    let timeline = Timeline::new(clock::system());
    let feed = Feed::start(profile, tokens, timeline.clone(), fast_config());
    let updates = feed.subscribe();
    (feed, updates, timeline)
}

/// Reads updates until `done` says so (or panics after `within`); returns all seen.
pub async fn until(
    updates: &mut broadcast::Receiver<FeedUpdate>,
    within: Duration,
    mut done: impl FnMut(&FeedUpdate) -> bool,
) -> Vec<FeedUpdate> {
    let mut seen = Vec::new();
    let outcome = timeout(within, async {
        loop {
            match updates.recv().await {
                Ok(update) => {
                    let stop = done(&update);
                    seen.push(update);
                    if stop {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    })
    .await;
    assert!(
        outcome.is_ok(),
        "condition not reached within {within:?}; saw {seen:#?}"
    );
    seen
}

/// True for a connection update with the named state.
pub fn is_state(update: &FeedUpdate, name: &str) -> bool {
    matches!(update, FeedUpdate::Connection { state, .. } if state.name() == name)
}

/// The state carried by a connection update.
pub fn state_of(update: &FeedUpdate) -> Option<&ConnState> {
    match update {
        FeedUpdate::Connection { state, .. } => Some(state),
        _ => None,
    }
}

/// Counts `Resync` updates.
pub fn resyncs(seen: &[FeedUpdate]) -> usize {
    seen.iter()
        .filter(|u| matches!(u, FeedUpdate::Resync { .. }))
        .count()
}

/// Every `connected` state is followed by a `Resync` before any other state change.
pub fn every_connect_is_followed_by_a_resync(seen: &[FeedUpdate]) -> bool {
    let mut waiting = false;
    for update in seen {
        match update {
            FeedUpdate::Connection { state, .. } => {
                if waiting {
                    return false;
                }
                waiting = state.name() == "connected";
            }
            FeedUpdate::Resync { .. } => waiting = false,
            FeedUpdate::Event(_) => {}
        }
    }
    !waiting
}
