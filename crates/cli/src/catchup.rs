//! `devhive catchup [--project ID… | --all-projects] [--json]`: what changed since this
//! user's last session on this machine (the stored snapshots of `watch`, the app or an earlier
//! `catchup`), one line per missed item; the first time, a baseline is recorded and said so.

use crate::exit::Exit;
use crate::globals::Globals;
use crate::signin::SignIn;
use crate::{history, jsonl, model};
use clap::Args;
use devhive_core::app::AppError;
use devhive_core::catchup::{catch_up, CatchUp, CatchUpError, Missed, RequestBudget, PER_MINUTE};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// Arguments of `devhive catchup`.
#[derive(Debug, Args)]
pub struct CatchupArgs {
    /// A project to catch up on (UUID); repeat for several.
    #[arg(long = "project", value_name = "ID", conflicts_with = "all_projects")]
    projects: Vec<String>,
    /// Every project the user belongs to (the default).
    #[arg(long)]
    all_projects: bool,
    /// Print JSON lines `{"ts","kind":"missed","project","resource","action","id","summary"}`.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    sign_in: SignIn,
}

/// Runs one catch-up and prints it.
pub async fn run(globals: &Globals, args: CatchupArgs) -> Exit {
    let mut chosen = Vec::new();
    for raw in &args.projects {
        match uuid::Uuid::parse_str(raw.trim()) {
            Ok(id) => chosen.push(id.to_string()),
            Err(_) => return Exit::usage(format!("--project {raw:?} is not a UUID")),
        }
    }
    let (app, _events) = match model::build(globals, globals.store(), Some(Vec::new()), false) {
        Ok(built) => built,
        Err(exit) => return exit,
    };
    let outcome = async {
        model::open(&app, globals, args.sign_in.clone()).await?;
        let account = history::open(&app, globals)?;
        let api = app
            .authed()
            .ok_or_else(|| Exit::needs_login("not signed in"))?;
        let list = api
            .projects()
            .await
            .map_err(|e| Exit::from(AppError::from(&e)))?;
        let names: BTreeMap<String, String> = list
            .into_iter()
            .map(|p| (p.id.to_ascii_lowercase(), p.name))
            .collect();
        let projects = if chosen.is_empty() {
            names.keys().cloned().collect()
        } else {
            chosen
        };
        let budget = RequestBudget::new(PER_MINUTE);
        let mut failed = None;
        for project in &projects {
            let name = names.get(project).map_or(project.as_str(), String::as_str);
            match catch_up(&api, &budget, &account.store, project, &account.me).await {
                Ok(CatchUp::Baseline) => baseline(args.json, project, name),
                Ok(CatchUp::Missed(items)) => {
                    if !args.json && items.is_empty() {
                        println!("{name}: nothing new since your last session");
                    }
                    for item in &items {
                        print_missed(args.json, name, item);
                    }
                }
                Err(error) => {
                    eprintln!("devhive: {name}: {error}");
                    failed.get_or_insert(error);
                }
            }
        }
        match failed {
            None => Ok(()),
            Some(CatchUpError::Fetch(e)) => Err(Exit::from(AppError::from(&e))),
            Some(other) => Err(Exit::other(other)),
        }
    }
    .await;
    app.stop().await;
    match outcome {
        Ok(()) => Exit::Ok,
        Err(exit) => exit,
    }
}

fn baseline(json: bool, project: &str, name: &str) {
    let sentence = format!(
        "{name}: first catch-up for this account on this machine: baseline recorded; changes from now on will be listed"
    );
    if json {
        // stdout carries only missed lines; the notice goes beside them.
        eprintln!("devhive: {sentence} (project {project})");
    } else {
        println!("{sentence}");
    }
}

fn print_missed(json: bool, name: &str, item: &Missed) {
    let at = SystemTime::UNIX_EPOCH + Duration::from_millis(item.at_ms().max(0) as u64);
    let ts = jsonl::timestamp(at);
    if json {
        println!("{}", jsonl::missed(&ts, item));
    } else {
        println!("{ts}  {name}  {}", item.summary);
    }
}
