//! Bugs in other crates, each shown by a failing test; kept out of the default suite until
//! they are fixed: `cargo test -p devhive-proof --features known-bugs --test known_bugs`.

use devhive_proof::leak::Scanner;
use devhive_proof::tempdir::TempDir;
use devhive_proof::{cli, proxy};
use devhive_sandbox::Config;
use std::time::Duration;

const PASSWORD: &str = "known-bugs-password-long-enough";

/// `devhive watch --log trace` (or `-vvv`) prints the WebSocket handshake request that
/// tungstenite logs at TRACE (`tungstenite::handshake::client`: `Request: "GET …
/// authorization: Bearer <token>"`). The CLI's log filter (crates/cli/src/globals.rs
/// `init_logging`) must clamp that target to DEBUG whatever the user asks for; the desktop
/// shell's subscriber likewise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_trace_logging_never_prints_the_bearer_token() {
    let running = devhive_sandbox::spawn(Config {
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let user = running.sandbox.create_user("buggy", PASSWORD);
    let project = running.sandbox.create_project(user, "Bugs");
    let (proxy_addr, recording) = proxy::start(running.addr).await.expect("proxy");
    let dirs = TempDir::new("known-bugs").expect("temp dir");
    let bin = cli::binary();
    let server = format!("http://{proxy_addr}");
    let dir = dirs.path().to_path_buf();
    let (out, err) = tokio::task::spawn_blocking(move || {
        cli::Run {
            bin: &bin,
            dirs: &dir,
            server: &server,
            username: "buggy",
            password: PASSWORD,
            log: "trace",
        }
        .output(
            &["watch", "--json", "--project", &project.to_string()],
            Some(Duration::from_secs(4)),
        )
    })
    .await
    .expect("cli");
    let mut scanner = Scanner::new();
    for token in recording.issued_tokens() {
        scanner.add("token", &token);
    }
    assert!(!scanner.is_empty(), "the CLI signed in through the proxy");
    let mut leaks = scanner.scan("stdout", &out);
    leaks.extend(scanner.scan("stderr", &err));
    assert!(leaks.is_empty(), "the CLI printed a token: {leaks:#?}");
}
