//! Pure mappings from the session's and the feed's state to the view models. Monotonic
//! instants become wall-clock epoch milliseconds using one `(now, wall)` pair, so a front end
//! can count down without knowing our clock.

use super::view::*;
use crate::realtime::{ConnState, FeedEvent, ResyncReason};
use crate::session::{RefreshOutcome as CoreOutcome, SessionState as CoreState, SessionStatus};
use crate::timeline::{Record, Scope};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Wall-clock time in epoch milliseconds, the unit every view timestamp uses.
pub fn epoch_ms(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Converts a monotonic instant to wall-clock epoch ms, given the current reading of both.
pub fn instant_ms(at: Instant, now: Instant, wall: SystemTime) -> f64 {
    let wall_at = if at >= now {
        wall + (at - now)
    } else {
        wall - (now - at)
    };
    epoch_ms(wall_at)
}

/// The session view of a core status.
pub fn session_view(
    s: &SessionStatus,
    server_label: Option<&str>,
    now: Instant,
    wall: SystemTime,
) -> SessionView {
    let state = match s.state {
        CoreState::SignedOut => SessionState::SignedOut,
        CoreState::Valid { .. } => SessionState::Valid,
        CoreState::Refreshing => SessionState::Refreshing,
        CoreState::RetryingRefresh { .. } => SessionState::Retrying,
        CoreState::NeedsLogin { .. } => SessionState::NeedsLogin,
    };
    let signed_in = state != SessionState::SignedOut;
    SessionView {
        state,
        user: s.user.as_ref().map(|u| u.name.clone()),
        server_label: server_label.filter(|_| signed_in).map(str::to_owned),
        expires_at_ms: s.expires_at_wall.map(epoch_ms),
        lifetime_secs: s
            .lifetime
            .map(|d| d.as_secs().min(u64::from(u32::MAX)) as u32),
        next_refresh_at_ms: s.next_refresh.map(|at| instant_ms(at, now, wall)),
        last_refresh: s.last_refresh.as_ref().map(|r| RefreshOutcome {
            ok: r.outcome == CoreOutcome::Ok,
            at_ms: epoch_ms(r.at),
            detail: r.detail.clone(),
        }),
        refresh_token_storage: signed_in.then(|| s.store_label.clone()),
        reason: s
            .state
            .reason()
            .map(str::to_owned)
            .or_else(|| s.warning.clone()),
    }
}

/// The badge of one project's connection.
pub fn connection_view(
    project: &str,
    c: &ConnState,
    now: Instant,
    wall: SystemTime,
) -> ConnectionView {
    let mut v = ConnectionView {
        project_id: project.to_owned(),
        state: ConnectionState::Stopped,
        attempt: None,
        retry_at_ms: None,
        since_ms: None,
        reason: c.reason().map(str::to_owned),
    };
    match c {
        ConnState::Connecting { attempt } => {
            v.state = ConnectionState::Connecting;
            v.attempt = Some(*attempt);
        }
        ConnState::Connected { since } => {
            v.state = ConnectionState::Connected;
            v.since_ms = Some(instant_ms(*since, now, wall));
        }
        ConnState::Backoff { retry_at, .. } => {
            v.state = ConnectionState::Backoff;
            v.retry_at_ms = Some(instant_ms(*retry_at, now, wall));
        }
        ConnState::NeedsLogin { .. } => v.state = ConnectionState::NeedsLogin,
        ConnState::Forbidden { .. } => v.state = ConnectionState::Forbidden,
        ConnState::NotFound { .. } => v.state = ConnectionState::NotFound,
        ConnState::Stopped { .. } => v.state = ConnectionState::Stopped,
    }
    v
}

/// A realtime event as front ends see it (only events with a project reach here).
pub fn feed_event_view(e: &FeedEvent, at: SystemTime) -> Option<FeedEventView> {
    Some(FeedEventView {
        project_id: e.project.clone()?,
        kind: e.kind.as_str().to_owned(),
        resource: e.resource.as_ref().map(|r| r.as_str().to_owned()),
        action: e.action.map(|a| a.as_str().to_owned()),
        id: e.id.clone(),
        summary: e.summary.clone(),
        at_ms: epoch_ms(at),
    })
}

/// The resync notice.
pub fn resync_view(project: &str, reason: ResyncReason) -> ResyncView {
    ResyncView {
        project_id: project.to_owned(),
        reason: reason.as_str().to_owned(),
    }
}

/// One timeline record as a one-line, already-redacted entry.
pub fn timeline_view(r: &Record) -> TimelineEntryView {
    let value = serde_json::to_value(r).unwrap_or_default();
    let mut kind = String::new();
    let mut parts = Vec::new();
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            match k.as_str() {
                "at" | "scope" | "project" => {}
                "kind" => kind = v.as_str().unwrap_or_default().to_owned(),
                _ => parts.push(match v.as_str() {
                    Some(s) => format!("{k}: {s}"),
                    None => format!("{k}: {v}"),
                }),
            }
        }
    }
    let scope = match &r.scope {
        Scope::Session => "session".to_owned(),
        Scope::Project(p) => p.clone(),
    };
    TimelineEntryView {
        at_ms: (r.at.unix_timestamp_nanos() / 1_000_000) as f64,
        scope,
        kind,
        text: crate::timeline::redact(&parts.join(" · ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_future_instant_becomes_the_matching_wall_time() {
        let now = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(100);
        assert_eq!(
            instant_ms(now + Duration::from_secs(5), now, wall),
            105_000.0
        );
        assert_eq!(instant_ms(now, now, wall), 100_000.0);
    }

    #[test]
    fn a_backoff_badge_carries_its_retry_time_and_reason() {
        let now = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(10);
        let state = ConnState::Backoff {
            retry_at: now + Duration::from_secs(2),
            reason: "network error: connection refused".into(),
        };
        let v = connection_view("p1", &state, now, wall);
        assert_eq!(v.state, ConnectionState::Backoff);
        assert_eq!(v.retry_at_ms, Some(12_000.0));
        assert_eq!(
            v.reason.as_deref(),
            Some("network error: connection refused")
        );
    }
}
