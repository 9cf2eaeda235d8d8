//! The diagnostics timeline: a bounded ring buffer of what happened (states, refreshes,
//! handshakes, closes, resyncs), exportable as redacted JSON for support.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tokio::sync::broadcast;

/// How many entries the timeline keeps (design.md §3).
pub const TIMELINE_CAPACITY: usize = 1_000;

/// Where an entry comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "project")]
pub enum Scope {
    /// The session (tokens, sign-in).
    Session,
    /// One project's realtime connection (lowercase UUID).
    Project(String),
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Entry {
    /// The session or a connection changed state (`valid`, `backoff`, …).
    State {
        /// The new state's name.
        state: String,
        /// Why, in the server's or our plain words.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A refresh finished.
    Refresh {
        /// `ok`, `rejected`, `transient` or `rate_limited`.
        outcome: String,
        /// The server's detail, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// How long the request took.
        elapsed_ms: u64,
    },
    /// A WebSocket handshake finished (101 or an HTTP error before the upgrade).
    Handshake {
        /// HTTP status (101 on success).
        status: u16,
        /// The response body (trimmed), e.g. `Authentication token has expired…`.
        #[serde(skip_serializing_if = "String::is_empty")]
        body: String,
        /// The URL parameters we sent, minus any token.
        #[serde(skip_serializing_if = "String::is_empty")]
        params: String,
    },
    /// A socket closed.
    Closed {
        /// The close code, absent when the connection ended with no close frame.
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<u16>,
        /// The close reason or the transport error.
        reason: String,
    },
    /// Consumers were told to refetch.
    Resync {
        /// `connected`, `server_reconnect` or `wake`.
        reason: String,
    },
    /// The machine slept (a wall-clock jump was seen).
    Wake {
        /// How far wall time jumped beyond monotonic time, in seconds.
        jump_secs: u64,
    },
    /// An error worth showing.
    Error {
        /// Plain words.
        message: String,
    },
    /// Something worth knowing that is not an error (e.g. a REST endpoint this server lacks,
    /// so the client works without it).
    Note {
        /// Plain words.
        message: String,
    },
}

/// One timeline row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Wall time (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Session or project.
    #[serde(flatten)]
    pub scope: Scope,
    /// The event.
    #[serde(flatten)]
    pub entry: Entry,
}

/// A shared, bounded, redacting timeline. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Timeline {
    inner: Arc<Mutex<VecDeque<Record>>>,
    appended: broadcast::Sender<Record>,
    clock: crate::clock::SharedClock,
}

impl Timeline {
    /// An empty timeline reading wall time from `clock`.
    pub fn new(clock: crate::clock::SharedClock) -> Self {
        let (appended, _) = broadcast::channel(256);
        Self {
            inner: Arc::new(Mutex::new(VecDeque::with_capacity(TIMELINE_CAPACITY))),
            appended,
            clock,
        }
    }

    /// Appends an entry (free text is scrubbed of anything token-shaped first).
    pub fn record(&self, scope: Scope, entry: Entry) {
        let record = Record {
            at: OffsetDateTime::from(self.clock.wall()),
            scope,
            entry: scrub_entry(entry),
        };
        {
            let mut rows = self.inner.lock().expect("timeline lock");
            if rows.len() == TIMELINE_CAPACITY {
                rows.pop_front();
            }
            rows.push_back(record.clone());
        }
        let _ = self.appended.send(record);
    }

    /// Every entry, oldest first.
    pub fn snapshot(&self) -> Vec<Record> {
        self.inner
            .lock()
            .expect("timeline lock")
            .iter()
            .cloned()
            .collect()
    }

    /// New entries as they are appended.
    pub fn subscribe(&self) -> broadcast::Receiver<Record> {
        self.appended.subscribe()
    }

    /// The redacted JSON export (an array of records).
    pub fn export_json(&self) -> serde_json::Value {
        serde_json::to_value(self.snapshot()).expect("records serialise")
    }
}

fn scrub_entry(entry: Entry) -> Entry {
    match entry {
        Entry::State { state, reason } => Entry::State {
            state,
            reason: reason.map(|r| redact(&r)),
        },
        Entry::Refresh {
            outcome,
            detail,
            elapsed_ms,
        } => Entry::Refresh {
            outcome,
            detail: detail.map(|d| redact(&d)),
            elapsed_ms,
        },
        Entry::Handshake {
            status,
            body,
            params,
        } => Entry::Handshake {
            status,
            body: redact(&body),
            params: redact(&params),
        },
        Entry::Closed { code, reason } => Entry::Closed {
            code,
            reason: redact(&reason),
        },
        Entry::Error { message } => Entry::Error {
            message: redact(&message),
        },
        Entry::Note { message } => Entry::Note {
            message: redact(&message),
        },
        other @ (Entry::Resync { .. } | Entry::Wake { .. }) => other,
    }
}

/// Replaces anything shaped like a JWT (three base64url segments) or a long hex run (a
/// refresh token is 128 hex chars) with a placeholder. Applied to every free-text field
/// that reaches diagnostics, as a second line of defence behind [`crate::secret::Secret`].
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if looks_like_jwt(word) {
            out.push_str("<redacted-jwt>");
        } else if word.len() >= 32 && word.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push_str("<redacted-hex>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.') {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn looks_like_jwt(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3 && parts[0].len() >= 10 && parts[1].len() >= 10 && word.len() >= 40
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_removes_jwts_and_refresh_tokens_but_keeps_words() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_nature-abc";
        let hex = "ab".repeat(64);
        let text = format!("token={jwt}; refresh_token={hex} Invalid refresh token");
        let cleaned = redact(&text);
        assert!(!cleaned.contains("eyJhbGci"), "{cleaned}");
        assert!(!cleaned.contains(&hex), "{cleaned}");
        assert!(cleaned.contains("Invalid refresh token"), "{cleaned}");
    }

    #[test]
    fn timeline_keeps_only_the_last_thousand_entries() {
        let timeline = Timeline::new(crate::clock::system());
        for i in 0..(TIMELINE_CAPACITY + 5) {
            timeline.record(
                Scope::Session,
                Entry::Error {
                    message: format!("n{i}"),
                },
            );
        }
        let rows = timeline.snapshot();
        assert_eq!(rows.len(), TIMELINE_CAPACITY);
        assert_eq!(
            rows[0].entry,
            Entry::Error {
                message: "n5".into()
            },
            "the oldest five must have been dropped"
        );
    }

    #[test]
    fn export_is_flat_json_with_scope_and_kind() {
        let timeline = Timeline::new(crate::clock::system());
        timeline.record(
            Scope::Project("p1".into()),
            Entry::Closed {
                code: Some(1011),
                reason: "Server overloaded".into(),
            },
        );
        let json = timeline.export_json();
        let row = &json[0];
        assert_eq!(row["scope"], "project");
        assert_eq!(row["project"], "p1");
        assert_eq!(row["kind"], "closed");
        assert_eq!(row["code"], 1011);
    }
}
