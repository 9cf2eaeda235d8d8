//! The OS keychain through `keyring` 3 with an explicitly chosen native backend (Secret
//! Service on Linux, Keychain on macOS, Credential Manager on Windows), so the crate's
//! silent in-memory mock can never be picked.

use super::{AccountKey, SecretStore, StoreError, SERVICE};
use crate::secret::Secret;
use keyring::{Entry, Error as KeyringError};

/// The native keychain. Blocking: use it through [`super::Vault`].
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
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
        }
    }

    fn entry(&self, key: &AccountKey) -> Result<Entry, StoreError> {
        native_entry(&self.service, key.as_str()).map_err(classify)
    }
}

#[cfg(target_os = "linux")]
fn native_entry(service: &str, account: &str) -> Result<Entry, KeyringError> {
    let credential =
        keyring::secret_service::SsCredential::new_with_target(None, service, account)?;
    Ok(Entry::new_with_credential(Box::new(credential)))
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
fn classify(error: KeyringError) -> StoreError {
    let detail = error.to_string();
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
    } else if locked.iter().any(|needle| lower.contains(needle))
        || matches!(error, KeyringError::NoStorageAccess(_))
    {
        StoreError::Locked { detail }
    } else {
        StoreError::Backend { detail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(text: &str) -> KeyringError {
        KeyringError::PlatformFailure(text.to_owned().into())
    }

    #[test]
    fn the_errors_seen_on_our_machines_map_to_typed_errors() {
        assert!(matches!(
            classify(platform("D-Bus error: Unable to autolaunch a dbus-daemon without a $DISPLAY for X11 (org.freedesktop.DBus.Error.NotSupported)")),
            StoreError::NoKeychain { .. }
        ));
        assert!(matches!(
            classify(KeyringError::NoStorageAccess(
                "Secret Service: no result found".to_owned().into()
            )),
            StoreError::Locked { .. }
        ));
        assert!(matches!(
            classify(platform("Cannot create an item in a locked collection")),
            StoreError::Locked { .. }
        ));
        assert!(matches!(
            classify(KeyringError::BadEncoding(vec![0xff])),
            StoreError::Backend { .. }
        ));
    }
}
