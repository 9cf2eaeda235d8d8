//! Soak with chaos: one client (Session + Feed) against the sandbox for a bounded time, with
//! a 3 s access-token lifetime, a chat message every ~100 ms and a random fault every few
//! seconds. Every emitted message must be delivered or covered by a later `Resync`; no
//! fault here ends the server session, so any `NeedsLogin` is spurious.

use crate::client::{fly_profile, Client};
use crate::procstat;
use crate::tempdir::TempDir;
use devhive_core::keychain::MemoryStore;
use devhive_core::realtime::{ConnState, FeedConfig, FeedUpdate};
use devhive_core::secret::Secret;
use devhive_core::session::SessionState;
use devhive_sandbox::{Config, DropMode, RefreshFaults};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{sleep, Instant};

/// How to run a soak.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// How long faults and events run.
    pub duration: Duration,
    /// Mean time between faults (each gap is uniform in 0.5×…1.5× this).
    pub fault_every: Duration,
    /// Time between posted messages.
    pub event_every: Duration,
    /// Seed of the fault schedule (printed, so a failing run can be replayed).
    pub seed: u64,
}

impl SoakConfig {
    /// The standard soak: faults every ~3 s, a message every 100 ms.
    pub fn for_duration(duration: Duration, seed: u64) -> Self {
        Self {
            duration,
            fault_every: Duration::from_secs(3),
            event_every: Duration::from_millis(100),
            seed,
        }
    }
}

/// What a soak measured.
#[derive(Debug, Clone, Default)]
pub struct SoakReport {
    /// Run time, faults and events included.
    pub elapsed: Duration,
    /// Messages the sandbox emitted (one frame each).
    pub emitted: u64,
    /// Of those, delivered to the feed's subscriber as an event.
    pub delivered: u64,
    /// Not delivered, but a `Resync` for the project came after it was posted.
    pub covered_by_resync: u64,
    /// Neither: silently lost.
    pub lost: u64,
    /// `Resync` updates seen.
    pub resyncs: u64,
    /// Successful logins + refreshes the client made (grants received).
    pub grants: u64,
    /// Refresh requests the sandbox saw, by outcome.
    pub server_refreshes: BTreeMap<String, u64>,
    /// Refresh attempts as the client's session reported them, by outcome and reason (why
    /// refreshes failed or stalled, when a run goes wrong).
    pub client_refreshes: BTreeMap<String, u64>,
    /// `NeedsLogin` seen in the session state or a connection state.
    pub spurious_needs_login: u64,
    /// Faults injected, by name.
    pub faults: BTreeMap<&'static str, u64>,
    /// Resident set size after the first fifth of the run, KiB.
    pub rss_early_kib: u64,
    /// Resident set size at the end, KiB.
    pub rss_end_kib: u64,
    /// Peak resident set size (`VmHWM`), KiB.
    pub peak_rss_kib: u64,
    /// Updates the harness missed because it lagged (must be 0 for the accounting to hold).
    pub harness_lagged: u64,
    /// The seed used.
    pub seed: u64,
    /// What happened when, seconds from the start: faults, connection states, refresh
    /// outcomes and gaps of a second or more between delivered events (printed when a run
    /// fails, to see where live delivery stalled).
    pub trace: Vec<(f64, String)>,
}

