//! Controls the test session's Secret Service (gnome-keyring under `scripts/with-session`)
//! from outside, as another program or the desktop would: lock the login collection, delete
//! an entry, kill the daemon (by the pid D-Bus reports for `org.freedesktop.secrets`) and
//! start it again unlocked.

use devhive_core::keychain::{KeyringStore, Probe, Vault};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The login keyring's password in `scripts/with-session`.
pub fn keyring_password() -> String {
    std::env::var("DEVHIVE_KEYRING_PASSWORD").unwrap_or_else(|_| "devhive-test".into())
}

/// True when a Secret Service answers a write/read/delete round trip. When it does not:
/// panics if `DEVHIVE_REQUIRE_KEYCHAIN=1` (scripts/test), else prints why and returns false.
pub async fn available_or_skip(test: &str) -> bool {
    let probe = Vault::new(Arc::new(KeyringStore::with_service("devhive-proof-probe")))
        .probe()
        .await;
    if probe == Probe::Works {
        return true;
    }
    let required = std::env::var("DEVHIVE_REQUIRE_KEYCHAIN").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: DEVHIVE_REQUIRE_KEYCHAIN=1 but the Secret Service does not work: {probe:?}"
    );
    eprintln!(
        "note: {test} skipped: no working Secret Service ({probe:?}); run it under scripts/with-session"
    );
    false
}

/// The pid of the process owning `org.freedesktop.secrets` on the session bus.
pub fn daemon_pid() -> Option<u32> {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .skip_while(|w| *w != "uint32")
        .nth(1)
        .and_then(|pid| pid.parse().ok())
}

/// Locks the login collection (`secret-tool lock`, whose exit status is unreliable: it may
/// crash after locking, so callers check the effect).
pub fn lock_login_collection() {
    let _ = Command::new("secret-tool")
        .args(["lock", "--collection=login"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Deletes an entry the way another program would (`secret-tool clear`).
pub fn clear_entry(service: &str, account: &str) -> bool {
    Command::new("secret-tool")
        .args(["clear", "service", service, "username", account])
        .status()
        .is_ok_and(|s| s.success())
}

/// Kills the Secret Service daemon by pid and waits until its bus name is gone.
pub async fn kill_daemon() -> Option<u32> {
    let pid = daemon_pid()?;
    let _ = Command::new("kill").arg(pid.to_string()).status();
    for _ in 0..50 {
        if daemon_pid() != Some(pid) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(pid)
}

/// Starts gnome-keyring's secrets component again, replacing any (auto-activated, locked)
/// instance, and unlocks the login keyring with its password.
pub async fn start_daemon_unlocked() -> bool {
    let child = Command::new("gnome-keyring-daemon")
        .args(["--replace", "--unlock", "--components=secrets"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(keyring_password().as_bytes());
    }
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    let vault = Vault::new(Arc::new(KeyringStore::with_service("devhive-proof-probe")));
    // Poll for the effect (no signal exists): a loaded 2-core CI machine has needed more
    // than 5 s for a replaced daemon to come up and unlock.
    for _ in 0..300 {
        if vault.probe().await == Probe::Works {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
