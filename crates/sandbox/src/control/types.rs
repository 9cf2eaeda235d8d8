//! Wire types of the `/__sandbox/*` control API, shared by the routes and [`super::ControlClient`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::ws::hub::Flavour;

/// How to drop sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropMode {
    /// Close frame 1000 with an empty reason (what Gorilla sends when it unregisters a client).
    Close1000,
    /// Close frame 1011 `Server overloaded`.
    Close1011,
    /// Close frame 1009 with an empty reason (Gorilla's answer to a frame over its 512 B read limit).
    Close1009,
    /// TCP close with no close frame (process kill, deploy).
    Abrupt,
}

/// Body of `POST /__sandbox/drop-sockets`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DropRequest {
    /// How to drop.
    pub mode: DropMode,
    /// Only sockets bound to this project string; all when absent.
    #[serde(default)]
    pub project: Option<String>,
    /// Only sockets of this flavour; both when absent.
    #[serde(default)]
    pub flavour: Option<Flavour>,
}

/// Body of `POST /__sandbox/fail-upgrades`: the next `count` handshakes answer `status` + `body\n`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpgradeFailure {
    /// How many handshakes to fail.
    pub count: u32,
    /// HTTP status to answer.
    pub status: u16,
    /// Plain-text body (a `\n` is appended, as Go's `http.Error` does).
    pub body: String,
}

/// Body of `POST /__sandbox/refresh-faults`: latency and/or errors for `/auth/refresh`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefreshFaults {
    /// Delay added to each affected refresh, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// Status of an injected error (e.g. 500, 502, 503); none means only latency.
    #[serde(default)]
    pub fail_status: Option<u16>,
    /// `detail` of the injected problem (default `Failed to create refresh token`).
    #[serde(default)]
    pub fail_detail: Option<String>,
    /// Apply to the next N refreshes only.
    #[serde(default)]
    pub count: Option<u32>,
    /// Apply for this many milliseconds only.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// Fail after the old token was deleted, losing the session (the non-atomic rotation).
    #[serde(default)]
    pub after_delete: bool,
}

/// One emitted realtime frame, as recorded by the stats.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventRecord {
    /// Monotonic sequence number, starting at 1.
    pub seq: u64,
    /// Emit time, RFC 3339 with nanoseconds.
    pub emitted_at: String,
    /// Which protocol the frame was built for.
    pub flavour: Flavour,
    /// Project string for project-scoped frames; `None` when sent to everyone.
    pub project: Option<String>,
    /// The exact frame text.
    pub frame: String,
    /// How many sockets it was queued to.
    pub delivered: usize,
}

/// `GET /__sandbox/stats`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Logins by outcome: `ok` or the problem detail.
    pub logins: BTreeMap<String, u64>,
    /// Refreshes by outcome: `ok` or the problem detail.
    pub refreshes: BTreeMap<String, u64>,
    /// Handshakes by flavour then HTTP status (`101` for success).
    pub handshakes: BTreeMap<String, BTreeMap<String, u64>>,
    /// Open sockets by flavour then project string.
    pub open_sockets: BTreeMap<String, BTreeMap<String, usize>>,
    /// Frames emitted since start (the list below keeps the last 10,000).
    pub events_emitted: u64,
    /// The most recent emitted frames, oldest first.
    pub events: Vec<EventRecord>,
}

impl Stats {
    /// Successful refreshes.
    pub fn refreshes_ok(&self) -> u64 {
        self.refreshes.get("ok").copied().unwrap_or(0)
    }

    /// All refresh requests, whatever the outcome.
    pub fn refreshes_total(&self) -> u64 {
        self.refreshes.values().sum()
    }

    /// Handshakes of a flavour that ended with this status.
    pub fn handshakes_with(&self, flavour: Flavour, status: u16) -> u64 {
        let f = match flavour {
            Flavour::Fly => "fly",
            Flavour::Aws => "aws",
        };
        self.handshakes
            .get(f)
            .and_then(|m| m.get(&status.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Open sockets over every flavour and project.
    pub fn open_sockets_total(&self) -> usize {
        self.open_sockets.values().flat_map(|m| m.values()).sum()
    }
}
