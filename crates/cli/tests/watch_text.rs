//! `devhive watch` in text mode reads as words: project names, not UUIDs, and the chat line
//! behind a `cache_invalidate` (fetched over REST), as a person sees it in a terminal.

mod support;

use devhive_sandbox::{demo, Config};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_mode_names_the_project_and_shows_who_said_what() {
    let running = devhive_sandbox::spawn(Config {
        demo: true,
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let data = std::env::temp_dir().join(format!("devhive-watch-text-{}", std::process::id()));
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
    let connected = support::line_matching(
        &mut lines,
        Duration::from_secs(20),
        |l| l.contains("connected"),
        &mut seen,
    )
    .await;
    assert!(
        connected.contains("Apollo") && !connected.contains(&demo::APOLLO.to_string()),
        "the project is named, not shown as a UUID: {connected}"
    );
    running
        .sandbox
        .post_message(demo::BOB, demo::APOLLO, "Deploy is green", "text", None)
        .expect("bob posts");
    let said = support::line_matching(
        &mut lines,
        Duration::from_secs(20),
        |l| l.contains("Deploy is green"),
        &mut seen,
    )
    .await;
    assert!(
        said.ends_with("Apollo      bob: Deploy is green"),
        "a chat line reads `<project>  <who>: <text>`: {said:?}"
    );
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&data);
}
