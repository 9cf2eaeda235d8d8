//! The proxy decision for one URL: straight to the server, or through which proxy and why.

use super::dial::Target;
use crate::secret::Secret;
use std::fmt;

/// How a connection to one URL is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Straight to the server.
    Direct(DirectReason),
    /// Through an HTTP proxy (a `CONNECT` tunnel for TLS and WebSockets).
    Proxy(ProxyHop),
}

/// Why a connection goes straight to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectReason {
    /// No proxy is configured for this kind of URL.
    NoProxySet,
    /// Proxies were turned off explicitly.
    ProxyOff,
    /// The host is listed in this no-proxy variable.
    Excluded {
        /// `no_proxy` or `NO_PROXY`.
        variable: &'static str,
    },
}

/// A proxy to go through, and where the choice came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyHop {
    /// The proxy's host and port.
    pub address: Target,
    /// Basic credentials from the proxy URL, if it had any.
    pub credentials: Option<ProxyCredentials>,
    /// Which setting chose this proxy.
    pub source: ProxySource,
}

/// A user name and password for the proxy (`http://user:password@proxy:3128`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyCredentials {
    /// The user name (shown in diagnostics).
    pub user: String,
    /// The password: a secret, never shown.
    pub password: Secret,
}

/// Which setting chose a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxySource {
    /// The `--proxy` command-line flag.
    Flag,
    /// The app's proxy setting.
    Setting,
    /// This environment variable (`https_proxy`, `HTTPS_PROXY`, `all_proxy`…).
    Variable(&'static str),
}

impl Route {
    /// The proxy, when there is one.
    pub fn proxy(&self) -> Option<&ProxyHop> {
        match self {
            Self::Proxy(hop) => Some(hop),
            Self::Direct(_) => None,
        }
    }
}

impl fmt::Display for DirectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoProxySet => f.write_str("no proxy is set"),
            Self::ProxyOff => f.write_str("proxies are turned off"),
            Self::Excluded { variable } => write!(f, "the host is listed in {variable}"),
        }
    }
}

impl fmt::Display for ProxySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag => f.write_str("--proxy"),
            Self::Setting => f.write_str("the app's proxy setting"),
            Self::Variable(name) => f.write_str(name),
        }
    }
}
