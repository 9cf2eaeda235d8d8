//! `devhive watch --project <id>... [--all-projects] [--json]`: signs in (or resumes), opens
//! one realtime connection per project and prints token states, connection states, events
//! and resyncs, as human lines or the JSON lines of design.md §4. Runs until Ctrl-C, or
//! until every project waits for the user (exit 3 for sign-in, 4 for forbidden/not found).

use crate::describe::{self, Describer};
use crate::exit::Exit;
use crate::globals::Globals;
use crate::jsonl;
use crate::signin::{open_session, SignIn};
use clap::Args;
use devhive_core::app::TaskReader;
use devhive_core::auth::TokenSource;
use devhive_core::realtime::{ConnState, Feed, FeedConfig, FeedUpdate};
use devhive_core::session::{SessionState, SessionStatus};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

/// Arguments of `devhive watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// A project to watch (UUID); repeat for several.
    #[arg(long = "project", value_name = "ID")]
    projects: Vec<String>,
    /// Watch every project the user belongs to.
    #[arg(long)]
    all_projects: bool,
    /// Print JSON lines (design.md §4) instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    sign_in: SignIn,
}

/// Runs the watch until interrupted or until no project can make progress.
pub async fn run(globals: &Globals, args: WatchArgs) -> Exit {
    if args.projects.is_empty() && !args.all_projects {
        return Exit::Usage("give at least one --project <id>, or --all-projects".into());
    }
    let mut projects = Vec::new();
    for raw in &args.projects {
        match uuid::Uuid::parse_str(raw.trim()) {
            Ok(id) => projects.push(id.to_string()),
            Err(_) => return Exit::Usage(format!("--project {raw:?} is not a UUID")),
        }
    }
    let profile = match globals.profile() {
        Ok(profile) => profile,
        Err(exit) => return exit,
    };
    let (session, timeline) = match open_session(globals, args.sign_in).await {
        Ok(opened) => opened,
        Err(exit) => return exit,
    };
    let session = Arc::new(session);
    // Names make text lines readable; with explicit ids a failed listing only costs that.
    let names = match project_names(globals, session.as_ref()).await {
        Ok(names) => names,
        Err(exit) if args.all_projects => return exit,
        Err(_) => BTreeMap::new(),
    };
    if args.all_projects {
        projects.extend(names.keys().cloned());
    }
    let describer = match (args.json, globals.api(), globals.profile()) {
        (false, Ok(api), Ok(profile)) => TaskReader::new(profile).ok().map(|tasks| Describer {
            api,
            tasks,
            tokens: session.as_ref(),
        }),
        _ => None,
    };
    let printer = Printer {
        json: args.json,
        names,
    };
    let feed = Feed::start(
        profile,
        Arc::clone(&session),
        timeline,
        FeedConfig::default(),
    );
    let mut updates = feed.subscribe();
    let mut status = session.subscribe();
    let mut last_state = status.borrow().state.clone();
    printer.token(&status.borrow(), false);
    feed.watch(&projects);
    // One Ctrl-C listener for the whole run: a listener made anew on every turn of the loop
    // misses a SIGINT that arrives while the loop body runs (e.g. blocked writing output).
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let outcome = loop {
        tokio::select! {
            _ = &mut interrupted => break Exit::Ok,
            changed = status.changed() => {
                if changed.is_err() {
                    continue;
                }
                let current = status.borrow_and_update().clone();
                let after_refresh = matches!(last_state, SessionState::Refreshing | SessionState::RetryingRefresh { .. });
                if current.state != last_state {
                    printer.token(&current, after_refresh);
                    last_state = current.state.clone();
                }
            }
            update = updates.recv() => match update {
                Ok(update) => {
                    let sentence = match (&update, &describer) {
                        (FeedUpdate::Event(event), Some(describer)) => describer.sentence(event).await,
                        _ => None,
                    };
                    printer.update(&update, sentence);
                    if let FeedUpdate::Connection { .. } = update {
                        if let Some(exit) = stuck(&feed.states().borrow()) {
                            break exit;
                        }
                    }
                }
                Err(RecvError::Lagged(n)) => printer.error(&format!("output fell behind; {n} updates skipped")),
                Err(RecvError::Closed) => break Exit::Ok,
            },
        }
    };
    feed.stop().await;
    outcome
}

