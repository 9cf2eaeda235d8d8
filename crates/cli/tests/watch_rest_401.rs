//! The CLI front end of the app model retries a REST 401 once after a refresh, as the app
//! does: with every token expired at the server (the socket stays open), the next chat line
//! is still fetched and shown, at the cost of exactly one refresh.

use devhive_sandbox::{demo, Config};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

async fn refreshes_ok(running: &devhive_sandbox::Running) -> u64 {
    let stats = running.control().stats().await.unwrap();
    stats.refreshes.get("ok").copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_refreshes_once_and_retries_a_rest_call_refused_with_401() {
    let running = devhive_sandbox::spawn(Config {
        demo: true,
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let data = std::env::temp_dir().join(format!("devhive-watch-401-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_devhive"))
        .args(["--server", &running.base_url(), "--secret-store", "memory"])
        .args(["--data-dir", data.to_str().unwrap()])
        .args(["watch", "--project", &demo::APOLLO.to_string()])
        .env("DEVHIVE_USERNAME", "alice")
        .env("DEVHIVE_PASSWORD", demo::PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("devhive runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let mut next_matching = async |pred: &dyn Fn(&str) -> bool, seen: &mut Vec<String>| {
        let found = tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                seen.push(line.clone());
                if pred(&line) {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(
            matches!(found, Ok(true)),
            "no such line; saw:\n{}",
            seen.join("\n")
        );
    };
    next_matching(
        &|l| l.contains("Apollo") && l.contains("connected"),
        &mut seen,
    )
    .await;
    // Counted before the expiry: a REST call the watch still has in flight after "connected"
    // (its catch-up) may meet the 401 first; the single-flight refresh is shared either way.
    let before = refreshes_ok(&running).await;
    running.control().expire_tokens().await.unwrap();
    running
        .sandbox
        .post_message(demo::BOB, demo::APOLLO, "Retry worked", "text", None)
        .expect("bob posts");
    next_matching(&|l| l.ends_with("bob: Retry worked"), &mut seen).await;
    assert_eq!(
        refreshes_ok(&running).await,
        before + 1,
        "the expired token was refreshed once, then the read retried"
    );
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&data);
}
