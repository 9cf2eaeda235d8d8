//! The Secret Service (GNOME Keyring, KWallet) over one D-Bus connection per process.
//!
//! Why not `keyring`'s own Secret Service credential: it opens a new D-Bus connection and a
//! new Secret Service session for every call (two for a write), and closes them straight
//! after. gnome-keyring-daemon up to at least 50 aborts on a fatal assertion
//! (`gkd_secret_service_get_pkcs11_session: assertion 'client' failed`) when such short-lived
//! clients race it, and the daemon that D-Bus starts in its place has a locked login keyring:
//! the user is asked for a password, or signed out where no prompt can run. One connection
//! per process, opened on first use and kept, makes a process one client of the daemon for
//! its life.
//!
//! Entries are found by the attributes `keyring` 3 searches on (`service`, `username`,
//! `target` = `default`), so entries written by earlier versions are found; ours also carry
//! `application` = `devhive-desktop` (keyring wrote `rust-keyring`), which no search uses.

use dbus_secret_service::{EncryptionType, Error, Item, SecretService};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// What a call failed with: the words, and whether the keychain refused access (locked,
/// no unlocked collection, a dismissed prompt) rather than failed.
pub(super) struct Failure {
    pub(super) detail: String,
    pub(super) no_access: bool,
}

/// Why a call on a connection failed.
enum Why {
    /// The Secret Service said no, or the bus failed.
    Service(Error),
    /// This many items match one entry (another program wrote them): we do not guess.
    Ambiguous(usize),
}

impl From<Error> for Why {
    fn from(error: Error) -> Self {
        Self::Service(error)
    }
}

impl From<Why> for Failure {
    fn from(why: Why) -> Self {
        match why {
            Why::Service(error) => Self {
                no_access: matches!(error, Error::Locked | Error::NoResult | Error::Prompt),
                detail: error.to_string(),
            },
            Why::Ambiguous(n) => Self {
                no_access: false,
                detail: format!(
                    "{n} keychain entries match one DevHive entry; remove the extra ones"
                ),
            },
        }
    }
}

/// One Secret Service connection, opened on first use and reopened after a call fails on it
/// (the daemon restarted: its session is gone).
#[derive(Default)]
pub(super) struct Connection {
    open: Mutex<Option<SecretService>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the session (it holds the key that encrypts secrets on the bus).
        let open = self.open.lock().map(|o| o.is_some()).unwrap_or(false);
        f.debug_struct("Connection").field("open", &open).finish()
    }
}

impl Connection {
    /// This process's connection (opened on first use).
    pub(super) fn shared() -> Arc<Self> {
        static SHARED: OnceLock<Arc<Connection>> = OnceLock::new();
        Arc::clone(SHARED.get_or_init(Arc::default))
    }

    /// Runs `call` on the kept connection. A D-Bus failure on a connection opened earlier is
    /// tried once more on a new one; a refusal (locked) is not, so a prompt is not repeated.
    fn with<T>(&self, call: impl Fn(&SecretService) -> Result<T, Why>) -> Result<T, Failure> {
        // A panic inside a call leaves at worst a connection that the next failure replaces.
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(service) = open.as_ref() {
            match call(service) {
                Err(Why::Service(Error::Dbus(_) | Error::Crypto(_))) => *open = None,
                done => return done.map_err(Failure::from),
            }
        }
        let service = {
            let _one_at_a_time = ConnectLock::acquire();
            SecretService::connect(EncryptionType::Dh).map_err(Why::from)?
        };
        let result = call(&service);
        *open = Some(service);
        result.map_err(Failure::from)
    }

    /// The secret of the entry `(service, account)`, if there is one.
    pub(super) fn get(&self, service: &str, account: &str) -> Result<Option<Vec<u8>>, Failure> {
        self.with(|ss| match unique(ss, service, account)? {
            Some(item) => Ok(Some(item.get_secret()?)),
            None => Ok(None),
        })
    }

