//! The doctor's TLS step: handshake against the webpki roots, then the leaf certificate's
//! subject and expiry (a certificate close to expiry is a warning, not a failure).

use super::network::{error_chain, ms, STEP_TIMEOUT};
use devhive_core::support::verdict::Problem;
use devhive_core::support::{Check, Step};
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;

/// A certificate expiring within this many days is flagged.
const EXPIRY_WARNING_DAYS: i64 = 14;

/// Runs the TLS handshake with `host` at `addr` and describes the certificate.
pub async fn tls(host: &str, addr: SocketAddr) -> Check {
    let started = Instant::now();
    let fail = |detail: String| {
        Check::fail(
            Step::Tls,
            ms(started),
            detail.clone(),
            Problem::TlsFailed { error: detail },
        )
    };
    let Ok(server_name) = ServerName::try_from(host.to_owned()) else {
        return fail(format!("{host:?} is not a valid TLS server name"));
    };
    let connector =
        tokio_rustls::TlsConnector::from(devhive_core::net::Network::system().tls_config());
    let handshake = async {
        let tcp = TcpStream::connect(addr).await?;
        connector.connect(server_name, tcp).await
    };
    let stream = match tokio::time::timeout(STEP_TIMEOUT, handshake).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return fail(error_chain(&error)),
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
    let (_, session) = stream.get_ref();
    let version = session
        .protocol_version()
        .map(|v| format!("{v:?}"))
        .unwrap_or_default();
    let Some(leaf) = session.peer_certificates().and_then(|c| c.first()) else {
        return fail("the server sent no certificate".into());
    };
    match describe_certificate(leaf.as_ref()) {
        Ok((subject, days_left, not_after)) => {
            let detail = format!("{version}, {subject}, expires {not_after} ({days_left} days)");
            if days_left < EXPIRY_WARNING_DAYS {
                Check::warn(
                    Step::Tls,
                    ms(started),
                    detail.clone(),
                    Problem::TlsFailed {
                        error: format!("certificate expires in {days_left} days"),
                    },
                )
            } else {
                Check::ok(Step::Tls, ms(started), detail)
            }
        }
        Err(error) => fail(format!("unreadable certificate: {error}")),
    }
}

/// Subject, whole days until expiry, and the expiry date of a DER certificate.
pub fn describe_certificate(der: &[u8]) -> Result<(String, i64, String), String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| e.to_string())?;
    let subject = cert.subject().to_string();
    let not_after = cert.validity().not_after;
    let expiry = not_after.to_datetime();
    let days_left = (expiry - time::OffsetDateTime::now_utc()).whole_days();
    let date = expiry.date().to_string();
    Ok((subject, days_left, date))
}
