//! `devhive status [--json]`: who is signed in on the server, the token state and expiry,
//! and where the refresh token lives (never the token itself). Resumes through the app model
//! as the desktop app does, which refreshes once; `--refresh-now` refreshes again (a test
//! hook for the cross-process lock).

use crate::exit::Exit;
use crate::globals::Globals;
use crate::model;
use clap::Args;
use devhive_core::app::{ErrorCode, Phase};
use devhive_core::session::{SessionState, SessionStatus};
use serde_json::{json, Map, Value};
use std::time::{Duration, SystemTime};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Arguments of `devhive status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Refresh once more after resuming (exercises the refresh lock).
    #[arg(long, hide = true)]
    refresh_now: bool,
}

/// Prints the session status; exit 0 when valid, 3 when a sign-in is needed.
pub async fn run(globals: &Globals, args: StatusArgs) -> Exit {
    let (app, _events) = match model::build(globals, globals.store(), Some(Vec::new()), false) {
        Ok(built) => built,
        Err(exit) => return exit,
    };
    let host = match globals.profile() {
        Ok(profile) => profile.host_key(),
        Err(exit) => return exit,
    };
    let phase = app.resume().await;
    let hint = "run `devhive login --username <name>`";
    let session = match phase {
        Phase::SignedIn { .. } => app.session(),
        Phase::Keychain { locked, message } => {
            let code = if locked {
                ErrorCode::KeychainLocked
            } else {
                ErrorCode::Keychain
            };
            return Exit::fail(code, message);
        }
        Phase::SignedOut { notice, refused } => {
            let mut out = Map::new();
            out.insert("server".into(), json!(host));
            let state = if refused.is_some() {
                "needs_login"
            } else {
                "signed_out"
            };
            out.insert("state".into(), json!(state));
            if let Some(reason) = refused.as_ref().or(notice.as_ref()) {
                out.insert("reason".into(), json!(reason));
            }
            print(&out, args.json);
            return Exit::needs_login(match notice {
                Some(reason) => format!("{reason}: {hint}"),
                None => format!("not signed in to {host}: {hint}"),
            });
        }
        Phase::Starting | Phase::Resuming { .. } => None,
    };
    let Some(session) = session else {
        return Exit::other("the session could not be opened");
    };
    if args.refresh_now && matches!(session.status().state, SessionState::Valid { .. }) {
        if let Err(error) = app.refresh_now().await {
            if matches!(error.code, ErrorCode::Keychain | ErrorCode::KeychainLocked) {
                return error.into();
            }
        }
    }
    let status = session.status();
    print(&report(session.host(), &status), args.json);
    let outcome = match &status.state {
        SessionState::Valid { .. } | SessionState::Refreshing => Exit::Ok,
        SessionState::SignedOut => Exit::needs_login(format!("not signed in to {host}: {hint}")),
        SessionState::NeedsLogin { reason } => {
            Exit::needs_login(format!("sign-in required: {reason}: {hint}"))
        }
        SessionState::RetryingRefresh { reason, .. } => {
            Exit::other(format!("refresh failing, would retry: {reason}"))
        }
    };
    app.stop().await;
    outcome
}

fn print(report: &Map<String, Value>, json: bool) {
    if json {
        println!("{}", Value::Object(report.clone()));
    } else {
        print_text(report);
    }
}

fn rfc3339(at: SystemTime) -> String {
    OffsetDateTime::from(at)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

/// The status as a JSON object (also the source of the text output).
fn report(host: &str, status: &SessionStatus) -> Map<String, Value> {
    let now = tokio::time::Instant::now();
    let mut out = Map::new();
    out.insert("server".into(), json!(host));
    out.insert("state".into(), json!(status.state.name()));
    if let Some(reason) = status.state.reason() {
        out.insert("reason".into(), json!(reason));
    }
    if let Some(user) = &status.user {
        out.insert("user".into(), json!({"id": user.id, "name": user.name}));
    }
    if let SessionState::Valid { expires_at } = status.state {
        out.insert(
            "expires_in_secs".into(),
            json!(secs(expires_at.saturating_duration_since(now))),
        );
        if let Some(at) = status.expires_at_wall {
            out.insert("expires_at".into(), json!(rfc3339(at)));
        }
    }
    if let Some(lifetime) = status.lifetime {
        out.insert("lifetime_secs".into(), json!(secs(lifetime)));
    }
    if let Some(next) = status.next_refresh {
        out.insert(
            "next_refresh_in_secs".into(),
            json!(secs(next.saturating_duration_since(now))),
        );
    }
    if let Some(last) = &status.last_refresh {
        let mut entry = json!({"outcome": last.outcome.name(), "at": rfc3339(last.at)});
        if let Some(detail) = &last.detail {
            entry["detail"] = json!(detail);
        }
        out.insert("last_refresh".into(), entry);
    }
    out.insert("refresh_token_store".into(), json!(status.store_label));
    out.insert(
        "refresh_token_persistent".into(),
        json!(status.store_persistent),
    );
    if let Some(skew) = status.skew_secs {
        out.insert("clock_skew_secs".into(), json!(skew));
    }
    if let Some(warning) = &status.warning {
        out.insert("warning".into(), json!(warning));
    }
    out
}

fn mmss(total: u64) -> String {
    format!("{}:{:02}", total / 60, total % 60)
}

fn print_text(report: &Map<String, Value>) {
    let text = |key: &str| report.get(key).and_then(Value::as_str).unwrap_or("");
    let num = |key: &str| report.get(key).and_then(Value::as_u64);
    println!("server:         {}", text("server"));
    if let Some(user) = report.get("user") {
        println!(
            "user:           {} ({})",
            user["name"].as_str().unwrap_or(""),
            user["id"].as_str().unwrap_or("")
        );
    }
    let mut state = text("state").replace('_', " ");
    if let Some(left) = num("expires_in_secs") {
        state.push_str(&format!(
            ": access token expires in {} (at {})",
            mmss(left),
            text("expires_at")
        ));
    }
    if !text("reason").is_empty() {
        state.push_str(&format!(": {}", text("reason")));
    }
    println!("session:        {state}");
    if let Some(lifetime) = num("lifetime_secs") {
        println!("token lifetime: {}", mmss(lifetime));
    }
    if let Some(next) = num("next_refresh_in_secs") {
        println!("next refresh:   in {}", mmss(next));
    }
    if let Some(last) = report.get("last_refresh") {
        let detail = last["detail"]
            .as_str()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        println!(
            "last refresh:   {} at {}{detail}",
            last["outcome"].as_str().unwrap_or(""),
            last["at"].as_str().unwrap_or("")
        );
    }
    let persistent = report
        .get("refresh_token_persistent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    println!(
        "refresh token:  {}{}",
        text("refresh_token_store"),
        if persistent {
            ""
        } else {
            " — ends with this process"
        }
    );
    if let Some(skew) = report.get("clock_skew_secs").and_then(Value::as_i64) {
        println!("clock skew:     {skew:+} s (server minus this computer)");
    }
    if !text("warning").is_empty() {
        println!("warning:        {}", text("warning"));
    }
}