impl SoakReport {
    /// A few lines for humans (README numbers).
    pub fn render(&self) -> String {
        let faults = self
            .faults
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "soak: {:.0} s, seed {}\n\
             events: emitted {}, delivered {}, covered by resync {}, lost {}\n\
             resyncs {}, grants (login + refreshes) {}, sandbox refreshes {:?}\n\
             client refreshes {:?}\n\
             spurious NeedsLogin {}\n\
             faults: {faults}\n\
             memory: RSS after first fifth {:.1} MiB, at end {:.1} MiB (growth {:+.1} MiB), peak {:.1} MiB (process incl. sandbox)\n",
            self.elapsed.as_secs_f64(),
            self.seed,
            self.emitted,
            self.delivered,
            self.covered_by_resync,
            self.lost,
            self.resyncs,
            self.grants,
            self.server_refreshes,
            self.client_refreshes,
            self.spurious_needs_login,
            self.rss_early_kib as f64 / 1024.0,
            self.rss_end_kib as f64 / 1024.0,
            (self.rss_end_kib as f64 - self.rss_early_kib as f64) / 1024.0,
            self.peak_rss_kib as f64 / 1024.0,
        )
    }

    /// The trace, one line per entry.
    pub fn render_trace(&self) -> String {
        self.trace
            .iter()
            .map(|(at, what)| format!("{at:8.3} {what}\n"))
            .collect()
    }
}

#[derive(Default)]
struct Seen {
    delivered: HashMap<String, Instant>,
    trace: Vec<(Instant, String)>,
    resyncs: Vec<Instant>,
    needs_login: u64,
    lagged: u64,
}

/// The password of the soak user (long enough for the 20-character leak windows).
pub const SOAK_PASSWORD: &str = "soak-password-long-enough-for-windows";

