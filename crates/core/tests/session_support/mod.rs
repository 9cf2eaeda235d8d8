//! Shared by the session tests: a scripted auth server for paused-clock tests, a store that
//! can be made to fail, and builders for sessions.
#![allow(dead_code)]

use devhive_core::api::{ApiError, AuthApi, AuthGrant};
use devhive_core::clock::{Clock, SharedClock, TestClock};
use devhive_core::keychain::{AccountKey, MemoryStore, SecretStore, StoreError, Vault};
use devhive_core::secret::Secret;
use devhive_core::session::{Session, SessionConfig};
use devhive_core::timeline::Timeline;
use futures_util::future::BoxFuture;
use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// A fresh, unique directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "devhive-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A signed JWT with the given lifetime, issued now (by the wall clock).
pub fn jwt(sub: &str, lifetime: Duration) -> String {
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::json!({"sub": sub, "iat": iat, "exp": iat + lifetime.as_secs(),
            "iss": "https://api.devhive.it.com", "aud": "devhive-clients"}),
        &jsonwebtoken::EncodingKey::from_secret(b"fake"),
    )
    .unwrap()
}

/// What the fake answers to the next refreshes, before its normal behaviour.
pub enum Scripted {
    /// Answer this error.
    Fail(ApiError),
}

/// An in-memory DevHive auth server: rotates refresh tokens like the real one (the old token
/// stops working), counts refresh requests and when they came (tokio time).
pub struct FakeAuth {
    pub user_id: String,
    pub lifetime: Mutex<Duration>,
    live: Mutex<HashSet<String>>,
    script: Mutex<VecDeque<Scripted>>,
    /// While set, every refresh answers 503 (an outage).
    pub outage: AtomicBool,
    pub refresh_times: Mutex<Vec<Instant>>,
    pub presented: Mutex<Vec<String>>,
    pub logouts: AtomicU64,
    counter: AtomicU64,
}

impl FakeAuth {
    pub fn new(lifetime: Duration) -> Arc<Self> {
        Arc::new(Self {
            user_id: "7f7e0e47-2a41-4d5b-a4a6-4bd0f6a4b0a1".into(),
            lifetime: Mutex::new(lifetime),
            live: Mutex::new(HashSet::new()),
            script: Mutex::new(VecDeque::new()),
            outage: AtomicBool::new(false),
            refresh_times: Mutex::new(Vec::new()),
            presented: Mutex::new(Vec::new()),
            logouts: AtomicU64::new(0),
            counter: AtomicU64::new(0),
        })
    }

    pub fn push(&self, step: Scripted) {
        self.script.lock().unwrap().push_back(step);
    }

    pub fn refreshes(&self) -> usize {
        self.refresh_times.lock().unwrap().len()
    }

    pub fn revoke_all(&self) {
        self.live.lock().unwrap().clear();
    }

    fn grant(&self) -> AuthGrant {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let refresh = format!("{n:0128x}");
        self.live.lock().unwrap().insert(refresh.clone());
        AuthGrant {
            access: Secret::new(jwt(&self.user_id, *self.lifetime.lock().unwrap())),
            user_id: self.user_id.clone(),
            refresh: Secret::new(refresh),
            refresh_lifetime: Some(Duration::from_secs(604_800)),
            server_date: Some(SystemTime::now()),
        }
    }
}

impl AuthApi for FakeAuth {
    fn login<'a>(
        &'a self,
        username: &'a str,
        password: &'a Secret,
        _remember_me: bool,
    ) -> BoxFuture<'a, Result<AuthGrant, ApiError>> {
        Box::pin(async move {
            if username == "alice" && password.expose() == "pw-alice" {
                Ok(self.grant())
            } else {
                Err(ApiError::Unauthorized {
                    detail: "Invalid credentials".into(),
                })
            }
        })
    }

    fn refresh<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<AuthGrant, ApiError>> {
        Box::pin(async move {
            self.refresh_times.lock().unwrap().push(Instant::now());
            self.presented
                .lock()
                .unwrap()
                .push(refresh.expose().to_owned());
            // A round trip takes a little time.
            tokio::time::sleep(Duration::from_millis(5)).await;
            if let Some(Scripted::Fail(error)) = self.script.lock().unwrap().pop_front() {
                return Err(error);
            }
            if self.outage.load(Ordering::SeqCst) {
                return Err(ApiError::Server {
                    status: 503,
                    detail: String::new(),
                });
            }
            if !self.live.lock().unwrap().remove(refresh.expose()) {
                return Err(ApiError::Unauthorized {
                    detail: "Invalid refresh token".into(),
                });
            }
            Ok(self.grant())
        })
    }

    fn logout<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move {
            self.logouts.fetch_add(1, Ordering::SeqCst);
            self.live.lock().unwrap().remove(refresh.expose());
            Ok(())
        })
    }

    fn host_key(&self) -> String {
        "fake.test:443".into()
    }
}

