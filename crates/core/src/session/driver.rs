//! The session's driver task, its only IO: it feeds the [`Machine`] with callers' requests,
//! the reports of the account operations it runs and its deadlines, runs each operation the
//! machine asks for in a task of its own (so no caller can cancel it), publishes the status
//! and answers callers. It stops when the last session handle is dropped; operations still
//! running then finish on their own.

use super::keeper::Keeper;
use super::machine::{
    Action, FlightOutcome, Grant, Input, Machine, Now, OpId, PersistOutcome, Unsaved, Waiter, Want,
};
use super::state::SessionStatus;
use super::SessionError;
use crate::auth::{AccessToken, AuthError};
use crate::keychain::{LastUser, StoreError};
use crate::secret::Secret;
use crate::timeline::{Entry, Scope};
use rand::rngs::StdRng;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::sleep_until;

/// A token, or why there is none.
pub(super) type TokenReply = oneshot::Sender<Result<AccessToken, AuthError>>;
/// The end of a sign-in or sign-out.
pub(super) type DoneReply = oneshot::Sender<Result<(), SessionError>>;

/// A request from a session handle.
pub(super) enum Command {
    /// A token for `want`.
    Token { want: Want, reply: TokenReply },
    /// Resume as `user` (whose refresh token is stored).
    Resume { user: LastUser, reply: TokenReply },
    /// Sign in with a password.
    SignIn {
        username: String,
        password: Secret,
        remember_me: bool,
        reply: DoneReply,
    },
    /// Sign out.
    SignOut { reply: DoneReply },
}

/// A finished sign-in or sign-out and what its caller is told.
type Done = Option<(OpId, Result<(), SessionError>)>;

/// What an operation's task sends back.
enum Report {
    Refreshed {
        op: OpId,
        outcome: FlightOutcome,
        unsaved: Unsaved,
    },
    SignedIn {
        op: OpId,
        result: Result<(LastUser, Grant), SessionError>,
    },
    SignedOut {
        op: OpId,
        result: Result<(), StoreError>,
    },
    Persisted {
        op: OpId,
        outcome: PersistOutcome,
    },
}

struct SignIn {
    username: String,
    password: Secret,
    remember_me: bool,
}

pub(super) struct Driver {
    machine: Machine,
    keeper: Arc<Keeper>,
    rng: StdRng,
    status: watch::Sender<SessionStatus>,
    wake: broadcast::Sender<()>,
    reports: mpsc::UnboundedSender<Report>,
    token_replies: HashMap<Waiter, TokenReply>,
    done_replies: HashMap<OpId, DoneReply>,
    sign_ins: HashMap<OpId, SignIn>,
    next_waiter: Waiter,
}

