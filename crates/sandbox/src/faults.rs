//! Injected failures: blackhole, failed upgrades, overloaded registration, refresh latency and
//! errors, and a deployment without the task and sprint list endpoints.

use crate::control::types::{RefreshFaults, UpgradeFailure};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What one refresh request must suffer.
#[derive(Debug, Clone, Default)]
pub struct RefreshFault {
    /// Delay before answering.
    pub latency: Duration,
    /// Injected error status and detail.
    pub error: Option<(u16, String)>,
    /// Whether the error happens after the old token was deleted.
    pub after_delete: bool,
}

struct RefreshState {
    spec: RefreshFaults,
    remaining: Option<u32>,
    until: Option<Instant>,
}

/// All fault switches; every one is off by default.
pub struct Faults {
    blackhole: watch::Sender<bool>,
    upgrades: Mutex<Option<UpgradeFailure>>,
    overloaded: AtomicU32,
    refresh: Mutex<Option<RefreshState>>,
    work_lists_missing: AtomicBool,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            blackhole: watch::channel(false).0,
            upgrades: Mutex::new(None),
            overloaded: AtomicU32::new(0),
            refresh: Mutex::new(None),
            work_lists_missing: AtomicBool::new(false),
        }
    }
}

impl Faults {
    /// Turns the blackhole on or off.
    pub fn set_blackhole(&self, on: bool) {
        self.blackhole.send_replace(on);
    }

    /// A receiver socket tasks watch to stop (and resume) all traffic.
    pub fn blackhole(&self) -> watch::Receiver<bool> {
        self.blackhole.subscribe()
    }

    /// Serves `GET /projects/{id}/tasks` and `/sprints` as routes that do not exist (chi's
    /// `404 page not found`), like a deployment without them.
    pub fn set_work_lists_missing(&self, on: bool) {
        self.work_lists_missing.store(on, Ordering::Relaxed);
    }

    /// Whether the task and sprint list endpoints are hidden.
    pub fn work_lists_missing(&self) -> bool {
        self.work_lists_missing.load(Ordering::Relaxed)
    }

    /// Arms failing of the next handshakes.
    pub fn fail_upgrades(&self, f: UpgradeFailure) {
        *self.upgrades.lock().unwrap() = (f.count > 0).then_some(f);
    }

    /// Consumes one armed handshake failure.
    pub fn take_upgrade_failure(&self) -> Option<(u16, String)> {
        let mut g = self.upgrades.lock().unwrap();
        let f = g.as_mut()?;
        let out = (f.status, f.body.clone());
        f.count -= 1;
        if f.count == 0 {
            *g = None;
        }
        Some(out)
    }

    /// Makes the next `n` registrations lose the race (close 1011 `Server overloaded`).
    pub fn set_overloaded(&self, n: u32) {
        self.overloaded.store(n, Ordering::SeqCst);
    }

    /// Consumes one armed registration failure.
    pub fn take_overloaded(&self) -> bool {
        self.overloaded
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Arms refresh faults (an all-default value clears them).
    pub fn set_refresh(&self, spec: RefreshFaults) {
        let clear = spec.latency_ms == 0 && spec.fail_status.is_none();
        let state = RefreshState {
            remaining: spec.count,
            until: spec
                .duration_ms
                .map(|ms| Instant::now() + Duration::from_millis(ms)),
            spec,
        };
        *self.refresh.lock().unwrap() = (!clear).then_some(state);
    }

    /// The fault for this refresh, consuming one use.
    pub fn take_refresh(&self) -> Option<RefreshFault> {
        let mut g = self.refresh.lock().unwrap();
        let s = g.as_mut()?;
        if s.until.is_some_and(|u| Instant::now() >= u) || s.remaining == Some(0) {
            *g = None;
            return None;
        }
        if let Some(r) = s.remaining.as_mut() {
            *r -= 1;
        }
        let detail = s
            .spec
            .fail_detail
            .clone()
            .unwrap_or_else(|| "Failed to create refresh token".into());
        Some(RefreshFault {
            latency: Duration::from_millis(s.spec.latency_ms),
            error: s.spec.fail_status.map(|st| (st, detail)),
            after_delete: s.spec.after_delete,
        })
    }
}
