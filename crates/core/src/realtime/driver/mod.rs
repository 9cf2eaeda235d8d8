//! The thin async driver of one project's connection: it owns the socket, feeds the
//! [`Connection`] machine with what happens (handshakes, frames, closes, timers, commands,
//! wake) and carries out the actions it returns. One task per watched project.

mod live;

use super::connection::{Action, ConnState, Connection, Input, ResyncReason};
use super::handshake;
use super::message;
use super::open::{self, OpenError, Socket};
use super::update::{Counters, FeedConfig, FeedUpdate};
use crate::auth::{AccessToken, TokenSource};
use crate::server::{Flavour, ServerProfile};
use crate::timeline::{Entry, Scope, Timeline};
use futures_util::SinkExt;
use live::{next_wake, Live};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Arc, RwLock};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// A request from the feed handle to one driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    ReconnectNow,
    Stop,
}

/// What every driver shares with the feed.
#[derive(Clone)]
pub(crate) struct Shared {
    pub profile: ServerProfile,
    pub timeline: Timeline,
    pub config: FeedConfig,
    pub updates: broadcast::Sender<FeedUpdate>,
    pub states: watch::Sender<BTreeMap<String, ConnState>>,
    pub counters: Arc<Counters>,
    pub watched: Arc<RwLock<HashSet<String>>>,
}

pub(crate) struct Driver<T: TokenSource> {
    project: String,
    shared: Shared,
    tokens: Arc<T>,
    machine: Connection,
    rng: StdRng,
    wake: Option<broadcast::Receiver<()>>,
    last_token: Option<AccessToken>,
    socket: Option<(Socket, Live)>,
}

impl<T: TokenSource> Driver<T> {
    pub(crate) fn new(project: String, shared: Shared, tokens: Arc<T>) -> Self {
        let rng = match shared.config.jitter_seed {
            Some(seed) => StdRng::seed_from_u64(seed ^ fxhash(&project)),
            None => StdRng::from_entropy(),
        };
        let wake = Some(tokens.subscribe_wake());
        Self {
            machine: Connection::new(shared.config.backoff),
            project,
            shared,
            tokens,
            rng,
            wake,
            last_token: None,
            socket: None,
        }
    }

    fn now(&self) -> Instant {
        self.shared.config.clock.now()
    }

