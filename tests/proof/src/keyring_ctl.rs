//! Controls the test session's Secret Service (gnome-keyring under `scripts/with-session`)
//! from outside, as another program or the desktop would: lock and unlock the login
//! collection over D-Bus, delete an entry, kill the daemon (by the pid D-Bus reports for
//! `org.freedesktop.secrets`) and start it again unlocked.

use dbus::arg::{RefArg, Variant};
use dbus::blocking::stdintf::org_freedesktop_dbus::Properties;
use dbus::blocking::Connection;
use dbus::Path;
use devhive_core::keychain::{KeyringStore, Probe, Vault};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const SECRETS: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE_IFACE: &str = "org.freedesktop.Secret.Service";
const LOGIN: &str = "/org/freedesktop/secrets/collection/login";
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// The login keyring's password in `scripts/with-session`.
pub fn keyring_password() -> String {
    std::env::var("DEVHIVE_KEYRING_PASSWORD").unwrap_or_else(|_| "devhive-test".into())
}

/// True when a Secret Service answers a write/read/delete round trip. The login collection
/// is unlocked first: every test starts from the session `scripts/with-session` sets up,
/// whatever an earlier test did to it. When it does not work: panics if
/// `DEVHIVE_REQUIRE_KEYCHAIN=1` (scripts/test), else prints why and returns false.
pub async fn available_or_skip(test: &str) -> bool {
    let unlocked = tokio::task::spawn_blocking(|| match is_locked() {
        Ok(true) => unlock_login_collection(),
        Ok(false) => Ok(()),
        Err(e) => Err(e),
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    let probe = match unlocked {
        Ok(()) => {
            Vault::new(Arc::new(KeyringStore::with_service("devhive-proof-probe")))
                .probe()
                .await
        }
        Err(why) => Probe::NoKeychain {
            detail: why,
            remedy: "run the test under scripts/with-session",
        },
    };
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

fn session_bus() -> Result<Connection, String> {
    Connection::new_session().map_err(|e| format!("no D-Bus session bus: {e}"))
}

/// The pid of the process owning `org.freedesktop.secrets` on the session bus.
pub fn daemon_pid() -> Option<u32> {
    let bus = session_bus().ok()?;
    let (pid,): (u32,) = bus
        .with_proxy("org.freedesktop.DBus", "/", CALL_TIMEOUT)
        .method_call(
            "org.freedesktop.DBus",
            "GetConnectionUnixProcessID",
            (SECRETS,),
        )
        .ok()?;
    Some(pid)
}

/// Whether the login collection is locked (asking starts the daemon if none runs).
pub fn is_locked() -> Result<bool, String> {
    let bus = session_bus()?;
    bus.with_proxy(SECRETS, LOGIN, CALL_TIMEOUT)
        .get("org.freedesktop.Secret.Collection", "Locked")
        .map_err(|e| format!("reading the login collection's Locked property: {e}"))
}

/// Locks the login collection through the Secret Service API, as a screen locker does.
pub fn lock_login_collection() -> Result<(), String> {
    let bus = session_bus()?;
    let (_locked, _prompt): (Vec<Path<'static>>, Path<'static>) = bus
        .with_proxy(SECRETS, SERVICE_PATH, CALL_TIMEOUT)
        .method_call(SERVICE_IFACE, "Lock", (vec![Path::from(LOGIN)],))
        .map_err(|e| format!("Secret Service Lock: {e}"))?;
    match is_locked()? {
        true => Ok(()),
        false => Err("the login collection is still unlocked after Lock".into()),
    }
}

/// Unlocks the login collection with its password and no prompt, through gnome-keyring's
/// own interface for it (what its PAM module does at login). The password travels in a
/// `plain` session on the private test bus.
pub fn unlock_login_collection() -> Result<(), String> {
    let bus = session_bus()?;
    let service = bus.with_proxy(SECRETS, SERVICE_PATH, CALL_TIMEOUT);
    let (_output, session): (Variant<Box<dyn RefArg>>, Path<'static>) = service
        .method_call(SERVICE_IFACE, "OpenSession", ("plain", Variant("")))
        .map_err(|e| format!("Secret Service OpenSession: {e}"))?;
    let master = (
        session,
        Vec::<u8>::new(),
        keyring_password().into_bytes(),
        "text/plain",
    );
    service
        .method_call::<(), _, _, _>(
            "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
            "UnlockWithMasterPassword",
            (Path::from(LOGIN), master),
        )
        .map_err(|e| format!("gnome-keyring UnlockWithMasterPassword: {e}"))?;
    match is_locked()? {
        false => Ok(()),
        true => Err("the login collection is still locked after the unlock".into()),
    }
}

/// How many Secret Service sessions the daemon has opened so far, this probe's included:
/// gnome-keyring numbers its session objects `…/session/s<N>` in order, so the probe opens
/// one, reads N and closes it. The difference between two probes, less one, is how many
/// sessions (clients' `OpenSession` calls) came in between.
pub fn sessions_opened() -> Result<u64, String> {
    let bus = session_bus()?;
    let service = bus.with_proxy(SECRETS, SERVICE_PATH, CALL_TIMEOUT);
    let (_output, session): (Variant<Box<dyn RefArg>>, Path<'static>) = service
        .method_call(SERVICE_IFACE, "OpenSession", ("plain", Variant("")))
        .map_err(|e| format!("Secret Service OpenSession: {e}"))?;
    let number = session
        .rsplit_once("/s")
        .and_then(|(_, n)| n.parse().ok())
        .ok_or_else(|| format!("unexpected session path {session}"))?;
    bus.with_proxy(SECRETS, session, CALL_TIMEOUT)
        .method_call::<(), _, _, _>("org.freedesktop.Secret.Session", "Close", ())
        .map_err(|e| format!("Secret Service Session.Close: {e}"))?;
    Ok(number)
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
/// instance, and makes sure the login keyring is unlocked: whichever daemon ends up owning
/// the bus name (ours, or one D-Bus activated for a client meanwhile) is unlocked with the
/// password over D-Bus. Polls for the effect (no signal exists); true once unlocked.
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
    // A loaded 2-core CI machine has needed more than 5 s for a replaced daemon to come up.
    for _ in 0..150 {
        let unlocked = tokio::task::spawn_blocking(|| match is_locked() {
            Ok(false) => true,
            Ok(true) => unlock_login_collection().is_ok(),
            Err(_) => false,
        })
        .await
        .unwrap_or(false);
        if unlocked {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}