/// A memory store whose reads and writes can be made to fail (a locked keychain).
#[derive(Debug, Default)]
pub struct FlakyStore {
    pub inner: MemoryStore,
    pub fail_writes: AtomicBool,
    pub fail_reads: AtomicBool,
    pub deletes: AtomicU64,
    /// Every write attempt, refused or not (each one an unlock prompt on a locked desktop).
    pub writes: AtomicU64,
}

impl FlakyStore {
    /// Locks (reads and writes fail) or unlocks the store.
    pub fn set_locked(&self, locked: bool) {
        self.fail_reads.store(locked, Ordering::SeqCst);
        self.fail_writes.store(locked, Ordering::SeqCst);
    }
}

impl SecretStore for FlakyStore {
    fn may_block(&self) -> bool {
        false
    }
    fn label(&self) -> String {
        "flaky memory (test)".into()
    }
    fn is_persistent(&self) -> bool {
        false
    }
    fn get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError> {
        if self.fail_reads.load(Ordering::SeqCst) {
            return Err(StoreError::Locked {
                detail: "no result found".into(),
            });
        }
        self.inner.get(key)
    }
    fn set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if self.fail_writes.load(Ordering::SeqCst) {
            return Err(StoreError::Locked {
                detail: "Cannot create an item in a locked collection".into(),
            });
        }
        self.inner.set(key, value)
    }
    fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
        self.deletes.fetch_add(1, Ordering::SeqCst);
        self.inner.delete(key)
    }
}

/// An OS keychain whose writes can be held (an unlock prompt nobody has answered yet): a held
/// write blocks its thread until released, then lands.
#[derive(Debug, Default)]
pub struct HeldWrites {
    pub inner: MemoryStore,
    held: std::sync::Mutex<bool>,
    released: std::sync::Condvar,
}

impl HeldWrites {
    /// Holds (true) or releases (false) every write.
    pub fn hold(&self, held: bool) {
        *self.held.lock().unwrap() = held;
        self.released.notify_all();
    }
}

impl SecretStore for HeldWrites {
    fn label(&self) -> String {
        "held writes (test)".into()
    }
    fn is_persistent(&self) -> bool {
        true
    }
    fn get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError> {
        self.inner.get(key)
    }
    fn set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
        let held = self.held.lock().unwrap();
        drop(self.released.wait_while(held, |held| *held).unwrap());
        self.inner.set(key, value)
    }
    fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
        self.inner.delete(key)
    }
}

/// A session over `api` and `store`, on `clock`, with its own timeline.
pub fn session_with(
    api: Arc<dyn AuthApi>,
    store: Arc<dyn SecretStore>,
    clock: SharedClock,
    data_dir: PathBuf,
) -> Session {
    Session::new(SessionConfig {
        api,
        vault: Vault::new(store),
        timeline: Timeline::new(clock.clone()),
        clock,
        data_dir,
    })
}

/// The first of several DevHive "processes" on one store: a session with a fresh data dir,
/// signed in as alice. Later processes share the returned clock and data dir (where the
/// cross-process refresh lock lives).
pub async fn first_process(
    api: &Arc<FakeAuth>,
    store: Arc<dyn SecretStore>,
    tag: &str,
) -> (Session, SharedClock, PathBuf) {
    let data_dir = temp_dir(tag);
    let (_, shared) = test_clock();
    let first = session_with(api.clone(), store, shared.clone(), data_dir.clone());
    first
        .login("alice", &Secret::new("pw-alice"), false)
        .await
        .unwrap();
    (first, shared, data_dir)
}

/// The usual test clock as a shared handle plus its concrete type.
pub fn test_clock() -> (Arc<TestClock>, SharedClock) {
    let clock = TestClock::new();
    let shared: SharedClock = clock.clone();
    (clock, shared)
}

/// Wall time now from a clock (helper for skew assertions).
pub fn wall(clock: &dyn Clock) -> SystemTime {
    clock.wall()
}
