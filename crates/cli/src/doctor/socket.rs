//! The doctor's realtime steps: the WebSocket handshake per project (the exact request our
//! client sends, so a refusal's HTTP status and body are read as the feed would read them),
//! then one ping round trip on the open socket.

use super::network::{error_chain, ms, retry_after_secs};
use devhive_core::auth::AccessToken;
use devhive_core::realtime::handshake;
use devhive_core::server::{Flavour, ServerProfile};
use devhive_core::support::verdict::{classify_handshake, HandshakeContext, Problem};
use devhive_core::support::{Check, Step};
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// An open socket, kept for the ping step.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

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
    /// The transport failed.
    Failed(Check),
}

/// Opens the socket for `project` with `token`.
pub async fn handshake(
    profile: &ServerProfile,
    project: &str,
    token: &AccessToken,
    context: HandshakeContext,
) -> Handshake {
    let started = Instant::now();
    let prepared = match handshake::prepare(profile, project, token) {
        Ok(prepared) => prepared,
        Err(error) => {
            return Handshake::Failed(
                Check::fail(
                    Step::Handshake,
                    0,
                    error.to_string(),
                    Problem::BadRequest {
                        message: error.to_string(),
                    },
                )
                .for_project(project),
            )
        }
    };
    let params = prepared.params.clone();
    let connect = tokio_tungstenite::connect_async(prepared.request);
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, connect).await {
        Ok(Ok((socket, response))) => {
            let detail = format!("{}; {}", response.status(), params.replace('&', " "));
            Handshake::Open(
                Box::new(socket),
                Check::ok(Step::Handshake, ms(started), detail).for_project(project),
            )
        }
        Ok(Err(WsError::Http(response))) => {
            let status = response.status().as_u16();
            let retry_after = retry_after_secs(response.headers());
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).trim().to_owned())
                .unwrap_or_default();
            let problem = classify_handshake(project, status, &body, retry_after, context);
            let detail = format!("HTTP {status} \"{body}\"");
            Handshake::Refused {
                check: Check::fail(Step::Handshake, ms(started), detail, problem)
                    .for_project(project),
                status,
            }
        }
        Ok(Err(error)) => {
            let text = error_chain(&error);
            Handshake::Failed(
                Check::fail(
                    Step::Handshake,
                    ms(started),
                    text.clone(),
                    Problem::ConnectFailed { error: text },
                )
                .for_project(project),
            )
        }
        Err(_) => Handshake::Failed(
            Check::fail(
                Step::Handshake,
                ms(started),
                format!("no upgrade answer in {} s", HANDSHAKE_TIMEOUT.as_secs()),
                Problem::Timeout {
                    waiting_for: "WebSocket handshake".into(),
                },
            )
            .for_project(project),
        ),
    }
}

/// Sends a WebSocket Ping (and, on the AWS flavour, the subscribe action first) and waits for
/// any frame back: a Pong, a server Ping or a message all prove the socket is alive.
pub async fn first_ping(
    socket: &mut Socket,
    flavour: Flavour,
    project: &str,
    wait: Duration,
) -> Check {
    let started = Instant::now();
    if flavour == Flavour::Aws {
        let subscribe = handshake::aws_subscribe(project);
        if let Err(error) = socket.send(Message::text(subscribe)).await {
            return closed(project, started, &error);
        }
    }
    if let Err(error) = socket
        .send(Message::Ping(b"devhive-doctor".to_vec().into()))
        .await
    {
        return closed(project, started, &error);
    }
    let answer = async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Pong(_))) => return Ok("pong"),
                Some(Ok(Message::Ping(_))) => return Ok("server ping"),
                Some(Ok(Message::Text(_) | Message::Binary(_))) => return Ok("message"),
                Some(Ok(Message::Close(frame))) => {
                    return Err(frame.map_or("closed without a code".to_owned(), |f| {
                        format!("closed {} {}", u16::from(f.code), f.reason)
                    }))
                }
                Some(Ok(Message::Frame(_))) => {}
                Some(Err(error)) => return Err(error_chain(&error)),
                None => return Err("connection ended".to_owned()),
            }
        }
    };
    let check = match tokio::time::timeout(wait, answer).await {
        Ok(Ok(what)) => Check::ok(
            Step::FirstPing,
            ms(started),
            format!("{what} after {} ms", ms(started)),
        ),
        Ok(Err(why)) => Check::fail(
            Step::FirstPing,
            ms(started),
            why.clone(),
            Problem::ConnectFailed { error: why },
        ),
        Err(_) => Check::fail(
            Step::FirstPing,
            ms(started),
            format!("nothing received in {} s", wait.as_secs_f32()),
            Problem::NoPing {
                waited_secs: wait.as_secs().max(1),
            },
        ),
    };
    let _ = tokio::time::timeout(Duration::from_millis(500), socket.close(None)).await;
    check.for_project(project)
}

fn closed(project: &str, started: Instant, error: &WsError) -> Check {
    let text = error_chain(error);
    Check::fail(
        Step::FirstPing,
        ms(started),
        text.clone(),
        Problem::ConnectFailed { error: text },
    )
    .for_project(project)
}
