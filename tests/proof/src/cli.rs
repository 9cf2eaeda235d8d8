//! Running the `devhive` CLI binary from tests and scripts: it is built on demand with the
//! same cargo and target dir as the test, and run with private HOME / XDG dirs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The workspace root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds (a no-op when fresh) and locates `devhive` next to the running test binary.
pub fn binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "devhive", "--bin", "devhive"])
        .current_dir(repo_root())
        .status()
        .expect("run cargo build for the CLI");
    assert!(status.success(), "the CLI must build");
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .join("devhive")
}

/// One CLI run: where it keeps its files, who signs in, what to log.
#[derive(Debug, Clone)]
pub struct Run<'a> {
    /// The binary.
    pub bin: &'a Path,
    /// HOME, XDG dirs and `--data-dir` are created under here.
    pub dirs: &'a Path,
    /// `--server`.
    pub server: &'a str,
    /// `DEVHIVE_USERNAME`.
    pub username: &'a str,
    /// `DEVHIVE_PASSWORD`.
    pub password: &'a str,
    /// `--log` filter.
    pub log: &'a str,
}

impl Run<'_> {
    /// Runs `args` with the memory store; with `run_for`, sends SIGINT after that long.
    /// Returns (stdout, stderr).
    pub fn output(&self, args: &[&str], run_for: Option<Duration>) -> (Vec<u8>, Vec<u8>) {
        for sub in ["cli-data", "home", "config", "data", "cache"] {
            let _ = std::fs::create_dir_all(self.dirs.join(sub));
        }
        let data_dir = self.dirs.join("cli-data");
        let child = Command::new(self.bin)
            .args(["--server", self.server, "--secret-store", "memory"])
            .args(["--log", self.log])
            .arg("--data-dir")
            .arg(&data_dir)
            .args(args)
            .env("HOME", self.dirs.join("home"))
            .env("XDG_CONFIG_HOME", self.dirs.join("config"))
            .env("XDG_DATA_HOME", self.dirs.join("data"))
            .env("XDG_CACHE_HOME", self.dirs.join("cache"))
            .env("DEVHIVE_USERNAME", self.username)
            .env("DEVHIVE_PASSWORD", self.password)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the CLI");
        if let Some(run_for) = run_for {
            std::thread::sleep(run_for);
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
        }
        let output = child.wait_with_output().expect("CLI output");
        (output.stdout, output.stderr)
    }
}
