//! `devhive doctor` (the built binary) against the sandbox: healthy, and under each fault
//! control, asserting the verdict line and the exit code of design.md §4.

use devhive_sandbox::{demo, spawn, Config, RefreshFaults, Running};
use std::process::Output;

const EXPIRED: &str = "Authentication token has expired. Please refresh your token and reconnect.";
const AWS_503: &str = "WebSocket connections are not supported in this deployment. Use API Gateway WebSocket API for real-time features.";

async fn sandbox() -> Running {
    spawn(Config {
        demo: true,
        ..Default::default()
    })
    .await
}

/// Runs the doctor as `user` (password sign-in, memory store) for `project`.
async fn doctor(running: &Running, user: &str, project: &str, extra: &[&str]) -> Output {
    doctor_at(&running.base_url(), None, user, project, extra).await
}

async fn doctor_at(
    server: &str,
    ws_url: Option<&str>,
    user: &str,
    project: &str,
    extra: &[&str],
) -> Output {
    let data = std::env::temp_dir().join(format!("devhive-doctor-{}", uuid::Uuid::new_v4()));
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_devhive"));
    command
        .args(["doctor", "--server", server, "--secret-store", "memory"])
        .args([
            "--username",
            user,
            "--project",
            project,
            "--ping-timeout",
            "2",
        ])
        .args(extra)
        .env("DEVHIVE_PASSWORD", demo::PASSWORD)
        .env("DEVHIVE_DATA_DIR", &data)
        .env_remove("DEVHIVE_WS_URL")
        .env_remove("DEVHIVE_SERVER");
    if let Some(ws) = ws_url {
        command.args(["--ws-url", ws]);
    }
    command.output().await.expect("the devhive binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts the last stdout line and the exit code, showing the whole output on failure.
fn assert_verdict(output: &Output, verdict: &str, code: i32) {
    let text = stdout(output);
    let last = text.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("verdict: {verdict}"),
        "the verdict line must name the root cause\n--- stdout\n{text}--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        output.status.code(),
        Some(code),
        "exit code must follow design.md §4\n{text}"
    );
}

fn apollo() -> String {
    demo::APOLLO.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_sandbox_passes_every_step_and_exits_zero() {
    let running = sandbox().await;
    let output = doctor(&running, "alice", &apollo(), &[]).await;
    assert_verdict(&output, "healthy", 0);
    let text = stdout(&output);
    for step in [
        "✓ dns",
        "✓ tcp",
        "- tls",
        "✓ health",
        "✓ sign-in",
        "✓ refresh",
        "✓ claims",
    ] {
        assert!(text.contains(step), "missing {step:?}:\n{text}");
    }
    assert!(
        text.contains("101 Switching Protocols"),
        "the handshake status is shown:\n{text}"
    );
    assert!(
        text.contains("first ping") && text.contains("pong after"),
        "{text}"
    );
    assert!(
        text.contains("aud devhive-clients") && text.contains("lifetime 900 s"),
        "claims are shown:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_member_gets_forbidden_with_the_servers_words_and_exit_four() {
    let running = sandbox().await;
    let output = doctor(&running, "carol", &demo::BOREALIS.to_string(), &[]).await;
    assert_verdict(&output, "not-a-member", 4);
    assert!(stdout(&output).contains("You are not a member of this project"));
    assert!(stdout(&output).contains("Your session is fine"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_project_is_not_found_and_exit_four() {
    let running = sandbox().await;
    let missing = uuid::Uuid::new_v4().to_string();
    let output = doctor(&running, "alice", &missing, &[]).await;
    assert_verdict(&output, "project-not-found", 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_expired_handshake_is_healed_by_one_refresh() {
    let running = sandbox().await;
    running
        .control()
        .fail_next_upgrades(1, 401, EXPIRED)
        .await
        .unwrap();
    let output = doctor(&running, "alice", &apollo(), &[]).await;
    assert_verdict(&output, "healthy", 0);
    assert!(
        stdout(&output).contains("refreshed once"),
        "the retried handshake says what happened:\n{}",
        stdout(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_refused_as_expired_even_after_refresh_give_token_expired() {
    let running = sandbox().await;
    running
        .control()
        .fail_next_upgrades(2, 401, EXPIRED)
        .await
        .unwrap();
    let output = doctor(&running, "alice", &apollo(), &[]).await;
    assert_verdict(&output, "token-expired", 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_refresh_token_needs_login_and_exit_three() {
    let running = sandbox().await;
    running
        .control()
        .refresh_faults(RefreshFaults {
            fail_status: Some(401),
            fail_detail: Some("Invalid refresh token".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let output = doctor(&running, "alice", &apollo(), &[]).await;
    assert_verdict(&output, "refresh-token-invalid", 3);
    assert!(stdout(&output).contains("devhive login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_host_of_another_deployment_is_a_key_mismatch() {
    let rest = sandbox().await;
    let other = spawn(Config {
        demo: true,
        signing_key: "another deployment's key".into(),
        ..Default::default()
    })
    .await;
    let output = doctor_at(
        &rest.base_url(),
        Some(&other.ws_fly_url()),
        "alice",
        &apollo(),
        &[],
    )
    .await;
    assert_verdict(&output, "key-mismatch", 1);
    assert!(stdout(&output).contains("Invalid authentication token format"));
    assert!(stdout(&output).contains("different deployments"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_is_reported_with_retry_after() {
    let running = sandbox().await;
    running.control().set_rate_limit(Some(0)).await.unwrap();
    let output = doctor(&running, "alice", &apollo(), &[]).await;
    assert_verdict(&output, "rate-limited", 1);
    assert!(
        stdout(&output).contains("Retry-After 60 s"),
        "{}",
        stdout(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_rest_host_with_fly_flavour_is_named_wrong_flavour() {
    let running = sandbox().await;
    running
        .control()
        .fail_next_upgrades(1, 503, AWS_503)
        .await
        .unwrap();
    let output = doctor(&running, "alice", &apollo(), &[]).await;
    assert_verdict(&output, "wrong-flavour", 1);
    assert!(stdout(&output).contains("--flavour aws"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_503_is_a_server_error() {
    let running = sandbox().await;
    running
        .control()
        .fail_next_upgrades(1, 503, "Service Unavailable")
        .await
        .unwrap();
    let output = doctor(&running, "alice", &apollo(), &[]).await;
    assert_verdict(&output, "server-error", 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blackholed_socket_is_caught_by_the_first_ping() {
    let running = sandbox().await;
    running.control().blackhole(true).await.unwrap();
    let output = doctor(&running, "alice", &apollo(), &[]).await;
    assert_verdict(&output, "no-ping", 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_bad_credentials_and_exit_three() {
    let running = sandbox().await;
    let data = std::env::temp_dir().join(format!("devhive-doctor-{}", uuid::Uuid::new_v4()));
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_devhive"))
        .args([
            "doctor",
            "--server",
            &running.base_url(),
            "--secret-store",
            "memory",
        ])
        .args(["--username", "alice"])
        .env("DEVHIVE_PASSWORD", "not the password")
        .env("DEVHIVE_DATA_DIR", &data)
        .output()
        .await
        .unwrap();
    assert_verdict(&output, "bad-credentials", 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_connect_failed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let output = doctor_at(
        &format!("http://127.0.0.1:{port}"),
        None,
        "alice",
        &apollo(),
        &[],
    )
    .await;
    assert_verdict(&output, "connect-failed", 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_mode_prints_one_object_per_step_then_the_verdict() {
    let running = sandbox().await;
    let output = doctor(&running, "carol", &demo::BOREALIS.to_string(), &["--json"]).await;
    assert_eq!(output.status.code(), Some(4));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["kind"], "verdict");
    assert_eq!(last["verdict"], "not-a-member");
    assert_eq!(last["exit_code"], 4);
    let handshake = lines
        .iter()
        .find(|l| l["step"] == "handshake")
        .expect("a handshake step");
    assert_eq!(handshake["status"], "fail");
    assert_eq!(handshake["problem"], "not-a-member");
    assert!(lines[..lines.len() - 1].iter().all(|l| l["kind"] == "step"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_output_never_contains_the_password() {
    let running = sandbox().await;
    let output = doctor(&running, "alice", &apollo(), &["--json"]).await;
    let all = format!(
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains(demo::PASSWORD), "{all}");
    assert!(!all.contains("eyJ"), "no JWT may be printed:\n{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_flavour_is_healthy_with_token_in_url_and_the_token_never_shown() {
    let running = sandbox().await;
    let output = doctor_at(
        &running.base_url(),
        Some(&running.ws_aws_url()),
        "alice",
        &apollo(),
        &["--flavour", "aws"],
    )
    .await;
    assert_verdict(&output, "healthy", 0);
    let text = stdout(&output);
    assert!(
        text.contains("token=<hidden>"),
        "the AWS token parameter is flagged, not shown:\n{text}"
    );
    assert!(!text.contains("eyJ"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_to_a_plain_http_port_fails_at_tls() {
    let running = sandbox().await;
    let server = format!("https://{}", running.addr);
    let output = doctor_at(&server, None, "alice", &apollo(), &[]).await;
    assert_verdict(&output, "tls-failed", 1);
    assert!(stdout(&output).contains("✗ tls"), "{}", stdout(&output));
}
