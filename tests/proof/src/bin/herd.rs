//! `herd [clients]`: the reconnect herd against an in-process sandbox restart (release
//! build: `scripts/herd`). Prints the distribution and checks design.md §6's targets.

use devhive_proof::herd::{self, HerdConfig};
use std::time::Duration;

fn main() -> std::process::ExitCode {
    let clients = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let report = runtime.block_on(herd::run(HerdConfig {
        clients,
        projects: 10,
        downtime: Duration::from_secs(1),
        patience: Duration::from_secs(60),
    }));
    print!("{}", report.render());
    let targets = [
        (
            "all back within 35 s",
            report.reconnect.len() == clients && report.slowest() <= Duration::from_secs(35),
        ),
        (
            "no 100 ms window above 25 %",
            report.busiest_share() <= 0.25,
        ),
        (
            "at most one refresh per client",
            report.refreshes <= clients as u64,
        ),
    ];
    let mut ok = true;
    for (what, met) in targets {
        println!("{} {what}", if met { "✓" } else { "✗" });
        ok &= met;
    }
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
