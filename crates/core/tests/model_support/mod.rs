//! The model auth server for `session_model.rs`: rotates refresh tokens like the real backend
//! (one use each; a reused token is refused with 401), injects the test's faults, and checks
//! every token it is shown against what it handed out.

use devhive_core::api::{ApiError, AuthApi, AuthGrant};
use devhive_core::auth::AccessToken;
use devhive_core::clock::{Clock, SharedClock, TestClock};
use devhive_core::keychain::{MemoryStore, Vault};
use devhive_core::realtime::ConnState;
use devhive_core::secret::Secret;
use devhive_core::session::{Session, SessionConfig};
use devhive_core::timeline::Timeline;
use futures_util::future::BoxFuture;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

/// Faults the test switches on and off.
#[derive(Debug, Default)]
pub struct Faults {
    /// How long a refresh answer takes after the server rotated.
    pub latency: Duration,
    /// The next refreshes answering 503.
    pub fail_5xx: u32,
    /// The next refresh rotates and its answer is lost (the client sees a 504).
    pub lose_next: bool,
    /// The next handshakes answering 401.
    pub handshake_401: u32,
}

#[derive(Debug, Default)]
struct Server {
    /// Refresh tokens that work (one per sign-in).
    live: HashSet<String>,
    /// Tokens whose successor the network lost: a 401 for them is the server's fault.
    lost_by_network: HashSet<String>,
    in_flight: u32,
    refusals: u32,
    counter: u64,
    violations: Vec<String>,
    connected: bool,
    feed_state: String,
}

/// The model server.
pub struct ModelAuth {
    clock: Arc<TestClock>,
    lifetime: Duration,
    faults: Mutex<Faults>,
    server: Mutex<Server>,
}

/// Counts a refresh in flight until dropped (an answered or abandoned request).
struct InFlight<'a>(&'a ModelAuth);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.server().in_flight -= 1;
    }
}

impl ModelAuth {
    fn server(&self) -> MutexGuard<'_, Server> {
        self.server.lock().unwrap()
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap()
    }

    pub fn clear_faults(&self) {
        *self.faults() = Faults::default();
    }

    pub fn violation(&self, what: String) {
        self.server().violations.push(what);
    }

    pub fn violations(&self) -> Vec<String> {
        self.server().violations.clone()
    }

    /// 401 answers to refreshes so far.
    pub fn refusals(&self) -> u32 {
        self.server().refusals
    }

    pub fn set_connected(&self, connected: bool) {
        self.server().connected = connected;
    }

    pub fn connected(&self) -> bool {
        self.server().connected
    }

    pub fn set_feed_state(&self, state: &ConnState) {
        self.server().feed_state = format!("{state:?}");
    }

    pub fn feed_state(&self) -> String {
        self.server().feed_state.clone()
    }

    /// The WebSocket upgrade: 401 for an injected fault or an expired token (by the
    /// server's clock), else accepted.
    pub fn handshake(&self, token: &AccessToken) -> Result<(), String> {
        {
            let mut faults = self.faults();
            if faults.handshake_401 > 0 {
                faults.handshake_401 -= 1;
                return Err("Unauthorized".into());
            }
        }
        let claims = devhive_core::jwt::decode_claims(token.secret.expose())
            .map_err(|e| format!("a token the server cannot read: {e}"))?;
        let now = self.now_secs();
        if claims.exp <= now {
            return Err("token expired".into());
        }
        Ok(())
    }

    fn now_secs(&self) -> u64 {
        self.clock
            .wall()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn grant(&self, server: &mut Server) -> AuthGrant {
        server.counter += 1;
        let refresh = format!("rt-{:0120x}", server.counter);
        server.live.insert(refresh.clone());
        let iat = self.now_secs();
        let access = jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &serde_json::json!({"sub": USER, "iat": iat, "exp": iat + self.lifetime.as_secs(),
                "iss": "https://api.devhive.it.com", "aud": "devhive-clients"}),
            &jsonwebtoken::EncodingKey::from_secret(b"model"),
        )
        .unwrap();
        AuthGrant {
            access: Secret::new(access),
            user_id: USER.into(),
            refresh: Secret::new(refresh),
            refresh_lifetime: Some(Duration::from_secs(604_800)),
            server_date: Some(self.clock.wall()),
        }
    }
}

const USER: &str = "7f7e0e47-2a41-4d5b-a4a6-4bd0f6a4b0a1";

impl AuthApi for ModelAuth {
    fn login<'a>(
        &'a self,
        _username: &'a str,
        _password: &'a Secret,
        _remember_me: bool,
    ) -> BoxFuture<'a, Result<AuthGrant, ApiError>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let mut server = self.server();
            Ok(self.grant(&mut server))
        })
    }

    fn refresh<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<AuthGrant, ApiError>> {
        Box::pin(async move {
            {
                let mut server = self.server();
                server.in_flight += 1;
                if server.in_flight > 1 {
                    let what = format!("{} refreshes in flight at once", server.in_flight);
                    server.violations.push(what);
                }
            }
            let _in_flight = InFlight(self);
            tokio::time::sleep(Duration::from_millis(5)).await;
            let (latency, lose) = {
                let mut faults = self.faults();
                if faults.fail_5xx > 0 {
                    faults.fail_5xx -= 1;
                    return Err(ApiError::Server {
                        status: 503,
                        detail: "Service Unavailable".into(),
                    });
                }
                (faults.latency, std::mem::take(&mut faults.lose_next))
            };
            let grant = {
                let mut server = self.server();
                if !server.live.remove(refresh.expose()) {
                    server.refusals += 1;
                    if !server.lost_by_network.contains(refresh.expose()) {
                        server.violations.push(
                            "the client presented a refresh token whose successor it had been \
                             given (a rotated token lost, or a stale one reused)"
                                .into(),
                        );
                    }
                    return Err(ApiError::Unauthorized {
                        detail: "Invalid refresh token".into(),
                    });
                }
                if lose {
                    server.lost_by_network.insert(refresh.expose().to_owned());
                }
                self.grant(&mut server)
            };
            // The server has rotated; the answer is on its way (and may be abandoned by a
            // client that gives up: then the new token is lost to a cancellation).
            tokio::time::sleep(latency).await;
            if lose {
                return Err(ApiError::Server {
                    status: 504,
                    detail: "Gateway Timeout".into(),
                });
            }
            Ok(grant)
        })
    }

    fn logout<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            self.server().live.remove(refresh.expose());
            Ok(())
        })
    }

    fn host_key(&self) -> String {
        "model.test:443".into()
    }
}

/// One signed-in session on a paused clock against the model server.
pub struct World {
    pub clock: Arc<TestClock>,
    pub auth: Arc<ModelAuth>,
    pub session: Session,
    data_dir: PathBuf,
}

impl World {
    pub async fn new(lifetime: Duration, seed: u64) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let data_dir = std::env::temp_dir().join(format!(
            "devhive-model-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&data_dir).unwrap();
        let clock = TestClock::new();
        let shared: SharedClock = clock.clone();
        let auth = Arc::new(ModelAuth {
            clock: clock.clone(),
            lifetime,
            faults: Mutex::default(),
            server: Mutex::default(),
        });
        let session = Session::with_seed(
            SessionConfig {
                api: auth.clone(),
                vault: Vault::new(Arc::new(MemoryStore::new())),
                timeline: Timeline::new(shared.clone()),
                clock: shared,
                data_dir: data_dir.clone(),
            },
            seed,
        );
        session
            .login("alice", &Secret::new("pw-alice"), false)
            .await
            .unwrap();
        Self {
            clock,
            auth,
            session,
            data_dir,
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