/// Runs one soak and reports; panics only on harness failures (sandbox unreachable).
pub async fn run(config: SoakConfig) -> SoakReport {
    let started = Instant::now();
    let running = devhive_sandbox::spawn(Config {
        access_ttl: Duration::from_secs(3),
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let sandbox = running.sandbox.clone();
    let control = running.control();
    let owner = sandbox.create_user("soak", SOAK_PASSWORD);
    let project = sandbox.create_project(owner, "Soak");
    let dirs = TempDir::new("soak").expect("temp dir");
    let feed_config = FeedConfig {
        ping_interval: Duration::from_secs(2),
        pong_timeout: Duration::from_secs(2),
        ..FeedConfig::default()
    };
    let client = Client::new(
        fly_profile(&running.base_url()),
        Arc::new(MemoryStore::new()),
        dirs.sub("data").expect("data dir"),
        feed_config,
    );
    client
        .session
        .login("soak", &Secret::new(SOAK_PASSWORD), false)
        .await
        .expect("soak login");

    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut updates = client.feed.subscribe();
    let collector = {
        let seen = Arc::clone(&seen);
        tokio::spawn(async move {
            loop {
                let update = updates.recv().await;
                let now = Instant::now();
                let mut seen = seen.lock().expect("seen");
                match update {
                    Ok(FeedUpdate::Event(event)) => {
                        if let Some(id) = event.id {
                            seen.delivered.entry(id).or_insert(now);
                        }
                    }
                    Ok(FeedUpdate::Resync { .. }) => seen.resyncs.push(now),
                    Ok(FeedUpdate::Connection {
                        state: ConnState::NeedsLogin { .. },
                        ..
                    }) => seen.needs_login += 1,
                    Ok(FeedUpdate::Connection { state, .. }) => {
                        seen.trace.push((now, format!("conn {state:?}")));
                    }
                    Err(RecvError::Lagged(n)) => seen.lagged += n,
                    Err(RecvError::Closed) => return,
                }
            }
        })
    };
    let mut status = client.session.subscribe();
    let session_needs_login = Arc::new(AtomicU64::new(0));
    let client_refreshes: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let status_task = {
        let count = Arc::clone(&session_needs_login);
        let refreshes = Arc::clone(&client_refreshes);
        let seen = Arc::clone(&seen);
        tokio::spawn(async move {
            let mut last_at = None;
            while status.changed().await.is_ok() {
                let now = status.borrow_and_update().clone();
                if matches!(now.state, SessionState::NeedsLogin { .. }) {
                    count.fetch_add(1, Ordering::SeqCst);
                }
                if let Some(report) = now.last_refresh.filter(|r| Some(r.at) != last_at) {
                    last_at = Some(report.at);
                    let mut key = report.outcome.name().to_owned();
                    if let Some(detail) = report.detail {
                        key = format!("{key}: {}", detail.chars().take(80).collect::<String>());
                    }
                    seen.lock()
                        .expect("seen")
                        .trace
                        .push((Instant::now(), format!("refresh {key}")));
                    *refreshes.lock().expect("refreshes").entry(key).or_default() += 1;
                }
            }
        })
    };
    client.feed.watch([project.to_string()]);

    let stop = Arc::new(AtomicBool::new(false));
    let posted: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let poster = {
        let (stop, posted, sandbox) = (Arc::clone(&stop), Arc::clone(&posted), sandbox.clone());
        let every = config.event_every;
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let at = Instant::now();
                if let Ok(m) =
                    sandbox.post_message(owner, project, &format!("soak {n}"), "text", None)
                {
                    posted.lock().expect("posted").push((m.id.to_string(), at));
                }
                sleep(every).await;
            }
        })
    };

    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut faults: BTreeMap<&'static str, u64> = BTreeMap::new();
    let deadline = started + config.duration;
    let early_at = started + config.duration / 5;
    let mut rss_early = 0;
    let mut refresh_fault_at: Option<usize> = None;
    while Instant::now() < deadline {
        let gap = config.fault_every.mul_f64(rng.gen_range(0.5..1.5));
        sleep(gap.min(deadline.saturating_duration_since(Instant::now()))).await;
        if rss_early == 0 && Instant::now() >= early_at {
            rss_early = procstat::memory_self().rss_kib;
        }
        if Instant::now() >= deadline {
            break;
        }
        let at = Instant::now();
        // Refresh faults are blips: a new one only once the client got a token after the
        // last. Back to back they are an outage of the refresh endpoint, which the session
        // rightly backs off from for up to 30 s (design.md §2): seed 15921148441633751223
        // drew four in 14 s, eight failed refreshes in a row, and 45 s without live events.
        let blip_over = refresh_fault_at.is_none_or(|grants| client.tokens.grants() > grants);
        let name = inject(&control, &mut rng, blip_over).await;
        if name == REFRESH_FAULT {
            refresh_fault_at = Some(client.tokens.grants());
        }
        seen.lock()
            .expect("seen")
            .trace
            .push((at, format!("fault {name}")));
        *faults.entry(name).or_default() += 1;
    }
    stop.store(true, Ordering::SeqCst);
    let _ = poster.await;
    let _ = control.blackhole(false).await;
    let _ = control.refresh_faults(RefreshFaults::default()).await;

    // Settle: everything posted must now arrive or be covered by a resync.
    let settle_until = Instant::now() + Duration::from_secs(40);
    let mut settled = false;
    while Instant::now() < settle_until {
        let (posted_now, seen_now) = {
            let posted = posted.lock().expect("posted");
            let seen = seen.lock().expect("seen");
            (posted.clone(), account(&posted, &seen))
        };
        let _ = posted_now;
        if seen_now.2 == 0 {
            settled = true;
            break;
        }
        sleep(Duration::from_millis(200)).await;
    }
    if !settled {
        tracing::warn!("soak did not settle within 40 s");
    }
    let stats = control.stats().await.unwrap_or_default();
    client.feed.stop().await;
    collector.abort();
    status_task.abort();
    let seen = seen.lock().expect("seen");
    let posted = posted.lock().expect("posted");
    let (delivered, covered, lost) = account(&posted, &seen);
    let memory = procstat::memory_self();
    let refresh_outcomes = client_refreshes.lock().expect("refreshes").clone();
    SoakReport {
        elapsed: started.elapsed(),
        emitted: posted.len() as u64,
        delivered,
        covered_by_resync: covered,
        lost,
        resyncs: seen.resyncs.len() as u64,
        grants: client.tokens.grants() as u64,
        server_refreshes: stats.refreshes.clone(),
        client_refreshes: refresh_outcomes,
        spurious_needs_login: seen.needs_login + session_needs_login.load(Ordering::SeqCst),
        faults,
        rss_early_kib: rss_early.max(1),
        rss_end_kib: memory.rss_kib,
        peak_rss_kib: memory.peak_kib,
        harness_lagged: seen.lagged,
        seed: config.seed,
        trace: trace(started, &seen),
    }
}