    /// Runs until stopped.
    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut actions: VecDeque<Action> = self.feed(Input::Start).into();
        loop {
            while let Some(action) = actions.pop_front() {
                match action {
                    Action::Close => self.close_socket().await,
                    Action::Resync(reason) => self.resync(reason),
                    Action::Connect { refresh_first } => {
                        let next = tokio::select! {
                            input = self.connect(refresh_first) => self.feed(input),
                            command = commands.recv() => match command {
                                Some(Command::ReconnectNow) => self.feed(Input::ReconnectNow),
                                Some(Command::Stop) | None => return self.stop().await,
                            },
                        };
                        actions.extend(next);
                    }
                }
            }
            let input = if self.socket.is_some() {
                self.read_socket(&mut commands).await
            } else if let Some(deadline) = self.machine.deadline() {
                tokio::select! {
                    _ = sleep_until(deadline) => Input::RetryDue,
                    command = commands.recv() => command_input(command),
                    () = next_wake(&mut self.wake) => Input::Wake,
                }
            } else {
                command_input(commands.recv().await)
            };
            if input == Input::Stop {
                return self.stop().await;
            }
            actions.extend(self.feed(input));
        }
    }

    async fn stop(&mut self) {
        self.feed(Input::Stop);
        self.close_socket().await;
    }

    /// Feeds the machine, publishing any state change.
    fn feed(&mut self, input: Input) -> Vec<Action> {
        let before = self.machine.state().clone();
        let now = self.now();
        let actions = self.machine.handle(input, now, &mut self.rng);
        let after = self.machine.state().clone();
        if after != before {
            tracing::info!(project = %self.project, state = after.name(), reason = after.reason(), "realtime state");
            self.shared.timeline.record(
                Scope::Project(self.project.clone()),
                Entry::State {
                    state: after.name().to_owned(),
                    reason: after.reason().map(str::to_owned),
                },
            );
            self.shared.states.send_modify(|map| {
                map.insert(self.project.clone(), after.clone());
            });
            let _ = self.shared.updates.send(FeedUpdate::Connection {
                project: self.project.clone(),
                state: after,
            });
        }
        actions
    }

    fn resync(&self, reason: ResyncReason) {
        self.shared.timeline.record(
            Scope::Project(self.project.clone()),
            Entry::Resync {
                reason: reason.as_str().to_owned(),
            },
        );
        let _ = self.shared.updates.send(FeedUpdate::Resync {
            project: self.project.clone(),
            reason,
        });
    }

    /// Gets a token (always through the token source), then performs the handshake.
    async fn connect(&mut self, refresh_first: bool) -> Input {
        let token = match (&self.last_token, refresh_first) {
            (Some(rejected), true) => self.tokens.refresh_after_rejection(rejected).await,
            _ => self.tokens.ensure_valid().await,
        };
        let token = match token {
            Ok(token) => token,
            Err(error) => {
                self.record(Entry::Error {
                    message: format!("no token for connect: {error}"),
                });
                return Input::TokenUnavailable(error);
            }
        };
        let prepared = match handshake::prepare(&self.shared.profile, &self.project, &token) {
            Ok(prepared) => prepared,
            Err(error) => {
                return Input::ConnectFailed {
                    reason: error.to_string(),
                }
            }
        };
        self.last_token = Some(token);
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(8 * message::MAX_FRAME_BYTES))
            .max_frame_size(Some(8 * message::MAX_FRAME_BYTES));
        let attempt = timeout(
            self.shared.config.connect_timeout,
            open::open(
                &self.shared.config.network,
                self.shared.config.dialer.as_ref(),
                prepared.request,
                ws_config,
            ),
        )
        .await;
        let params = prepared.params;
        match attempt {
            Err(_) => {
                let reason = format!(
                    "handshake timed out after {} s",
                    self.shared.config.connect_timeout.as_secs_f32()
                );
                self.record(Entry::Error {
                    message: reason.clone(),
                });
                Input::ConnectFailed { reason }
            }
            Ok(Ok((mut socket, _response))) => {
                self.record(Entry::Handshake {
                    status: 101,
                    body: String::new(),
                    params,
                });
                if self.shared.profile.flavour == Flavour::Aws {
                    let subscribe = handshake::aws_subscribe(&self.project);
                    if let Err(error) = socket.send(Message::text(subscribe)).await {
                        return Input::ConnectFailed {
                            reason: handshake::describe(&error),
                        };
                    }
                }
                let live = Live::new(self.now(), &self.shared.config);
                self.socket = Some((socket, live));
                Input::HandshakeAccepted
            }
            Ok(Err(OpenError::Dial(error))) => {
                let input = handshake::classify_dial_failure(&error);
                if let Input::ConnectFailed { reason } = &input {
                    self.record(Entry::Error {
                        message: reason.clone(),
                    });
                }
                input
            }
            Ok(Err(OpenError::Upgrade(error))) => {
                let (input, seen) = handshake::classify_failure(error);
                match seen {
                    Some((status, body)) => self.record(Entry::Handshake {
                        status,
                        body,
                        params,
                    }),
                    None => {
                        if let Input::ConnectFailed { reason } = &input {
                            self.record(Entry::Error {
                                message: reason.clone(),
                            });
                        }
                    }
                }
                input
            }
        }
    }

    async fn close_socket(&mut self) {
        if let Some((mut socket, _)) = self.socket.take() {
            let grace = self
                .shared
                .config
                .pong_timeout
                .min(std::time::Duration::from_secs(1));
            let _ = timeout(grace, socket.close(None)).await;
        }
    }

    fn record(&self, entry: Entry) {
        self.shared
            .timeline
            .record(Scope::Project(self.project.clone()), entry);
    }
}

fn command_input(command: Option<Command>) -> Input {
    match command {
        Some(Command::ReconnectNow) => Input::ReconnectNow,
        Some(Command::Stop) | None => Input::Stop,
    }
}

/// A small stable hash so each project gets its own jitter sequence from one seed.
fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
