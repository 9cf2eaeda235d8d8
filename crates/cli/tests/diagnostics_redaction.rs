//! The diagnostics bundle never carries a secret: real tokens from the sandbox and a password
//! are planted in every input, and the output bytes are scanned for any 20-character piece of
//! them. Also the `devhive diagnostics export` binary end to end.

use devhive_core::api::ApiClient;
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::support::bundle::{self, BundleInput, EventRef, ProjectRef};
use devhive_core::support::verdict::Problem;
use devhive_core::support::{Check, Step};
use devhive_core::timeline::{Entry, Scope, Timeline};
use devhive_sandbox::{demo, spawn, Config};
use time::OffsetDateTime;

const WINDOW: usize = 20;

/// Every 20-character piece of `secret` that occurs in `output`.
fn leaks(output: &[u8], secret: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(output);
    let bytes = secret.as_bytes();
    if bytes.len() < WINDOW {
        return text
            .contains(secret)
            .then(|| secret.to_owned())
            .into_iter()
            .collect();
    }
    bytes
        .windows(WINDOW)
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .filter(|w| text.contains(w.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_password_planted_everywhere_never_reach_the_bundle() {
    let running = spawn(Config {
        demo: true,
        ..Default::default()
    })
    .await;
    let password = "correct-horse-battery-staple-42";
    let profile =
        ServerProfile::custom(&running.base_url(), None, Flavour::Fly, ApiVersion::B).unwrap();
    let api = ApiClient::new(profile.clone()).unwrap();
    let grant = api
        .login("alice", &Secret::new(demo::PASSWORD), false)
        .await
        .unwrap();
    let access = grant.access.expose().to_owned();
    let refresh = grant.refresh.expose().to_owned();
    assert_eq!(refresh.len(), 128, "a real refresh token is 128 hex chars");
    let planted = format!("access={access} refresh={refresh} password={password}");

    let mut profile = profile;
    profile.ws_url = url::Url::parse(&format!(
        "{}?token={access}&projectId=p",
        running.ws_aws_url()
    ))
    .unwrap();
    let timeline = Timeline::new(devhive_core::clock::system());
    let project = Scope::Project(demo::APOLLO.to_string());
    timeline.record(
        Scope::Session,
        Entry::State {
            state: "valid".into(),
            reason: Some(planted.clone()),
        },
    );
    timeline.record(
        Scope::Session,
        Entry::Refresh {
            outcome: "rejected".into(),
            detail: Some(planted.clone()),
            elapsed_ms: 3,
        },
    );
    timeline.record(
        project.clone(),
        Entry::Handshake {
            status: 401,
            body: planted.clone(),
            params: format!("token={access}&projectId=p"),
        },
    );
    timeline.record(
        project.clone(),
        Entry::Closed {
            code: Some(1011),
            reason: planted.clone(),
        },
    );
    timeline.record(
        Scope::Session,
        Entry::Error {
            message: planted.clone(),
        },
    );
    let mut input = BundleInput::new("0.1.0", profile);
    input.user_name = Some(format!("alice {password}"));
    input.projects = vec![ProjectRef {
        id: demo::APOLLO.to_string(),
        name: format!("Apollo {refresh}"),
    }];
    input.access_token = Some(grant.access.clone());
    input.known_secrets = vec![grant.refresh.clone(), Secret::new(password)];
    input.timeline = timeline.snapshot();
    input.events = vec![EventRef {
        at: OffsetDateTime::now_utc(),
        project: demo::APOLLO.to_string(),
        kind: planted.clone(),
        resource: Some(access.clone()),
        action: Some(refresh.clone()),
        id: Some(password.to_owned()),
    }];
    input.checks = vec![Check::fail(
        Step::Handshake,
        1,
        planted.clone(),
        Problem::TokenRejected {
            message: planted.clone(),
        },
    )];
    input.keychain = Some(planted.clone());

    let output = bundle::to_bytes(&input, OffsetDateTime::now_utc());
    for (name, secret) in [
        ("access token", access.as_str()),
        ("refresh token", refresh.as_str()),
        ("password", password),
    ] {
        let found = leaks(&output, secret);
        assert!(
            found.is_empty(),
            "the {name} leaked into the bundle: {found:?}\n{}",
            String::from_utf8_lossy(&output)
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(
        json["user"], "alice <redacted>",
        "the user name is kept, the password in it is not"
    );
    assert_eq!(json["token"]["aud"], "devhive-clients", "claims are kept");
    assert_eq!(json["token"]["sub"], demo::ALICE.to_string());
    assert_eq!(json["counts"]["refreshes"], 1);
    assert_eq!(json["counts"]["errors"], 3);
    assert_eq!(json["connection_timeline"][0]["status"], 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_command_writes_a_bundle_with_claims_timelines_and_no_secrets() {
    let running = spawn(Config {
        demo: true,
        ..Default::default()
    })
    .await;
    let dir = std::env::temp_dir().join(format!("devhive-diag-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("bundle.json");
    let apollo = demo::APOLLO.to_string();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_devhive"))
        .args(["diagnostics", "export", "--server", &running.base_url()])
        .args(["--secret-store", "memory", "--username", "alice"])
        .args(["--project", &apollo, "--observe", "1"])
        .arg("--out")
        .arg(&out)
        .env("DEVHIVE_PASSWORD", demo::PASSWORD)
        .env("DEVHIVE_DATA_DIR", &dir)
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let bytes = std::fs::read(&out).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(demo::PASSWORD), "{text}");
    assert!(!text.contains("eyJ"), "no JWT segment may appear: {text}");
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["format"], bundle::BUNDLE_FORMAT);
    assert_eq!(json["user"], "alice");
    assert_eq!(json["token"]["iss"], "https://api.devhive.it.com");
    assert!(
        json["projects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Apollo"),
        "project names are kept: {text}"
    );
    let connections = json["connection_timeline"].as_array().unwrap();
    assert!(
        connections
            .iter()
            .any(|r| r["kind"] == "handshake" && r["status"] == 101),
        "the observed connect is in the connection timeline: {text}"
    );
    assert!(!json["session_timeline"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_records_a_failed_sign_in_instead_of_failing() {
    let running = spawn(Config {
        demo: true,
        ..Default::default()
    })
    .await;
    let dir = std::env::temp_dir().join(format!("devhive-diag-{}", uuid::Uuid::new_v4()));
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_devhive"))
        .args(["diagnostics", "export", "--server", &running.base_url()])
        .args(["--secret-store", "memory", "--username", "alice"])
        .env("DEVHIVE_PASSWORD", "wrong password here")
        .env("DEVHIVE_DATA_DIR", &dir)
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Invalid credentials"), "{text}");
    assert!(!text.contains("wrong password here"), "{text}");
}
