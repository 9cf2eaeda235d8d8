//! The sandbox's shared state: database, sockets, faults, stats and mutable settings.

pub mod db;
pub mod models;
pub mod ops;
pub mod tokens;
pub mod work;
pub(crate) mod work_item;

use crate::config::{ApiVersion, Config};
use crate::faults::Faults;
use crate::rate_limit::RateLimiter;
use crate::stats::Recorder;
use crate::ws::hub::Hub;
use db::Db;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Settings the control API may change while running.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Lifetime of newly issued access tokens.
    pub access_ttl: Duration,
    /// Current HS256 key.
    pub signing_key: String,
    /// Requests per minute per IP, or off.
    pub rate_limit: Option<u32>,
}

pub(crate) struct Inner {
    pub config: Config,
    pub settings: Mutex<Settings>,
    pub db: Mutex<Db>,
    pub hub: Hub,
    pub faults: Faults,
    pub stats: Recorder,
    pub limiter: RateLimiter,
    pub tokens: Mutex<tokens::TokenBook>,
}

/// The in-memory DevHive: cloneable handle, outlives server runs so a test can restart on the same port.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

impl Sandbox {
    /// Creates an empty sandbox (seeded with the demo data when `config.demo`).
    pub fn new(config: Config) -> Self {
        let settings = Settings {
            access_ttl: config.access_ttl,
            signing_key: config.signing_key.clone(),
            rate_limit: config.rate_limit_per_minute,
        };
        let demo = config.demo;
        let sb = Self {
            inner: Arc::new(Inner {
                config,
                settings: Mutex::new(settings),
                db: Mutex::new(Db::default()),
                hub: Hub::default(),
                faults: Faults::default(),
                stats: Recorder::default(),
                limiter: RateLimiter::default(),
                tokens: Mutex::new(tokens::TokenBook::default()),
            }),
        };
        if demo {
            crate::demo::seed(&sb);
        }
        sb
    }

    /// The configuration the sandbox was created with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The API version being imitated.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.config.api_version
    }

    /// A copy of the current mutable settings.
    pub fn settings(&self) -> Settings {
        self.inner.settings.lock().unwrap().clone()
    }

    /// Changes the lifetime of newly issued access tokens.
    pub fn set_access_ttl(&self, ttl: Duration) {
        self.inner.settings.lock().unwrap().access_ttl = ttl;
    }

    /// Changes the signing key: tokens signed before look like another deployment's.
    pub fn switch_signing_key(&self, key: impl Into<String>) {
        self.inner.settings.lock().unwrap().signing_key = key.into();
    }

    /// Changes the per-IP rate limit (`None` = off) and forgets the counters.
    pub fn set_rate_limit(&self, per_minute: Option<u32>) {
        self.inner.settings.lock().unwrap().rate_limit = per_minute;
        self.inner.limiter.reset();
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// A snapshot of the counters and event log.
    pub fn stats(&self) -> crate::control::types::Stats {
        self.inner.stats.snapshot(self.inner.hub.counts())
    }

    /// Drops sockets: all, or only those bound to `project`.
    pub fn drop_sockets(
        &self,
        mode: crate::DropMode,
        project: Option<&str>,
        flavour: Option<crate::Flavour>,
    ) -> usize {
        let control = match mode {
            crate::DropMode::Close1000 => crate::ws::hub::Control::Close(1000, String::new()),
            crate::DropMode::Close1011 => {
                crate::ws::hub::Control::Close(1011, "Server overloaded".into())
            }
            crate::DropMode::Close1009 => crate::ws::hub::Control::Close(1009, String::new()),
            crate::DropMode::Abrupt => crate::ws::hub::Control::Abort,
        };
        self.inner.hub.drop_where(control, flavour, project)
    }

    pub(crate) fn db(&self) -> MutexGuard<'_, Db> {
        self.inner.db.lock().unwrap()
    }
}
