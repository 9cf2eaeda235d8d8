//! The doctor's proxy step: for the REST and the WebSocket URL, which proxy is used and why
//! (the flag, the setting or the variable), and whether it opens a tunnel to the server.

use super::network::{ms, STEP_TIMEOUT};
use devhive_core::net::inspect::{self, ProxyReport};
use devhive_core::net::Network;
use devhive_core::server::ServerProfile;
use devhive_core::support::verdict::{classify_net, Problem};
use devhive_core::support::{Check, Step};
use std::time::Instant;

/// Decides and tries the route of each of the profile's URLs; also returns the report (the
/// later steps skip DNS and TCP when a proxy connects for us).
pub async fn proxy(network: &Network, profile: &ServerProfile) -> (Check, Option<ProxyReport>) {
    let started = Instant::now();
    let urls = [&profile.rest_base, &profile.ws_url];
    let report = match tokio::time::timeout(STEP_TIMEOUT, inspect::proxies(network, &urls)).await {
        Ok(report) => report,
        Err(_) => {
            return (
                Check::fail(
                    Step::Proxy,
                    ms(started),
                    format!("the proxy did not answer in {} s", STEP_TIMEOUT.as_secs()),
                    Problem::Timeout {
                        waiting_for: "the proxy's CONNECT answer".into(),
                    },
                ),
                None,
            )
        }
    };
    let detail = describe(&report);
    let check = match &report.failure {
        Some(error) => Check::fail(Step::Proxy, ms(started), detail, classify_net(error)),
        None => Check::ok(Step::Proxy, ms(started), detail),
    };
    (check, Some(report))
}

/// One clause per URL: `https://h:443 via http://p:3128 (from HTTPS_PROXY), CONNECT 200`.
fn describe(report: &ProxyReport) -> String {
    if !report.uses_proxy() && report.failure.is_none() {
        let why = report
            .routes
            .first()
            .map(|r| r.why.clone())
            .unwrap_or_default();
        let same = report.routes.iter().all(|r| r.why == why);
        if same {
            return format!("none: {why}; straight to the server");
        }
    }
    report
        .routes
        .iter()
        .map(|route| match (&route.proxy, &route.tunnel) {
            (None, _) => format!("{} direct ({})", route.url, route.why),
            (Some(proxy), None) => {
                format!("{} via {proxy} ({}), forwarded", route.url, route.why)
            }
            (Some(proxy), Some(tunnel)) => format!(
                "{} via {proxy} ({}), CONNECT {}",
                route.url, route.why, tunnel.result
            ),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
