//! What went wrong reaching a server, named by cause and said in plain words.

use std::io;

/// A connection could not be made. Every message names the cause in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The URL has no host to connect to.
    #[error("{url} names no host to connect to")]
    NoHost {
        /// The URL, without any query (it may carry a token).
        url: String,
    },
    /// The server's name does not resolve.
    #[error("the server's name {host} does not resolve ({source})")]
    Dns {
        /// The name.
        host: String,
        /// The resolver's error.
        #[source]
        source: io::Error,
    },
    /// The TCP connection failed (refused, unreachable, reset).
    #[error("cannot connect to {target} ({source})")]
    Connect {
        /// `host:port`.
        target: String,
        /// The socket error.
        #[source]
        source: io::Error,
    },
    /// The proxy itself cannot be reached.
    #[error("the proxy {proxy} cannot be reached ({source})")]
    ProxyUnreachable {
        /// The proxy's `host:port`.
        proxy: String,
        /// Why: the proxy's name does not resolve, or its connection failed.
        #[source]
        source: Box<NetError>,
    },
    /// The proxy wants credentials (407), or refused the ones it was given.
    #[error("{}", proxy_auth_text(proxy, *credentials_sent, scheme.as_deref()))]
    ProxyAuthRequired {
        /// The proxy's `host:port`.
        proxy: String,
        /// True when a user name and password were sent (and refused).
        credentials_sent: bool,
        /// The scheme the proxy asks for (`Basic`, `Negotiate`…), when it said.
        scheme: Option<String>,
    },
    /// The proxy refused to open a tunnel to the server (its policy, or it cannot reach it).
    #[error("the proxy {proxy} refused to open a tunnel to {target}{}", status_text(*status))]
    ProxyRefused {
        /// The proxy's `host:port`.
        proxy: String,
        /// The server's `host:port`.
        target: String,
        /// The proxy's HTTP status, when known.
        status: Option<u16>,
    },
    /// The proxy closed the connection without answering the tunnel request.
    #[error("the proxy {proxy} closed the connection without answering")]
    ProxyClosed {
        /// The proxy's `host:port`.
        proxy: String,
    },
    /// The proxy answered something that is not HTTP.
    #[error("the proxy {proxy} answered something that is not HTTP (is it an HTTP proxy?)")]
    ProxyGarbled {
        /// The proxy's `host:port`.
        proxy: String,
    },
    /// Reading from or writing to the proxy failed.
    #[error("the connection to the proxy {proxy} failed ({source})")]
    ProxyIo {
        /// The proxy's `host:port`.
        proxy: String,
        /// The socket error.
        #[source]
        source: io::Error,
    },
}

fn proxy_auth_text(proxy: &str, credentials_sent: bool, scheme: Option<&str>) -> String {
    let wants = match scheme {
        Some(scheme) if !scheme.eq_ignore_ascii_case("basic") => {
            format!("; it wants {scheme}, which DevHive cannot do: ask for a Basic-auth proxy")
        }
        _ => String::new(),
    };
    if credentials_sent {
        format!("the proxy {proxy} refused the user name and password it was given (407){wants}")
    } else {
        format!("the proxy {proxy} asked for a password (407){wants}")
    }
}

fn status_text(status: Option<u16>) -> String {
    status.map(|s| format!(" ({s})")).unwrap_or_default()
}

impl NetError {
    /// True when trying again later may help (a proxy that wants a password will not change
    /// its mind; one that could not reach the server may).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Dns { .. }
            | Self::Connect { .. }
            | Self::ProxyUnreachable { .. }
            | Self::ProxyRefused { .. }
            | Self::ProxyClosed { .. }
            | Self::ProxyIo { .. } => true,
            Self::NoHost { .. } | Self::ProxyAuthRequired { .. } | Self::ProxyGarbled { .. } => {
                false
            }
        }
    }
}
