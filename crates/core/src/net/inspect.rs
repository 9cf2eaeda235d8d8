//! What the doctor and the diagnostics bundle show about the network: the route each URL
//! takes (which proxy, chosen by which setting or variable), whether the proxy opens a tunnel,
//! and the server's certificate (issuer, and whether the OS store or the extra CA trusts it).
//! Nothing here shows a proxy password: proxies are shown as [`ProxyUrl`](super::ProxyUrl)
//! shows them.

use super::dial::{Dial, Target, TcpDialer};
use super::error::NetError;
use super::route::Route;
use super::tls::{issuer_name, subject_name, TrustAnchor};
use super::Network;
use serde::Serialize;
use url::Url;

/// The route of one URL, as shown.
#[derive(Debug, Clone, Serialize)]
pub struct RouteReport {
    /// `scheme://host:port` (no path, no query: a query may hold a token).
    pub url: String,
    /// The proxy, password hidden; `None`: straight to the server.
    pub proxy: Option<String>,
    /// Why: the setting or variable that chose the proxy, or why there is none.
    pub why: String,
    /// The `CONNECT` through the proxy (TLS and WebSockets are tunnelled; plain-http REST is
    /// forwarded by the proxy and gets none).
    pub tunnel: Option<TunnelReport>,
}

/// The outcome of one `CONNECT`.
#[derive(Debug, Clone, Serialize)]
pub struct TunnelReport {
    /// `host:port` asked for.
    pub target: String,
    /// True when the proxy answered 2xx.
    pub opened: bool,
    /// `200`, or the failure in plain words.
    pub result: String,
}

/// Every URL's route, and the first failure (a refused tunnel, an unusable variable).
#[derive(Debug, Default)]
pub struct ProxyReport {
    /// One entry per URL.
    pub routes: Vec<RouteReport>,
    /// The proxy variables set in the environment, passwords hidden.
    pub variables: Vec<(&'static str, String)>,
    /// The first failure, typed.
    pub failure: Option<NetError>,
}

impl ProxyReport {
    /// True when any URL goes through a proxy.
    pub fn uses_proxy(&self) -> bool {
        self.routes.iter().any(|r| r.proxy.is_some())
    }

    /// As JSON for the diagnostics bundle.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "routes": self.routes,
            "variables": self.variables.iter().map(|(n, v)| serde_json::json!({"name": n, "value": v})).collect::<Vec<_>>(),
            "failure": self.failure.as_ref().map(|e| e.to_string()),
        })
    }
}

fn shown(url: &Url) -> String {
    match Target::of(url) {
        Ok(target) => format!("{}://{target}", url.scheme()),
        Err(_) => url.scheme().to_owned(),
    }
}

/// Decides the route of each of `urls` and, through a proxy, opens (and closes) a tunnel to
/// each server. Dropping the future abandons the attempts.
pub async fn proxies(network: &Network, urls: &[&Url]) -> ProxyReport {
    let mut report = ProxyReport {
        variables: network.proxy_env().shown(),
        ..ProxyReport::default()
    };
    for url in urls {
        let route = match network.route(url) {
            Ok(route) => route,
            Err(error) => {
                report.routes.push(RouteReport {
                    url: shown(url),
                    proxy: None,
                    why: error.to_string(),
                    tunnel: None,
                });
                report.failure.get_or_insert(error);
                continue;
            }
        };
        let entry = match &route {
            Route::Direct(reason) => RouteReport {
                url: shown(url),
                proxy: None,
                why: reason.to_string(),
                tunnel: None,
            },
            Route::Proxy(hop) => {
                let proxy = super::ProxyUrl::from_hop(hop).to_string();
                let why = format!("from {}", hop.source);
                let tunnel = if url.scheme() == "http" {
                    if let Err(error) = super::dial::tcp_connect(&hop.address).await {
                        report.failure.get_or_insert(NetError::ProxyUnreachable {
                            proxy: hop.address.to_string(),
                            source: Box::new(error),
                        });
                    }
                    None
                } else {
                    Some(tunnel(&route, url, &mut report.failure).await)
                };
                RouteReport {
                    url: shown(url),
                    proxy: Some(proxy),
                    why,
                    tunnel,
                }
            }
        };
        report.routes.push(entry);
    }
    report
}

async fn tunnel(route: &Route, url: &Url, failure: &mut Option<NetError>) -> TunnelReport {
    let target = match Target::of(url) {
        Ok(target) => target,
        Err(error) => {
            let result = error.to_string();
            failure.get_or_insert(error);
            return TunnelReport {
                target: String::new(),
                opened: false,
                result,
            };
        }
    };
    match TcpDialer.dial(&target, route).await {
        Ok(_stream) => TunnelReport {
            target: target.to_string(),
            opened: true,
            result: "200".into(),
        },
        Err(error) => {
            let result = error.to_string();
            failure.get_or_insert(error);
            TunnelReport {
                target: target.to_string(),
                opened: false,
                result,
            }
        }
    }
}

