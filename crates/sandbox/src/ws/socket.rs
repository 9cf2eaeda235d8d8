//! The per-socket task: writes queued frames, keeps the flavour's keepalive rules, obeys faults.

use super::hub::{Control, Registration};
use crate::config::ApiVersion;
use crate::Sandbox;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use std::time::Duration;
use tokio::time::{sleep_until, Instant};

/// Inbound messages over this many bytes close a fly socket with 1009 (Gorilla's read limit).
pub const FLY_READ_LIMIT: usize = 512;

/// Keepalive rules of a flavour.
#[derive(Debug, Clone, Copy)]
pub enum Protocol {
    /// Gorilla: server pings; the read deadline moves only on pongs.
    Fly {
        /// Ping period.
        ping_interval: Duration,
        /// Read deadline after the last pong.
        pong_timeout: Duration,
    },
    /// API Gateway: idle timeout and a hard maximum age, both closing with 1001.
    Aws {
        /// Idle timeout.
        idle: Duration,
        /// Maximum connection age.
        max_age: Duration,
    },
}

/// Sends a close frame and waits briefly for the client's echo.
pub async fn close(ws: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    // Keep reading until the client echoes (at most 1 s) so a client that is behind on reading,
    // e.g. still answering queued pings, gets the close frame instead of a broken pipe.
    if ws.send(Message::Close(Some(frame))).await.is_ok() {
        drain_close(ws).await;
    }
}

enum Next {
    Continue,
    Stop,
}

/// Serves one registered socket until it ends; always unregisters.
pub async fn run(sb: Sandbox, mut ws: WebSocket, mut reg: Registration, protocol: Protocol) {
    let mut blackhole = sb.faults().blackhole();
    let start = Instant::now();
    let (tick, life) = match protocol {
        Protocol::Fly {
            ping_interval,
            pong_timeout,
        } => (ping_interval, pong_timeout),
        Protocol::Aws { idle, .. } => (idle, idle),
    };
    let mut ping = tokio::time::interval_at(start + tick, tick);
    let mut deadline = start + life;
    let hard_stop = match protocol {
        Protocol::Aws { max_age, .. } => start + max_age,
        Protocol::Fly { .. } => start + Duration::from_secs(100 * 365 * 24 * 3600),
    };
    loop {
        if *blackhole.borrow() {
            // Half-open: keep TCP open, read nothing, answer nothing, send nothing.
            tokio::select! {
                _ = reg.control.changed() => {}
                r = blackhole.changed() => if r.is_err() { break },
            }
            if let Next::Stop = obey(&mut ws, &reg).await {
                break;
            }
            deadline = Instant::now() + life;
            continue;
        }
        tokio::select! {
            biased;
            _ = reg.control.changed() => {
                if let Next::Stop = obey(&mut ws, &reg).await { break }
            }
            _ = blackhole.changed() => {}
            Some(frame) = reg.rx.recv() => {
                if ws.feed(Message::Text(frame)).await.is_err() { break }
                let mut more = 0;
                while more < 64 {
                    match reg.rx.try_recv() {
                        Ok(f) => if ws.feed(Message::Text(f)).await.is_err() { break },
                        Err(_) => break,
                    }
                    more += 1;
                }
                if ws.flush().await.is_err() { break }
                if let Protocol::Aws { .. } = protocol { deadline = Instant::now() + life; }
            }
            _ = ping.tick(), if matches!(protocol, Protocol::Fly { .. }) => {
                if ws.send(Message::Ping(Default::default())).await.is_err() { break }
            }
            _ = sleep_until(deadline) => {
                match protocol {
                    Protocol::Fly { .. } => close(&mut ws, 1000, "").await,
                    Protocol::Aws { .. } => close(&mut ws, 1001, "Going away").await,
                }
                break;
            }
            _ = sleep_until(hard_stop) => {
                close(&mut ws, 1001, "Going away").await;
                break;
            }
            msg = ws.recv() => {
                let Some(Ok(msg)) = msg else { break };
                // API Gateway's idle timer counts messages both ways (client pings keep it open).
                if matches!(protocol, Protocol::Aws { .. }) && matches!(msg, Message::Text(_) | Message::Binary(_)) {
                    deadline = Instant::now() + life;
                }
                match (msg, protocol) {
                    (Message::Pong(_), Protocol::Fly { .. }) => deadline = Instant::now() + life,
                    (Message::Close(_), _) => { drain_close(&mut ws).await; break }
                    (Message::Text(t), p) => if let Next::Stop = inbound(&sb, &mut ws, &reg, p, t.as_bytes()).await { break },
                    (Message::Binary(b), p) => if let Next::Stop = inbound(&sb, &mut ws, &reg, p, &b).await { break },
                    _ => {}
                }
            }
        }
    }
    sb.inner.hub.unregister(reg.id);
}

async fn obey(ws: &mut WebSocket, reg: &Registration) -> Next {
    let order = reg.control.borrow().clone();
    match order {
        Control::Run => Next::Continue,
        Control::Close(code, reason) => {
            close(ws, code, &reason).await;
            Next::Stop
        }
        Control::Abort => Next::Stop,
    }
}

/// Lets tungstenite flush its echo of the client's close frame.
async fn drain_close(ws: &mut WebSocket) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(Ok(_)) = ws.recv().await {}
    })
    .await;
}

async fn inbound(
    sb: &Sandbox,
    ws: &mut WebSocket,
    reg: &Registration,
    p: Protocol,
    bytes: &[u8],
) -> Next {
    match p {
        Protocol::Fly { .. } => {
            if bytes.len() > FLY_READ_LIMIT {
                close(ws, 1009, "").await;
                return Next::Stop;
            }
            fly_message(sb, reg, bytes);
            Next::Continue
        }
        Protocol::Aws { .. } => aws_message(sb, ws, reg, bytes).await,
    }
}

/// Finds a Go struct field the way `encoding/json` does (exact, then case-insensitive).
fn field<'a>(
    obj: &'a serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<&'a serde_json::Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn fly_message(sb: &Sandbox, reg: &Registration, bytes: &[u8]) {
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice(bytes) else {
        return;
    };
    let kind = field(&obj, "type").and_then(|v| v.as_str()).unwrap_or("");
    let key = match sb.api_version() {
        ApiVersion::A => "project_id",
        ApiVersion::B => "projectId",
    };
    match kind {
        "join_project" => {
            let project = field(&obj, key).and_then(|v| v.as_str()).unwrap_or("");
            sb.inner.hub.set_project(reg.id, project.to_string());
        }
        "leave_project" => sb.inner.hub.set_project(reg.id, String::new()),
        _ => {}
    }
}

async fn aws_message(sb: &Sandbox, ws: &mut WebSocket, reg: &Registration, bytes: &[u8]) -> Next {
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice(bytes) else {
        return Next::Continue;
    };
    match obj.get("action").and_then(|v| v.as_str()).unwrap_or("") {
        "subscribe" => {
            let p = obj
                .get("projectId")
                .or_else(|| obj.get("project_id"))
                .and_then(|v| v.as_str())
                .unwrap_or("");
            if !p.is_empty() {
                sb.inner.hub.set_project(reg.id, p.to_string());
            }
        }
        "unsubscribe" => sb.inner.hub.set_project(reg.id, String::new()),
        "ping"
            if ws
                .send(Message::Text(r#"{"action":"pong"}"#.into()))
                .await
                .is_err() =>
        {
            return Next::Stop;
        }
        _ => {}
    }
    Next::Continue
}
