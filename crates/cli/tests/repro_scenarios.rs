//! `devhive repro <scenario>` (the built binary): each scenario's key timeline lines and its
//! one-line outcome, as a support engineer would attach them to a ticket.

use std::ffi::OsString;
use std::path::Path;
use std::process::Output;

/// Runs `devhive repro` with `tmpdir` as its TMPDIR.
async fn repro_with_tmpdir(args: &[&str], tmpdir: &Path) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_devhive"))
        .arg("repro")
        .args(args)
        .env_remove("DEVHIVE_SERVER")
        .env("TMPDIR", tmpdir)
        .output()
        .await
        .expect("the devhive binary runs")
}

/// Runs `devhive repro` with a private TMPDIR; also returns what it left there.
async fn repro_in_tmp(args: &[&str]) -> (Output, Vec<OsString>) {
    let tmp = tempfile::tempdir().expect("a temp dir for the run");
    let output = repro_with_tmpdir(args, tmp.path()).await;
    let left = std::fs::read_dir(tmp.path())
        .expect("the run's temp dir")
        .map(|e| e.expect("a dir entry").file_name())
        .collect();
    (output, left)
}

async fn repro(args: &[&str]) -> Output {
    repro_in_tmp(args).await.0
}

/// Runs a scenario in plain text and returns its stdout, asserting it succeeded and removed
/// its data dir (a support engineer runs many; none may pile up in /tmp).
async fn run(scenario: &str) -> String {
    let (output, left) = repro_in_tmp(&[scenario]).await;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "repro {scenario} failed\n--- stdout\n{text}--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.starts_with(&format!("repro: {scenario}\n")),
        "the header names the scenario:\n{text}"
    );
    assert!(
        left.is_empty(),
        "repro {scenario} left {left:?} in its temp dir"
    );
    text
}

fn outcome(text: &str) -> &str {
    let last = text.lines().last().unwrap_or_default();
    last.strip_prefix("outcome: ")
        .unwrap_or_else(|| panic!("the last line is the outcome:\n{text}"))
}

