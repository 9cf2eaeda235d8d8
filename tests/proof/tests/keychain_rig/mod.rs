//! The keychain rig of keychain_faults.rs: a sandbox with a 3 s token, a client whose session
//! keeps its refresh token in the real Secret Service under a unique service name, and the
//! history of every published session status.

#![allow(dead_code, unreachable_pub)]

use devhive_core::keychain::{AccountKey, KeyringStore, SecretStore};
use devhive_core::realtime::{FeedConfig, FeedUpdate, ResyncReason};
use devhive_core::secret::Secret;
use devhive_core::session::{SessionState, SessionStatus};
use devhive_proof::client::{fly_profile, Client};
use devhive_proof::tempdir::TempDir;
use devhive_sandbox::Config;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{sleep, timeout, Instant};

pub const PASSWORD: &str = "keychain-faults-password-long";

/// The tests share one Secret Service: they run one at a time.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Rig {
    pub _running: devhive_sandbox::Running,
    pub _dirs: TempDir,
    pub client: Client,
    pub service: String,
    pub account: AccountKey,
    pub history: Arc<Mutex<Vec<SessionStatus>>>,
}

impl Rig {
    pub async fn start() -> Self {
        let running = devhive_sandbox::spawn(Config {
            access_ttl: Duration::from_secs(3),
            rate_limit_per_minute: None,
            ..Config::default()
        })
        .await;
        let user = running.sandbox.create_user("keeper", PASSWORD);
        let project = running.sandbox.create_project(user, "Keys");
        let dirs = TempDir::new("keychain").expect("temp dir");
        let service = format!("devhive-proof-{}", uuid::Uuid::new_v4().simple());
        let client = Client::new(
            fly_profile(&running.base_url()),
            Arc::new(KeyringStore::with_service(service.clone())),
            dirs.sub("data").expect("data"),
            FeedConfig::default(),
        );
        let history: Arc<Mutex<Vec<SessionStatus>>> = Arc::default();
        let mut statuses = client.session.subscribe();
        let log = Arc::clone(&history);
        tokio::spawn(async move {
            while statuses.changed().await.is_ok() {
                let status = statuses.borrow_and_update().clone();
                log.lock().expect("history").push(status);
            }
        });
        client
            .session
            .login("keeper", &Secret::new(PASSWORD), false)
            .await
            .expect("login stores the refresh token in the keychain");
        let mut updates = client.feed.subscribe();
        client.feed.watch([project.to_string()]);
        timeout(Duration::from_secs(15), async {
            loop {
                if let Ok(FeedUpdate::Resync {
                    reason: ResyncReason::Connected,
                    ..
                }) = updates.recv().await
                {
                    return;
                }
            }
        })
        .await
        .expect("connected");
        let account = AccountKey::refresh_token(client.session.host(), &user.to_string());
        Self {
            _running: running,
            _dirs: dirs,
            client,
            service,
            account,
            history,
        }
    }

    pub fn stored(&self) -> Option<Secret> {
        KeyringStore::with_service(self.service.clone())
            .get(&self.account)
            .ok()
            .flatten()
    }

    pub fn newest_refresh_token(&self) -> String {
        self.client
            .tokens
            .all()
            .into_iter()
            .rev()
            .find(|(kind, _)| *kind == "refresh token")
            .map(|(_, v)| v)
            .expect("a refresh token was issued")
    }

    pub fn ever_needed_login(&self) -> bool {
        self.history
            .lock()
            .expect("history")
            .iter()
            .any(|s| matches!(s.state, SessionState::NeedsLogin { .. }))
    }

    /// True when some published status named the keychain as the problem.
    pub fn told_the_user_about_the_keychain(&self) -> bool {
        self.history.lock().expect("history").iter().any(|s| {
            [s.state.reason(), s.warning.as_deref()]
                .into_iter()
                .flatten()
                .any(|text| text.to_ascii_lowercase().contains("keychain"))
        })
    }

    /// Waits until the keychain holds the newest refresh token and the session is valid.
    pub async fn repersisted_within(&self, within: Duration) -> bool {
        let until = Instant::now() + within;
        while Instant::now() < until {
            let valid = matches!(
                self.client.session.status().state,
                SessionState::Valid { .. }
            );
            if valid
                && self.stored().map(|s| s.expose().to_owned()) == Some(self.newest_refresh_token())
            {
                return true;
            }
            sleep(Duration::from_millis(200)).await;
        }
        false
    }
}
