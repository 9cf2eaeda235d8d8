//! The OS keychain: on Linux the Secret Service over one kept D-Bus connection
//! (`super::secret_service`, which says why not `keyring`'s); on macOS and Windows `keyring` 3
//! with an explicitly chosen native backend (Keychain, Credential Manager), so the crate's
//! silent in-memory mock can never be picked.

use super::{AccountKey, SecretStore, StoreError, SERVICE};
use crate::secret::Secret;
#[cfg(not(target_os = "linux"))]
use keyring::{Entry, Error as KeyringError};
#[cfg(target_os = "linux")]
use std::sync::Arc;

/// The native keychain. Blocking: use it through [`super::Vault`]. On Linux every store of
/// a process shares one connection to the keychain, so the process is one client of it.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
    #[cfg(target_os = "linux")]
    connection: Arc<super::secret_service::Connection>,
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyringStore {
    /// Entries under the service `devhive-desktop`.
    pub fn new() -> Self {
        Self::with_service(SERVICE)
    }

    /// Entries under another service name (tests isolate themselves this way).
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            #[cfg(target_os = "linux")]
            connection: super::secret_service::Connection::shared(),
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn entry(&self, key: &AccountKey) -> Result<Entry, StoreError> {
        native_entry(&self.service, key.as_str()).map_err(classify)
    }
}

#[cfg(target_os = "macos")]
fn native_entry(service: &str, account: &str) -> Result<Entry, KeyringError> {
    let credential = keyring::macos::MacCredential::new_with_target(None, service, account)?;
    Ok(Entry::new_with_credential(Box::new(credential)))
}

#[cfg(target_os = "windows")]
fn native_entry(service: &str, account: &str) -> Result<Entry, KeyringError> {
    let credential = keyring::windows::WinCredential::new_with_target(None, service, account)?;
    Ok(Entry::new_with_credential(Box::new(credential)))
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native_entry(_service: &str, _account: &str) -> Result<Entry, KeyringError> {
    Err(KeyringError::PlatformFailure(
        "no supported keychain on this platform".into(),
    ))
}

const fn backend_label() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "OS keychain (Secret Service)"
    }
}

#[cfg(target_os = "linux")]
impl SecretStore for KeyringStore {
    fn label(&self) -> String {
        backend_label().into()
    }

    fn is_persistent(&self) -> bool {
        true
    }

    fn get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError> {
        match self.connection.get(&self.service, key.as_str()) {
            Ok(Some(bytes)) => String::from_utf8(bytes)
                .map(|v| Some(Secret::new(v)))
                .map_err(|_| StoreError::Backend {
                    detail: format!("the keychain entry {key} is not text"),
                }),
            Ok(None) => Ok(None),
            Err(failure) => Err(classify_words(failure.detail, failure.no_access)),
        }
    }

    fn set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
        self.connection
            .set(&self.service, key.as_str(), value.expose().as_bytes())
            .map_err(|f| classify_words(f.detail, f.no_access))
    }

    fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
        self.connection
            .delete(&self.service, key.as_str())
            .map_err(|f| classify_words(f.detail, f.no_access))
    }
}

#[cfg(not(target_os = "linux"))]
impl SecretStore for KeyringStore {
    fn label(&self) -> String {
        backend_label().into()
    }

    fn is_persistent(&self) -> bool {
        true
    }

    fn get(&self, key: &AccountKey) -> Result<Option<Secret>, StoreError> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(other) => Err(classify(other)),
        }
    }

    fn set(&self, key: &AccountKey, value: &Secret) -> Result<(), StoreError> {
        self.entry(key)?
            .set_password(value.expose())
            .map_err(classify)
    }

    fn delete(&self, key: &AccountKey) -> Result<(), StoreError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(other) => Err(classify(other)),
        }
    }
}

/// Maps a `keyring` error to our typed error by the platform's words (platform.md):
/// "Unable to autolaunch a dbus-daemon without a $DISPLAY" (no D-Bus session) → no keychain;
/// "no result found" (no unlocked collection) and "Cannot create an item in a locked
/// collection" → locked.
#[cfg(not(target_os = "linux"))]
fn classify(error: KeyringError) -> StoreError {
    let no_access = matches!(error, KeyringError::NoStorageAccess(_));
    classify_words(error.to_string(), no_access)
}

/// Our typed error from the words of a keychain error, and whether the store refused access.
fn classify_words(detail: String, no_access: bool) -> StoreError {
    let lower = detail.to_ascii_lowercase();
    let no_service = [
        "autolaunch",
        "dbus_session_bus_address",
        "org.freedesktop.secrets",
        "was not provided by any .service",
        "failed to connect to socket",
        "no such file or directory",
        "connection refused",
        "not supported",
        "no supported keychain",
    ];
    let locked = [
        "locked",
        "no result found",
        "prompt",
        "dismissed",
        "not unlocked",
    ];
    if no_service.iter().any(|needle| lower.contains(needle)) {
        StoreError::NoKeychain { detail }
    } else if no_access || locked.iter().any(|needle| lower.contains(needle)) {
        StoreError::Locked { detail }
    } else {
        StoreError::Backend { detail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_errors_seen_on_our_machines_map_to_typed_errors() {
        let words = |text: &str| classify_words(text.to_owned(), false);
        assert!(matches!(
            words("DBus error: Unable to autolaunch a dbus-daemon without a $DISPLAY for X11"),
            StoreError::NoKeychain { .. }
        ));
        assert!(matches!(
            words("DBus error: The name org.freedesktop.secrets was not provided by any .service files"),
            StoreError::NoKeychain { .. }
        ));
        assert!(matches!(
            words("Secret Service: no result found"),
            StoreError::Locked { .. }
        ));
        assert!(matches!(
            words("Cannot create an item in a locked collection"),
            StoreError::Locked { .. }
        ));
        assert!(matches!(
            classify_words("Secret Service: object locked".into(), true),
            StoreError::Locked { .. }
        ));
        assert!(matches!(
            words("2 keychain entries match one DevHive entry; remove the extra ones"),
            StoreError::Backend { .. }
        ));
    }
}
