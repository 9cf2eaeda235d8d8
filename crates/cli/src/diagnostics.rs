//! `devhive diagnostics export`: the redacted bundle support asks for (the app's diagnostics
//! view builds the same bundle through `devhive_core::support::bundle`).
//!
//! The CLI has no long-lived history of its own, so the export opens the session (recording
//! the outcome), optionally watches the given projects for `--observe` seconds, and then
//! writes what it saw: profile, token claims, session and connection timelines, events and
//! counts. A failed sign-in is recorded in the bundle rather than aborting the export.

use crate::exit::Exit;
use crate::globals::Globals;
use crate::signin::{open_session, SignIn};
use devhive_core::auth::TokenSource;
use devhive_core::keychain::Probe;
use devhive_core::realtime::{Feed, FeedConfig, FeedUpdate};
use devhive_core::support::bundle::{self, BundleInput, EventRef, ProjectRef};
use devhive_core::timeline::{Entry, Scope, Timeline};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// `devhive diagnostics …`.
#[derive(Debug, clap::Subcommand)]
pub enum DiagnosticsCommand {
    /// Write the redacted diagnostics bundle (JSON) to stdout or --out.
    Export(ExportArgs),
}

/// Arguments of `devhive diagnostics export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Write the bundle to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Project to watch while observing (repeatable).
    #[arg(long = "project")]
    pub projects: Vec<String>,
    /// Seconds to watch the projects before exporting (0: no live connection).
    #[arg(long, default_value_t = 0.0)]
    pub observe: f64,
    /// How to sign in when no session is stored.
    #[command(flatten)]
    pub sign_in: SignIn,
}

/// Runs `devhive diagnostics <command>`.
pub async fn run(globals: &Globals, command: DiagnosticsCommand) -> Exit {
    match command {
        DiagnosticsCommand::Export(args) => export(globals, args).await,
    }
}

async fn export(globals: &Globals, args: ExportArgs) -> Exit {
    let profile = match globals.profile() {
        Ok(profile) => profile,
        Err(exit) => return exit,
    };
    if !(0.0..=3600.0).contains(&args.observe) {
        return Exit::usage("--observe must be between 0 and 3600 s");
    }
    let mut input = BundleInput::new(env!("CARGO_PKG_VERSION"), profile.clone());
    if let Ok(Some(password)) = args.sign_in.password() {
        input.known_secrets.push(password);
    }
    let vault = globals.vault();
    let probe = match vault.probe().await {
        Probe::Works => "works".to_owned(),
        Probe::NoKeychain { detail, .. } => format!("no keychain: {detail}"),
        Probe::Locked { detail, .. } => format!("locked: {detail}"),
    };
    input.keychain = Some(format!("{}: {probe}", vault.label()));
    input.network = match globals.network() {
        Ok(network) => Some(devhive_core::net::inspect::bundle_section(&network, &profile).await),
        Err(exit) => Some(serde_json::json!({ "error": exit.message() })),
    };
    let timeline = match open_session(globals, args.sign_in.clone()).await {
        Ok((session, timeline)) => {
            let status = session.status();
            input.user_name = status.user.map(|u| u.name);
            if let Ok(token) = session.ensure_valid().await {
                if let Ok(api) = globals.api() {
                    if let Ok(list) = api.projects(&token).await {
                        input.projects = list
                            .projects
                            .into_iter()
                            .map(|p| ProjectRef {
                                id: p.id.to_lowercase(),
                                name: p.name,
                            })
                            .collect();
                    }
                }
                input.access_token = Some(token.secret);
            }
            if args.observe > 0.0 && !args.projects.is_empty() {
                let network = globals.network().unwrap_or_default();
                input.events = observe(&session, &timeline, &args, profile, network).await;
            }
            timeline
        }
        Err(exit) => {
            let timeline = Timeline::new(devhive_core::clock::system());
            timeline.record(
                Scope::Session,
                Entry::Error {
                    message: format!("session could not be opened: {}", exit.message()),
                },
            );
            timeline
        }
    };
    input.timeline = timeline.snapshot();
    let bytes = bundle::to_bytes(&input, OffsetDateTime::now_utc());
    let written = match &args.out {
        Some(path) => std::fs::write(path, &bytes).map(|()| {
            eprintln!("devhive: diagnostics written to {}", path.display());
        }),
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)
        }
    };
    match written {
        Ok(()) => Exit::Ok,
        Err(error) => Exit::other(format!("could not write the bundle: {error}")),
    }
}

/// Watches the projects for `--observe` seconds and returns the events seen.
async fn observe(
    session: &devhive_core::session::Session,
    timeline: &Timeline,
    args: &ExportArgs,
    profile: devhive_core::server::ServerProfile,
    network: devhive_core::net::Network,
) -> Vec<EventRef> {
    let feed = Feed::start(
        profile,
        Arc::new(session.clone()),
        timeline.clone(),
        FeedConfig {
            network,
            ..FeedConfig::default()
        },
    );
    let mut updates = feed.subscribe();
    feed.watch(&args.projects);
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(args.observe);
    while let Ok(update) = tokio::time::timeout_at(deadline, updates.recv()).await {
        match update {
            Ok(FeedUpdate::Event(event)) => events.push(EventRef {
                at: OffsetDateTime::now_utc(),
                project: event.project.clone().unwrap_or_default(),
                kind: event.kind.to_string(),
                resource: event.resource.map(|r| r.as_str().to_owned()),
                action: event.action.map(|a| a.as_str().to_owned()),
                id: event.id.clone(),
            }),
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        }
    }
    feed.stop().await;
    events
}