/// Every project the user belongs to, id → name (`GET /projects`).
async fn project_names<T: TokenSource>(
    globals: &Globals,
    tokens: &T,
) -> Result<BTreeMap<String, String>, Exit> {
    let api = globals.api()?;
    let token = tokens
        .ensure_valid()
        .await
        .map_err(|e| Exit::NeedsLogin(e.to_string()))?;
    let list = api
        .projects(&token)
        .await
        .map_err(|e| Exit::other(format!("could not list projects: {e}")))?;
    Ok(list
        .projects
        .into_iter()
        .map(|p| (p.id.to_ascii_lowercase(), p.name))
        .collect())
}

/// When every project waits for the user, the exit that says why.
fn stuck(states: &BTreeMap<String, ConnState>) -> Option<Exit> {
    if states.is_empty() || !states.values().all(ConnState::waits_for_user) {
        return None;
    }
    let describe = || {
        states
            .iter()
            .map(|(p, s)| format!("{p}: {}", s.reason().unwrap_or(s.name())))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if states
        .values()
        .any(|s| matches!(s, ConnState::NeedsLogin { .. }))
    {
        Some(Exit::NeedsLogin(describe()))
    } else if states
        .values()
        .all(|s| matches!(s, ConnState::Forbidden { .. } | ConnState::NotFound { .. }))
    {
        Some(Exit::Forbidden(describe()))
    } else {
        Some(Exit::Other(describe()))
    }
}

struct Printer {
    json: bool,
    /// Project id → name, for text lines.
    names: BTreeMap<String, String>,
}

impl Printer {
    /// The line's timestamp: RFC 3339 for JSON lines, `HH:MM:SS` (UTC) for text.
    fn now(&self) -> (String, SystemTime) {
        let wall = SystemTime::now();
        let ts = jsonl::timestamp(wall);
        let shown = if self.json {
            ts
        } else {
            ts.get(11..19).unwrap_or(&ts).to_owned()
        };
        (shown, wall)
    }

    fn label(&self, project: Option<&str>) -> String {
        format!("{:<10}", describe::project_label(&self.names, project))
    }

    fn token(&self, status: &SessionStatus, after_refresh: bool) {
        let (ts, _) = self.now();
        let state = jsonl::token_state_name(&status.state, after_refresh);
        let reason = status.state.reason();
        if self.json {
            println!(
                "{}",
                jsonl::token(&ts, state, status.expires_at_wall, reason)
            );
        } else {
            let expires = status
                .expires_at_wall
                .map(|at| format!(", expires {}", jsonl::timestamp(at)))
                .unwrap_or_default();
            let why = reason.map(|r| format!(" ({r})")).unwrap_or_default();
            println!("{ts}  {:<10}  token {state}{expires}{why}", "session");
        }
    }

    fn update(&self, update: &FeedUpdate, sentence: Option<String>) {
        let (ts, _) = self.now();
        if self.json {
            let line = match update {
                FeedUpdate::Connection { project, state } => {
                    jsonl::connection(&ts, project, state, Instant::now())
                }
                FeedUpdate::Event(event) => jsonl::event(&ts, event),
                FeedUpdate::Resync { project, reason } => jsonl::resync(&ts, project, *reason),
            };
            println!("{line}");
            return;
        }
        match update {
            FeedUpdate::Connection { project, state } => {
                let detail = match state {
                    ConnState::Connecting { attempt } if *attempt > 0 => {
                        format!(" (attempt {attempt})")
                    }
                    ConnState::Backoff { retry_at, reason } => format!(
                        ", retrying in {:.1} s: {reason}",
                        retry_at
                            .saturating_duration_since(Instant::now())
                            .as_secs_f32()
                    ),
                    other => other.reason().map(|r| format!(": {r}")).unwrap_or_default(),
                };
                let label = self.label(Some(project));
                println!("{ts}  {label}  {}{detail}", state.name());
            }
            FeedUpdate::Event(event) => {
                let label = self.label(event.project.as_deref());
                if let Some(sentence) = sentence {
                    println!("{ts}  {label}  {sentence}");
                    return;
                }
                let what = [
                    event.resource.as_ref().map(|r| r.as_str().to_owned()),
                    event.action.map(|a| a.as_str().to_ascii_lowercase()),
                    event.id.clone(),
                    event.summary.as_ref().map(|s| format!("“{s}”")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                println!("{ts}  {label}  {} {what}", event.kind);
            }
            FeedUpdate::Resync { project, reason } => {
                println!(
                    "{ts}  {}  resync ({}): refetch everything",
                    self.label(Some(project)),
                    reason.as_str()
                );
            }
        }
    }

    fn error(&self, message: &str) {
        let (ts, _) = self.now();
        if self.json {
            println!("{}", jsonl::error(&ts, message));
        } else {
            eprintln!("{ts}  error  {message}");
        }
    }
}
