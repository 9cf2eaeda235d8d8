//! The doctor's realtime steps, done by the core's own code: the WebSocket upgrade per
//! project ([`handshake::open`], the exact request, limits and timeout of the feed, so a
//! refusal's status and body are read as the feed reads them), then one liveness round trip
//! ([`probe::first_answer`]). This file only turns their outcomes into checks.

use super::network::ms;
use devhive_core::auth::AccessToken;
use devhive_core::net::Network;
use devhive_core::realtime::handshake::{self, OpenError, Socket};
use devhive_core::realtime::probe::{self, ProbeError};
use devhive_core::server::ServerProfile;
use devhive_core::support::verdict::{classify_handshake, classify_net, HandshakeContext, Problem};
use devhive_core::support::{Check, Step};
use std::time::{Duration, Instant};

/// How long the handshake may take (design.md §3 connect timeout).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The outcome of one handshake attempt.
pub enum Handshake {
    /// 101: the socket is open.
    Open(Box<Socket>, Check),
    /// Refused with an HTTP status before the upgrade.
    Refused {
        /// The failed step.
        check: Check,
        /// The status (401 means: refresh once and retry).
        status: u16,
    },
    /// The request could not be made, or the transport failed.
    Failed(Check),
}

/// Opens the socket for `project` with `token`.
pub async fn handshake(
    profile: &ServerProfile,
    network: &Network,
    project: &str,
    token: &AccessToken,
    context: HandshakeContext,
) -> Handshake {
    let started = Instant::now();
    let fail = |detail: String, problem| {
        Handshake::Failed(
            Check::fail(Step::Handshake, ms(started), detail, problem).for_project(project),
        )
    };
    match handshake::open(profile, network, project, token, HANDSHAKE_TIMEOUT).await {
        Ok(opened) => {
            let detail = format!(
                "101 Switching Protocols; {}",
                opened.params.replace('&', " ")
            );
            Handshake::Open(
                Box::new(opened.socket),
                Check::ok(Step::Handshake, ms(started), detail).for_project(project),
            )
        }
        Err(OpenError::Refused {
            status,
            body,
            retry_after,
        }) => {
            let retry = retry_after.map(|d| d.as_secs());
            let problem = classify_handshake(project, status, &body, retry, context);
            let detail = format!("HTTP {status} \"{body}\"");
            Handshake::Refused {
                check: Check::fail(Step::Handshake, ms(started), detail, problem)
                    .for_project(project),
                status,
            }
        }
        Err(OpenError::Request(error)) => fail(
            error.to_string(),
            Problem::BadRequest {
                message: error.to_string(),
            },
        ),
        Err(OpenError::Unreachable(error)) => fail(error.to_string(), classify_net(&error)),
        Err(OpenError::Transport { reason }) => {
            fail(reason.clone(), Problem::ConnectFailed { error: reason })
        }
        Err(error @ OpenError::TimedOut { .. }) => fail(
            error.to_string(),
            Problem::Timeout {
                waiting_for: "WebSocket handshake".into(),
            },
        ),
    }
}

/// One liveness round trip on the open socket (subscribe first on the AWS flavour).
pub async fn first_ping(
    socket: &mut Socket,
    profile: &ServerProfile,
    project: &str,
    wait: Duration,
) -> Check {
    let started = Instant::now();
    let check = match probe::first_answer(socket, profile.flavour, project, wait).await {
        Ok(answer) => Check::ok(
            Step::FirstPing,
            ms(started),
            format!("{} after {} ms", answer.as_str(), ms(started)),
        ),
        Err(ProbeError::Silent { waited }) => Check::fail(
            Step::FirstPing,
            ms(started),
            format!("nothing received in {} s", waited.as_secs_f32()),
            Problem::NoPing {
                waited_secs: waited.as_secs().max(1),
            },
        ),
        Err(other) => Check::fail(
            Step::FirstPing,
            ms(started),
            other.to_string(),
            Problem::ConnectFailed {
                error: other.to_string(),
            },
        ),
    };
    check.for_project(project)
}
