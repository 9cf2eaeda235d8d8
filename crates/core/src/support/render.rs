//! Renders timeline records as the lines a person reads in a ticket: offset from the start,
//! where it happened, and what happened in plain words.

use crate::timeline::{Entry, Record, Scope};
use time::OffsetDateTime;

/// One record as a plain-text line, e.g. `+  0.412s  project 0b8e2c1a  handshake 401 …`.
pub fn line(record: &Record, start: OffsetDateTime) -> String {
    let offset = (record.at - start).as_seconds_f64().max(0.0);
    format!(
        "+{offset:>7.3}s  {:<17} {}",
        scope_label(&record.scope),
        describe(&record.entry)
    )
}

/// Every record as plain-text lines, offsets from the first record.
pub fn lines(records: &[Record]) -> Vec<String> {
    let Some(first) = records.first() else {
        return Vec::new();
    };
    records.iter().map(|r| line(r, first.at)).collect()
}

/// One record as a JSON object with `ts` and `kind` (the JSON-lines form of design.md §4).
pub fn json(record: &Record) -> serde_json::Value {
    let mut value = serde_json::to_value(record).expect("records serialise");
    if let Some(map) = value.as_object_mut() {
        if let Some(at) = map.remove("at") {
            map.insert("ts".into(), at);
        }
    }
    value
}

fn scope_label(scope: &Scope) -> String {
    match scope {
        Scope::Session => "session".to_owned(),
        Scope::Project(id) => format!("project {}", id.get(..8).unwrap_or(id)),
    }
}

/// The entry in plain words.
pub fn describe(entry: &Entry) -> String {
    match entry {
        Entry::State { state, reason } => match reason {
            Some(reason) => format!("state {state} ({reason})"),
            None => format!("state {state}"),
        },
        Entry::Refresh {
            outcome,
            detail,
            elapsed_ms,
        } => match detail {
            Some(detail) => format!("refresh {outcome} in {elapsed_ms} ms: {detail}"),
            None => format!("refresh {outcome} in {elapsed_ms} ms"),
        },
        Entry::Handshake { status: 101, .. } => "handshake 101 (connected)".to_owned(),
        Entry::Handshake { status, body, .. } => format!("handshake {status}: {body}"),
        Entry::Closed { code, reason } => match code {
            Some(code) => format!("closed {code} {reason}"),
            None => format!("closed without a close frame ({reason})"),
        },
        Entry::Resync { reason } => format!("resync ({reason})"),
        Entry::Wake { jump_secs } => format!("wake: wall clock jumped {jump_secs} s"),
        Entry::Error { message } => format!("error: {message}"),
        Entry::Note { message } => format!("note: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::Timeline;

    #[test]
    fn lines_show_offset_scope_and_plain_words() {
        let timeline = Timeline::new(crate::clock::system());
        timeline.record(
            Scope::Session,
            Entry::Refresh {
                outcome: "ok".into(),
                detail: None,
                elapsed_ms: 4,
            },
        );
        timeline.record(
            Scope::Project("0b8e2c1a-1111-2222-3333-444455556666".into()),
            Entry::Handshake {
                status: 401,
                body: "Invalid authentication token format".into(),
                params: "projectId=…".into(),
            },
        );
        let out = lines(&timeline.snapshot());
        assert!(out[0].starts_with("+  0.000s  session"), "{}", out[0]);
        assert!(out[0].ends_with("refresh ok in 4 ms"), "{}", out[0]);
        assert!(
            out[1].contains("project 0b8e2c1a  handshake 401: Invalid authentication token format"),
            "{}",
            out[1]
        );
    }

    #[test]
    fn json_lines_carry_ts_and_kind() {
        let timeline = Timeline::new(crate::clock::system());
        timeline.record(
            Scope::Session,
            Entry::Resync {
                reason: "wake".into(),
            },
        );
        let value = json(&timeline.snapshot()[0]);
        assert!(value["ts"].is_string());
        assert_eq!(value["kind"], "resync");
        assert!(value.get("at").is_none());
    }
}
