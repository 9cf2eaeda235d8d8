//! The open socket's side of the driver: reading frames, answering with our own Ping on a
//! timer and declaring the socket dead when nothing comes back (design.md §3 liveness), the
//! AWS keepalive and renewal timers, and turning frames into feed updates.

use super::{command_input, Command, Driver, Shared};
use crate::auth::TokenSource;
use crate::realtime::connection::Input;
use crate::realtime::handshake::{self, AWS_PING};
use crate::realtime::message::{self, ParseError, ServerEvent};
use crate::realtime::update::{Count, FeedUpdate};
use crate::server::Flavour;
use crate::timeline::{Entry, Scope};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{broadcast, mpsc};
use tokio::time::{sleep_until, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Timers and health of the open socket.
pub(super) struct Live {
    pub(super) next_ping: Instant,
    pub(super) awaiting_since: Option<Instant>,
    pub(super) next_app_ping: Instant,
    pub(super) renew_at: Instant,
    /// The socket carried a data frame or answered our Ping (the machine was told).
    pub(super) proven: bool,
    /// An input read along with the one that proved the socket healthy, handed over next.
    pub(super) stashed: Option<Input>,
}

impl Live {
    /// Fresh timers for a socket opened at `now`.
    pub(super) fn new(now: Instant, config: &crate::realtime::FeedConfig) -> Self {
        Self {
            next_ping: now + config.ping_interval,
            awaiting_since: None,
            next_app_ping: now + config.aws_keepalive,
            renew_at: now + config.aws_renew_after,
            proven: false,
            stashed: None,
        }
    }

    /// The first sign of health becomes [`Input::Healthy`]; `then` is handed over after it.
    fn proved(&mut self, then: Option<Input>) -> Option<Input> {
        if self.proven {
            return then;
        }
        self.proven = true;
        self.stashed = then;
        Some(Input::Healthy)
    }
}

impl<T: TokenSource> Driver<T> {
    /// Reads the open socket until something the machine must hear about happens.
    pub(super) async fn read_socket(
        &mut self,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Input {
        let Self {
            project,
            shared,
            wake,
            socket: slot,
            ..
        } = self;
        let aws = shared.profile.flavour == Flavour::Aws;
        let config = &shared.config;
        let Some((socket, live)) = slot.as_mut() else {
            return Input::Closed {
                code: None,
                reason: "no socket".into(),
            };
        };
        loop {
            if let Some(input) = live.stashed.take() {
                return input;
            }
            let dead_at = live.awaiting_since.map(|since| since + config.pong_timeout);
            let input = tokio::select! {
                command = commands.recv() => Some(command_input(command)),
                () = next_wake(wake) => {
                    // The socket may have died while we slept: probe it at once.
                    live.next_ping = config.clock.now();
                    Some(Input::Wake)
                }
                frame = socket.next() => {
                    let pinged = live.awaiting_since.take().is_some();
                    match frame {
                        Some(Ok(Message::Text(text))) => {
                            let input = on_frame(project, shared, text.as_bytes());
                            live.proved(input)
                        }
                        Some(Ok(Message::Binary(bytes))) => {
                            let input = on_frame(project, shared, &bytes);
                            live.proved(input)
                        }
                        Some(Ok(Message::Pong(_))) if pinged => live.proved(None),
                        Some(Ok(Message::Close(frame))) => Some(closed(
                            project,
                            shared,
                            frame.as_ref().map(|f| u16::from(f.code)),
                            frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                        )),
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => None,
                        Some(Err(error)) => Some(closed(project, shared, None, handshake::describe(&error))),
                        None => Some(closed(project, shared, None, "connection ended without a close frame".into())),
                    }
                }
                _ = sleep_until(live.next_ping) => {
                    let now = config.clock.now();
                    live.next_ping = now + config.ping_interval;
                    live.awaiting_since.get_or_insert(now);
                    match socket.send(Message::Ping(Default::default())).await {
                        Ok(()) => None,
                        Err(error) => Some(closed(project, shared, None, handshake::describe(&error))),
                    }
                }
                _ = sleep_until(dead_at.unwrap_or(live.next_ping)), if dead_at.is_some() => {
                    shared.timeline.record(
                        Scope::Project(project.clone()),
                        Entry::Closed { code: None, reason: "no frame for 10 s after a ping".into() },
                    );
                    Some(Input::Dead)
                }
                _ = sleep_until(live.next_app_ping), if aws => {
                    live.next_app_ping = config.clock.now() + config.aws_keepalive;
                    match socket.send(Message::text(AWS_PING)).await {
                        Ok(()) => None,
                        Err(error) => Some(closed(project, shared, None, handshake::describe(&error))),
                    }
                }
                _ = sleep_until(live.renew_at), if aws => Some(Input::Renew),
            };
            if let Some(input) = input {
                if matches!(input, Input::Closed { .. }) {
                    *slot = None;
                }
                return input;
            }
        }
    }
}

fn closed(project: &str, shared: &Shared, code: Option<u16>, reason: String) -> Input {
    tracing::info!(project = %project, code, reason = %reason, "socket closed");
    shared.timeline.record(
        Scope::Project(project.to_owned()),
        Entry::Closed {
            code,
            reason: reason.clone(),
        },
    );
    Input::Closed { code, reason }
}

/// Handles one data frame; returns an input when the machine must hear about it.
fn on_frame(project: &str, shared: &Shared, bytes: &[u8]) -> Option<Input> {
    let counters = &shared.counters;
    match message::parse(bytes) {
        Err(ParseError::Oversized { len }) => {
            tracing::warn!(project = %project, len, "skipped an oversized frame");
            counters.bump(Count::Oversized);
            None
        }
        Err(error) => {
            tracing::warn!(project = %project, %error, "skipped a frame");
            counters.bump(Count::BadJson);
            None
        }
        Ok(ServerEvent::Pong) => None,
        Ok(ServerEvent::Reconnect { .. }) => Some(Input::ServerReconnect),
        Ok(ServerEvent::Event(mut event)) => {
            let target = event.project.get_or_insert_with(|| project.to_owned());
            if target == project {
                counters.bump(Count::Delivered);
                let _ = shared.updates.send(FeedUpdate::Event(event));
            } else if shared
                .watched
                .read()
                .expect("watched lock")
                .contains(target.as_str())
            {
                counters.bump(Count::Duplicate);
            } else {
                counters.bump(Count::DroppedUnwatched);
            }
            None
        }
    }
}

/// Resolves on the next wake; never, once the token source is gone.
pub(super) async fn next_wake(wake: &mut Option<broadcast::Receiver<()>>) {
    loop {
        match wake.as_mut() {
            None => std::future::pending::<()>().await,
            Some(rx) => match rx.recv().await {
                Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => return,
                Err(broadcast::error::RecvError::Closed) => *wake = None,
            },
        }
    }
}
