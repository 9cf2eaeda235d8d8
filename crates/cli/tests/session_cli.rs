//! `devhive login / status / logout` as separate processes sharing one keychain entry: the
//! refresh race between two processes, resume without a password, and exit code 5 with a
//! remedy when the keychain is missing or locked. Keychain tests need a Secret Service (CI:
//! `scripts/with-session`, `DEVHIVE_REQUIRE_KEYCHAIN=1`); elsewhere they say so and return.

use devhive_core::keychain::{AccountKey, KeyringStore, Probe, Vault};
use devhive_sandbox::{spawn, Config, Running};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

fn required() -> bool {
    std::env::var("DEVHIVE_REQUIRE_KEYCHAIN").is_ok_and(|v| v == "1")
}

async fn keychain_available() -> bool {
    match Vault::new(Arc::new(KeyringStore::new())).probe().await {
        Probe::Works => true,
        other => {
            assert!(
                !required(),
                "DEVHIVE_REQUIRE_KEYCHAIN=1 but the keychain does not work: {other:?}"
            );
            eprintln!("note: no keychain here ({other:?}); run under scripts/with-session");
            false
        }
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "devhive-cli-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn devhive(server: &str, data: &Path, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_devhive"));
    command
        .arg("--server")
        .arg(server)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("DEVHIVE_PASSWORD", "pw-alice")
        .env_remove("DEVHIVE_USERNAME")
        .env_remove("DEVHIVE_SERVER")
        .kill_on_drop(true);
    command
}

