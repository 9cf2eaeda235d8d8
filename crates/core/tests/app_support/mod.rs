//! The app model without Tauri: a recording UI port, a keychain that outlives an App (so a
//! "restart" is a second App on the same stores) and can be locked, a settings file, and a
//! sandbox on 127.0.0.1:0.

#![allow(dead_code, reason = "each test file uses a part of this support")]

use devhive_core::app::{
    App, AppConfig, ConnectionState, JsonFileSettings, Phase, ServerSettings, SignInRequest,
    TrayState, UiEvent, UiPort,
};
use devhive_core::keychain::{AccountKey, MemoryStore, SecretStore, StoreError};
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Records what the model shows.
#[derive(Default)]
pub struct Recorder {
    pub events: Mutex<Vec<UiEvent>>,
    pub notes: Mutex<Vec<(String, String)>>,
    pub trays: Mutex<Vec<TrayState>>,
    /// The tooltip of each tray call, beside `trays`.
    pub tooltips: Mutex<Vec<String>>,
    changed: Notify,
}

impl UiPort for Recorder {
    fn publish(&self, event: UiEvent) {
        self.events.lock().unwrap().push(event);
        self.changed.notify_waiters();
    }
    fn notify(&self, notice: &devhive_core::app::Notice) {
        self.notes
            .lock()
            .unwrap()
            .push((notice.title.clone(), notice.body.clone()));
        self.changed.notify_waiters();
    }
    fn tray(&self, state: TrayState, tooltip: &str) {
        // The tooltip goes in first, under the trays lock: whoever sees a tray state also
        // sees its tooltip.
        let mut trays = self.trays.lock().unwrap();
        self.tooltips.lock().unwrap().push(tooltip.to_owned());
        trays.push(state);
        drop(trays);
        self.changed.notify_waiters();
    }
}

impl Recorder {
    /// Waits (woken by published events, not by sleeping) until `done` holds; fails after
    /// `within`.
    pub async fn until(&self, what: &str, within: Duration, done: impl Fn() -> bool) {
        let wait = async {
            loop {
                let changed = self.changed.notified();
                if done() {
                    return;
                }
                changed.await;
            }
        };
        if tokio::time::timeout(within, wait).await.is_err() {
            let names: Vec<String> = self
                .events
                .lock()
                .unwrap()
                .iter()
                .map(|e| serde_json::to_string(e).unwrap())
                .rev()
                .take(15)
                .collect();
            panic!(
                "timed out waiting for {what}; last events (newest first):\n{}",
                names.join("\n")
            );
        }
    }

    /// Every phase published so far, in order.
    pub fn phases(&self) -> Vec<Phase> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                UiEvent::PhaseChanged(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }
}

/// A keychain that survives an App (a restart) and can be locked like gnome-keyring.
#[derive(Debug, Default)]
pub struct TestKeychain {
    entries: MemoryStore,
    locked: AtomicBool,
}

impl TestKeychain {
    /// Locks or unlocks it.
    pub fn set_locked(&self, locked: bool) {
        self.locked.store(locked, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.locked.load(Ordering::SeqCst) {
            return Err(StoreError::Locked {
                detail: "Cannot create an item in a locked collection".into(),
            });
        }
        Ok(())
    }
}

impl SecretStore for TestKeychain {
    fn label(&self) -> String {
        "test keychain".into()
    }
    fn is_persistent(&self) -> bool {
        true
    }
    fn may_block(&self) -> bool {
        false
    }
    fn get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError> {
        self.check()?;
        self.entries.get(key)
    }
    fn set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
        self.check()?;
        self.entries.set(key, value)
    }
    fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
        self.check()?;
        self.entries.delete(key)
    }
}

/// What stays across restarts: the keychain, the settings file and the data dir.
pub struct Machine {
    pub keychain: Arc<TestKeychain>,
    pub dir: PathBuf,
}

impl Machine {
    /// A fresh machine with its own directory.
    pub fn new(tag: &str) -> Self {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("devhive-app-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            keychain: Arc::new(TestKeychain::default()),
            dir,
        }
    }

    /// The settings file.
    pub fn settings_file(&self) -> PathBuf {
        self.dir.join("settings.json")
    }

    /// A config on this machine (fast realtime timings for tests).
    pub fn config(&self) -> AppConfig {
        let mut config = AppConfig::new(
            "test",
            self.dir.join("data"),
            self.keychain.clone(),
            Arc::new(JsonFileSettings::new(self.settings_file())),
        );
        config.feed.connect_timeout = Duration::from_secs(2);
        config
    }

    /// Launches the app: a new model on this machine's stores, started.
    pub fn launch(&self) -> (App, Arc<Recorder>) {
        self.launch_with(self.config())
    }

    /// Launches with a custom config.
    pub fn launch_with(&self, config: AppConfig) -> (App, Arc<Recorder>) {
        let port = Arc::new(Recorder::default());
        let app = App::new(config, port.clone());
        app.start();
        (app, port)
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A sandbox with the demo data and no rate limit.
pub async fn sandbox() -> devhive_sandbox::Running {
    devhive_sandbox::spawn(devhive_sandbox::Config {
        demo: true,
        rate_limit_per_minute: None,
        ..Default::default()
    })
    .await
}

/// The sign-in form for a custom server.
pub fn sign_in(server: ServerSettings, username: &str, remember_me: bool) -> SignInRequest {
    SignInRequest {
        server,
        username: username.into(),
        password: devhive_sandbox::demo::PASSWORD.into(),
        remember_me,
    }
}

/// The sandbox as a custom fly server.
pub fn fly(running: &devhive_sandbox::Running) -> ServerSettings {
    ServerSettings::custom(&running.base_url(), None, Flavour::Fly, ApiVersion::B)
}

/// How many connections are live.
pub fn live(app: &App) -> usize {
    app.connections()
        .iter()
        .filter(|c| c.state == ConnectionState::Connected)
        .count()
}

/// Successful refreshes the sandbox has counted.
pub async fn refreshes_ok(running: &devhive_sandbox::Running) -> u64 {
    let stats = running.control().stats().await.unwrap();
    stats.refreshes.get("ok").copied().unwrap_or(0)
}

/// The demo project ids as strings.
pub fn apollo() -> String {
    devhive_sandbox::demo::APOLLO.to_string()
}

/// Borealis (alice is a member, carol is not).
pub fn borealis() -> String {
    devhive_sandbox::demo::BOREALIS.to_string()
}

/// Cassini.
pub fn cassini() -> String {
    devhive_sandbox::demo::CASSINI.to_string()
}
