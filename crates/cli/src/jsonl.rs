//! The JSON-lines schema of `devhive watch --json` (design.md §4): one object per line,
//! always `ts` (RFC 3339, UTC) then `kind`, then the fixed fields of that kind. Support
//! tools parse these lines, so their spelling is pinned by literal-string tests.

use devhive_core::app::{ConnectionState, ConnectionView, FeedEventView, ResyncView, SessionState};
use serde_json::Value;
use std::time::SystemTime;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// RFC 3339 UTC with millisecond precision.
pub fn timestamp(at: SystemTime) -> String {
    let at = OffsetDateTime::from(at);
    let at = at
        .replace_nanosecond(at.millisecond() as u32 * 1_000_000)
        .unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_default()
}

/// Builds one line with `ts` and `kind` first and the other fields in the order given.
struct Line(String);

impl Line {
    fn new(ts: &str, kind: &str) -> Self {
        Self(format!(
            "{{\"ts\":{},\"kind\":{}",
            Value::from(ts),
            Value::from(kind)
        ))
    }

    fn field(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0
            .push_str(&format!(",{}:{}", Value::from(key), value.into()));
        self
    }

    fn opt(self, key: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(value) => self.field(key, value),
            None => self,
        }
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// The token state's name in the schema; `refreshed` is a `valid` that follows a refresh.
pub fn token_state_name(state: SessionState, after_refresh: bool) -> &'static str {
    match state {
        SessionState::Valid if after_refresh => "refreshed",
        other => other.as_str(),
    }
}

/// `{"ts","kind":"token","state","expires_at"?,"reason"?}`.
pub fn token(
    ts: &str,
    state: &str,
    expires_at: Option<SystemTime>,
    reason: Option<&str>,
) -> String {
    Line::new(ts, "token")
        .field("state", state)
        .opt("expires_at", expires_at.map(timestamp))
        .opt("reason", reason)
        .finish()
}

/// `{"ts","kind":"connection","project","state","attempt"?,"retry_in_ms"?,"reason"?}`;
/// `now_ms` is the wall clock (epoch ms) the retry time is counted from.
pub fn connection(ts: &str, c: &ConnectionView, now_ms: f64) -> String {
    let (attempt, retry_in) = match c.state {
        ConnectionState::Connecting => (c.attempt, None),
        ConnectionState::Backoff => (
            None,
            c.retry_at_ms
                .map(|at| (at - now_ms).max(0.0).round() as u64),
        ),
        _ => (None, None),
    };
    Line::new(ts, "connection")
        .field("project", c.project_id.as_str())
        .field("state", c.state.as_str())
        .opt("attempt", attempt)
        .opt("retry_in_ms", retry_in)
        .opt("reason", c.reason.as_deref())
        .finish()
}

/// `{"ts","kind":"event","project","type","resource"?,"action"?,"id"?}` (+ `summary`).
pub fn event(ts: &str, e: &FeedEventView) -> String {
    Line::new(ts, "event")
        .field("project", e.project_id.as_str())
        .field("type", e.kind.as_str())
        .opt("resource", e.resource.as_deref())
        .opt("action", e.action.as_deref())
        .opt("id", e.id.as_deref())
        .opt("summary", e.summary.as_deref())
        .finish()
}

/// `{"ts","kind":"resync","project","reason"}`.
pub fn resync(ts: &str, r: &ResyncView) -> String {
    Line::new(ts, "resync")
        .field("project", r.project_id.as_str())
        .field("reason", r.reason.as_str())
        .finish()
}

/// `{"ts","kind":"missed","project","resource","action","id","summary"}`: one change found
/// by a catch-up (`devhive catchup`, and `watch` after a resync).
pub fn missed(ts: &str, m: &devhive_core::catchup::Missed) -> String {
    Line::new(ts, "missed")
        .field("project", m.project.as_str())
        .field("resource", m.resource.as_str())
        .field("action", m.action.as_str())
        .field("id", m.id.as_str())
        .field("summary", m.summary.as_str())
        .finish()
}