/// Asserts `needles` appear in this order in `text`.
fn in_order(text: &str, needles: &[&str]) {
    let mut rest = text;
    for needle in needles {
        let at = rest
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing (or out of order) in:\n{text}"));
        rest = &rest[at + needle.len()..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_at_connect_refreshes_once_and_reconnects() {
    let text = run("expired-token-at-connect").await;
    in_order(
        &text,
        &[
            "handshake 101 (connected)",
            "closed without a close frame",
            "handshake 401: Authentication token has expired",
            "refresh ok",
            "handshake 101 (connected)",
            "resync (connected)",
        ],
    );
    assert_eq!(
        outcome(&text),
        "1 handshake 401 (token expired) → 1 refresh → reconnected, no sign-out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_race_shows_two_attempts_serialised_by_the_lock_and_no_sign_out() {
    let text = run("refresh-race").await;
    in_order(
        &text,
        &[
            "refresh ok",
            "another DevHive process rotated the refresh token",
            "refresh ok",
        ],
    );
    assert!(!text.contains("refresh rejected"), "{text}");
    assert!(!text.contains("needs_login"), "{text}");
    let outcome = outcome(&text);
    assert!(
        outcome.contains("2 refresh attempts serialised by the lock"),
        "{outcome}"
    );
    assert!(outcome.ends_with("0 failed, no sign-out"), "{outcome}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_revoked_asks_for_sign_in_without_looping() {
    let text = run("refresh-revoked").await;
    in_order(
        &text,
        &[
            "refresh rejected in",
            "Invalid refresh token",
            "session           state needs_login (Invalid refresh token)",
            "state needs_login (Invalid refresh token)",
        ],
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with('+') && l.contains("refresh rejected"))
            .count(),
        1,
        "exactly one refresh attempt, no loop:\n{text}"
    );
    assert!(outcome(&text).contains("needs sign-in"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restart_reconnects_and_resyncs() {
    let text = run("server-restart").await;
    in_order(
        &text,
        &[
            "handshake 101 (connected)",
            "closed without a close frame",
            "state backoff",
            "handshake 101 (connected)",
            "resync (connected)",
        ],
    );
    let outcome = outcome(&text);
    assert!(
        outcome.starts_with("dropped without a close frame → server down 1 s → back after "),
        "{outcome}"
    );
    assert!(
        outcome.ends_with("→ resync (connected), no sign-out"),
        "{outcome}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_mismatch_names_the_deployment_mix_up() {
    let text = run("key-mismatch").await;
    in_order(
        &text,
        &[
            "handshake 401: Invalid authentication token format",
            "refresh ok",
            "handshake 401: Invalid authentication token format",
            "state backoff (Invalid authentication token format)",
        ],
    );
    assert!(
        outcome(&text)
            .contains("→ key-mismatch: REST and WebSocket hosts of different deployments"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_waits_for_retry_after_instead_of_hammering() {
    let text = run("rate-limited").await;
    in_order(
        &text,
        &["handshake 429: Too Many Requests", "state backoff"],
    );
    let outcome = outcome(&text);
    assert!(outcome.contains("1 attempt in 1.5 s"), "{outcome}");
    assert!(outcome.contains("(no hammering)"), "{outcome}");
    let next: f64 = outcome
        .split("next one in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the outcome says when the next attempt is");
    assert!(
        (50.0..=61.0).contains(&next),
        "Retry-After 60 s must set the wait: {outcome}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_a_member_is_forbidden_once_without_sign_out() {
    let text = run("not-a-member").await;
    in_order(
        &text,
        &[
            "handshake 403: You are not a member of this project. Please select a project you have access to.",
            "state forbidden",
        ],
    );
    assert_eq!(text.matches("handshake 403").count(), 1, "{text}");
    let outcome = outcome(&text);
    assert!(
        outcome.contains("1 handshake in 2 s (no retry storm)"),
        "{outcome}"
    );
    assert!(outcome.ends_with("no sign-out"), "{outcome}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_idle_timeout_reconnects_after_the_platform_close() {
    let text = run("aws-idle-timeout").await;
    in_order(
        &text,
        &[
            "handshake 101 (connected)",
            "closed 1001 Going away",
            "handshake 101 (connected)",
            "resync (connected)",
        ],
    );
    assert!(outcome(&text).contains("reconnected"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleep_wake_is_noticed_and_followed_by_refresh_and_resync() {
    let text = run("sleep-wake").await;
    in_order(
        &text,
        &["wake: wall clock jumped ", "refresh ok", "resync (wake)"],
    );
    let outcome = outcome(&text);
    let jump: u64 = outcome
        .strip_prefix("wall clock jumped ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the outcome names the jump: {outcome}"));
    assert!(
        (1190..=1210).contains(&jump),
        "a 20-minute sleep is seen as ~1200 s: {outcome}"
    );
    assert!(
        outcome.ends_with("→ wake noticed → 1 refresh → resync, no sign-out"),
        "{outcome}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_refresh_response_is_named_in_plain_words() {
    let text = run("lost-refresh-response").await;
    in_order(
        &text,
        &[
            "refresh transient",
            "timed out",
            "refresh rejected",
            "Invalid refresh token: the previous refresh response was lost",
            "state needs_login",
        ],
    );
    assert!(
        outcome(&text).contains("reason says the response was lost (refresh-response-lost)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_mode_prints_timeline_rows_then_the_outcome() {
    let output = repro(&["not-a-member", "--json"]).await;
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["kind"], "outcome");
    assert_eq!(last["scenario"], "not-a-member");
    assert!(lines[..lines.len() - 1]
        .iter()
        .all(|l| l["ts"].is_string() && l["kind"].is_string()));
    assert!(lines
        .iter()
        .any(|l| l["kind"] == "handshake" && l["status"] == 403));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_describes_every_scenario_and_unknown_names_are_usage_errors() {
    let output = repro(&["--list"]).await;
    let text = String::from_utf8_lossy(&output.stdout);
    for name in [
        "expired-token-at-connect",
        "refresh-race",
        "refresh-revoked",
        "server-restart",
        "key-mismatch",
        "rate-limited",
        "not-a-member",
        "aws-idle-timeout",
        "sleep-wake",
        "lost-refresh-response",
    ] {
        assert!(text.contains(name), "{name} missing from --list:\n{text}");
    }
    let unknown = repro(&["no-such-thing"]).await;
    assert_eq!(unknown.status.code(), Some(2), "usage error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_temp_dir_is_a_clear_error_not_a_panic() {
    let output = repro_with_tmpdir(
        &["expired-token-at-connect"],
        Path::new("/nonexistent/devhive-tmp"),
    )
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the run fails");
    assert!(
        stderr.contains("cannot create a data dir in /nonexistent/devhive-tmp"),
        "the error names the temp dir:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "no panic:\n{stderr}");
}
