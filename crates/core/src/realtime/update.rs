//! What the feed publishes (`FeedUpdate`), how it is tuned (`FeedConfig`), and the counters
//! of skipped frames that diagnostics read.

use super::backoff::BackoffPolicy;
use super::connection::{ConnState, ResyncReason};
use super::message::FeedEvent;
use crate::clock::SharedClock;
use crate::net::{Network, SharedDial};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One thing consumers should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedUpdate {
    /// A project's connection changed state.
    Connection {
        /// Lowercase project UUID.
        project: String,
        /// The new state.
        state: ConnState,
    },
    /// An application event for a watched project (its `project` is always set).
    Event(FeedEvent),
    /// Events may have been missed: refetch this project.
    Resync {
        /// Lowercase project UUID.
        project: String,
        /// Why.
        reason: ResyncReason,
    },
}

/// Timings and sizes of the feed; `Default` gives design.md §3's numbers.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// Reconnect delays.
    pub backoff: BackoffPolicy,
    /// Give up on a handshake after this long (10 s).
    pub connect_timeout: Duration,
    /// Send our WebSocket Ping this often (15 s).
    pub ping_interval: Duration,
    /// No frame for this long after our Ping means the socket is dead (10 s).
    pub pong_timeout: Duration,
    /// AWS: send `{"action":"ping"}` this often (5 min).
    pub aws_keepalive: Duration,
    /// AWS: replace the socket with a fresh token after this long (110 min).
    pub aws_renew_after: Duration,
    /// Capacity of the update broadcast; a slower subscriber sees `Lagged`.
    pub channel_capacity: usize,
    /// The clock (tests use a paused one).
    pub clock: SharedClock,
    /// Seed for the backoff jitter; `None` seeds from the OS.
    pub jitter_seed: Option<u64>,
    /// Proxy decisions and TLS settings (default: the machine's, [`Network::system`]).
    pub network: Network,
    /// Opens the byte stream each socket runs over (default: TCP, or a `CONNECT` tunnel when
    /// the route names a proxy). Tests substitute their own, e.g. an in-memory pipe.
    pub dialer: SharedDial,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            backoff: BackoffPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(15),
            pong_timeout: Duration::from_secs(10),
            aws_keepalive: Duration::from_secs(5 * 60),
            aws_renew_after: Duration::from_secs(110 * 60),
            channel_capacity: 4096,
            clock: crate::clock::system(),
            jitter_seed: None,
            network: Network::system(),
            dialer: crate::net::tcp_dialer(),
        }
    }
}

/// Frames and events the feed skipped, for diagnostics.
#[derive(Debug, Default)]
pub struct Counters {
    bad_json: AtomicU64,
    oversized: AtomicU64,
    dropped_unwatched: AtomicU64,
    duplicates: AtomicU64,
    delivered: AtomicU64,
}

/// A copy of [`Counters`] at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CounterSnapshot {
    /// Frames that were not a JSON object with a type.
    pub bad_json: u64,
    /// Frames over 1 MiB.
    pub oversized: u64,
    /// Events for projects we do not watch (the server broadcasts member changes to all).
    pub dropped_unwatched: u64,
    /// Events for another watched project, seen on this project's socket too (that
    /// project's own socket delivers them).
    pub duplicates: u64,
    /// Events delivered to consumers.
    pub delivered: u64,
}

/// Which counter to bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Count {
    BadJson,
    Oversized,
    DroppedUnwatched,
    Duplicate,
    Delivered,
}

impl Counters {
    pub(crate) fn bump(&self, which: Count) {
        let cell = match which {
            Count::BadJson => &self.bad_json,
            Count::Oversized => &self.oversized,
            Count::DroppedUnwatched => &self.dropped_unwatched,
            Count::Duplicate => &self.duplicates,
            Count::Delivered => &self.delivered,
        };
        cell.fetch_add(1, Ordering::Relaxed);
    }

    /// The current values.
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            bad_json: self.bad_json.load(Ordering::Relaxed),
            oversized: self.oversized.load(Ordering::Relaxed),
            dropped_unwatched: self.dropped_unwatched.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
        }
    }
}
