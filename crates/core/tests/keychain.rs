//! The keychain store against the REAL Secret Service (gnome-keyring on a private D-Bus
//! session, as `scripts/with-session` provides), plus the two ways it fails on our machines:
//! no Secret Service at all, and a keyring that is not unlocked.
//!
//! With `DEVHIVE_REQUIRE_KEYCHAIN=1` (the test script sets it) a missing Secret Service is a
//! failure; otherwise those tests print a note and pass.

mod session_support;

use devhive_core::api::ApiClient;
use devhive_core::auth::TokenSource;
use devhive_core::keychain::{AccountKey, KeyringStore, Probe, StoreError, Vault};
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::session::{Session, SessionConfig, SessionState};
use devhive_core::timeline::Timeline;
use session_support::temp_dir;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// Our tests' entries live under their own service name, never the app's.
const TEST_SERVICE: &str = "devhive-desktop-test";
/// Set in the child process that reports what the store says in a broken environment.
const CHILD: &str = "DEVHIVE_KEYCHAIN_CHILD";

fn store() -> Arc<KeyringStore> {
    Arc::new(KeyringStore::with_service(TEST_SERVICE))
}

/// A vault over the real Secret Service, or `None` (with a note) when there is none and it is
/// not required.
async fn real_keychain() -> Option<Vault> {
    let vault = Vault::new(store());
    let probe = vault.probe().await;
    if probe == Probe::Works {
        return Some(vault);
    }
    let required = std::env::var("DEVHIVE_REQUIRE_KEYCHAIN").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "DEVHIVE_REQUIRE_KEYCHAIN=1 but the Secret Service does not work: {probe:?}. Run the tests through scripts/with-session (a private D-Bus session with an unlocked gnome-keyring)."
    );
    eprintln!("note: skipping a real-keychain test, no working Secret Service here: {probe:?}");
    None
}

fn unique_account(tag: &str) -> AccountKey {
    AccountKey::refresh_token(&format!("{tag}.test:{}", std::process::id()), "user-1")
}

#[tokio::test]
async fn secrets_round_trip_through_the_real_secret_service() {
    let Some(vault) = real_keychain().await else {
        return;
    };
    let key = unique_account("roundtrip");
    assert_eq!(vault.get(&key).await.unwrap(), None, "nothing stored yet");
    let first = Secret::new("a1".repeat(64));
    vault.set(&key, &first).await.unwrap();
    assert_eq!(vault.get(&key).await.unwrap(), Some(first));
    let second = Secret::new("b2".repeat(64));
    vault.set(&key, &second).await.unwrap();
    assert_eq!(
        vault.get(&key).await.unwrap(),
        Some(second),
        "a write replaces the entry"
    );
    vault.delete(&key).await.unwrap();
    assert_eq!(vault.get(&key).await.unwrap(), None);
    vault.delete(&key).await.unwrap();
    assert!(vault.label().contains("Secret Service") || cfg!(not(target_os = "linux")));
}

#[tokio::test]
async fn a_session_keeps_its_refresh_token_only_in_the_keychain_and_resumes_from_it() {
    let Some(vault) = real_keychain().await else {
        return;
    };
    let run = devhive_sandbox::spawn(devhive_sandbox::Config {
        rate_limit_per_minute: None,
        ..devhive_sandbox::Config::default()
    })
    .await;
    let alice = run.sandbox.create_user("alice", "pw-alice");
    let profile =
        ServerProfile::custom(&run.base_url(), None, Flavour::Fly, ApiVersion::B).unwrap();
    let data_dir = temp_dir("keychain");
    let config = || {
        let clock = devhive_core::clock::system();
        SessionConfig {
            api: Arc::new(ApiClient::new(profile.clone()).unwrap()),
            vault: vault.clone(),
            timeline: Timeline::new(clock.clone()),
            clock,
            data_dir: data_dir.clone(),
        }
    };
    let session = Session::new(config());
    session
        .login("alice", &Secret::new("pw-alice"), false)
        .await
        .unwrap();
    let key = AccountKey::refresh_token(&run.addr.to_string(), &alice.to_string());
    let mut stored = vault.get(&key).await.unwrap().expect("stored at login");
    for _ in 0..2 {
        session.refresh_now().await.unwrap();
        let now = vault.get(&key).await.unwrap().unwrap();
        assert_ne!(now, stored, "the keychain holds the rotated token");
        stored = now;
    }
    drop(session);
    let resumed = Session::resume(config()).await.expect("no password needed");
    resumed.ensure_valid().await.unwrap();
    assert_eq!(resumed.status().store_label, "OS keychain (Secret Service)");
    resumed.logout().await.unwrap();
    assert_eq!(
        vault.get(&key).await.unwrap(),
        None,
        "logout deletes the entry"
    );
    assert_eq!(resumed.status().state, SessionState::SignedOut);
    let fresh = Session::new(config());
    assert!(matches!(
        fresh.resume_stored().await,
        Err(devhive_core::session::SessionError::NoStoredSession)
    ));
}

