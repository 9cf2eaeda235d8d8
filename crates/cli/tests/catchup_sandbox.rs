//! Continuity against the sandbox: `devhive watch` records history; changes made by another
//! user while nobody watched are exactly what `devhive catchup --json` lists, once; the same
//! holds across a resync while `watch` runs; a corrupt history file is recovered.

mod support;

use devhive_sandbox::control::types::UpgradeFailure;
use devhive_sandbox::state::work::TaskPatch;
use devhive_sandbox::{demo, Config, Running};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("devhive-catchup-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn sandbox() -> Running {
    devhive_sandbox::spawn(Config {
        demo: true,
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await
}

fn devhive(server: &str, data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_devhive"));
    command
        .args(["--server", server, "--secret-store", "memory"])
        .args(["--data-dir", data.to_str().unwrap()])
        .args(args)
        .env("DEVHIVE_USERNAME", "alice")
        .env("DEVHIVE_PASSWORD", demo::PASSWORD)
        .kill_on_drop(true);
    command
}

fn watch(server: &str, data: &Path) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = devhive(
        server,
        data,
        &["watch", "--json", "--project", &demo::APOLLO.to_string()],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("devhive watch runs");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

/// Reads JSON lines until one matches, failing after 20 s with what was seen.
async fn until(lines: &mut Lines<BufReader<ChildStdout>>, pred: impl Fn(&Value) -> bool) -> Value {
    let json = |line: &str| serde_json::from_str(line).unwrap_or(Value::Null);
    let within = Duration::from_secs(20);
    let line = support::line_matching(lines, within, |l| pred(&json(l)), &mut Vec::new()).await;
    json(&line)
}

/// Stops `watch` as Ctrl-C would, and waits for it to save and exit.
async fn interrupt(mut child: Child) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("watch exits after Ctrl-C")
        .unwrap();
    assert!(exit.success(), "watch ends cleanly: {exit:?}");
}

/// `catchup --json`: its stdout lines parsed, and its stderr.
async fn catchup(server: &str, data: &Path) -> (Vec<Value>, String) {
    let out = devhive(
        server,
        data,
        &["catchup", "--json", "--project", &demo::APOLLO.to_string()],
    )
    .output()
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "catchup succeeds: {stderr}");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every stdout line is JSON"))
        .collect();
    (lines, stderr)
}

/// `(resource, action, id)` of missed lines, sorted.
fn changes(lines: &[Value]) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = lines
        .iter()
        .map(|l| {
            assert_eq!(l["kind"], "missed", "{l}");
            assert_eq!(l["project"], demo::APOLLO.to_string(), "{l}");
            let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(
                keys.len(),
                7,
                "exactly ts, kind, project, resource, action, id, summary: {l}"
            );
            (
                l["resource"].as_str().unwrap().to_owned(),
                l["action"].as_str().unwrap().to_owned(),
                l["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn history_files(data: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(data.join("history"))
        .map(|dir| dir.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_while_nobody_watched_are_caught_up_exactly_once() {
    let running = sandbox().await;
    let server = running.base_url();
    let sb = &running.sandbox;
    let data = temp_dir("away");

    let (child, mut lines) = watch(&server, &data);
    until(&mut lines, |l| l["kind"] == "resync").await;
    // Seen live: a message and a new task. They must not come back as "missed".
    sb.post_message(demo::BOB, demo::APOLLO, "seen live", "text", None)
        .unwrap();
    let task = sb
        .create_task(
            demo::BOB,
            demo::APOLLO,
            "Ship the release",
            TaskPatch::default(),
        )
        .unwrap();
    until(&mut lines, |l| {
        l["kind"] == "event" && l["id"] == task.id.to_string()
    })
    .await;
    interrupt(child).await;

    // While away: bob writes, moves the task, and dave joins.
    let message = sb
        .post_message(demo::BOB, demo::APOLLO, "while you were away", "text", None)
        .unwrap();
    sb.update_task(
        demo::BOB,
        task.id,
        TaskPatch {
            status: Some(2),
            ..TaskPatch::default()
        },
    )
    .unwrap();
    let dave = sb.create_user("dave", demo::PASSWORD);
    sb.add_member(demo::APOLLO, dave, "member");
    // Alice's own message is not "missed".
    sb.post_message(demo::ALICE, demo::APOLLO, "my own words", "text", None)
        .unwrap();

    let (missed, _) = catchup(&server, &data).await;
    assert_eq!(
        changes(&missed),
        vec![
            ("member".into(), "INSERT".into(), dave.to_string()),
            ("message".into(), "INSERT".into(), message.id.to_string()),
            ("task".into(), "UPDATE".into(), task.id.to_string()),
        ],
        "exactly what changed while away: {missed:?}"
    );
    let moved = missed.iter().find(|l| l["resource"] == "task").unwrap();
    assert_eq!(moved["summary"], "‘Ship the release’ moved To do → Done");

    let (again, _) = catchup(&server, &data).await;
    assert!(
        again.is_empty(),
        "nothing already seen is listed twice: {again:?}"
    );

    for file in history_files(&data) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("eyJ"),
            "no token in {}",
            file.display()
        );
    }
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_while_watching_prints_what_the_outage_hid() {
    let running = sandbox().await;
    let server = running.base_url();
    let sb = &running.sandbox;
    let data = temp_dir("resync");

    let (child, mut lines) = watch(&server, &data);
    until(&mut lines, |l| l["kind"] == "resync").await;
    let task = sb
        .create_task(demo::BOB, demo::APOLLO, "Write notes", TaskPatch::default())
        .unwrap();
    until(&mut lines, |l| {
        l["kind"] == "event" && l["id"] == task.id.to_string()
    })
    .await;

    // The server drops every socket and refuses new ones until we have changed things.
    sb.faults().fail_upgrades(UpgradeFailure {
        count: 1_000,
        status: 503,
        body: "maintenance".into(),
    });
    sb.drop_sockets(devhive_sandbox::DropMode::Abrupt, None, None);
    until(&mut lines, |l| {
        l["kind"] == "connection" && l["state"] == "backoff"
    })
    .await;
    let message = sb
        .post_message(demo::CAROL, demo::APOLLO, "during the outage", "text", None)
        .unwrap();
    sb.update_task(
        demo::BOB,
        task.id,
        TaskPatch {
            status: Some(1),
            ..TaskPatch::default()
        },
    )
    .unwrap();
    sb.faults().fail_upgrades(UpgradeFailure {
        count: 0,
        status: 503,
        body: String::new(),
    });

    until(&mut lines, |l| l["kind"] == "resync").await;
    let first = until(&mut lines, |l| l["kind"] == "missed").await;
    let second = until(&mut lines, |l| l["kind"] == "missed").await;
    assert_eq!(
        changes(&[first, second]),
        vec![
            ("message".into(), "INSERT".into(), message.id.to_string()),
            ("task".into(), "UPDATE".into(), task.id.to_string()),
        ]
    );
    interrupt(child).await;
    let (after, _) = catchup(&server, &data).await;
    assert!(
        after.is_empty(),
        "the watch's resync already showed them: {after:?}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_history_file_is_set_aside_with_a_warning() {
    let running = sandbox().await;
    let server = running.base_url();
    let data = temp_dir("corrupt");
    let (first, stderr) = catchup(&server, &data).await;
    assert!(
        first.is_empty() && stderr.contains("baseline recorded"),
        "{stderr}"
    );
    let files = history_files(&data);
    let db = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "sqlite3"))
        .unwrap();
    for f in &files {
        std::fs::remove_file(f).unwrap();
    }
    std::fs::write(db, b"garbage, not SQLite ".repeat(100)).unwrap();

    let (lines, stderr) = catchup(&server, &data).await;
    assert!(lines.is_empty());
    assert!(
        stderr.contains("warning") && stderr.contains("damaged") && stderr.contains("moved to"),
        "the cause and the new place are named: {stderr}"
    );
    assert!(
        stderr.contains("baseline recorded"),
        "a fresh history starts: {stderr}"
    );
    assert!(
        history_files(&data)
            .iter()
            .any(|p| p.to_string_lossy().contains(".corrupt-")),
        "the damaged file is kept aside"
    );
    let _ = std::fs::remove_dir_all(&data);
}
