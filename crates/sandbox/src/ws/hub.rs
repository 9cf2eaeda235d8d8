//! Registry of open sockets and the fan-out of frames to them.

use axum::extract::ws::Utf8Bytes;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

/// Outbound buffer per socket, as Gorilla's `send` channel (256 messages).
pub const SEND_BUFFER: usize = 256;

/// Which realtime protocol a socket speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// Gorilla endpoint `GET /api/v1/messages/ws`.
    Fly,
    /// API Gateway endpoint `/aws`.
    Aws,
}

/// What the socket task should do next, published on its control channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Keep serving.
    Run,
    /// Send a close frame with this code and reason, then end.
    Close(u16, String),
    /// Drop the TCP connection without a close frame (a process kill).
    Abort,
}

struct Entry {
    flavour: Flavour,
    user: Uuid,
    project: String,
    tx: mpsc::Sender<Utf8Bytes>,
    control: watch::Sender<Control>,
}

/// The receiving half a socket task gets when it registers.
pub struct Registration {
    /// Connection id inside the hub.
    pub id: u64,
    /// Frames to write.
    pub rx: mpsc::Receiver<Utf8Bytes>,
    /// Close/abort orders.
    pub control: watch::Receiver<Control>,
}

/// A snapshot of one open socket, for `ws/status` and stats.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// Protocol of the socket.
    pub flavour: Flavour,
    /// Authenticated user.
    pub user: Uuid,
    /// Current project string, verbatim (may be empty).
    pub project: String,
}

/// Where a frame goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// Every socket of a flavour.
    All(Flavour),
    /// Sockets of a flavour whose project string equals this one exactly.
    Project(Flavour, String),
}

#[derive(Default)]
struct Inner {
    conns: HashMap<u64, Entry>,
    by_project: HashMap<String, HashSet<u64>>,
}

/// All open sockets; cheap read-locked fan-out, write lock only to (un)register or evict.
#[derive(Default)]
pub struct Hub {
    inner: RwLock<Inner>,
    next: AtomicU64,
}

impl Hub {
    /// Adds a socket and returns its channels.
    pub fn register(&self, flavour: Flavour, user: Uuid, project: String) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::channel(SEND_BUFFER);
        let (control_tx, control_rx) = watch::channel(Control::Run);
        let mut inner = self.inner.write().unwrap();
        inner
            .by_project
            .entry(project.clone())
            .or_default()
            .insert(id);
        inner.conns.insert(
            id,
            Entry {
                flavour,
                user,
                project,
                tx,
                control: control_tx,
            },
        );
        Registration {
            id,
            rx,
            control: control_rx,
        }
    }

    /// Removes a socket (idempotent).
    pub fn unregister(&self, id: u64) {
        let mut inner = self.inner.write().unwrap();
        Self::remove(&mut inner, id);
    }

    fn remove(inner: &mut Inner, id: u64) -> Option<Entry> {
        let entry = inner.conns.remove(&id)?;
        if let Some(set) = inner.by_project.get_mut(&entry.project) {
            set.remove(&id);
            if set.is_empty() {
                inner.by_project.remove(&entry.project);
            }
        }
        Some(entry)
    }

    /// Moves a socket to another project string (join/leave/subscribe).
    pub fn set_project(&self, id: u64, project: String) {
        let mut inner = self.inner.write().unwrap();
        let Some(old) = inner.conns.get(&id).map(|e| e.project.clone()) else {
            return;
        };
        if let Some(set) = inner.by_project.get_mut(&old) {
            set.remove(&id);
            if set.is_empty() {
                inner.by_project.remove(&old);
            }
        }
        inner
            .by_project
            .entry(project.clone())
            .or_default()
            .insert(id);
        if let Some(e) = inner.conns.get_mut(&id) {
            e.project = project;
        }
    }

    /// Queues a frame for every target socket; a full buffer evicts that socket with close 1000.
    /// Returns how many sockets got the frame.
    pub fn send(&self, target: &Target, frame: &Utf8Bytes) -> usize {
        let mut full = Vec::new();
        let mut delivered = 0;
        {
            let inner = self.inner.read().unwrap();
            let mut offer = |id: u64, e: &Entry| match e.tx.try_send(frame.clone()) {
                Ok(()) => delivered += 1,
                Err(mpsc::error::TrySendError::Full(_)) => full.push(id),
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            };
            match target {
                Target::All(f) => {
                    for (id, e) in inner.conns.iter().filter(|(_, e)| e.flavour == *f) {
                        offer(*id, e);
                    }
                }
                Target::Project(f, p) => {
                    for id in inner.by_project.get(p).into_iter().flatten() {
                        if let Some(e) = inner.conns.get(id).filter(|e| e.flavour == *f) {
                            offer(*id, e);
                        }
                    }
                }
            }
        }
        if !full.is_empty() {
            let mut inner = self.inner.write().unwrap();
            for id in full {
                if let Some(e) = Self::remove(&mut inner, id) {
                    let _ = e.control.send(Control::Close(1000, String::new()));
                }
            }
        }
        delivered
    }

    /// Orders matching sockets to close or abort and forgets them; returns how many.
    pub fn drop_where(
        &self,
        control: Control,
        flavour: Option<Flavour>,
        project: Option<&str>,
    ) -> usize {
        let mut inner = self.inner.write().unwrap();
        let ids: Vec<u64> = inner
            .conns
            .iter()
            .filter(|(_, e)| flavour.is_none_or(|f| e.flavour == f))
            .filter(|(_, e)| project.is_none_or(|p| e.project == p))
            .map(|(id, _)| *id)
            .collect();
        for id in &ids {
            if let Some(e) = Self::remove(&mut inner, *id) {
                let _ = e.control.send(control.clone());
            }
        }
        ids.len()
    }

    /// Snapshot of every open socket.
    pub fn clients(&self) -> Vec<ClientInfo> {
        let inner = self.inner.read().unwrap();
        inner
            .conns
            .values()
            .map(|e| ClientInfo {
                flavour: e.flavour,
                user: e.user,
                project: e.project.clone(),
            })
            .collect()
    }

    /// Open sockets per flavour and project string.
    pub fn counts(&self) -> BTreeMap<String, BTreeMap<String, usize>> {
        let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for c in self.clients() {
            let f = match c.flavour {
                Flavour::Fly => "fly",
                Flavour::Aws => "aws",
            };
            *out.entry(f.into())
                .or_default()
                .entry(c.project)
                .or_default() += 1;
        }
        out
    }
}
