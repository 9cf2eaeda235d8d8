//! What went wrong reaching a server, named by cause and said in plain words.

use super::proxy::ProxyUrlError;
use super::route::ProxySource;
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
    #[error("the proxy {proxy} refused to open a tunnel to {target} ({status})")]
    ProxyRefused {
        /// The proxy's `host:port`.
        proxy: String,
        /// The server's `host:port`.
        target: String,
        /// The proxy's HTTP status.
        status: u16,
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
    /// A proxy setting or variable holds something that is not a usable proxy URL.
    #[error("{origin} is not a usable proxy: {source}")]
    BadProxy {
        /// The flag, setting or variable.
        origin: ProxySource,
        /// What is wrong with it (never its value: it may hold a password).
        #[source]
        source: ProxyUrlError,
    },
    /// The server's certificate chain ends at a CA this machine does not trust.
    #[error(
        "the server's certificate{} is not trusted by this machine",
        issued_by(issuer)
    )]
    CertificateNotTrusted {
        /// The server's host.
        host: String,
        /// The certificate's issuer, when readable.
        issuer: Option<String>,
        /// rustls's verdict.
        #[source]
        source: Box<rustls::Error>,
    },
    /// The server's certificate has expired.
    #[error(
        "the server's certificate{} expired{}",
        issued_by(issuer),
        on_date(expired_on)
    )]
    CertificateExpired {
        /// The server's host.
        host: String,
        /// The certificate's issuer, when readable.
        issuer: Option<String>,
        /// The expiry date, when known.
        expired_on: Option<String>,
        /// rustls's verdict.
        #[source]
        source: Box<rustls::Error>,
    },
    /// The server's certificate is not valid yet: usually this computer's clock is wrong.
    #[error("the server's certificate is not valid yet (is this computer's clock right?)")]
    CertificateNotYetValid {
        /// The server's host.
        host: String,
        /// rustls's verdict.
        #[source]
        source: Box<rustls::Error>,
    },
    /// The server's certificate names other hosts.
    #[error("the server's certificate is for {presented}, not {host}")]
    CertificateWrongHost {
        /// The server's host.
        host: String,
        /// The names the certificate holds.
        presented: String,
        /// rustls's verdict.
        #[source]
        source: Box<rustls::Error>,
    },
    /// The server's certificate was revoked by its issuer.
    #[error("the server's certificate{} was revoked", issued_by(issuer))]
    CertificateRevoked {
        /// The server's host.
        host: String,
        /// The certificate's issuer, when readable.
        issuer: Option<String>,
        /// rustls's verdict.
        #[source]
        source: Box<rustls::Error>,
    },
    /// The server's certificate was refused for another reason.
    #[error("the server's certificate{} was refused ({source})", issued_by(issuer))]
    CertificateRefused {
        /// The server's host.
        host: String,
        /// The certificate's issuer, when readable.
        issuer: Option<String>,
        /// rustls's verdict.
        #[source]
        source: Box<rustls::Error>,
    },
    /// The server does not answer in TLS (an `http://` server on an `https://` URL).
    #[error("the server at {host} does not answer in TLS here (plain http, or the wrong port?)")]
    NotTls {
        /// The server's host.
        host: String,
        /// rustls's complaint.
        #[source]
        source: Box<rustls::Error>,
    },
    /// The TLS handshake failed for a reason other than the certificate.
    #[error("the secure connection to {host} failed ({source})")]
    Tls {
        /// The server's host.
        host: String,
        /// rustls's error.
        #[source]
        source: Box<rustls::Error>,
    },
    /// The connection broke during the TLS handshake.
    #[error("the connection to {host} broke during the secure handshake ({source})")]
    TlsIo {
        /// The server's host.
        host: String,
        /// The socket error.
        #[source]
        source: io::Error,
    },
    /// The host cannot be checked against a certificate.
    #[error("{host} is not a name a TLS certificate can be checked against")]
    BadServerName {
        /// The host.
        host: String,
    },
    /// This machine has no trusted CA at all.
    #[error("this machine trusts no certificate authority ({source}): install the system's CA certificates, or pass --ca-file")]
    NoTrustStore {
        /// The verifier's complaint.
        #[source]
        source: Box<rustls::Error>,
    },
    /// The extra CA file cannot be read.
    #[error("the CA file {path} cannot be read ({source})")]
    ExtraCaUnreadable {
        /// The file.
        path: String,
        /// The read error.
        #[source]
        source: io::Error,
    },
    /// The extra CA file holds no usable CA certificate.
    #[error("the CA file {path} holds no usable certificate: {reason}")]
    ExtraCaInvalid {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
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

fn issued_by(issuer: &Option<String>) -> String {
    issuer
        .as_ref()
        .map(|i| format!(" (issued by '{i}')"))
        .unwrap_or_default()
}

fn on_date(date: &Option<String>) -> String {
    date.as_ref()
        .map(|d| format!(" on {d}"))
        .unwrap_or_default()
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
            | Self::ProxyIo { .. }
            | Self::TlsIo { .. } => true,
            Self::NoHost { .. }
            | Self::ProxyAuthRequired { .. }
            | Self::ProxyGarbled { .. }
            | Self::BadProxy { .. }
            | Self::CertificateNotTrusted { .. }
            | Self::CertificateExpired { .. }
            | Self::CertificateNotYetValid { .. }
            | Self::CertificateWrongHost { .. }
            | Self::CertificateRevoked { .. }
            | Self::CertificateRefused { .. }
            | Self::NotTls { .. }
            | Self::Tls { .. }
            | Self::BadServerName { .. }
            | Self::NoTrustStore { .. }
            | Self::ExtraCaUnreadable { .. }
            | Self::ExtraCaInvalid { .. } => false,
        }
    }

    /// True for the certificate and TLS failures (the doctor's TLS step).
    pub fn is_tls(&self) -> bool {
        matches!(
            self,
            Self::CertificateNotTrusted { .. }
                | Self::CertificateExpired { .. }
                | Self::CertificateNotYetValid { .. }
                | Self::CertificateWrongHost { .. }
                | Self::CertificateRevoked { .. }
                | Self::CertificateRefused { .. }
                | Self::NotTls { .. }
                | Self::Tls { .. }
                | Self::TlsIo { .. }
                | Self::BadServerName { .. }
                | Self::NoTrustStore { .. }
        )
    }

    /// True for failures at or caused by the proxy.
    pub fn is_proxy(&self) -> bool {
        matches!(
            self,
            Self::ProxyUnreachable { .. }
                | Self::ProxyAuthRequired { .. }
                | Self::ProxyRefused { .. }
                | Self::ProxyClosed { .. }
                | Self::ProxyGarbled { .. }
                | Self::ProxyIo { .. }
                | Self::BadProxy { .. }
        )
    }
}
