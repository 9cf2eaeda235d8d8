//! The reconnect herd: N independent clients (each its own Session, memory store, data dir
//! and Feed; they share nothing but the sandbox) watch projects; the sandbox is stopped and
//! served again on the same port. Measures when each client is connected again, the busiest
//! 100 ms window, and the refreshes and failed handshakes the restart cost.

use crate::client::{fly_profile, Client};
use crate::histogram;
use crate::tempdir::TempDir;
use devhive_core::keychain::MemoryStore;
use devhive_core::realtime::{ConnState, FeedConfig, FeedUpdate, ResyncReason};
use devhive_core::secret::Secret;
use devhive_sandbox::Config;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{sleep, Instant};

/// How to run a herd.
#[derive(Debug, Clone)]
pub struct HerdConfig {
    /// Number of clients.
    pub clients: usize,
    /// Number of projects they are spread over.
    pub projects: usize,
    /// How long the server stays down between stop and restart.
    pub downtime: Duration,
    /// Give up waiting for stragglers after this long.
    pub patience: Duration,
}

/// What a herd measured.
#[derive(Debug, Clone, Default)]
pub struct HerdReport {
    /// Clients in the herd.
    pub clients: usize,
    /// Time from the restart (server listening again) to each client's `Resync(connected)`,
    /// sorted; clients that never came back are missing.
    pub reconnect: Vec<Duration>,
    /// The most clients reconnecting inside any 100 ms window.
    pub busiest_100ms: usize,
    /// Refresh requests the sandbox saw during the restart (all outcomes).
    pub refreshes: u64,
    /// Handshakes the sandbox answered with anything but 101 during the restart.
    pub failed_handshakes_server: u64,
    /// Connection attempts the clients saw fail (`Backoff` states after the stop).
    pub failed_attempts_client: u64,
    /// How long the server was down.
    pub downtime: Duration,
    /// How long signing in and connecting the herd took.
    pub setup: Duration,
}

impl HerdReport {
    /// The share of clients in the busiest 100 ms window.
    pub fn busiest_share(&self) -> f64 {
        self.busiest_100ms as f64 / self.clients.max(1) as f64
    }

    /// The slowest reconnect (zero when none came back).
    pub fn slowest(&self) -> Duration {
        self.reconnect.last().copied().unwrap_or_default()
    }

    /// A summary with a text histogram.
    pub fn render(&self) -> String {
        let q = |p| histogram::quantile(&self.reconnect, p).as_secs_f64();
        format!(
            "herd: {} clients, server down {:.1} s (setup {:.1} s)\n\
             back: {} of {}; reconnect after restart: p50 {:.2} s, p90 {:.2} s, p99 {:.2} s, max {:.2} s\n\
             busiest 100 ms window: {} clients ({:.1} %)\n\
             refreshes during the restart: {}; failed handshakes: server saw {}, clients saw {} failed attempts\n\
             {}",
            self.clients,
            self.downtime.as_secs_f64(),
            self.setup.as_secs_f64(),
            self.reconnect.len(),
            self.clients,
            q(0.5),
            q(0.9),
            q(0.99),
            self.slowest().as_secs_f64(),
            self.busiest_100ms,
            self.busiest_share() * 100.0,
            self.refreshes,
            self.failed_handshakes_server,
            self.failed_attempts_client,
            histogram::render(&self.reconnect, 12),
        )
    }
}

fn failed_handshakes(stats: &devhive_sandbox::Stats) -> u64 {
    stats
        .handshakes
        .values()
        .flat_map(|by_status| by_status.iter())
        .filter(|(status, _)| status.as_str() != "101")
        .map(|(_, n)| *n)
        .sum()
}

