//! The diagnostics bundle: what support needs to answer "why did the live feed stop?",
//! with every secret removed. Built by `devhive diagnostics export` and by the app's
//! diagnostics view from the same [`BundleInput`].
//!
//! Redaction is layered: tokens enter only as [`Secret`]s whose values are never copied into
//! the model (claims are decoded, the signature and raw segments are dropped); then every
//! string of the finished JSON is scrubbed of token-shaped words ([`crate::timeline::redact`])
//! and of any 16-character run shared with a known secret (refresh token, password).

use super::check::Check;
use crate::realtime::CounterSnapshot;
use crate::secret::Secret;
use crate::server::ServerProfile;
use crate::timeline::{Entry, Record, Scope, Timeline};
use serde::Serialize;
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// The bundle's format tag; bump it when a field changes meaning.
pub const BUNDLE_FORMAT: &str = "devhive-diagnostics/1";
/// How many recent events the bundle keeps.
pub const EVENT_LIMIT: usize = 200;
/// Shared runs of this many bytes with a known secret are masked.
const SECRET_WINDOW: usize = 16;
/// Secrets shorter than this are masked only as whole words (shorter ones are too common).
const SECRET_MIN_LEN: usize = 6;

/// A project the user watches: id and name are kept (they help support, they are not secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectRef {
    /// Lowercase UUID.
    pub id: String,
    /// The project's name.
    pub name: String,
}

/// One received event, reduced to its type and ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRef {
    /// When it arrived (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The project.
    pub project: String,
    /// The envelope type (`cache_invalidate`, `message_created`…).
    #[serde(rename = "type")]
    pub kind: String,
    /// The resource (`task`, `project_members`…), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The action (`INSERT`, `UPDATE`, `DELETE`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The row id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Everything the bundle is built from. Secrets go in as [`Secret`]s and never come out.
#[derive(Debug, Clone)]
pub struct BundleInput {
    /// The app or CLI version.
    pub app_version: String,
    /// The server profile in use.
    pub profile: ServerProfile,
    /// The signed-in user's name, if known.
    pub user_name: Option<String>,
    /// Watched projects.
    pub projects: Vec<ProjectRef>,
    /// The current access token: its claims are included, never its text or signature.
    pub access_token: Option<Secret>,
    /// Other secrets the process holds (refresh token, password): scrubbed wherever found.
    pub known_secrets: Vec<Secret>,
    /// The diagnostics timeline (session and connection entries).
    pub timeline: Vec<Record>,
    /// Recent events, oldest first (only the last [`EVENT_LIMIT`] are kept).
    pub events: Vec<EventRef>,
    /// Doctor results, when a doctor run was part of the export.
    pub checks: Vec<Check>,
    /// The keychain probe's answer in plain words (`works`, `locked`…).
    pub keychain: Option<String>,
    /// The OS release (e.g. `Debian GNU/Linux 13 (trixie)`), when known.
    pub os_version: Option<String>,
    /// The realtime feed's frame counters (delivered, skipped as bad JSON or oversized,
    /// dropped for unwatched projects, duplicates), when a feed ran.
    pub feed: Option<CounterSnapshot>,
    /// Plain notes on how the client degraded (e.g. a REST endpoint this server lacks).
    pub notes: Vec<String>,
    /// Routes, proxy variables and the server certificate
    /// ([`crate::net::inspect::bundle_section`]), proxy passwords already hidden.
    pub network: Option<serde_json::Value>,
}

impl BundleInput {
    /// An input with only the version and profile set.
    pub fn new(app_version: impl Into<String>, profile: ServerProfile) -> Self {
        Self {
            app_version: app_version.into(),
            profile,
            user_name: None,
            projects: Vec::new(),
            access_token: None,
            known_secrets: Vec::new(),
            timeline: Vec::new(),
            events: Vec::new(),
            checks: Vec::new(),
            keychain: None,
            os_version: os_version(),
            feed: None,
            notes: Vec::new(),
            network: None,
        }
    }

    /// Takes the entries of a live timeline.
    pub fn with_timeline(mut self, timeline: &Timeline) -> Self {
        self.timeline = timeline.snapshot();
        self
    }
}