async fn exec(mut command: tokio::process::Command) -> Output {
    command.output().await.expect("the devhive binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn sandbox() -> Running {
    let run = spawn(Config {
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    run.sandbox.create_user("alice", "pw-alice");
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refreshing_at_once_never_log_each_other_out() {
    if !keychain_available().await {
        return;
    }
    let run = sandbox().await;
    let server = run.base_url();
    let data = temp_dir("race");
    let login = run_login(&server, &data).await;
    assert_eq!(login.status.code(), Some(0), "{}", text(&login));

    for round in 0..20 {
        // Both resume (one refresh each) and then refresh again, at the same moment.
        let a = devhive(&server, &data, &["status", "--refresh-now", "--json"]).output();
        let b = devhive(&server, &data, &["status", "--refresh-now", "--json"]).output();
        let (a, b) = tokio::join!(a, b);
        for output in [a.unwrap(), b.unwrap()] {
            assert_eq!(
                output.status.code(),
                Some(0),
                "round {round}: {}",
                text(&output)
            );
            let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(status["state"], "valid", "round {round}: {status}");
            assert_eq!(status["user"]["name"], "alice");
        }
    }
    let stats = run.sandbox.stats();
    assert_eq!(
        stats.refreshes.get("Invalid refresh token"),
        None,
        "no refresh was refused: {:?}",
        stats.refreshes
    );
    assert_eq!(
        stats.refreshes_ok(),
        80,
        "20 rounds × 2 processes × 2 refreshes"
    );
}

async fn run_login(server: &str, data: &Path) -> Output {
    exec(devhive(server, data, &["login", "--username", "alice"])).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_status_logout_keep_the_token_in_the_keychain_and_never_print_it() {
    if !keychain_available().await {
        return;
    }
    let run = sandbox().await;
    let server = run.base_url();
    let data = temp_dir("roundtrip");
    let mut login = devhive(
        &server,
        &data,
        &["login", "--username", "alice", "--password-stdin"],
    );
    login
        .env_remove("DEVHIVE_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = login.spawn().unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"pw-alice\n").await.unwrap();
    }
    let login = child.wait_with_output().await.unwrap();
    assert_eq!(login.status.code(), Some(0), "{}", text(&login));
    assert!(
        String::from_utf8_lossy(&login.stdout).contains("signed in as alice"),
        "{}",
        text(&login)
    );

    let status = exec(devhive(&server, &data, &["status"])).await;
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let shown = text(&status);
    assert!(shown.contains("user:           alice"), "{shown}");
    assert!(
        shown.contains("refresh token:  OS keychain (Secret Service)"),
        "{shown}"
    );
    let vault = Vault::new(Arc::new(KeyringStore::new()));
    let user = vault
        .last_user(&run.addr.to_string())
        .await
        .unwrap()
        .unwrap();
    let stored = vault
        .get(&AccountKey::refresh_token(&run.addr.to_string(), &user.id))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !shown.contains(&stored.expose()[..20]),
        "status never prints the refresh token"
    );

    let json = exec(devhive(&server, &data, &["status", "--json"])).await;
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["state"], "valid");
    assert_eq!(value["lifetime_secs"], 900);
    assert_eq!(value["refresh_token_persistent"], true);
    assert!(value["expires_at"].as_str().unwrap().ends_with('Z'));

    let logout = exec(devhive(&server, &data, &["logout"])).await;
    assert_eq!(logout.status.code(), Some(0), "{}", text(&logout));
    let after = exec(devhive(&server, &data, &["status"])).await;
    assert_eq!(
        after.status.code(),
        Some(3),
        "signed out → exit 3: {}",
        text(&after)
    );
    assert_eq!(
        vault
            .get(&AccountKey::refresh_token(&run.addr.to_string(), &user.id))
            .await
            .unwrap(),
        None,
        "logout deleted the entry"
    );
}

#[tokio::test]
async fn a_wrong_password_exits_3_with_the_servers_words() {
    let run = sandbox().await;
    let data = temp_dir("badpw");
    let mut login = devhive(
        &run.base_url(),
        &data,
        &["--secret-store", "memory", "login", "--username", "alice"],
    );
    login.env("DEVHIVE_PASSWORD", "wrong");
    let output = exec(login).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("Invalid credentials"));
}

#[tokio::test]
async fn the_memory_store_says_the_session_dies_with_the_process() {
    let run = sandbox().await;
    let data = temp_dir("memory");
    let output = run_memory_login(&run.base_url(), &data).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let shown = text(&output);
    assert!(
        shown.contains("the session ends when devhive exits"),
        "a visible warning: {shown}"
    );
    assert!(shown.contains("memory (this process only)"), "{shown}");
}

async fn run_memory_login(server: &str, data: &Path) -> Output {
    exec(devhive(
        server,
        data,
        &["--secret-store", "memory", "login", "--username", "alice"],
    ))
    .await
}

#[tokio::test]
async fn no_secret_service_exits_5_with_the_remedy() {
    let data = temp_dir("nobus");
    let mut status = devhive("http://127.0.0.1:9", &data, &["status"]);
    status
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env("XDG_RUNTIME_DIR", temp_dir("nobus-runtime"));
    let output = exec(status).await;
    assert_eq!(output.status.code(), Some(5), "{}", text(&output));
    assert!(
        text(&output).contains("No Secret Service: install and unlock GNOME Keyring or KWallet"),
        "{}",
        text(&output)
    );
}

#[tokio::test]
async fn a_locked_keyring_exits_5_with_the_remedy() {
    let has = |tool: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !(has("dbus-run-session") && has("gnome-keyring-daemon")) {
        assert!(
            !required(),
            "dbus-run-session and gnome-keyring-daemon are needed"
        );
        eprintln!("note: skipping, no dbus-run-session or gnome-keyring-daemon");
        return;
    }
    let data = temp_dir("locked");
    let script = format!(
        "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec '{}' --server http://127.0.0.1:9 --data-dir '{}' status",
        env!("CARGO_BIN_EXE_devhive"),
        data.display()
    );
    let mut command = tokio::process::Command::new("dbus-run-session");
    command
        .args(["--", "sh", "-c", &script])
        .env_remove("DISPLAY")
        .env("XDG_DATA_HOME", temp_dir("locked-data"))
        .env("XDG_RUNTIME_DIR", temp_dir("locked-runtime"));
    let output = exec(command).await;
    assert_eq!(output.status.code(), Some(5), "{}", text(&output));
    assert!(
        text(&output).contains("Unlock your keyring"),
        "{}",
        text(&output)
    );
}

#[tokio::test]
async fn the_global_api_version_flag_does_not_break_devhive_sandbox() {
    let data = temp_dir("sandbox-flag");
    let mut sandbox = devhive(
        "http://127.0.0.1:9",
        &data,
        &["sandbox", "--listen", "127.0.0.1:0", "--api-version", "a"],
    );
    sandbox
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = sandbox.spawn().unwrap();
    let early = tokio::time::timeout(std::time::Duration::from_secs(2), child.wait()).await;
    if let Ok(exit) = early {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            use tokio::io::AsyncReadExt;
            let _ = pipe.read_to_string(&mut stderr).await;
        }
        panic!("devhive sandbox exited at once ({exit:?}): {stderr}");
    }
    child.kill().await.unwrap();
}
