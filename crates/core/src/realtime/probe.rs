//! One liveness round trip on a freshly opened socket, for `devhive doctor`: subscribe (AWS),
//! send a WebSocket Ping, and wait for any frame back — a Pong, a server Ping or a message
//! all prove the socket is alive.

use super::handshake::{aws_subscribe, describe, Socket};
use crate::server::Flavour;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// What answered first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A Pong to our Ping.
    Pong,
    /// The server's own Ping.
    ServerPing,
    /// A data frame.
    Message,
}

impl Answer {
    /// Plain words.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pong => "pong",
            Self::ServerPing => "server ping",
            Self::Message => "message",
        }
    }
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The server closed the socket.
    #[error("closed {}{reason}", code.map(|c| format!("{c} ")).unwrap_or_else(|| "without a code ".into()))]
    Closed {
        /// The close code, if a close frame came.
        code: Option<u16>,
        /// Its reason.
        reason: String,
    },
    /// The connection failed.
    #[error("{reason}")]
    Transport {
        /// Plain words.
        reason: String,
    },
    /// Nothing came back in time.
    #[error("nothing received in {} s", waited.as_secs_f32())]
    Silent {
        /// How long we waited.
        waited: Duration,
    },
}

/// Probes `socket` (opened for `project`), waiting at most `wait`, then closes it politely.
/// Dropping the future stops the probe where it is and leaves the socket (borrowed) open, for
/// the caller to drop or close.
pub async fn first_answer(
    socket: &mut Socket,
    flavour: Flavour,
    project: &str,
    wait: Duration,
) -> Result<Answer, ProbeError> {
    let transport = |e: tokio_tungstenite::tungstenite::Error| ProbeError::Transport {
        reason: describe(&e),
    };
    if flavour == Flavour::Aws {
        socket
            .send(Message::text(aws_subscribe(project)))
            .await
            .map_err(transport)?;
    }
    socket
        .send(Message::Ping(b"devhive-doctor".to_vec().into()))
        .await
        .map_err(transport)?;
    let answer = async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Pong(_))) => return Ok(Answer::Pong),
                Some(Ok(Message::Ping(_))) => return Ok(Answer::ServerPing),
                Some(Ok(Message::Text(_) | Message::Binary(_))) => return Ok(Answer::Message),
                Some(Ok(Message::Close(frame))) => {
                    return Err(ProbeError::Closed {
                        code: frame.as_ref().map(|f| u16::from(f.code)),
                        reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    })
                }
                Some(Ok(Message::Frame(_))) => {}
                Some(Err(error)) => return Err(transport(error)),
                None => {
                    return Err(ProbeError::Transport {
                        reason: "connection ended".into(),
                    })
                }
            }
        }
    };
    let result = match tokio::time::timeout(wait, answer).await {
        Ok(result) => result,
        Err(_) => Err(ProbeError::Silent { waited: wait }),
    };
    let _ = tokio::time::timeout(Duration::from_millis(500), socket.close(None)).await;
    result
}