/// The OS release name: `PRETTY_NAME` of `/etc/os-release` on Linux, `None` elsewhere.
pub fn os_version() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
}

/// Counters support reads first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Refresh attempts (any outcome).
    pub refreshes: usize,
    /// Successful connects after the first per project.
    pub reconnects: usize,
    /// Errors: error entries, refused handshakes and failed refreshes.
    pub errors: usize,
}

/// Counts refreshes, reconnects and errors in a timeline.
pub fn count(records: &[Record]) -> Counts {
    let mut counts = Counts::default();
    let mut connected_once = BTreeSet::new();
    for record in records {
        match (&record.scope, &record.entry) {
            (_, Entry::Refresh { outcome, .. }) => {
                counts.refreshes += 1;
                if outcome != "ok" {
                    counts.errors += 1;
                }
            }
            (scope, Entry::Handshake { status: 101, .. })
                if !connected_once.insert(format!("{scope:?}")) =>
            {
                counts.reconnects += 1;
            }
            (_, Entry::Handshake { status: 101, .. }) => {}
            (_, Entry::Handshake { .. }) | (_, Entry::Error { .. }) => counts.errors += 1,
            _ => {}
        }
    }
    counts
}

/// Builds the redacted bundle as a JSON value.
pub fn build(input: &BundleInput, now: OffsetDateTime) -> serde_json::Value {
    let (session, connections): (Vec<&Record>, Vec<&Record>) = input
        .timeline
        .iter()
        .partition(|r| r.scope == Scope::Session);
    let events_from = input.events.len().saturating_sub(EVENT_LIMIT);
    let value = serde_json::json!({
        "format": BUNDLE_FORMAT,
        "generated_at": now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "app_version": input.app_version,
        "os": {
            "family": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
            "version": input.os_version,
        },
        "server": {
            "rest_base": strip_token_params(input.profile.rest_base.as_str()),
            "ws_url": strip_token_params(input.profile.ws_url.as_str()),
            "flavour": input.profile.flavour,
            "api_version": input.profile.api_version,
        },
        "user": input.user_name,
        "projects": input.projects,
        "token": input.access_token.as_ref().map(token_summary),
        "keychain": input.keychain,
        "counts": count(&input.timeline),
        "feed": input.feed,
        "notes": input.notes,
        "network": input.network,
        "session_timeline": session,
        "connection_timeline": connections,
        "events": &input.events[events_from..],
        "checks": input.checks.iter().map(Check::to_json).collect::<Vec<_>>(),
    });
    let mut secrets: Vec<&Secret> = input.known_secrets.iter().collect();
    secrets.extend(input.access_token.as_ref());
    scrub_value(value, &secrets)
}

/// The bundle as pretty JSON bytes, ready to attach to a ticket.
pub fn to_bytes(input: &BundleInput, now: OffsetDateTime) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&build(input, now)).expect("bundle serialises");
    bytes.push(b'\n');
    bytes
}

/// The claims and header of a token, never its text or signature.
fn token_summary(token: &Secret) -> serde_json::Value {
    let header = jsonwebtoken::decode_header(token.expose()).ok();
    match crate::jwt::decode_claims(token.expose()) {
        Ok(claims) => serde_json::json!({
            "fingerprint": token.fingerprint(),
            "alg": header.map(|h| format!("{:?}", h.alg)),
            "sub": claims.sub,
            "iss": claims.iss,
            "aud": claims.aud,
            "iat": claims.iat,
            "exp": claims.exp,
            "lifetime_secs": claims.lifetime().as_secs(),
        }),
        Err(error) => serde_json::json!({
            "fingerprint": token.fingerprint(),
            "unreadable": error.to_string(),
        }),
    }
}

/// Removes `token=` / `access_token=` query parameters from a URL string.
pub fn strip_token_params(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    if parsed.query().is_none() {
        return url.to_owned();
    }
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let secret = matches!(k.as_ref(), "token" | "access_token" | "refresh_token");
            let value = if secret {
                "<redacted>".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), value)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(kept);
    parsed.to_string()
}

