//! `devhive status [--json]`: who is signed in on the server, the token state and expiry,
//! and where the refresh token lives (never the token itself). Resumes from the store, which
//! refreshes once; `--refresh-now` refreshes again (a test hook for the cross-process lock).

use crate::exit::Exit;
use crate::globals::Globals;
use crate::signin::exit_for;
use clap::Args;
use devhive_core::auth::AuthError;
use devhive_core::clock;
use devhive_core::session::{Session, SessionError, SessionState, SessionStatus};
use devhive_core::timeline::Timeline;
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
    let clock = clock::system();
    let config = match globals.session_config(clock.clone(), Timeline::new(clock)) {
        Ok(config) => config,
        Err(exit) => return exit,
    };
    let session = Session::new(config);
    match session.resume_stored().await {
        Ok(()) | Err(SessionError::NoStoredSession) | Err(SessionError::NeedsLogin { .. }) => {}
        Err(error) if error.is_transient() => {}
        Err(error) => return exit_for(&error),
    }
    if args.refresh_now && matches!(session.status().state, SessionState::Valid { .. }) {
        if let Err(AuthError::Keychain { reason }) = session.refresh_now().await {
            return Exit::Keychain(reason);
        }
    }
    let status = session.status();
    let report = report(session.host(), &status);
    if args.json {
        println!("{}", Value::Object(report));
    } else {
        print_text(&report);
    }
    match &status.state {
        SessionState::Valid { .. } | SessionState::Refreshing => Exit::Ok,
        SessionState::SignedOut => Exit::NeedsLogin(format!(
            "not signed in to {}: run `devhive login --username <name>`",
            session.host()
        )),
        SessionState::NeedsLogin { reason } => Exit::NeedsLogin(format!(
            "sign-in required: {reason}: run `devhive login --username <name>`"
        )),
        SessionState::RetryingRefresh { reason, .. } => {
            Exit::Other(format!("refresh failing, would retry: {reason}"))
        }
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