/// The server's certificate as the shared TLS configuration accepted it.
#[derive(Debug, Clone, Serialize)]
pub struct TlsReport {
    /// `TLSv1_3`…
    pub version: String,
    /// The leaf's subject (common name, else the whole name).
    pub subject: String,
    /// The leaf's issuer.
    pub issuer: Option<String>,
    /// Who trusts it: the OS store or the extra CA file.
    pub trusted_by: TrustAnchor,
    /// The extra CA file, when one is configured.
    pub extra_ca: Option<String>,
    /// The leaf's expiry, `YYYY-MM-DD`.
    pub expires: String,
    /// Whole days until expiry.
    pub days_left: i64,
    /// Through which proxy the handshake went, password hidden.
    pub via_proxy: Option<String>,
}

impl TlsReport {
    /// "the OS trust store" or "the extra CA file <path>".
    pub fn trusted_by_text(&self) -> String {
        match (self.trusted_by, &self.extra_ca) {
            (TrustAnchor::OsStore, _) => "this machine's trust store".to_owned(),
            (TrustAnchor::ExtraCa, Some(path)) => format!("the extra CA file {path}"),
            (TrustAnchor::ExtraCa, None) => "the extra CA file".to_owned(),
        }
    }
}

/// Runs a TLS handshake with the server of `url` along its route with the shared TLS
/// configuration, and describes the certificate. Dropping the future abandons it.
pub async fn tls(network: &Network, url: &Url) -> Result<TlsReport, NetError> {
    let target = Target::of(url)?;
    let route = network.route(url)?;
    let stream = TcpDialer.dial(&target, &route).await?;
    let tls = network.tls_handshake(stream, &target.host).await?;
    let (_, session) = tls.get_ref();
    let version = session
        .protocol_version()
        .map(|v| format!("{v:?}"))
        .unwrap_or_default();
    let chain: Vec<_> = session
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|c| c.clone().into_owned())
        .collect();
    let leaf = chain.first().ok_or_else(|| NetError::Tls {
        host: target.host.clone(),
        source: Box::new(rustls::Error::NoCertificatesPresented),
    })?;
    let (expires, days_left) = expiry(leaf.as_ref());
    Ok(TlsReport {
        version,
        subject: subject_name(leaf.as_ref()),
        issuer: issuer_name(leaf.as_ref()),
        trusted_by: network.trust_anchor(&chain, &target.host),
        extra_ca: network.extra_ca().map(|e| e.path().display().to_string()),
        expires,
        days_left,
        via_proxy: route
            .proxy()
            .map(|hop| super::ProxyUrl::from_hop(hop).to_string()),
    })
}

fn expiry(der: &[u8]) -> (String, i64) {
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => {
            let at = cert.validity().not_after.to_datetime();
            let days = (at - time::OffsetDateTime::now_utc()).whole_days();
            (at.date().to_string(), days)
        }
        Err(_) => (String::new(), 0),
    }
}

/// The bundle's `network` section for `profile`: each URL's route and tunnel, the proxy
/// variables (passwords hidden), the extra CA, and the server's certificate (or why the
/// handshake failed). Every proxy appears as [`ProxyUrl`](super::ProxyUrl) shows it.
/// Each part gives up after 5 s. Dropping the future abandons the attempts.
pub async fn bundle_section(
    network: &Network,
    profile: &crate::server::ServerProfile,
) -> serde_json::Value {
    let limit = std::time::Duration::from_secs(5);
    let proxy = match tokio::time::timeout(
        limit,
        proxies(network, &[&profile.rest_base, &profile.ws_url]),
    )
    .await
    {
        Ok(report) => report.to_json(),
        Err(_) => serde_json::json!({ "error": "the proxy did not answer within 5 s" }),
    };
    let tls = if profile.rest_base.scheme() == "https" {
        match tokio::time::timeout(limit, tls(network, &profile.rest_base)).await {
            Ok(Ok(report)) => serde_json::to_value(report).unwrap_or_default(),
            Ok(Err(error)) => serde_json::json!({ "error": error.to_string() }),
            Err(_) => serde_json::json!({ "error": "no TLS answer within 5 s" }),
        }
    } else {
        serde_json::Value::Null
    };
    serde_json::json!({
        "proxy": proxy,
        "tls": tls,
        "extra_ca": network.extra_ca().map(|ca| serde_json::json!({
            "path": ca.path().display().to_string(),
            "certificates": ca.names(),
        })),
    })
}