fn scrub_value(value: serde_json::Value, secrets: &[&Secret]) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(scrub_text(&s, secrets)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| scrub_value(v, secrets)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (scrub_text(&k, secrets), scrub_value(v, secrets)))
                .collect(),
        ),
        other => other,
    }
}

/// Scrubs one string: token-shaped words, then any run shared with a known secret.
pub fn scrub_text(text: &str, secrets: &[&Secret]) -> String {
    let text = crate::timeline::redact(text);
    let bytes = text.as_bytes();
    let mut masked = vec![false; bytes.len()];
    for secret in secrets {
        let secret = secret.expose().as_bytes();
        if secret.len() < SECRET_MIN_LEN {
            continue;
        }
        let window = SECRET_WINDOW.min(secret.len());
        if bytes.len() < window {
            continue;
        }
        for start in 0..=bytes.len() - window {
            let run = &bytes[start..start + window];
            if secret.windows(window).any(|w| w == run) {
                masked[start..start + window]
                    .iter_mut()
                    .for_each(|m| *m = true);
            }
        }
    }
    if !masked.contains(&true) {
        return text;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if masked[i] {
            out.extend_from_slice(b"<redacted>");
            while i < bytes.len() && masked[i] {
                i += 1;
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{ApiVersion, Flavour};

    fn profile() -> ServerProfile {
        ServerProfile::custom("http://127.0.0.1:9", None, Flavour::Fly, ApiVersion::B).unwrap()
    }

    #[test]
    fn a_password_inside_free_text_is_masked() {
        let password = Secret::new("correct horse battery staple");
        let text = "login failed for alice with correct horse battery staple!";
        let out = scrub_text(text, &[&password]);
        assert!(!out.contains("horse battery"), "{out}");
        assert!(out.contains("login failed for alice"), "{out}");
    }

    #[test]
    fn token_query_parameters_are_stripped_from_urls() {
        let url = "wss://ws.example/prod?token=abc.def.ghi&projectId=p1";
        let out = strip_token_params(url);
        assert!(!out.contains("abc.def"), "{out}");
        assert!(out.contains("projectId=p1"), "{out}");
    }

    #[test]
    fn counts_read_refreshes_reconnects_and_errors() {
        let timeline = Timeline::new(crate::clock::system());
        let p = Scope::Project("p".into());
        let hs = |status| Entry::Handshake {
            status,
            body: String::new(),
            params: String::new(),
        };
        timeline.record(p.clone(), hs(101));
        timeline.record(p.clone(), hs(401));
        timeline.record(p.clone(), hs(101));
        timeline.record(
            Scope::Session,
            Entry::Refresh {
                outcome: "ok".into(),
                detail: None,
                elapsed_ms: 3,
            },
        );
        let counts = count(&timeline.snapshot());
        assert_eq!(
            counts,
            Counts {
                refreshes: 1,
                reconnects: 1,
                errors: 1
            }
        );
    }

    #[test]
    fn only_the_last_two_hundred_events_are_kept() {
        let mut input = BundleInput::new("1.0", profile());
        input.events = (0..250)
            .map(|i| EventRef {
                at: OffsetDateTime::UNIX_EPOCH,
                project: "p".into(),
                kind: "cache_invalidate".into(),
                resource: Some("task".into()),
                action: Some("UPDATE".into()),
                id: Some(format!("id{i}")),
            })
            .collect();
        let json = build(&input, OffsetDateTime::UNIX_EPOCH);
        let events = json["events"].as_array().unwrap();
        assert_eq!(events.len(), EVENT_LIMIT);
        assert_eq!(events[0]["id"], "id50", "the oldest fifty must be dropped");
    }

    #[test]
    fn feed_counters_and_notes_are_in_the_bundle() {
        let mut input = BundleInput::new("1.0", profile());
        input.feed = Some(CounterSnapshot {
            delivered: 7,
            bad_json: 1,
            ..CounterSnapshot::default()
        });
        input
            .notes
            .push("this server has no task list endpoint (404)".into());
        let json = build(&input, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(json["feed"]["delivered"], 7);
        assert_eq!(json["feed"]["bad_json"], 1);
        assert_eq!(
            json["notes"][0],
            "this server has no task list endpoint (404)"
        );
    }
}
