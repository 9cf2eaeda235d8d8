//! `devhive`: the headless DevHive client for support staff.
//!
//! Each subcommand lives in its own module; this file only parses arguments and maps the
//! result to the exit codes of design.md §4.

mod exit;

use clap::{Parser, Subcommand};
use exit::Exit;

/// DevHive from the terminal: sign in, watch live project activity, diagnose and reproduce.
#[derive(Debug, Parser)]
#[command(name = "devhive", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the local DevHive sandbox server.
    Sandbox(devhive_sandbox::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let outcome: Exit = runtime.block_on(async move {
        match cli.command {
            Command::Sandbox(args) => match devhive_sandbox::run_from_args(args).await {
                Ok(()) => Exit::Ok,
                Err(error) => Exit::other(error),
            },
        }
    });
    outcome.report()
}