    /// Replaces the entry's secret, creating the entry in the default collection if needed.
    pub(super) fn set(&self, service: &str, account: &str, secret: &[u8]) -> Result<(), Failure> {
        self.with(|ss| {
            if let Some(item) = unique(ss, service, account)? {
                return Ok(item.set_secret(secret, "text/plain")?);
            }
            let collection = ss.get_default_collection()?;
            if collection.is_locked()? {
                collection.unlock()?;
            }
            let label = format!("{account} ({service})");
            let mut attributes = attributes(service, account);
            attributes.insert("application", "devhive-desktop");
            collection.create_item(&label, attributes, secret, true, "text/plain")?;
            Ok(())
        })
    }

    /// Deletes the entry; a missing entry is not an error.
    pub(super) fn delete(&self, service: &str, account: &str) -> Result<(), Failure> {
        self.with(|ss| match unique(ss, service, account)? {
            Some(item) => Ok(item.delete()?),
            None => Ok(()),
        })
    }
}

/// Held while this process opens its Secret Service session, so DevHive processes started
/// together (the app and a CLI, two CLIs) open theirs one after the other. The daemon's crash
/// above needs clients that connect at the same moment: looping the CLI session tests (two
/// processes refreshing at once, 20 times) killed it in 6 of 20 sessions of ten runs without
/// this lock and in 1 of 20 with it (2026-12-04). An advisory lock on a file in the user's
/// runtime dir, where the session bus lives; closing the file (the process ending included)
/// releases it. Best effort: without a usable file the session is opened unlocked.
struct ConnectLock {
    _file: Option<std::fs::File>,
}

impl ConnectLock {
    const FILE: &'static str = "devhive-desktop-keychain.lock";

    fn acquire() -> Self {
        let dir = std::env::var_os("XDG_RUNTIME_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        Self::acquire_in(&dir)
    }

    fn acquire_in(dir: &std::path::Path) -> Self {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(Self::FILE))
            .ok()
            .filter(|file| file.lock().is_ok());
        Self { _file: file }
    }
}

/// What identifies an entry (the attributes `keyring` 3 searches on).
fn attributes<'a>(service: &'a str, account: &'a str) -> HashMap<&'a str, &'a str> {
    HashMap::from([
        ("service", service),
        ("username", account),
        ("target", "default"),
    ])
}

/// The one item of `(service, account)`, unlocked; `None` if there is none in a usable
/// keychain. Two matching items (written by another program) are an error, not a guess.
fn unique<'a>(
    ss: &'a SecretService,
    service: &str,
    account: &str,
) -> Result<Option<Item<'a>>, Why> {
    let found = ss.search_items(attributes(service, account))?;
    let locked = !found.locked.is_empty();
    let mut items: Vec<Item<'a>> = found.unlocked.into_iter().chain(found.locked).collect();
    if items.len() > 1 {
        return Err(Why::Ambiguous(items.len()));
    }
    let Some(item) = items.pop() else {
        // "No entry" only from a keychain that could hold one: without a default collection
        // (no login keyring yet) or with a locked one, the answer is "locked", never a
        // silent "not signed in".
        let collection = ss.get_default_collection()?;
        if collection.is_locked()? {
            return Err(Why::Service(Error::Locked));
        }
        return Ok(None);
    };
    if locked {
        item.unlock()?;
    }
    Ok(Some(item))
}

#[cfg(test)]
mod tests {
    use super::ConnectLock;

    #[test]
    fn the_connect_lock_excludes_others_until_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let held = ConnectLock::acquire_in(dir.path());
        assert!(held._file.is_some(), "the lock file opens and locks");
        let other = std::fs::File::options()
            .write(true)
            .open(dir.path().join(ConnectLock::FILE))
            .expect("lock file");
        assert!(other.try_lock().is_err(), "a second holder must wait");
        drop(held);
        assert!(other.try_lock().is_ok(), "dropping the lock releases it");
    }

    #[test]
    fn an_unusable_runtime_dir_opens_without_the_lock() {
        let lock = ConnectLock::acquire_in(std::path::Path::new("/nonexistent/devhive"));
        assert!(lock._file.is_none());
    }
}
