//! Where the refresh token lives: the OS keychain (or, by explicit choice, this process's
//! memory). Blocking stores are called through [`Vault`], which runs every call on its own
//! thread with a 3 s timeout. A failed read never deletes anything.

mod keyring_store;
mod memory;
#[cfg(target_os = "linux")]
mod secret_service;

pub use keyring_store::KeyringStore;
pub use memory::MemoryStore;

use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The keychain service name of every entry we write.
pub const SERVICE: &str = "devhive-desktop";
/// How long one store call may take before we give up on it.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(3);

/// The account name of a keychain entry: `<server host>|<user id>` for a refresh token,
/// `<server host>|last-user` for who signed in last on that server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountKey(String);

impl AccountKey {
    /// The refresh-token entry of `user_id` on `host`.
    pub fn refresh_token(host: &str, user_id: &str) -> Self {
        Self(format!("{host}|{}", user_id.to_ascii_lowercase()))
    }

    /// The entry naming the user last signed in on `host` (not a secret).
    pub fn last_user(host: &str) -> Self {
        Self(format!("{host}|last-user"))
    }

    /// The account string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who signed in last on a server, so start-up can find the refresh-token entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastUser {
    /// User id (UUID).
    pub id: String,
    /// Login name, for display.
    pub name: String,
}

/// Why the store could not be used. Each carries the platform's words and a plain remedy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// There is no keychain service to talk to (no D-Bus session, no Secret Service).
    #[error("no keychain: {detail}. {}", Self::NO_KEYCHAIN_REMEDY)]
    NoKeychain {
        /// The platform's words.
        detail: String,
    },
    /// The keychain exists but is locked (or has no unlocked default collection).
    #[error("keychain locked: {detail}. {}", Self::LOCKED_REMEDY)]
    Locked {
        /// The platform's words.
        detail: String,
    },
    /// The keychain did not answer in time (often: waiting on an unlock prompt).
    #[error("keychain did not answer within {} s. {}", after.as_secs(), Self::LOCKED_REMEDY)]
    TimedOut {
        /// The limit that passed.
        after: Duration,
    },
    /// Any other platform failure.
    #[error("keychain error: {detail}")]
    Backend {
        /// The platform's words.
        detail: String,
    },
}

impl StoreError {
    const NO_KEYCHAIN_REMEDY: &'static str = "No Secret Service: install and unlock GNOME Keyring or KWallet (on a headless machine run inside `dbus-run-session` with `gnome-keyring-daemon --unlock`), or pass `--secret-store memory` to keep the session in this process only";
    const LOCKED_REMEDY: &'static str = "Unlock your keyring (log in to the desktop, or `printf <password> | gnome-keyring-daemon --unlock`) and try again";

    /// What the user can do about it, in plain words.
    pub fn remedy(&self) -> &'static str {
        match self {
            Self::NoKeychain { .. } => Self::NO_KEYCHAIN_REMEDY,
            Self::Locked { .. } | Self::TimedOut { .. } => Self::LOCKED_REMEDY,
            Self::Backend { .. } => {
                "Check that your keychain works (e.g. `secret-tool search service devhive-desktop`)"
            }
        }
    }
}

/// The outcome of the start-up probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A write, read and delete round trip worked.
    Works,
    /// No keychain service.
    NoKeychain {
        /// The platform's words.
        detail: String,
        /// What to do.
        remedy: &'static str,
    },
    /// The keychain is locked or did not answer.
    Locked {
        /// The platform's words.
        detail: String,
        /// What to do.
        remedy: &'static str,
    },
}

impl Probe {
    /// The probe result for a store error.
    pub fn from_error(error: &StoreError) -> Self {
        match error {
            StoreError::NoKeychain { detail } | StoreError::Backend { detail } => {
                Self::NoKeychain {
                    detail: detail.clone(),
                    remedy: error.remedy(),
                }
            }
            StoreError::Locked { detail } => Self::Locked {
                detail: detail.clone(),
                remedy: error.remedy(),
            },
            StoreError::TimedOut { after } => Self::Locked {
                detail: format!("no answer within {} s", after.as_secs()),
                remedy: error.remedy(),
            },
        }
    }
}

/// A blocking secret store. Implementations may block (D-Bus round trips); call them
/// through [`Vault`].
pub trait SecretStore: Send + Sync + fmt::Debug + 'static {
    /// Where secrets go, for status output (e.g. `Secret Service (GNOME Keyring, KWallet)`).
    fn label(&self) -> String;
    /// False when the secret dies with this process.
    fn is_persistent(&self) -> bool;
    /// True when a call can wait on something outside the process (a keychain daemon, an
    /// unlock prompt): [`Vault`] then runs it on its own thread with a timeout. Stores that
    /// answer at once (in memory) say false and are called inline.
    fn may_block(&self) -> bool {
        true
    }
    /// Reads an entry; `Ok(None)` when there is none.
    fn get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError>;
    /// Writes (creates or replaces) an entry.
    fn set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError>;
    /// Deletes an entry; deleting a missing entry is not an error.
    fn delete(&self, key: &AccountKey) -> Result<(), StoreError>;
}

