//! How this client reaches servers (design.md §6a): the proxy decision for each URL, the one
//! TLS configuration REST and the WebSocket share, and the dialer that opens byte streams.
//!
//! The realtime driver and the doctor open their streams through a [`Dial`] object; tests can
//! hand in their own (an in-memory pipe) without touching the rest of the stack.

pub mod dial;
pub mod error;
pub mod route;
mod tunnel;

pub use dial::{BoxStream, ByteStream, Dial, Target, TcpDialer};
pub use error::NetError;
pub use route::{DirectReason, ProxyCredentials, ProxyHop, ProxySource, Route};

use std::sync::Arc;
use url::Url;

/// The network settings of one process (or one signed-in profile). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Network {
    _private: Arc<()>,
}

impl Network {
    /// The settings of this machine: no explicit proxy, the OS trust store.
    pub fn system() -> Self {
        Self::default()
    }

    /// How a connection to `url` goes: directly, or through which proxy and why.
    pub fn route(&self, url: &Url) -> Result<Route, NetError> {
        Target::of(url).map(|_| Route::Direct(DirectReason::NoProxySet))
    }
}

/// A dialer as the realtime feed holds it (shared by every project's driver).
pub type SharedDial = Arc<dyn Dial>;

/// The dialer that really connects: TCP with `TCP_NODELAY`.
pub fn tcp_dialer() -> SharedDial {
    Arc::new(TcpDialer)
}
