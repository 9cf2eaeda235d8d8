//! Shared by the CLI suites: reading a child's output lines until one matches, and, for the
//! suites that need a company network, a private tinyproxy and the demo sandbox behind a TLS
//! front signed by a CA made in the test.

#![allow(dead_code)]

use devhive_sandbox::tls::{front, TestCa, TlsFront};
use devhive_sandbox::{Config, Running};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{BufReader, Lines};
use tokio::process::ChildStdout;

/// The test CA's common name, as a company CA is named.
pub const CA_NAME: &str = "Acme Corp CA";
/// The user tinyproxy's BasicAuth accepts.
pub const PROXY_USER: &str = "alice";
/// Its password (must never appear in any output).
pub const PROXY_PASSWORD: &str = "pr0xy-s3cret-4711";

/// Every variable that could route the child elsewhere than the test says: core's proxy
/// variables and the extra CA file.
pub fn routing_variables() -> impl Iterator<Item = &'static str> {
    devhive_core::net::proxy::PROXY_VARIABLES
        .into_iter()
        .chain([devhive_core::app::CA_FILE_VARIABLE])
}

/// Reads lines until one matches `pred`, failing after `within` with every line seen.
pub async fn line_matching(
    lines: &mut Lines<BufReader<ChildStdout>>,
    within: Duration,
    pred: impl Fn(&str) -> bool,
    seen: &mut Vec<String>,
) -> String {
    let found = tokio::time::timeout(within, async {
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push(line.clone());
            if pred(&line) {
                return Some(line);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(line)) => line,
        _ => panic!(
            "no matching line within {within:?}; saw:\n{}",
            seen.join("\n")
        ),
    }
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("devhive-{tag}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn tinyproxy_binary() -> PathBuf {
    for candidate in ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"] {
        if Path::new(candidate).exists() {
            return candidate.into();
        }
    }
    panic!("tinyproxy is not installed: run `scripts/setup --test` (Debian package tinyproxy-bin)");
}

/// A private tinyproxy: its own config, log and port; killed when dropped.
pub struct Tinyproxy {
    pub port: u16,
    dir: PathBuf,
    log: PathBuf,
    child: std::process::Child,
}

impl Tinyproxy {
    /// Starts tinyproxy allowing `CONNECT` to `connect_port` only (any other port is refused
    /// with 403); `auth` adds `BasicAuth`.
    pub async fn start(connect_port: u16, auth: bool) -> Self {
        let dir = temp_dir("tinyproxy");
        let log = dir.join("tinyproxy.log");
        // A free port: bind, read, release. Another process could take it in between; the
        // readiness wait below then fails loudly rather than testing the wrong proxy.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Connect\n\
             MaxClients 50\nAllow 127.0.0.1\nConnectPort {connect_port}\nPidFile \"{}\"\n",
            log.display(),
            dir.join("tinyproxy.pid").display()
        );
        if auth {
            config.push_str(&format!("BasicAuth {PROXY_USER} {PROXY_PASSWORD}\n"));
        }
        let conf = dir.join("tinyproxy.conf");
        std::fs::write(&conf, config).unwrap();
        let child = std::process::Command::new(tinyproxy_binary())
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tinyproxy starts");
        let proxy = Self {
            port,
            dir,
            log,
            child,
        };
        proxy.ready().await;
        proxy
    }

    /// Waits until tinyproxy accepts connections (it has no readiness signal of its own).
    async fn ready(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "tinyproxy did not listen on {} within 10 s; its log:\n{}",
                self.port,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url_with_credentials(&self) -> String {
        format!(
            "http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{}",
            self.port
        )
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The `CONNECT host:port` requests tinyproxy logged.
    pub fn connects(&self) -> Vec<String> {
        self.log_text()
            .lines()
            .filter_map(|line| line.split_once("): CONNECT ").map(|(_, rest)| rest))
            .filter_map(|rest| rest.split_whitespace().next().map(str::to_owned))
            .collect()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The demo sandbox behind a TLS front whose certificate (for `localhost` and `127.0.0.1`)
/// the test CA signed, and that CA's PEM in a file.
pub struct TlsServer {
    pub running: Running,
    pub front: TlsFront,
    pub ca_file: PathBuf,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(dir) = self.ca_file.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl TlsServer {
    pub async fn start() -> Self {
        let running = devhive_sandbox::spawn(Config {
            demo: true,
            rate_limit_per_minute: None,
            ..Config::default()
        })
        .await;
        let ca = TestCa::new(CA_NAME);
        let identity = ca.server_identity(&["localhost", "127.0.0.1"]);
        let front = front(running.addr, &identity).await.expect("TLS front");
        let ca_file = temp_dir("ca").join("acme-ca.pem");
        std::fs::write(&ca_file, ca.ca_pem()).unwrap();
        Self {
            running,
            front,
            ca_file,
        }
    }

    pub fn port(&self) -> u16 {
        self.front.addr.port()
    }

    /// REST by name, the socket by IP: the proxy's log tells the two tunnels apart.
    pub fn server_args(&self) -> Vec<String> {
        vec![
            "--server".into(),
            format!("https://localhost:{}", self.port()),
            "--ws-url".into(),
            format!("wss://127.0.0.1:{}/api/v1/messages/ws", self.port()),
        ]
    }
}
