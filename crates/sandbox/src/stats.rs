//! Counters and the bounded log of emitted frames behind `GET /__sandbox/stats`.

use crate::control::types::{EventRecord, Flavour, Stats};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

/// How many emitted frames the log keeps.
pub const EVENT_LOG_CAP: usize = 10_000;

#[derive(Default)]
struct Data {
    logins: BTreeMap<String, u64>,
    refreshes: BTreeMap<String, u64>,
    handshakes: BTreeMap<String, BTreeMap<String, u64>>,
    seq: u64,
    events: VecDeque<EventRecord>,
}

/// Thread-safe recorder of what the sandbox did.
#[derive(Default)]
pub struct Recorder {
    data: Mutex<Data>,
}

fn flavour_name(f: Flavour) -> &'static str {
    match f {
        Flavour::Fly => "fly",
        Flavour::Aws => "aws",
    }
}

impl Recorder {
    /// Counts a login outcome (`ok` or a detail).
    pub fn login(&self, outcome: &str) {
        *self
            .data
            .lock()
            .unwrap()
            .logins
            .entry(outcome.into())
            .or_default() += 1;
    }

    /// Counts a refresh outcome (`ok` or a detail).
    pub fn refresh(&self, outcome: &str) {
        *self
            .data
            .lock()
            .unwrap()
            .refreshes
            .entry(outcome.into())
            .or_default() += 1;
    }

    /// Counts a handshake response status.
    pub fn handshake(&self, flavour: Flavour, status: u16) {
        let mut d = self.data.lock().unwrap();
        *d.handshakes
            .entry(flavour_name(flavour).into())
            .or_default()
            .entry(status.to_string())
            .or_default() += 1;
    }

    /// Appends an emitted frame, dropping the oldest past [`EVENT_LOG_CAP`].
    pub fn event(&self, flavour: Flavour, project: Option<String>, frame: &str, delivered: usize) {
        let emitted_at = crate::timefmt::rfc3339_nano(crate::timefmt::now());
        let mut d = self.data.lock().unwrap();
        d.seq += 1;
        let seq = d.seq;
        if d.events.len() == EVENT_LOG_CAP {
            d.events.pop_front();
        }
        d.events.push_back(EventRecord {
            seq,
            emitted_at,
            flavour,
            project,
            frame: frame.to_string(),
            delivered,
        });
    }

    /// A copy of everything, with the given socket counts.
    pub fn snapshot(&self, open: BTreeMap<String, BTreeMap<String, usize>>) -> Stats {
        let d = self.data.lock().unwrap();
        Stats {
            logins: d.logins.clone(),
            refreshes: d.refreshes.clone(),
            handshakes: d.handshakes.clone(),
            open_sockets: open,
            events_emitted: d.seq,
            events: d.events.iter().cloned().collect(),
        }
    }
}
