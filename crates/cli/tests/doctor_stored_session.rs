//! `devhive doctor` on the stored session (the OS keychain, as `devhive login` left it):
//! healthy, then after the server revoked the refresh token. Needs a Secret Service; CI runs
//! the suite inside `scripts/with-session` with `DEVHIVE_REQUIRE_KEYCHAIN=1`, where a missing
//! keychain is a failure. Elsewhere the test says so on stderr and returns.

use devhive_core::keychain::{KeyringStore, Probe, Vault};
use devhive_sandbox::{demo, spawn, Config};
use std::path::Path;
use std::process::Output;
use std::sync::Arc;

async fn keychain_available() -> bool {
    let probe = Vault::new(Arc::new(KeyringStore::new())).probe().await;
    match probe {
        Probe::Works => true,
        other => {
            assert!(
                std::env::var_os("DEVHIVE_REQUIRE_KEYCHAIN").is_none(),
                "DEVHIVE_REQUIRE_KEYCHAIN is set but the keychain does not work: {other:?}"
            );
            eprintln!("no keychain here ({other:?}); run under scripts/with-session");
            false
        }
    }
}

async fn devhive(data: &Path, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_devhive"))
        .args(args)
        .env("DEVHIVE_DATA_DIR", data)
        .env("DEVHIVE_PASSWORD", demo::PASSWORD)
        .env_remove("DEVHIVE_USERNAME")
        .output()
        .await
        .expect("the devhive binary runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_uses_the_stored_session_and_reports_its_revocation() {
    if !keychain_available().await {
        return;
    }
    let running = spawn(Config {
        demo: true,
        ..Default::default()
    })
    .await;
    let server = running.base_url();
    let data = std::env::temp_dir().join(format!("devhive-stored-{}", uuid::Uuid::new_v4()));
    let login = devhive(
        &data,
        &["login", "--server", &server, "--username", "alice"],
    )
    .await;
    assert_eq!(login.status.code(), Some(0), "{login:?}");

    let apollo = demo::APOLLO.to_string();
    let healthy = devhive(
        &data,
        &["doctor", "--server", &server, "--project", &apollo],
    )
    .await;
    let text = String::from_utf8_lossy(&healthy.stdout);
    assert_eq!(healthy.status.code(), Some(0), "{text}");
    assert!(text.contains("✓ keychain"), "{text}");
    assert!(text.contains("stored session for alice"), "{text}");
    assert!(text.ends_with("verdict: healthy\n"), "{text}");

    // The doctor's refresh went through the session's lock and was persisted: the app (a
    // second doctor here) still has a working session afterwards.
    let again = devhive(
        &data,
        &["doctor", "--server", &server, "--project", &apollo],
    )
    .await;
    assert_eq!(
        again.status.code(),
        Some(0),
        "the doctor must not break the stored session: {}",
        String::from_utf8_lossy(&again.stdout)
    );

    running.control().revoke_refresh_tokens(None).await.unwrap();
    let revoked = devhive(
        &data,
        &["doctor", "--server", &server, "--project", &apollo],
    )
    .await;
    let text = String::from_utf8_lossy(&revoked.stdout);
    assert!(
        text.ends_with("verdict: refresh-token-invalid\n"),
        "{text}\n{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert_eq!(revoked.status.code(), Some(3), "needs sign-in is exit 3");
    let _ = devhive(&data, &["logout", "--server", &server]).await;
}