/// Runs one herd and reports; panics on harness failures (a client that cannot sign in).
pub async fn run(config: HerdConfig) -> HerdReport {
    let setup_started = Instant::now();
    let running = devhive_sandbox::spawn(Config {
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let sandbox = running.sandbox.clone();
    let addr = running.addr;
    let owner = sandbox.create_user("herd-owner", "herd-owner-password");
    let projects: Vec<_> = (0..config.projects.max(1))
        .map(|i| sandbox.create_project(owner, &format!("Herd {i}")))
        .collect();
    let dirs = TempDir::new("herd").expect("temp dir");
    let profile = fly_profile(&running.base_url());
    let mut clients = Vec::with_capacity(config.clients);
    for i in 0..config.clients {
        let name = format!("herd{i}");
        let user = sandbox.create_user(&name, "herd-password-0123456789");
        let project = projects[i % projects.len()];
        sandbox.add_member(project, user, "member");
        let client = Client::new(
            profile.clone(),
            Arc::new(MemoryStore::new()),
            dirs.sub(&name).expect("client dir"),
            FeedConfig {
                channel_capacity: 64,
                ..FeedConfig::default()
            },
        );
        clients.push((client, name, project));
    }
    // Sign in a few at a time: the point is the restart, not the login rush.
    for chunk in clients.chunks(50) {
        let logins = chunk.iter().map(|(client, name, _)| async move {
            client
                .session
                .login(name, &Secret::new("herd-password-0123456789"), false)
                .await
                .expect("herd login")
        });
        futures_util::future::join_all(logins).await;
    }
    for (client, _, project) in &clients {
        client.feed.watch([project.to_string()]);
    }
    wait_all_connected(&clients, Duration::from_secs(120)).await;
    let setup = setup_started.elapsed();

    let reconnects: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let failed_attempts = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let restarted_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let mut watchers = Vec::new();
    for (client, _, _) in &clients {
        let mut updates = client.feed.subscribe();
        let (reconnects, failed, restarted_at) = (
            Arc::clone(&reconnects),
            Arc::clone(&failed_attempts),
            Arc::clone(&restarted_at),
        );
        watchers.push(tokio::spawn(async move {
            loop {
                match updates.recv().await {
                    Ok(FeedUpdate::Resync {
                        reason: ResyncReason::Connected,
                        ..
                    }) => {
                        let now = Instant::now();
                        let since = restarted_at
                            .lock()
                            .expect("restart time")
                            .map(|at| now.saturating_duration_since(at))
                            .unwrap_or_default();
                        reconnects.lock().expect("reconnects").push(since);
                        return;
                    }
                    Ok(FeedUpdate::Connection {
                        state: ConnState::Backoff { .. },
                        ..
                    }) => {
                        failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        }));
    }
    let before = sandbox.stats();
    running.stop().await;
    sleep(config.downtime).await;
    let running = devhive_sandbox::spawn_on(addr, sandbox.clone())
        .await
        .expect("restart on the same port");
    *restarted_at.lock().expect("restart time") = Some(Instant::now());
    let give_up = Instant::now() + config.patience;
    while Instant::now() < give_up && reconnects.lock().expect("reconnects").len() < config.clients
    {
        sleep(Duration::from_millis(100)).await;
    }
    let after = sandbox.stats();
    for w in &watchers {
        w.abort();
    }
    let mut reconnect = reconnects.lock().expect("reconnects").clone();
    reconnect.sort();
    let busiest = histogram::busiest_window(&reconnect, Duration::from_millis(100));
    for (client, _, _) in &clients {
        client.feed.stop().await;
    }
    running.stop().await;
    HerdReport {
        clients: config.clients,
        reconnect,
        busiest_100ms: busiest,
        refreshes: after.refreshes_total() - before.refreshes_total(),
        failed_handshakes_server: failed_handshakes(&after) - failed_handshakes(&before),
        failed_attempts_client: failed_attempts.load(std::sync::atomic::Ordering::Relaxed),
        downtime: config.downtime,
        setup,
    }
}

async fn wait_all_connected(clients: &[(Client, String, uuid::Uuid)], within: Duration) {
    let until = Instant::now() + within;
    loop {
        let connected = clients
            .iter()
            .filter(|(c, _, _)| {
                c.feed
                    .states()
                    .borrow()
                    .values()
                    .all(|s| matches!(s, ConnState::Connected { .. }))
                    && !c.feed.states().borrow().is_empty()
            })
            .count();
        if connected == clients.len() {
            return;
        }
        assert!(
            Instant::now() < until,
            "only {connected} of {} clients connected before the restart",
            clients.len()
        );
        sleep(Duration::from_millis(100)).await;
    }
}
