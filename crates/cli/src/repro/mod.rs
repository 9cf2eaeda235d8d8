//! `devhive repro <scenario>`: runs a private sandbox and our own session and feed through a
//! scripted fault, then prints the timeline the user would have seen and a one-line outcome.
//! Plain text by default, JSON lines with `--json`; both are meant to be attached to a ticket.

mod harness;
mod lossy;
mod scenarios;

use crate::exit::Exit;
use devhive_core::support::render;
use devhive_core::support::scenario::Scenario;
use std::io::Write;

/// Arguments of `devhive repro`.
#[derive(Debug, clap::Args)]
pub struct ReproArgs {
    /// The scenario to run (see --list).
    pub scenario: Option<String>,
    /// Describe every scenario.
    #[arg(long)]
    pub list: bool,
    /// One JSON object per timeline row, then `{"kind":"outcome",…}`.
    #[arg(long)]
    pub json: bool,
}

/// Runs `devhive repro`.
pub async fn run(args: ReproArgs) -> Exit {
    let mut out = std::io::stdout().lock();
    if args.list {
        for scenario in Scenario::ALL {
            let rows: Vec<String> = scenario.failure_modes().iter().map(u8::to_string).collect();
            let _ = writeln!(
                out,
                "{:<26} (failure modes {})\n    {}",
                scenario.name(),
                rows.join(", "),
                scenario.description()
            );
        }
        return Exit::Ok;
    }
    let Some(name) = args.scenario else {
        return Exit::usage("name a scenario, or pass --list");
    };
    let Some(scenario) = Scenario::from_name(&name) else {
        let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
        return Exit::usage(format!(
            "unknown scenario {name:?}; one of: {}",
            names.join(", ")
        ));
    };
    match scenarios::run(scenario).await {
        Ok(ran) => {
            let records = ran.harness.records();
            if args.json {
                for record in &records {
                    let _ = writeln!(out, "{}", render::json(record));
                }
                let outcome = serde_json::json!({
                    "kind": "outcome", "scenario": scenario.name(), "outcome": ran.outcome,
                });
                let _ = writeln!(out, "{outcome}");
            } else {
                let _ = writeln!(out, "repro: {}", scenario.name());
                let _ = writeln!(out, "  {}", scenario.description());
                for line in render::lines(&records) {
                    let _ = writeln!(out, "{line}");
                }
                let _ = writeln!(out, "outcome: {}", ran.outcome);
            }
            Exit::Ok
        }
        Err(error) => Exit::other(format!("repro {}: {error}", scenario.name())),
    }
}
