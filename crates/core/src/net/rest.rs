//! reqwest with this network's settings: the shared TLS configuration, our proxy decision
//! (so REST and the WebSocket always take the same route), and errors read for their cause.

use super::dial::{Dial, Target, TcpDialer};
use super::error::NetError;
use super::route::Route;
use super::{tls, Network};
use url::Url;

/// A client builder using `network`'s TLS configuration and routes.
pub(super) fn builder(network: &Network) -> reqwest::ClientBuilder {
    let routes = network.clone();
    reqwest::Client::builder()
        .use_preconfigured_tls((*network.tls_config()).clone())
        .proxy(reqwest::Proxy::custom(move |url| {
            // A route that cannot be decided never reaches here: the API client asks for it
            // first and reports the error; `None` would otherwise mean "direct".
            match routes.route(url).ok()? {
                Route::Proxy(hop) => {
                    Some(super::proxy::ProxyUrl::from_hop(&hop).to_url_with_credentials())
                }
                Route::Direct(_) => None,
            }
        }))
}

/// The typed cause of `error` (a call to `url` through `network`), when it can be found:
/// rustls's verdict in the chain, else what dialing the same route (and the TLS handshake,
/// for `https`) with our own dialer says. Only on this failure path.
pub(super) async fn explain(
    network: &Network,
    url: &Url,
    error: &reqwest::Error,
) -> Option<NetError> {
    let host = url.host_str().unwrap_or_default();
    if let Some(tls) = find_tls_error(error) {
        return Some(tls::tls_failure(host, tls));
    }
    if !error.is_connect() || error.is_timeout() {
        return None;
    }
    // The second look is bounded: a failure path must not hang where the first try did not.
    tokio::time::timeout(EXPLAIN_LIMIT, redial(network, url))
        .await
        .ok()
        .flatten()
}

/// How long the second look at a failed connection may take.
const EXPLAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

async fn redial(network: &Network, url: &Url) -> Option<NetError> {
    let target = Target::of(url).ok()?;
    let route = network.route(url).ok()?;
    // Ask the network again, with our dialer: it names the cause reqwest's error hides (a
    // proxy's refusal status, DNS versus TCP). Only on this failure path. A plain-http call
    // is forwarded by the proxy, not tunnelled: only the proxy's reachability can fail.
    match (&route, url.scheme()) {
        (Route::Proxy(hop), "http") => {
            super::dial::tcp_connect(&hop.address)
                .await
                .err()
                .map(|source| NetError::ProxyUnreachable {
                    proxy: hop.address.to_string(),
                    source: Box::new(source),
                })
        }
        // TLS included: reqwest's error does not always carry rustls's verdict in a form
        // that can be found again (it depends on how the connector boxed it).
        (_, "https") => network.open(&TcpDialer, url).await.err(),
        _ => TcpDialer.dial(&target, &route).await.err(),
    }
}

/// A rustls error anywhere in the chain (inside an `io::Error`, too).
fn find_tls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(error);
    while let Some(current) = next {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
                return Some(tls);
            }
        }
        next = current.source();
    }
    None
}
