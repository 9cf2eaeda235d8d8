//! The doctor's transport steps: DNS, TCP and `GET /health`.

use devhive_core::net::Network;
use devhive_core::support::verdict::{classify_net, Problem};
use devhive_core::support::{Check, Step};
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpStream;
use url::Url;

/// How long each transport step may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// What `/health` told us besides health: the server's clock, for the skew check.
#[derive(Debug, Clone, Copy, Default)]
pub struct HealthFacts {
    /// The server's `Date` header and our wall clock when it arrived.
    pub server_date: Option<(SystemTime, SystemTime)>,
}

/// Host and port of a URL (the default port for its scheme when none is given).
pub fn host_port(url: &Url) -> (String, u16) {
    let host = url.host_str().unwrap_or("localhost").to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    (host, port)
}

/// Resolves the host.
pub async fn dns(url: &Url) -> (Check, Vec<SocketAddr>) {
    let started = Instant::now();
    let (host, port) = host_port(url);
    let target = format!("{host}:{port}");
    let lookup = tokio::time::timeout(STEP_TIMEOUT, tokio::net::lookup_host(target)).await;
    match lookup {
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            let shown: Vec<String> = addrs.iter().take(3).map(|a| a.ip().to_string()).collect();
            (
                Check::ok(
                    Step::Dns,
                    ms(started),
                    format!("{host} → {}", shown.join(", ")),
                ),
                addrs,
            )
        }
        Ok(Err(error)) => (
            Check::fail(
                Step::Dns,
                ms(started),
                format!("{host}: {error}"),
                Problem::DnsFailed {
                    error: error.to_string(),
                },
            ),
            Vec::new(),
        ),
        Err(_) => (
            Check::fail(
                Step::Dns,
                ms(started),
                format!("{host}: no answer in {} s", STEP_TIMEOUT.as_secs()),
                Problem::Timeout {
                    waiting_for: "DNS lookup".into(),
                },
            ),
            Vec::new(),
        ),
    }
}

/// Opens (and closes) a TCP connection to the first address.
pub async fn tcp(addrs: &[SocketAddr]) -> Check {
    let started = Instant::now();
    let Some(addr) = addrs.first() else {
        return Check::skipped(Step::Tcp, "no address");
    };
    match tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(_stream)) => Check::ok(Step::Tcp, ms(started), format!("connected to {addr}")),
        Ok(Err(error)) => Check::fail(
            Step::Tcp,
            ms(started),
            format!("{addr}: {error}"),
            Problem::ConnectFailed {
                error: error.to_string(),
            },
        ),
        Err(_) => Check::fail(
            Step::Tcp,
            ms(started),
            format!("{addr}: no answer in {} s", STEP_TIMEOUT.as_secs()),
            Problem::Timeout {
                waiting_for: "TCP connect".into(),
            },
        ),
    }
}

/// `GET <origin>/health`: expects 200 `{"status":"healthy"}`; keeps the server's `Date`.
pub async fn health(
    http: &reqwest::Client,
    network: &Network,
    rest_base: &Url,
) -> (Check, HealthFacts) {
    let started = Instant::now();
    let mut url = rest_base.clone();
    url.set_path("/health");
    url.set_query(None);
    let mut facts = HealthFacts::default();
    let response = match http.get(url.clone()).send().await {
        Ok(response) => response,
        Err(error) => {
            // The typed cause (a proxy's 407, an untrusted certificate) when it can be named.
            let check = match network.explain(&url, &error).await {
                Some(cause) => Check::fail(
                    Step::Health,
                    ms(started),
                    cause.to_string(),
                    classify_net(&cause),
                ),
                None => transport_failure(Step::Health, started, &error),
            };
            return (check, facts);
        }
    };
    let status = response.status().as_u16();
    let retry_after = retry_after_secs(response.headers());
    if let Some(date) = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
    {
        facts.server_date = Some((date, SystemTime::now()));
    }
    let body = response.text().await.unwrap_or_default();
    let check = match status {
        200 => {
            let parsed: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            if parsed["status"] == "healthy" {
                let version = parsed["version"].as_str().unwrap_or("?");
                Check::ok(
                    Step::Health,
                    ms(started),
                    format!("200 healthy (service version {version})"),
                )
            } else {
                Check::fail(
                    Step::Health,
                    ms(started),
                    format!("200 {}", body.trim()),
                    Problem::UnexpectedStatus {
                        status,
                        body: body.trim().to_owned(),
                    },
                )
            }
        }
        429 => Check::fail(
            Step::Health,
            ms(started),
            format!("429 {}", body.trim()),
            Problem::RateLimited {
                retry_after_secs: retry_after,
            },
        ),
        _ => Check::fail(
            Step::Health,
            ms(started),
            format!("{status} {}", body.trim()),
            Problem::ServerUnhealthy {
                status,
                body: body.trim().to_owned(),
            },
        ),
    };
    (check, facts)
}

/// A reqwest transport error as a failed step.
pub fn transport_failure(step: Step, started: Instant, error: &reqwest::Error) -> Check {
    let problem = if error.is_timeout() {
        Problem::Timeout {
            waiting_for: step.label().to_owned(),
        }
    } else {
        Problem::ConnectFailed {
            error: error_chain(error),
        }
    };
    Check::fail(step, ms(started), error_chain(error), problem)
}

/// An error with its sources, on one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// `Retry-After` in whole seconds, when present and numeric.
pub fn retry_after_secs(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form servers send now.
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let parsed = time::PrimitiveDateTime::parse(text.trim(), &format).ok()?;
    Some(parsed.assume_utc().into())
}

/// Milliseconds since `started`.
pub fn ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse_to_system_time() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs, 784_111_777);
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn default_ports_follow_the_scheme() {
        let url = Url::parse("https://example.test/api/v1").unwrap();
        assert_eq!(host_port(&url), ("example.test".into(), 443));
    }
}