/// The async face of a [`SecretStore`]: each call to a store that may block runs on a
/// detached thread with a 3 s limit.
///
/// Not `spawn_blocking`: a Secret Service call on a locked collection waits on an unlock
/// prompt, and `dbus-secret-service` waits for the prompt's answer without a deadline (for
/// ever when the daemon dies meanwhile). A tokio runtime waits for its blocking pool when it
/// shuts down, so one such call would hang the CLI's exit; a detached thread does not.
#[derive(Debug, Clone)]
pub struct Vault {
    store: Arc<dyn SecretStore>,
    timeout: Duration,
    /// How many store calls have a thread that has not returned yet (one past its timeout
    /// may wait on an unlock prompt for as long as the prompt stays open).
    running: Arc<watch::Sender<usize>>,
}

/// Counts a blocking store call as running until it returns (or panics).
struct Running(Arc<watch::Sender<usize>>);

impl Running {
    fn start(count: &Arc<watch::Sender<usize>>) -> Self {
        count.send_modify(|n| *n += 1);
        Self(Arc::clone(count))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

impl Vault {
    /// Wraps a store with the standard timeout.
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self {
            store,
            timeout: STORE_TIMEOUT,
            running: Arc::new(watch::Sender::new(0)),
        }
    }

    /// True while an earlier store call has not returned, e.g. one that timed out waiting on
    /// the keychain's unlock prompt. Callers that can wait skip new calls meanwhile, so
    /// prompts and blocked threads do not pile up.
    pub fn is_waiting(&self) -> bool {
        *self.running.borrow() > 0
    }

    /// Waits until no store call is running any more, at most `within`; true if none is.
    /// A write that timed out may still land: whoever must not act before it has (another
    /// process reading the entry) can be kept waiting on this.
    pub async fn settled_within(&self, within: Duration) -> bool {
        let mut count = self.running.subscribe();
        tokio::time::timeout(within, count.wait_for(|n| *n == 0))
            .await
            .is_ok_and(|done| done.is_ok())
    }

    /// The store's label.
    pub fn label(&self) -> String {
        self.store.label()
    }

    /// False when the secret dies with this process.
    pub fn is_persistent(&self) -> bool {
        self.store.is_persistent()
    }

    async fn run<T, F>(&self, call: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn SecretStore) -> Result<T, StoreError> + Send + 'static,
    {
        if !self.store.may_block() {
            return call(self.store.as_ref());
        }
        let store = Arc::clone(&self.store);
        let running = Running::start(&self.running);
        let (done, answer) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let result = call(store.as_ref());
                // Not running any more before the caller hears the answer: a caller that goes
                // straight on to its next call must not find this one still counted.
                drop(running);
                // The caller may have timed out and gone; the answer is then dropped.
                let _ = done.send(result);
            });
        if let Err(error) = spawned {
            return Err(StoreError::Backend {
                detail: format!("could not start a keychain thread: {error}"),
            });
        }
        match tokio::time::timeout(self.timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(StoreError::Backend {
                detail: "the keychain call panicked".into(),
            }),
            Err(_) => Err(StoreError::TimedOut {
                after: self.timeout,
            }),
        }
    }

    /// Reads an entry.
    pub async fn get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError> {
        let key = key.clone();
        self.run(move |s| s.get(&key)).await
    }

    /// Writes an entry.
    pub async fn set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
        let (key, value) = (key.clone(), value.clone());
        self.run(move |s| s.set(&key, &value)).await
    }

    /// Deletes an entry.
    pub async fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
        let key = key.clone();
        self.run(move |s| s.delete(&key)).await
    }

    /// Who signed in last on `host`; an unreadable record reads as none (it is not a
    /// secret, and the refresh-token entry is untouched either way).
    pub async fn last_user(&self, host: &str) -> Result<Option<LastUser>, StoreError> {
        let found = self.get(&AccountKey::last_user(host)).await?;
        Ok(found.and_then(|value| serde_json::from_str(value.expose()).ok()))
    }

    /// Remembers who signed in last on `host`.
    pub async fn set_last_user(&self, host: &str, user: &LastUser) -> Result<(), StoreError> {
        let value = Secret::new(serde_json::to_string(user).expect("LastUser serialises"));
        self.set(&AccountKey::last_user(host), &value).await
    }

    /// Checks the store with a write, read and delete of a probe entry.
    pub async fn probe(&self) -> Probe {
        // A key of its own per probe: two probes at once (two tests, doctor beside the app)
        // must not read or delete each other's entry.
        static PROBES: AtomicUsize = AtomicUsize::new(0);
        let n = PROBES.fetch_add(1, Ordering::Relaxed);
        let key = AccountKey(format!("probe|{}|{n}", std::process::id()));
        let value = Secret::new("probe");
        let round_trip = async {
            self.set(&key, &value).await?;
            let read = self.get(&key).await?;
            self.delete(&key).await?;
            if read.as_ref() == Some(&value) {
                Ok(())
            } else {
                Err(StoreError::Backend {
                    detail: "the keychain did not return what was written".into(),
                })
            }
        };
        match round_trip.await {
            Ok(()) => Probe::Works,
            Err(error) => Probe::from_error(&error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_keys_follow_the_documented_shape() {
        assert_eq!(
            AccountKey::refresh_token("127.0.0.1:8080", "ABC-1").as_str(),
            "127.0.0.1:8080|abc-1"
        );
        assert_eq!(
            AccountKey::last_user("devhive-go-backend.fly.dev").as_str(),
            "devhive-go-backend.fly.dev|last-user"
        );
    }

    #[test]
    fn errors_carry_a_plain_remedy() {
        let err = StoreError::NoKeychain {
            detail: "Unable to autolaunch a dbus-daemon without a $DISPLAY".into(),
        };
        assert!(err
            .to_string()
            .contains("install and unlock GNOME Keyring or KWallet"));
        assert!(matches!(Probe::from_error(&err), Probe::NoKeychain { .. }));
        let locked = StoreError::Locked {
            detail: "no result found".into(),
        };
        assert!(matches!(Probe::from_error(&locked), Probe::Locked { .. }));
    }

    /// An OS-like store (it may block) over memory; with a gate, reads wait until the gate
    /// is released (a keychain waiting on an unlock prompt).
    #[derive(Debug, Default)]
    struct OsLikeStore {
        entries: MemoryStore,
        gate: Option<std::sync::Mutex<std::sync::mpsc::Receiver<()>>>,
    }

    impl OsLikeStore {
        fn prompting(gate: std::sync::mpsc::Receiver<()>) -> Arc<Self> {
            Arc::new(Self {
                gate: Some(std::sync::Mutex::new(gate)),
                ..Self::default()
            })
        }
    }

    impl SecretStore for OsLikeStore {
        fn label(&self) -> String {
            "OS-like (test)".into()
        }
        fn is_persistent(&self) -> bool {
            true
        }
        fn get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError> {
            if let Some(gate) = &self.gate {
                let _ = gate.lock().expect("gate").recv();
            }
            self.entries.get(key)
        }
        fn set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
            self.entries.set(key, value)
        }
        fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
            self.entries.delete(key)
        }
    }

    #[tokio::test]
    async fn a_call_past_its_timeout_counts_as_waiting_until_it_returns() {
        let (release, wait) = std::sync::mpsc::channel();
        let vault = Vault::new(OsLikeStore::prompting(wait));
        let key = AccountKey::refresh_token("h", "u");
        assert!(!vault.is_waiting());
        let err = vault.get(&key).await.unwrap_err();
        assert!(matches!(err, StoreError::TimedOut { .. }), "{err:?}");
        assert!(vault.clone().is_waiting(), "the blocked call still runs");
        release.send(()).unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while vault.is_waiting() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(!vault.is_waiting(), "done once the call returned");
    }

    #[test]
    fn a_call_that_never_returns_does_not_hold_up_the_runtime_shutdown() {
        let (_never_released, wait) = std::sync::mpsc::channel::<()>();
        let vault = Vault::new(OsLikeStore::prompting(wait));
        let (shut, shut_down) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("runtime");
            let err = runtime
                .block_on(vault.get(&AccountKey::refresh_token("h", "u")))
                .unwrap_err();
            drop(runtime);
            let _ = shut.send(err);
        });
        let err = shut_down
            .recv_timeout(Duration::from_secs(20))
            .expect("the runtime shut down while the keychain call still waits");
        assert!(matches!(err, StoreError::TimedOut { .. }), "{err:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_call_that_has_answered_no_longer_counts_as_waiting() {
        let vault = Vault::new(Arc::new(OsLikeStore::default()));
        let key = AccountKey::refresh_token("h", "u");
        for n in 0..500 {
            vault
                .set(&key, &Secret::new(format!("t{n}")))
                .await
                .unwrap();
            assert!(
                !vault.is_waiting(),
                "call {n}: answered, yet still counted as waiting"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn probes_at_the_same_time_do_not_disturb_each_other() {
        let vault = Vault::new(Arc::new(OsLikeStore::default()));
        let mut probes = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let vault = vault.clone();
            probes.spawn(async move { vault.probe().await });
        }
        while let Some(probe) = probes.join_next().await {
            assert_eq!(probe.expect("probe task"), Probe::Works);
        }
    }

    #[tokio::test]
    async fn vault_round_trips_through_a_memory_store() {
        let vault = Vault::new(Arc::new(MemoryStore::new()));
        let key = AccountKey::refresh_token("h", "u");
        assert_eq!(vault.get(&key).await.unwrap(), None);
        vault.set(&key, &Secret::new("t1")).await.unwrap();
        assert_eq!(vault.get(&key).await.unwrap(), Some(Secret::new("t1")));
        vault
            .set_last_user(
                "h",
                &LastUser {
                    id: "u".into(),
                    name: "ada".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(vault.last_user("h").await.unwrap().unwrap().name, "ada");
        vault.delete(&key).await.unwrap();
        vault.delete(&key).await.unwrap();
        assert_eq!(vault.get(&key).await.unwrap(), None);
        assert_eq!(vault.probe().await, Probe::Works);
    }
}