/// The harness's trace plus every gap of a second or more between delivered events, in time
/// order, in seconds from `started`.
fn trace(started: Instant, seen: &Seen) -> Vec<(f64, String)> {
    let since = |at: Instant| at.saturating_duration_since(started).as_secs_f64();
    let mut delivered: Vec<Instant> = seen.delivered.values().copied().collect();
    delivered.sort();
    let mut out: Vec<(f64, String)> = delivered
        .windows(2)
        .filter(|w| w[1] - w[0] >= Duration::from_secs(1))
        .map(|w| {
            let gap = (w[1] - w[0]).as_secs_f64();
            (since(w[0]), format!("no live event for {gap:.1} s"))
        })
        .collect();
    out.extend(
        seen.trace
            .iter()
            .map(|(at, what)| (since(*at), what.clone())),
    );
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// `(delivered, covered by a later resync, lost)` over everything posted.
fn account(posted: &[(String, Instant)], seen: &Seen) -> (u64, u64, u64) {
    let last_resync = seen.resyncs.iter().max().copied();
    let mut out = (0, 0, 0);
    for (id, at) in posted {
        if seen.delivered.contains_key(id) {
            out.0 += 1;
        } else if last_resync.is_some_and(|r| r >= *at) {
            out.1 += 1;
        } else {
            out.2 += 1;
        }
    }
    out
}

/// The name of the fault that fails the next two refreshes.
const REFRESH_FAULT: &str = "refresh 5xx ×2";

/// Injects one random fault, a refresh fault only if `refresh_fault` allows; returns its name.
async fn inject(
    control: &devhive_sandbox::ControlClient,
    rng: &mut StdRng,
    refresh_fault: bool,
) -> &'static str {
    let pick = if refresh_fault {
        rng.gen_range(0..9)
    } else {
        [0, 1, 2, 3, 5, 6, 7, 8][rng.gen_range(0..8)]
    };
    let result = match pick {
        0 => control.drop_sockets(DropMode::Abrupt, None).await.map(drop),
        1 => control
            .drop_sockets(DropMode::Close1000, None)
            .await
            .map(drop),
        2 => control
            .drop_sockets(DropMode::Close1011, None)
            .await
            .map(drop),
        3 => control.expire_tokens().await.map(drop),
        4 => {
            control
                .refresh_faults(RefreshFaults {
                    fail_status: Some([500, 502, 503][rng.gen_range(0..3)]),
                    count: Some(2),
                    ..RefreshFaults::default()
                })
                .await
        }
        5 => control.send_reconnect().await,
        6 => {
            let on = control.blackhole(true).await;
            sleep(Duration::from_millis(rng.gen_range(1500..3500))).await;
            on.and(control.blackhole(false).await)
        }
        7 => {
            let fail = control
                .fail_next_upgrades(1, 503, "Service Unavailable")
                .await;
            fail.and(control.drop_sockets(DropMode::Abrupt, None).await.map(drop))
        }
        _ => {
            let expire = control.expire_tokens().await.map(drop);
            expire.and(
                control
                    .drop_sockets(DropMode::Close1000, None)
                    .await
                    .map(drop),
            )
        }
    };
    if let Err(error) = result {
        tracing::warn!(%error, "fault injection failed");
    }
    [
        "drop abrupt",
        "drop 1000",
        "drop 1011",
        "expire tokens",
        REFRESH_FAULT,
        "reconnect message",
        "blackhole 1.5–3.5 s",
        "503 upgrade + drop",
        "expire + drop 1000",
    ][pick]
}