/// `{"ts","kind":"error","message"}`.
pub fn error(ts: &str, message: &str) -> String {
    Line::new(ts, "error").field("message", message).finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const TS: &str = "2025-12-28T03:12:45.004Z";
    const P: &str = "3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90";

    fn conn(state: ConnectionState) -> ConnectionView {
        ConnectionView {
            project_id: P.into(),
            state,
            attempt: None,
            retry_at_ms: None,
            since_ms: None,
            reason: None,
        }
    }

    #[test]
    fn timestamps_are_rfc3339_utc_with_milliseconds() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_766_891_565_004);
        assert_eq!(timestamp(at), "2025-12-28T03:12:45.004Z");
    }

    #[test]
    fn token_line_has_the_fixed_fields() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_766_892_465);
        assert_eq!(
            token(TS, "refreshed", Some(at), None),
            r#"{"ts":"2025-12-28T03:12:45.004Z","kind":"token","state":"refreshed","expires_at":"2025-12-28T03:27:45Z"}"#
        );
        assert_eq!(
            token(TS, "needs_login", None, Some("Invalid refresh token")),
            r#"{"ts":"2025-12-28T03:12:45.004Z","kind":"token","state":"needs_login","reason":"Invalid refresh token"}"#
        );
        assert_eq!(token_state_name(SessionState::Valid, true), "refreshed");
        assert_eq!(token_state_name(SessionState::Retrying, true), "retrying");
    }

    #[test]
    fn connection_lines_carry_attempt_retry_and_reason() {
        let connecting = ConnectionView {
            attempt: Some(2),
            ..conn(ConnectionState::Connecting)
        };
        assert_eq!(
            connection(TS, &connecting, 0.0),
            format!(
                r#"{{"ts":"{TS}","kind":"connection","project":"{P}","state":"connecting","attempt":2}}"#
            )
        );
        let backoff = ConnectionView {
            retry_at_ms: Some(11_500.0),
            reason: Some("closed 1011: Server overloaded".into()),
            ..conn(ConnectionState::Backoff)
        };
        assert_eq!(
            connection(TS, &backoff, 10_000.0),
            format!(
                r#"{{"ts":"{TS}","kind":"connection","project":"{P}","state":"backoff","retry_in_ms":1500,"reason":"closed 1011: Server overloaded"}}"#
            )
        );
        let forbidden = ConnectionView {
            reason: Some("Access denied to project".into()),
            ..conn(ConnectionState::Forbidden)
        };
        assert_eq!(
            connection(TS, &forbidden, 0.0),
            format!(
                r#"{{"ts":"{TS}","kind":"connection","project":"{P}","state":"forbidden","reason":"Access denied to project"}}"#
            )
        );
    }

    #[test]
    fn event_line_names_type_resource_action_and_id() {
        let e = FeedEventView {
            project_id: P.into(),
            kind: "cache_invalidate".into(),
            resource: Some("project_members".into()),
            action: Some("INSERT".into()),
            id: Some(format!("{P}:u1")),
            summary: None,
            at_ms: 0.0,
        };
        assert_eq!(
            event(TS, &e),
            format!(
                r#"{{"ts":"{TS}","kind":"event","project":"{P}","type":"cache_invalidate","resource":"project_members","action":"INSERT","id":"{P}:u1"}}"#
            )
        );
    }

    #[test]
    fn missed_line_has_exactly_the_fixed_fields() {
        use devhive_core::catchup::{Missed, MissedAction, MissedResource};
        let m = Missed {
            project: P.into(),
            resource: MissedResource::Task,
            action: MissedAction::Update,
            id: "t1".into(),
            summary: "‘Fix login’ moved To do → Done".into(),
            at: None,
            found_at_ms: 0,
        };
        assert_eq!(
            missed(TS, &m),
            format!(
                r#"{{"ts":"{TS}","kind":"missed","project":"{P}","resource":"task","action":"UPDATE","id":"t1","summary":"‘Fix login’ moved To do → Done"}}"#
            )
        );
    }

    #[test]
    fn resync_and_error_lines() {
        let r = ResyncView {
            project_id: P.into(),
            reason: "server_reconnect".into(),
        };
        assert_eq!(
            resync(TS, &r),
            format!(
                r#"{{"ts":"{TS}","kind":"resync","project":"{P}","reason":"server_reconnect"}}"#
            )
        );
        assert_eq!(
            error(TS, "say \"hi\""),
            format!(r#"{{"ts":"{TS}","kind":"error","message":"say \"hi\""}}"#)
        );
    }
}