/// Runs this test binary's `child_reports_what_the_store_says` in a prepared environment.
fn child(command: &mut Command) -> String {
    let output = command
        .env(CHILD, "1")
        .output()
        .expect("run the child test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "child failed: {text}");
    text
}

fn child_args(command: &mut Command) -> &mut Command {
    command.args([
        "--exact",
        "child_reports_what_the_store_says",
        "--nocapture",
        "--test-threads=1",
    ])
}

#[test]
fn without_a_secret_service_the_store_says_no_keychain_with_the_remedy() {
    let exe = std::env::current_exe().unwrap();
    let empty_runtime = temp_dir("no-bus");
    let mut command = Command::new(exe);
    child_args(&mut command)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env("XDG_RUNTIME_DIR", &empty_runtime);
    let text = child(&mut command);
    assert!(text.contains("STORE=no_keychain"), "{text}");
    assert!(
        text.contains("install and unlock GNOME Keyring or KWallet"),
        "the error carries the remedy: {text}"
    );
}

#[test]
fn a_keyring_that_is_not_unlocked_says_locked() {
    let tools = ["dbus-run-session", "gnome-keyring-daemon"];
    if let Some(missing) = tools.iter().find(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .map_or(true, |o| !o.status.success())
    }) {
        let required = std::env::var("DEVHIVE_REQUIRE_KEYCHAIN").is_ok_and(|v| v == "1");
        assert!(!required, "{missing} is missing: run scripts/setup --test");
        eprintln!("note: skipping the locked-keyring test, {missing} is missing");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let data = temp_dir("locked-data");
    let runtime = temp_dir("locked-runtime");
    let script = format!(
        "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec '{}' --exact child_reports_what_the_store_says --nocapture --test-threads=1",
        exe.display()
    );
    let mut command = Command::new("dbus-run-session");
    command
        .args(["--", "sh", "-c", &script])
        .env_remove("DISPLAY")
        .env("XDG_DATA_HOME", &data)
        .env("XDG_RUNTIME_DIR", &runtime);
    let text = child(&mut command);
    assert!(text.contains("STORE=locked"), "{text}");
    assert!(text.contains("Unlock your keyring"), "{text}");
}

/// Not a test on its own: a probe run as a child process by the two tests above.
#[tokio::test]
async fn child_reports_what_the_store_says() {
    if std::env::var(CHILD).is_err() {
        return;
    }
    let vault = Vault::new(store());
    let key = unique_account("child");
    let started = std::time::Instant::now();
    let error = match vault.set(&key, &Secret::new("x")).await {
        Ok(()) => vault.get(&key).await.err(),
        Err(e) => Some(e),
    };
    let class = match &error {
        None => "works",
        Some(StoreError::NoKeychain { .. }) => "no_keychain",
        Some(StoreError::Locked { .. } | StoreError::TimedOut { .. }) => "locked",
        Some(StoreError::Backend { .. }) => "backend",
    };
    println!("STORE={class}");
    if let Some(error) = error {
        println!("ERROR={error}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "store calls give up within their 3 s limit"
    );
    let probe = vault.probe().await;
    println!("PROBE={probe:?}");
}
