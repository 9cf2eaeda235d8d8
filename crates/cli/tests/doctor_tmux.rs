//! `devhive doctor` as a person sees it: run in a real terminal (tmux, 120×40), then the
//! rendered screen is captured and checked line by line — the live `…` lines must have been
//! replaced by their ✓/✗ lines, with the verdict last. The server sits behind a company
//! network: TLS signed by a CA made in the test (given with `--ca-file`) and a real proxy
//! (tinyproxy, `--proxy`), so the proxy and TLS steps show what they found.

mod support;

use devhive_sandbox::demo;
use std::process::Command;

/// A private tmux server (its own socket name), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        Self {
            socket: format!("devhive-doctor-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_screen_in_a_terminal_shows_one_finished_line_per_step_and_the_verdict() {
    let server = support::TlsServer::start().await;
    let proxy = support::Tinyproxy::start(server.port(), false).await;
    let server_args = server.server_args().join(" ");
    let data = std::env::temp_dir().join(format!("devhive-tmux-{}", uuid::Uuid::new_v4()));
    let tmux = Tmux::new();
    let channel = format!("done-{}", tmux.socket);
    let script = format!(
        "env -u no_proxy -u NO_PROXY DEVHIVE_PASSWORD={pw} DEVHIVE_DATA_DIR={data} {bin} doctor {server_args} --proxy {proxy} --ca-file {ca} --secret-store memory --username carol --project {apollo} --project {borealis} --ping-timeout 2 2>/dev/null; echo \"exit=$?\"; tmux -L {socket} wait-for -S {channel}; sleep 60",
        pw = demo::PASSWORD,
        data = shell_quote(&data.display().to_string()),
        bin = shell_quote(env!("CARGO_BIN_EXE_devhive")),
        proxy = proxy.url(),
        ca = shell_quote(&server.ca_file.display().to_string()),
        apollo = demo::APOLLO,
        borealis = demo::BOREALIS,
        socket = tmux.socket,
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);
    assert!(started.status.success(), "{started:?}");
    // The script signals the channel when the doctor has exited: no polling, no sleeps.
    let socket = tmux.socket.clone();
    let wait_channel = channel.clone();
    let waited = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        tokio::task::spawn_blocking(move || {
            Command::new("tmux")
                .args(["-L", &socket, "wait-for", &wait_channel])
                .status()
        }),
    )
    .await;
    assert!(waited.is_ok(), "the doctor did not finish within 60 s");
    let screen = String::from_utf8(tmux.run(&["capture-pane", "-p"]).stdout).unwrap();
    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        !screen.contains('…'),
        "every running line must have been replaced by its result:\n{screen}"
    );
    let expected_in_order = [
        "✓ proxy",
        "- dns",
        "- tcp",
        "✓ tls",
        "✓ health",
        "- keychain",
        "✓ sign-in",
        "✓ refresh",
        "✓ claims",
        "✓ websocket 0000a901",
        "✓ first ping 0000a901",
        "✗ websocket 0000b0ea",
        "    means: You are not allowed into project 0000b0ea",
        "    do:    Pick a project you belong to",
        "verdict: not-a-member",
        "exit=4",
    ];
    let mut rest = lines.iter();
    for start in expected_in_order {
        assert!(
            rest.any(|line| line.starts_with(start)),
            "no line starting with {start:?} (in order):\n{screen}"
        );
    }
    for line in &lines {
        let ours = ["✓ ", "✗ ", "! ", "- ", "    ", "verdict: ", "exit="]
            .iter()
            .any(|p| line.starts_with(p));
        assert!(
            ours,
            "a row the terminal wrapped by itself, or stray output: {line:?}\n{screen}"
        );
    }
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    for shown in [
        format!("via {} (from --proxy), CONNECT 200", proxy.url()),
        "issued by 'Acme Corp CA', trusted by the extra CA file".to_owned(),
    ] {
        assert!(
            words.contains(&shown),
            "the proxy and TLS steps say what they found ({shown:?}):\n{screen}"
        );
    }
    assert!(
        lines[0].contains(" ms "),
        "each step shows its timing: {}",
        lines[0]
    );
}