impl Driver {
    /// Starts the driver task; it runs until every sender of `commands` is dropped.
    pub(super) fn spawn(
        keeper: Arc<Keeper>,
        rng: StdRng,
        status: watch::Sender<SessionStatus>,
        wake: broadcast::Sender<()>,
        commands: mpsc::UnboundedReceiver<Command>,
    ) {
        let machine = Machine::new(status.borrow().clone());
        let (reports, report_rx) = mpsc::unbounded_channel();
        let driver = Self {
            machine,
            keeper,
            rng,
            status,
            wake,
            reports,
            token_replies: HashMap::new(),
            done_replies: HashMap::new(),
            sign_ins: HashMap::new(),
            next_waiter: 0,
        };
        tokio::spawn(driver.run(commands, report_rx));
    }

    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut reports: mpsc::UnboundedReceiver<Report>,
    ) {
        loop {
            let deadline = self.machine.poll_timeout().map(|(at, _)| at);
            let (input, done) = tokio::select! {
                biased;
                // `self` holds a sender, so this channel never closes.
                Some(report) = reports.recv() => self.input_of_report(report),
                command = commands.recv() => match command {
                    Some(command) => (self.input_of_command(command), None),
                    None => return,
                },
                () = sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                    (Input::Timeout, None)
                }
            };
            self.step(input);
            if let Some((op, result)) = done {
                if let Some(reply) = self.done_replies.remove(&op) {
                    let _ = reply.send(result);
                }
            }
        }
    }

    fn input_of_command(&mut self, command: Command) -> Input {
        match command {
            Command::Token { want, reply } => Input::Token {
                waiter: self.waiter(reply),
                want,
            },
            Command::Resume { user, reply } => Input::Resume {
                user,
                waiter: self.waiter(reply),
            },
            Command::SignIn {
                username,
                password,
                remember_me,
                reply,
            } => {
                let op = self.machine.new_op();
                self.done_replies.insert(op, reply);
                self.sign_ins.insert(
                    op,
                    SignIn {
                        username,
                        password,
                        remember_me,
                    },
                );
                Input::SignIn { op }
            }
            Command::SignOut { reply } => {
                let op = self.machine.new_op();
                self.done_replies.insert(op, reply);
                Input::SignOut { op }
            }
        }
    }

    fn waiter(&mut self, reply: TokenReply) -> Waiter {
        self.next_waiter += 1;
        self.token_replies.insert(self.next_waiter, reply);
        self.next_waiter
    }

    /// The machine's input for a report, and the answer its caller gets once the machine
    /// has taken it in (so the caller sees the new status).
    fn input_of_report(&mut self, report: Report) -> (Input, Done) {
        match report {
            Report::Refreshed {
                op,
                outcome,
                unsaved,
            } => (
                Input::Refreshed {
                    op,
                    outcome,
                    unsaved,
                },
                None,
            ),
            Report::SignedIn { op, result } => match result {
                Ok(signed_in) => (
                    Input::SignedIn {
                        op,
                        result: Some(signed_in),
                    },
                    Some((op, Ok(()))),
                ),
                Err(error) => (Input::SignedIn { op, result: None }, Some((op, Err(error)))),
            },
            Report::SignedOut { op, result } => (
                Input::SignedOut { op },
                Some((op, result.map_err(SessionError::Store))),
            ),
            Report::Persisted { op, outcome } => (Input::Persisted { op, outcome }, None),
        }
    }

    fn step(&mut self, input: Input) {
        let clock = &self.keeper.clock;
        let now = Now {
            mono: clock.now(),
            wall: clock.wall(),
        };
        let actions = self.machine.handle(input, now, &mut self.rng);
        let status = self.machine.status();
        self.status.send_if_modified(|published| {
            let changed = published != status;
            if changed {
                *published = status.clone();
            }
            changed
        });
        for action in actions {
            self.act(action);
        }
    }

    fn act(&mut self, action: Action) {
        let keeper = Arc::clone(&self.keeper);
        let reports = self.reports.clone();
        match action {
            Action::Refresh { op, cause, user } => {
                tracing::debug!(?cause, "refreshing");
                tokio::spawn(async move {
                    let (outcome, unsaved) = keeper.refresh(&user).await;
                    let _ = reports.send(Report::Refreshed {
                        op,
                        outcome,
                        unsaved,
                    });
                });
            }
            Action::SignIn { op } => {
                let Some(SignIn {
                    username,
                    password,
                    remember_me,
                }) = self.sign_ins.remove(&op)
                else {
                    return;
                };
                tokio::spawn(async move {
                    let result = keeper.sign_in(&username, &password, remember_me).await;
                    let _ = reports.send(Report::SignedIn { op, result });
                });
            }
            Action::SignOut { op, user } => {
                tokio::spawn(async move {
                    let result = keeper.sign_out(user).await;
                    let _ = reports.send(Report::SignedOut { op, result });
                });
            }
            Action::Persist { op, user } => {
                tokio::spawn(async move {
                    let outcome = keeper.retry_persist(&user).await;
                    let _ = reports.send(Report::Persisted { op, outcome });
                });
            }
            Action::Abandoned { op } => {
                self.sign_ins.remove(&op);
                if let Some(reply) = self.done_replies.remove(&op) {
                    let _ = reply.send(Err(SessionError::Transient {
                        reason: "the keychain or the server did not answer in time".into(),
                        retry_after: None,
                    }));
                }
            }
            Action::Answer { waiter, result } => {
                if let Some(reply) = self.token_replies.remove(&waiter) {
                    // The caller may have stopped waiting: the answer is then dropped.
                    let _ = reply.send(result);
                }
            }
            Action::Record(entry) => {
                log(&entry);
                self.keeper.timeline.record(Scope::Session, entry);
            }
            Action::Wake => {
                let _ = self.wake.send(());
            }
        }
    }
}

fn log(entry: &Entry) {
    match entry {
        Entry::Refresh {
            outcome,
            detail,
            elapsed_ms,
        } => match outcome.as_str() {
            "ok" => tracing::info!(elapsed_ms, "session refreshed"),
            "rejected" => tracing::info!(
                reason = detail.as_deref(),
                "refresh refused: sign-in required"
            ),
            _ => tracing::warn!(reason = detail.as_deref(), "refresh failed; will retry"),
        },
        Entry::State { state, reason } => {
            tracing::debug!(state, reason = reason.as_deref(), "session state")
        }
        Entry::Wake { jump_secs } => {
            tracing::info!(jump_secs, "wall clock jumped: the machine slept")
        }
        Entry::Error { message } => tracing::info!(%message, "session"),
        Entry::Handshake { .. }
        | Entry::Closed { .. }
        | Entry::Resync { .. }
        | Entry::Note { .. } => {}
    }
}
