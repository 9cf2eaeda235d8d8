//! How this client reaches servers (design.md §6a): the proxy decision for each URL, the one
//! TLS configuration REST and the WebSocket share, and the dialer that opens byte streams.
//!
//! Everything is built from one [`NetConfig`] (the CLI's `--proxy`/`--ca-file`, later the
//! app's settings) into a [`Network`]. The realtime driver and the doctor open their streams
//! through a [`Dial`] object; tests can hand in their own (an in-memory pipe).

pub mod dial;
pub mod error;
pub mod inspect;
pub mod proxy;
mod rest;
pub mod route;
pub mod tls;
mod tunnel;

pub use dial::{BoxStream, ByteStream, Dial, Target, TcpDialer};
pub use error::NetError;
pub use proxy::{ProxyChoice, ProxyEnv, ProxyUrl, ProxyUrlError};
pub use route::{DirectReason, ProxyCredentials, ProxyHop, ProxySource, Route};
pub use tls::{ExtraCa, TrustAnchor};

use rustls::pki_types::CertificateDer;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tokio_rustls::client::TlsStream;
use url::Url;

/// The network settings a front end chooses: which proxy, and a CA to trust besides the
/// operating system's. `Default` is the machine's own: proxy variables, OS trust store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetConfig {
    /// Which proxy to use.
    pub proxy: ProxyChoice,
    /// A PEM (or DER) file of CA certificates to trust as well.
    pub extra_ca: Option<PathBuf>,
}

/// The network settings in force: proxy rules (with the environment captured when it was
/// built) and the shared TLS configuration. Cheap to clone.
#[derive(Clone)]
pub struct Network {
    inner: Arc<Inner>,
}

struct Inner {
    proxies: proxy::Proxies,
    tls: Arc<rustls::ClientConfig>,
    extra_ca: Option<ExtraCa>,
}

impl Network {
    /// Builds `config` with this process's environment; fails only on an unusable CA file.
    pub fn new(config: &NetConfig) -> Result<Self, NetError> {
        Self::with_env(config, ProxyEnv::capture())
    }

    /// Builds `config` with the proxy variables of `env` (tests pass their own).
    pub fn with_env(config: &NetConfig, env: ProxyEnv) -> Result<Self, NetError> {
        let extra_ca = config.extra_ca.as_deref().map(ExtraCa::load).transpose()?;
        Ok(Self {
            inner: Arc::new(Inner {
                proxies: proxy::Proxies::new(&config.proxy, env),
                tls: tls::client_config(extra_ca.as_ref()),
                extra_ca,
            }),
        })
    }

    /// The machine's settings (`NetConfig::default()`), built once per process: the
    /// environment is read the first time this is called.
    pub fn system() -> Self {
        static SYSTEM: OnceLock<Network> = OnceLock::new();
        SYSTEM
            .get_or_init(|| Self::new(&NetConfig::default()).expect("no CA file, nothing can fail"))
            .clone()
    }

    /// How a connection to `url` goes: straight, or through which proxy and why. Fails when
    /// the proxy variable that applies holds an unusable value.
    pub fn route(&self, url: &Url) -> Result<Route, NetError> {
        self.inner.proxies.route(url)
    }

    /// The proxy variables this network was built with, passwords hidden.
    pub fn proxy_env(&self) -> &ProxyEnv {
        self.inner.proxies.env()
    }

    /// The TLS configuration every connection shares.
    pub fn tls_config(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(&self.inner.tls)
    }

    /// The extra CA, when one is configured.
    pub fn extra_ca(&self) -> Option<&ExtraCa> {
        self.inner.extra_ca.as_ref()
    }

    /// Which anchor accepted `chain` for `host` (OS store or extra CA); for a chain this
    /// network's TLS configuration accepted.
    pub fn trust_anchor(&self, chain: &[CertificateDer<'static>], host: &str) -> TrustAnchor {
        tls::anchor_of(chain, host, self.extra_ca())
    }

    /// Opens a stream to `url` through `dialer` along this network's route, with TLS on it
    /// for `https`/`wss`. Dropping the future abandons the attempt.
    pub async fn open(&self, dialer: &dyn Dial, url: &Url) -> Result<BoxStream, NetError> {
        let target = Target::of(url)?;
        let route = self.route(url)?;
        let stream = dialer.dial(&target, &route).await?;
        if matches!(url.scheme(), "https" | "wss") {
            let tls = tls::handshake(self.tls_config(), stream, &target.host).await?;
            Ok(Box::new(tls))
        } else {
            Ok(stream)
        }
    }

    /// Runs the TLS handshake with `host` over `stream` (the doctor reads the session's
    /// certificates). Dropping the future abandons the handshake.
    pub async fn tls_handshake(
        &self,
        stream: BoxStream,
        host: &str,
    ) -> Result<TlsStream<BoxStream>, NetError> {
        tls::handshake(self.tls_config(), stream, host).await
    }

    /// A reqwest client builder with this network's TLS configuration and proxy rules (and
    /// no other: reqwest's own environment reading is off).
    pub fn http_builder(&self) -> reqwest::ClientBuilder {
        rest::builder(self)
    }

    /// The typed cause of a failed reqwest call to `url`, when it can be found: a TLS
    /// verdict in the error's chain, or, for a failed connect, what dialing the same route
    /// with [`TcpDialer`] says (reqwest reports a proxy's refusal without its status).
    pub async fn explain(&self, url: &Url, error: &reqwest::Error) -> Option<NetError> {
        rest::explain(self, url, error).await
    }
}

impl Default for Network {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("proxies", &self.inner.proxies)
            .field("extra_ca", &self.inner.extra_ca)
            .finish()
    }
}

/// A dialer as the realtime feed holds it (shared by every project's driver).
pub type SharedDial = Arc<dyn Dial>;

/// The dialer that really connects: TCP with `TCP_NODELAY`, or a `CONNECT` tunnel.
pub fn tcp_dialer() -> SharedDial {
    Arc::new(TcpDialer)
}
