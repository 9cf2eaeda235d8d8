//! The repro harness: a private sandbox, our own session and feed on one timeline, and a way
//! to wait for a timeline entry (a signal, not a sleep).

use devhive_core::api::ApiClient;
use devhive_core::clock::SharedClock;
use devhive_core::keychain::{MemoryStore, Vault};
use devhive_core::realtime::{Feed, FeedConfig};
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::session::{Session, SessionConfig, SessionError};
use devhive_core::timeline::{Entry, Record, Scope, Timeline};
use devhive_sandbox::{spawn, Config, ControlClient, Running};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::broadcast;

/// How long any one expected entry may take to appear.
pub const STEP_WAIT: Duration = Duration::from_secs(15);

/// Why a scenario could not finish.
#[derive(Debug, thiserror::Error)]
pub enum ReproError {
    /// An expected timeline entry never appeared.
    #[error("timed out waiting for {waiting_for}")]
    Timeout {
        /// What we waited for.
        waiting_for: &'static str,
    },
    /// The sandbox's control API failed.
    #[error("sandbox control failed: {0}")]
    Control(#[from] devhive_sandbox::control::client::ControlError),
    /// Signing in failed.
    #[error("session failed: {0}")]
    Session(#[from] SessionError),
    /// The client could not be built.
    #[error("client setup failed: {0}")]
    Setup(String),
}

/// One scenario's world.
pub struct Harness {
    /// The sandbox (always `Some` except during [`Harness::restart`]).
    running: Option<Running>,
    /// The shared timeline of the session and the feed.
    pub timeline: Timeline,
    /// New timeline entries.
    pub entries: broadcast::Receiver<Record>,
    /// The profile the client uses.
    pub profile: ServerProfile,
    /// The clock the client reads.
    pub clock: SharedClock,
    /// The in-memory secret store (shared by every session of this harness, like a keychain).
    pub store: Arc<MemoryStore>,
    /// The data dir holding the refresh lock: removed when the harness drops.
    data_dir: TempDir,
}

impl Harness {
    /// Starts a demo sandbox with `config` and a client profile for `flavour`.
    ///
    /// Fails when the temp dir for the data dir cannot be made.
    pub async fn start(
        config: Config,
        flavour: Flavour,
        clock: SharedClock,
    ) -> Result<Self, ReproError> {
        let running = spawn(Config {
            demo: true,
            ..config
        })
        .await;
        let ws = match flavour {
            Flavour::Fly => running.ws_fly_url(),
            Flavour::Aws => running.ws_aws_url(),
        };
        let profile = ServerProfile::custom(&running.base_url(), Some(&ws), flavour, ApiVersion::B)
            .expect("sandbox URLs are valid");
        let timeline = Timeline::new(clock.clone());
        let entries = timeline.subscribe();
        let data_dir = tempfile::Builder::new()
            .prefix("devhive-repro-")
            .tempdir()
            .map_err(|e| {
                ReproError::Setup(format!(
                    "cannot create a data dir in {}: {e}",
                    std::env::temp_dir().display()
                ))
            })?;
        Ok(Self {
            running: Some(running),
            timeline,
            entries,
            profile,
            clock,
            store: Arc::new(MemoryStore::new()),
            data_dir,
        })
    }

    /// The running sandbox.
    pub fn running(&self) -> &Running {
        self.running
            .as_ref()
            .expect("the sandbox runs outside restart()")
    }

    /// The sandbox's control client.
    pub fn control(&self) -> ControlClient {
        self.running().control()
    }

    /// Stops the sandbox like a killed process (every socket dropped with no close frame),
    /// stays down for `down`, then serves the same state on the same port again.
    pub async fn restart(&mut self, down: Duration) -> Result<(), ReproError> {
        let running = self.running.take().expect("the sandbox runs");
        let (addr, sandbox) = (running.addr, running.sandbox.clone());
        running.stop().await;
        tokio::time::sleep(down).await;
        let again = devhive_sandbox::spawn_on(addr, sandbox)
            .await
            .map_err(|e| ReproError::Setup(format!("restart on {addr}: {e}")))?;
        self.running = Some(again);
        Ok(())
    }

    /// A session against `api_base` (normally the sandbox; a proxy in some scenarios) with
    /// short client timeouts.
    pub fn session_via(&self, profile: &ServerProfile) -> Result<Session, ReproError> {
        let api = ApiClient::with_timeouts(
            profile.clone(),
            Duration::from_secs(2),
            Duration::from_secs(1),
        )
        .map_err(|e| ReproError::Setup(e.to_string()))?;
        Ok(Session::new(SessionConfig {
            api: Arc::new(api),
            vault: Vault::new(self.store.clone()),
            clock: self.clock.clone(),
            timeline: self.timeline.clone(),
            data_dir: self.data_dir.path().to_path_buf(),
        }))
    }

    /// A session signed in as a demo user.
    pub async fn signed_in(&self, user: &str) -> Result<Session, ReproError> {
        let session = self.session_via(&self.profile)?;
        session
            .login(user, &Secret::new(devhive_sandbox::demo::PASSWORD), false)
            .await?;
        Ok(session)
    }

    /// A feed for `session` watching `project`.
    pub fn feed(&self, session: &Session, project: &str) -> Feed<Session> {
        let feed = Feed::start(
            self.profile.clone(),
            Arc::new(session.clone()),
            self.timeline.clone(),
            FeedConfig {
                clock: self.clock.clone(),
                jitter_seed: Some(7),
                // Short, so a connection that lands in a dying server's backlog is given up
                // on quickly (the default is 10 s).
                connect_timeout: Duration::from_secs(2),
                ..FeedConfig::default()
            },
        );
        feed.watch([project]);
        feed
    }

    /// Waits until an entry matching `want` is recorded.
    pub async fn wait_for(
        &mut self,
        waiting_for: &'static str,
        want: impl Fn(&Scope, &Entry) -> bool,
    ) -> Result<Record, ReproError> {
        let search = async {
            loop {
                match self.entries.recv().await {
                    Ok(record) if want(&record.scope, &record.entry) => return Some(record),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        };
        match tokio::time::timeout(STEP_WAIT, search).await {
            Ok(Some(record)) => Ok(record),
            Ok(None) | Err(_) => Err(ReproError::Timeout { waiting_for }),
        }
    }

    /// Waits for a handshake with `status` on any project.
    pub async fn wait_handshake(
        &mut self,
        waiting_for: &'static str,
        status: u16,
    ) -> Result<Record, ReproError> {
        self.wait_for(
            waiting_for,
            move |_, e| matches!(e, Entry::Handshake { status: s, .. } if *s == status),
        )
        .await
    }

    /// Every recorded entry.
    pub fn records(&self) -> Vec<Record> {
        self.timeline.snapshot()
    }
}

/// Counts entries matching `want`.
pub fn count(records: &[Record], want: impl Fn(&Entry) -> bool) -> usize {
    records.iter().filter(|r| want(&r.entry)).count()
}

/// True when any entry says the session needs a sign-in.
pub fn signed_out(records: &[Record]) -> bool {
    records
        .iter()
        .any(|r| matches!(&r.entry, Entry::State { state, .. } if state == "needs_login"))
}
