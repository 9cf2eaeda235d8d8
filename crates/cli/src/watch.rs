//! `devhive watch --project <id>... [--all-projects] [--json]`: the app model as a terminal
//! front end. It resumes (or signs in), watches the projects, and prints token states,
//! connection states, events, resyncs and "can't reach" notices, as human lines or the JSON
//! lines of design.md §4. Runs until Ctrl-C, or until every project waits for the user
//! (exit 3 for sign-in, 4 for forbidden/not found).

use crate::describe::{self, Describer};
use crate::exit::Exit;
use crate::globals::Globals;
use crate::history;
use crate::jsonl;
use crate::model;
use crate::record::Recorder;
use crate::signin::SignIn;
use clap::Args;
use devhive_core::app::{
    epoch_ms, offline_sentence, ConnectionState, ConnectionView, ErrorCode, FeedEventView, Phase,
    ResyncView, SessionState, SessionView, UiEvent,
};
use devhive_core::catchup::{CatchUp, Missed};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Arguments of `devhive watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// A project to watch (UUID); repeat for several.
    #[arg(long = "project", value_name = "ID")]
    projects: Vec<String>,
    /// Watch every project the user belongs to (and ones added later).
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
        return Exit::usage("give at least one --project <id>, or --all-projects");
    }
    let mut projects = Vec::new();
    for raw in &args.projects {
        match uuid::Uuid::parse_str(raw.trim()) {
            Ok(id) => projects.push(id.to_string()),
            Err(_) => return Exit::usage(format!("--project {raw:?} is not a UUID")),
        }
    }
    let only = (!args.all_projects).then_some(projects);
    let (app, mut events) = match model::build(globals, globals.store(), only, true) {
        Ok(built) => built,
        Err(exit) => return exit,
    };
    if let Err(exit) = model::open(&app, globals, args.sign_in).await {
        return exit;
    }
    let describer = match (args.json, app.authed()) {
        (false, Some(api)) => Some(Describer { api }),
        _ => None,
    };
    let recorder = match (history::open(&app, globals), app.authed()) {
        (Ok(account), Some(api)) => Some(Recorder::new(account, api)),
        (Err(exit), _) => {
            eprintln!(
                "devhive: warning: history is not recorded: {}",
                exit.message()
            );
            None
        }
        (Ok(_), None) => None,
    };
    let mut printer = Printer {
        json: args.json,
        names: BTreeMap::new(),
        last: None,
    };
    printer.session(&app.session_view());
    let mut run = Watch {
        app: app.clone(),
        describer,
        printer,
        recorder,
    };
    // Text lines name projects: hold the first lines until the project list is in (or for a
    // few seconds, when the server cannot be reached).
    let mut held: Option<Vec<UiEvent>> = (!args.json).then(Vec::new);
    let hold_until = tokio::time::Instant::now() + HOLD_FOR_NAMES;
    // One Ctrl-C listener for the whole run: a listener made anew on every turn of the loop
    // misses a SIGINT that arrives while the loop body runs (e.g. blocked writing output).
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let outcome = 'run: loop {
        let event = tokio::select! {
            _ = &mut interrupted => break Exit::Ok,
            _ = tokio::time::sleep_until(hold_until), if held.is_some() => None,
            event = events.recv() => match event {
                Some(event) => Some(event),
                None => break Exit::Ok,
            },
        };
        let release = match (&mut held, &event) {
            (
                Some(_),
                Some(
                    UiEvent::ProjectsChanged(_)
                    | UiEvent::PhaseChanged(Phase::SignedIn { offline: Some(_) }),
                )
                | None,
            ) => true,
            (Some(queue), Some(other)) => {
                queue.push(other.clone());
                false
            }
            (None, _) => false,
        };
        let mut batch = Vec::new();
        if release {
            batch = held.take().unwrap_or_default();
            batch.splice(0..0, event);
        } else if held.is_none() {
            batch.extend(event);
        }
        for event in batch {
            if let Some(exit) = run.handle(event).await {
                break 'run exit;
            }
        }
    };
    if let Some(recorder) = &mut run.recorder {
        recorder.flush().await;
    }
    app.stop().await;
    outcome
}

/// How long text mode waits for project names before printing anyway.
const HOLD_FOR_NAMES: Duration = Duration::from_secs(3);

struct Watch {
    app: devhive_core::app::App,
    describer: Option<Describer>,
    printer: Printer,
    recorder: Option<Recorder>,
}

impl Watch {
    /// Prints one event; `Some` when the run should end with that exit.
    async fn handle(&mut self, event: UiEvent) -> Option<Exit> {
        let printer = &mut self.printer;
        match event {
            UiEvent::SessionChanged(view) => printer.session(&view),
            UiEvent::ConnectionChanged(view) => {
                printer.connection(&view);
                return stuck(&self.app.connections());
            }
            UiEvent::FeedEvent(event) => {
                let sentence = match &self.describer {
                    Some(d) => d.sentence(&event).await,
                    None => None,
                };
                printer.event(&event, sentence);
                if let Some(recorder) = &mut self.recorder {
                    recorder.live(&event).await;
                }
            }
            UiEvent::Resync(view) => {
                printer.resync(&view);
                if let Some(recorder) = &mut self.recorder {
                    match recorder.resync(&view.project_id).await {
                        Ok(CatchUp::Missed(items)) => {
                            for item in &items {
                                printer.missed(item);
                            }
                        }
                        Ok(CatchUp::Baseline) => {}
                        Err(error) => printer.error(&format!("catch-up failed: {error}")),
                    }
                }
            }
            UiEvent::ProjectsChanged(list) => {
                printer.names = list.into_iter().map(|p| (p.id, p.name)).collect();
            }
            UiEvent::PhaseChanged(Phase::SignedIn {
                offline: Some(offline),
            }) => {
                let secs = (offline.retry_at_ms - now_ms()).max(0.0) / 1000.0;
                let sentence = offline_sentence(&offline.server, secs.ceil() as u64);
                printer.error(&format!("{sentence}: {}", offline.reason));
            }
            UiEvent::PhaseChanged(_)
            | UiEvent::CatchUp(_)
            | UiEvent::TimelineAppended(_)
            | UiEvent::SettingsChanged(_)
            | UiEvent::Focus(_) => {}
        }
        None
    }
}

fn now_ms() -> f64 {
    epoch_ms(SystemTime::now())
}

/// When every project waits for the user, the exit that says why.
fn stuck(connections: &[ConnectionView]) -> Option<Exit> {
    if connections.is_empty() || !connections.iter().all(|c| c.state.waits_for_user()) {
        return None;
    }
    let describe = connections
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c.project_id,
                c.reason.as_deref().unwrap_or(c.state.as_str())
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let any = |s: ConnectionState| connections.iter().any(|c| c.state == s);
    let code = if any(ConnectionState::NeedsLogin) {
        ErrorCode::NeedsSignIn
    } else if connections.iter().all(|c| {
        matches!(
            c.state,
            ConnectionState::Forbidden | ConnectionState::NotFound
        )
    }) {
        ErrorCode::Forbidden
    } else {
        ErrorCode::Internal
    };
    Some(Exit::fail(code, describe))
}

struct Printer {
    json: bool,
    /// Project id → name, for text lines.
    names: BTreeMap<String, String>,
    /// The last session state printed, with its expiry.
    last: Option<(SessionState, Option<f64>)>,
}

impl Printer {
    /// The line's timestamp: RFC 3339 for JSON lines, `HH:MM:SS` (UTC) for text.
    fn now(&self) -> String {
        let ts = jsonl::timestamp(SystemTime::now());
        if self.json {
            ts
        } else {
            ts.get(11..19).unwrap_or(&ts).to_owned()
        }
    }

    fn label(&self, project: &str) -> String {
        format!(
            "{:<10}",
            describe::project_label(&self.names, Some(project))
        )
    }

    /// A token line when the state (or, once valid, the expiry) changed.
    fn session(&mut self, view: &SessionView) {
        let current = (view.state, view.expires_at_ms);
        let after_refresh = match self.last {
            Some((SessionState::Refreshing | SessionState::Retrying, _)) => true,
            Some((SessionState::Valid, expires)) => expires != view.expires_at_ms,
            _ => false,
        };
        if self.last == Some(current)
            || (view.state == SessionState::SignedOut && self.last.is_some())
        {
            return;
        }
        self.last = Some(current);
        let ts = self.now();
        let state = jsonl::token_state_name(view.state, after_refresh);
        let expires = view
            .expires_at_ms
            .map(|ms| UNIX_EPOCH + Duration::from_millis(ms.max(0.0) as u64));
        let reason = view.reason.as_deref();
        if self.json {
            println!("{}", jsonl::token(&ts, state, expires, reason));
        } else {
            let expires = expires
                .map(|at| format!(", expires {}", jsonl::timestamp(at)))
                .unwrap_or_default();
            let why = reason.map(|r| format!(" ({r})")).unwrap_or_default();
            println!("{ts}  {:<10}  token {state}{expires}{why}", "session");
        }
    }

    fn connection(&self, c: &ConnectionView) {
        let ts = self.now();
        if self.json {
            println!("{}", jsonl::connection(&ts, c, now_ms()));
            return;
        }
        let detail = match (c.state, c.attempt, c.retry_at_ms) {
            (ConnectionState::Connecting, Some(attempt), _) if attempt > 0 => {
                format!(" (attempt {attempt})")
            }
            (ConnectionState::Backoff, _, Some(at)) => format!(
                ", retrying in {:.1} s: {}",
                ((at - now_ms()) / 1000.0).max(0.0),
                c.reason.as_deref().unwrap_or("")
            ),
            _ => c
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default(),
        };
        println!(
            "{ts}  {}  {}{detail}",
            self.label(&c.project_id),
            c.state.as_str()
        );
    }

    fn event(&self, e: &FeedEventView, sentence: Option<String>) {
        let ts = self.now();
        if self.json {
            println!("{}", jsonl::event(&ts, e));
            return;
        }
        let label = self.label(&e.project_id);
        if let Some(sentence) = sentence {
            println!("{ts}  {label}  {sentence}");
            return;
        }
        let what = [
            e.resource.clone(),
            e.action.as_ref().map(|a| a.to_ascii_lowercase()),
            e.id.clone(),
            e.summary.as_ref().map(|s| format!("“{s}”")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        println!("{ts}  {label}  {} {what}", e.kind);
    }

    fn resync(&self, r: &ResyncView) {
        let ts = self.now();
        if self.json {
            println!("{}", jsonl::resync(&ts, r));
        } else {
            println!(
                "{ts}  {}  resync ({}): refetch everything",
                self.label(&r.project_id),
                r.reason
            );
        }
    }

    fn missed(&self, m: &Missed) {
        let at = UNIX_EPOCH + Duration::from_millis(m.at_ms().max(0) as u64);
        if self.json {
            println!("{}", jsonl::missed(&jsonl::timestamp(at), m));
        } else {
            println!(
                "{}  {}  while you were away: {}",
                self.now(),
                self.label(&m.project),
                m.summary
            );
        }
    }

    fn error(&self, message: &str) {
        let ts = self.now();
        if self.json {
            println!("{}", jsonl::error(&ts, message));
        } else {
            eprintln!("{ts}  error  {message}");
        }
    }
}
