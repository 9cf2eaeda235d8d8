//! `devhive`: the headless DevHive client for support staff.
//!
//! Each subcommand lives in its own module; this file only parses arguments and maps the
//! result to the exit codes of design.md §4.

mod catchup;
mod describe;
mod diagnostics;
mod doctor;
mod exit;
mod globals;
mod history;
mod jsonl;
mod login;
mod logout;
mod model;
mod record;
mod repro;
mod signin;
mod status;
mod watch;

use clap::{Parser, Subcommand};
use exit::Exit;

/// DevHive from the terminal: sign in, watch live project activity, diagnose and reproduce.
#[derive(Debug, Parser)]
#[command(name = "devhive", version, about)]
struct Cli {
    #[command(flatten)]
    globals: globals::Globals,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the local DevHive sandbox server.
    Sandbox(devhive_sandbox::Args),
    /// Sign in and keep the refresh token in the OS keychain.
    Login(login::LoginArgs),
    /// Sign out: end the server session and delete the stored refresh token.
    Logout,
    /// Who is signed in, the token state and where the refresh token lives.
    Status(status::StatusArgs),
    /// Walk the chain from DNS to the first ping and say what is wrong, in plain words.
    Doctor(doctor::DoctorArgs),
    /// What changed in your projects since your last session on this machine.
    Catchup(catchup::CatchupArgs),
    /// Watch live project activity: connection states, events and resyncs.
    Watch(watch::WatchArgs),
    /// Export a redacted diagnostics bundle for a support ticket.
    #[command(subcommand)]
    Diagnostics(diagnostics::DiagnosticsCommand),
    /// Reproduce a known failure against a private sandbox and print the timeline.
    Repro(repro::ReproArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cli.globals.init_logging();
    let globals = cli.globals;
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let outcome: Exit = runtime.block_on(async move {
        match cli.command {
            Command::Sandbox(args) => match devhive_sandbox::run_from_args(args).await {
                Ok(()) => Exit::Ok,
                Err(error) => Exit::other(error),
            },
            Command::Login(args) => login::run(&globals, args).await,
            Command::Logout => logout::run(&globals).await,
            Command::Status(args) => status::run(&globals, args).await,
            Command::Doctor(args) => doctor::run(&globals, args).await,
            Command::Watch(args) => watch::run(&globals, args).await,
            Command::Catchup(args) => catchup::run(&globals, args).await,
            Command::Diagnostics(command) => diagnostics::run(&globals, command).await,
            Command::Repro(args) => repro::run(args).await,
        }
    });
    outcome.report()
}
