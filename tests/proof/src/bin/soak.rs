//! `soak [seconds] [seed]`: one client against the sandbox with random faults every ~3 s, a
//! 3 s token lifetime and a message every 100 ms (release build: `scripts/soak`).

use devhive_proof::soak::{self, SoakConfig};
use std::time::Duration;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let secs = args.next().and_then(|n| n.parse().ok()).unwrap_or(1800);
    let seed = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let report = runtime.block_on(soak::run(SoakConfig::for_duration(
        Duration::from_secs(secs),
        seed,
    )));
    print!("{}", report.render());
    let ok = report.lost == 0 && report.spurious_needs_login == 0 && report.harness_lagged == 0;
    println!(
        "{} nothing lost, no spurious NeedsLogin",
        if ok { "✓" } else { "✗" }
    );
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
