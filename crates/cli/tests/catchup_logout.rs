//! `devhive logout` wipes the history `catchup` kept for that account (failure mode 11).
//! Needs a Secret Service (`scripts/with-session`); elsewhere it says so and returns.

use devhive_core::keychain::{KeyringStore, Probe, Vault};
use devhive_sandbox::{spawn, Config};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_deletes_the_accounts_history() {
    match Vault::new(Arc::new(KeyringStore::new())).probe().await {
        Probe::Works => {}
        other => {
            let required = std::env::var("DEVHIVE_REQUIRE_KEYCHAIN").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "DEVHIVE_REQUIRE_KEYCHAIN=1 but no keychain: {other:?}"
            );
            eprintln!("note: no keychain here ({other:?}); run under scripts/with-session");
            return;
        }
    }
    let running = spawn(Config {
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let user = format!("hist{}", std::process::id());
    let owner = running.sandbox.create_user(&user, "pw-hist");
    running.sandbox.create_project(owner, "Notes");
    let data = std::env::temp_dir().join(format!("devhive-catchup-logout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let run = |args: &[&str]| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_devhive"));
        command
            .args(["--server", &running.base_url(), "--data-dir"])
            .arg(&data)
            .args(args)
            .env("DEVHIVE_PASSWORD", "pw-hist")
            .env_remove("DEVHIVE_USERNAME")
            .env_remove("DEVHIVE_SERVER")
            .kill_on_drop(true);
        command
    };
    let login = run(&["login", "--username", &user]).output().await.unwrap();
    assert!(login.status.success(), "{login:?}");
    let catchup = run(&["catchup"]).output().await.unwrap();
    assert!(catchup.status.success(), "{catchup:?}");
    assert!(
        String::from_utf8_lossy(&catchup.stdout).contains("baseline recorded"),
        "{catchup:?}"
    );
    let files = || -> Vec<_> {
        std::fs::read_dir(data.join("history"))
            .map(|d| d.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default()
    };
    assert!(!files().is_empty(), "catchup kept a history");
    let logout = run(&["logout"]).output().await.unwrap();
    assert!(logout.status.success(), "{logout:?}");
    assert!(
        files().is_empty(),
        "nothing of the account is left: {:?}",
        files()
    );
    let _ = std::fs::remove_dir_all(&data);
}
