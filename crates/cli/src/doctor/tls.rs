//! The doctor's TLS step: a handshake with the configuration REST and the WebSocket use (the
//! OS trust store plus any extra CA), along the same route (through the proxy's tunnel when
//! there is one); then the certificate's issuer, who trusts it, and its expiry (a certificate
//! close to expiry is a warning, not a failure).

use super::network::{ms, STEP_TIMEOUT};
use devhive_core::net::{inspect, Network};
use devhive_core::support::verdict::{classify_net, Problem};
use devhive_core::support::{Check, Step};
use std::time::Instant;
use url::Url;

/// A certificate expiring within this many days is flagged.
const EXPIRY_WARNING_DAYS: i64 = 14;

/// Runs the TLS handshake with the server of `url` and describes its certificate.
pub async fn tls(network: &Network, url: &Url) -> Check {
    let started = Instant::now();
    let report = match tokio::time::timeout(STEP_TIMEOUT, inspect::tls(network, url)).await {
        Ok(Ok(report)) => report,
        Ok(Err(error)) => {
            return Check::fail(
                Step::Tls,
                ms(started),
                error.to_string(),
                classify_net(&error),
            )
        }
        Err(_) => {
            return Check::fail(
                Step::Tls,
                ms(started),
                format!("no TLS answer in {} s", STEP_TIMEOUT.as_secs()),
                Problem::Timeout {
                    waiting_for: "TLS handshake".into(),
                },
            )
        }
    };
    let issuer = report
        .issuer
        .as_deref()
        .map(|i| format!(", issued by '{i}'"))
        .unwrap_or_default();
    let detail = format!(
        "{}, {}{issuer}, trusted by {}, expires {} ({} days)",
        report.version,
        report.subject,
        report.trusted_by_text(),
        report.expires,
        report.days_left
    );
    if report.days_left < EXPIRY_WARNING_DAYS {
        Check::warn(
            Step::Tls,
            ms(started),
            detail,
            Problem::TlsFailed {
                error: format!("certificate expires in {} days", report.days_left),
            },
        )
    } else {
        Check::ok(Step::Tls, ms(started), detail)
    }
}
