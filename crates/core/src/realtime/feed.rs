//! The feed handle: starts one driver per watched project, fans their updates out on one
//! broadcast and keeps a `watch` of every project's state.

use super::connection::ConnState;
use super::driver::{Command, Driver, Shared};
use super::update::{CounterSnapshot, Counters, FeedConfig, FeedUpdate};
use crate::auth::TokenSource;
use crate::server::ServerProfile;
use crate::timeline::Timeline;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

struct DriverHandle {
    commands: mpsc::UnboundedSender<Command>,
    task: JoinHandle<()>,
}

struct Inner<T: TokenSource> {
    shared: Shared,
    tokens: Arc<T>,
    drivers: Mutex<HashMap<String, DriverHandle>>,
}

impl<T: TokenSource> Drop for Inner<T> {
    fn drop(&mut self) {
        for (_, driver) in self.drivers.lock().expect("drivers lock").drain() {
            driver.task.abort();
        }
    }
}

/// The realtime feed of one signed-in session. Cheap to clone; dropping the last clone
/// stops every connection.
pub struct Feed<T: TokenSource> {
    inner: Arc<Inner<T>>,
}

impl<T: TokenSource> Clone for Feed<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: TokenSource> Feed<T> {
    /// A feed with no projects yet; must be called inside a tokio runtime.
    pub fn start(
        profile: ServerProfile,
        token_source: Arc<T>,
        timeline: Timeline,
        config: FeedConfig,
    ) -> Self {
        let (updates, _) = broadcast::channel(config.channel_capacity);
        let (states, _) = watch::channel(BTreeMap::new());
        let shared = Shared {
            profile,
            timeline,
            config,
            updates,
            states,
            counters: Arc::new(Counters::default()),
            watched: Arc::new(RwLock::new(HashSet::new())),
        };
        Self {
            inner: Arc::new(Inner {
                shared,
                tokens: token_source,
                drivers: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Starts watching these projects (ids are lowercased); already watched ones are kept.
    pub fn watch<I, S>(&self, projects: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut drivers = self.inner.drivers.lock().expect("drivers lock");
        for project in projects {
            let project = project.as_ref().trim().to_ascii_lowercase();
            if drivers.contains_key(&project) {
                continue;
            }
            self.inner
                .shared
                .watched
                .write()
                .expect("watched lock")
                .insert(project.clone());
            let (commands, receiver) = mpsc::unbounded_channel();
            let driver = Driver::new(
                project.clone(),
                self.inner.shared.clone(),
                Arc::clone(&self.inner.tokens),
            );
            let task = tokio::spawn(driver.run(receiver));
            drivers.insert(project, DriverHandle { commands, task });
        }
    }

    /// Stops watching these projects and forgets their state.
    pub fn unwatch<I, S>(&self, projects: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut drivers = self.inner.drivers.lock().expect("drivers lock");
        for project in projects {
            let project = project.as_ref().trim().to_ascii_lowercase();
            if let Some(driver) = drivers.remove(&project) {
                let _ = driver.commands.send(Command::Stop);
            }
            self.inner
                .shared
                .watched
                .write()
                .expect("watched lock")
                .remove(&project);
            self.inner.shared.states.send_modify(|map| {
                map.remove(&project);
            });
        }
    }

    /// Reconnects every project at once, including those waiting for the user (after a new
    /// sign-in, or when the user picked "Reconnect now").
    pub fn reconnect_now(&self) {
        for driver in self.inner.drivers.lock().expect("drivers lock").values() {
            let _ = driver.commands.send(Command::ReconnectNow);
        }
    }

    /// Stops every connection (closing sockets politely); the feed can watch again later.
    ///
    /// Cancellation: the stop takes effect at the first poll, before any wait: every driver
    /// is told to stop and the watched list is cleared. Dropping the future after that
    /// abandons only the wait for the drivers to close their sockets (they still do, in their
    /// own tasks); dropping it before it was ever polled stops nothing.
    pub async fn stop(&self) {
        let drained: Vec<DriverHandle> = {
            let mut drivers = self.inner.drivers.lock().expect("drivers lock");
            drivers.drain().map(|(_, d)| d).collect()
        };
        for driver in &drained {
            let _ = driver.commands.send(Command::Stop);
        }
        self.inner
            .shared
            .watched
            .write()
            .expect("watched lock")
            .clear();
        for driver in drained {
            let _ = driver.task.await;
        }
    }

    /// Every update from now on: connection states, events and resyncs.
    pub fn subscribe(&self) -> broadcast::Receiver<FeedUpdate> {
        self.inner.shared.updates.subscribe()
    }

    /// The state of every watched project.
    pub fn states(&self) -> watch::Receiver<BTreeMap<String, ConnState>> {
        self.inner.shared.states.subscribe()
    }

    /// Skipped and delivered frame counts, for diagnostics.
    pub fn counters(&self) -> CounterSnapshot {
        self.inner.shared.counters.snapshot()
    }

    /// The projects being watched, lowercase.
    pub fn watched(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .inner
            .shared
            .watched
            .read()
            .expect("watched lock")
            .iter()
            .cloned()
            .collect();
        out.sort();
        out
    }
}
