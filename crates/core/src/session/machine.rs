//! The session as a pure state machine (design.md §2). Inputs arrive with the time; the
//! machine answers with actions for the driver and names its next deadline. It decides when
//! to refresh, who gets which token and what each outcome means; it never touches the
//! network, the keychain or a clock, and draws its jitter from the RNG it is handed.
//!
//! Invariants (checked by `check()` in tests):
//! - at most one account operation (refresh, sign-in, sign-out, re-save) runs at a time;
//! - every non-terminal state has a deadline (`Valid`: the proactive refresh, `Retrying`:
//!   the retry, `Refreshing`: the watchdog); only `SignedOut` and `NeedsLogin` wait for ever;
//! - a caller waits only while a refresh runs or is about to start.

pub(crate) use super::messages::*;
use super::state::{RefreshOutcome, RefreshReport, SessionState, SessionStatus};
use super::timing;
use crate::auth::{AccessToken, AuthError};
use crate::keychain::LastUser;
use crate::timeline::Entry;
use rand::Rng;
use std::collections::VecDeque;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// How long an account operation may run before the machine stops waiting for it. Every step
/// of one is bounded (lock 30 s, request 10 s, keychain 3 s a call), so this only fires on
/// a bug; the operation's task still finishes on its own and its late report is ignored.
pub(crate) const OP_WATCHDOG: Duration = Duration::from_secs(60);

/// The reason shown when a refresh is refused right after one whose answer never came
/// (failure mode 15): the server rotated, the new token was lost in transit.
pub(crate) const LOST_ROTATION: &str = "Invalid refresh token: the previous refresh response was lost (no answer reached us, but the server had already rotated the token), so this session cannot continue; sign in again";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    SignedOut,
    Valid {
        expires_at: Instant,
        refresh_at: Instant,
    },
    Retrying {
        at: Instant,
        reason: String,
    },
    NeedsLogin {
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Refresh,
    SignIn,
    SignOut,
    Persist,
}

#[derive(Debug, Clone, Copy)]
struct Running {
    id: OpId,
    kind: OpKind,
    started: Instant,
    deadline: Instant,
}

#[derive(Debug, Clone)]
enum Queued {
    SignIn(OpId),
    SignOut(OpId),
    Resume(LastUser, Waiter),
}

/// The session machine.
#[derive(Debug)]
pub(crate) struct Machine {
    phase: Phase,
    running: Option<Running>,
    next_op: OpId,
    user: Option<LastUser>,
    token: Option<AccessToken>,
    generation: u64,
    /// When the current token was requested (an upper bound on its issue time).
    last_refresh_at: Option<Instant>,
    retry_attempt: u32,
    /// The last refresh got no answer: the server may have rotated without us seeing it.
    previous_unanswered: bool,
    waiters: Vec<(Waiter, Want)>,
    /// A refresh to start once the running operation is done.
    wanted: Option<Cause>,
    queue: VecDeque<Queued>,
    /// The warning while the newest refresh token is only in memory.
    unsaved: Unsaved,
    /// When to write it again, and the wait after the last refusal (5 s doubling to 30 s).
    persist_at: Option<(Instant, Duration)>,
    /// The last sleep-detection tick (monotonic, wall); `None` while signed out.
    tick: Option<(Instant, SystemTime)>,
    /// The machine woke: consumers are told once the refresh it needs is done, so their
    /// reconnects find a fresh token.
    wake_pending: bool,
    status: SessionStatus,
}

impl Machine {
    /// A signed-out machine; `status` carries the store's label.
    pub(crate) fn new(status: SessionStatus) -> Self {
        Self {
            phase: Phase::SignedOut,
            running: None,
            next_op: 1,
            user: None,
            token: None,
            generation: 0,
            last_refresh_at: None,
            retry_attempt: 0,
            previous_unanswered: false,
            waiters: Vec::new(),
            wanted: None,
            queue: VecDeque::new(),
            unsaved: None,
            persist_at: None,
            tick: None,
            wake_pending: false,
            status,
        }
    }

    /// What UIs are shown (published by the driver after every input).
    pub(crate) fn status(&self) -> &SessionStatus {
        &self.status
    }

    /// A fresh operation number, shared by the driver's sign-ins and sign-outs and the
    /// machine's own refreshes and re-saves.
    pub(crate) fn new_op(&mut self) -> OpId {
        let id = self.next_op;
        self.next_op += 1;
        id
    }

    /// The next deadline and what it is for; `None` when only an input can move the machine.
    pub(crate) fn poll_timeout(&self) -> Option<(Instant, Timer)> {
        let mut best: Option<(Instant, Timer)> = None;
        let mut consider = |at: Instant, timer: Timer| {
            if best.is_none_or(|(b, _)| at < b) {
                best = Some((at, timer));
            }
        };
        if let Some((mono, _)) = self.tick {
            consider(mono + timing::WAKE_TICK, Timer::WakeTick);
        }
        // While an operation runs, only its watchdog counts: the timers below start
        // operations, which wait for it anyway.
        if let Some(running) = &self.running {
            consider(running.deadline, Timer::Watchdog);
            return best;
        }
        match &self.phase {
            Phase::Valid { refresh_at, .. } => consider(*refresh_at, Timer::ProactiveRefresh),
            Phase::Retrying { at, .. } => consider(*at, Timer::Retry),
            Phase::SignedOut | Phase::NeedsLogin { .. } => {}
        }
        if self.unsaved.is_some() {
            if let Some((at, _)) = self.persist_at {
                consider(at, Timer::PersistRetry);
            }
        }
        best
    }

    /// Applies one input; returns what the driver must do, in order.
    pub(crate) fn handle(&mut self, input: Input, now: Now, rng: &mut impl Rng) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Token { waiter, want } => self.want_token(waiter, want, now, &mut out),
            Input::Resume { user, waiter } => self.queue.push_back(Queued::Resume(user, waiter)),
            Input::SignIn { op } => self.queue.push_back(Queued::SignIn(op)),
            Input::SignOut { op } => self.queue.push_back(Queued::SignOut(op)),
            Input::Refreshed {
                op,
                outcome,
                unsaved,
            } => {
                if let Some(running) = self.finish(op, OpKind::Refresh) {
                    self.set_unsaved(unsaved, now);
                    self.refreshed(outcome, running.started, now, rng, &mut out);
                }
            }
            Input::SignedIn { op, result } => {
                if self.finish(op, OpKind::SignIn).is_some() {
                    if let Some((user, grant)) = result {
                        self.signed_in(user, grant, now, rng, &mut out);
                    }
                }
            }
            Input::SignedOut { op } => {
                self.finish(op, OpKind::SignOut);
            }
            Input::Persisted { op, outcome } => {
                if self.finish(op, OpKind::Persist).is_some() {
                    match outcome {
                        PersistOutcome::Tried(unsaved) => {
                            let wait = timing::next_persist_wait(self.persist_at.map(|(_, w)| w));
                            self.unsaved = unsaved;
                            self.persist_at =
                                self.unsaved.is_some().then(|| (now.mono + wait, wait));
                        }
                        PersistOutcome::Skipped => {
                            let wait = self
                                .persist_at
                                .map_or(timing::PERSIST_RETRY_FIRST, |(_, w)| w);
                            self.persist_at = Some((now.mono + timing::PERSIST_RETRY_FIRST, wait));
                        }
                    }
                    self.status.warning = self.unsaved.clone();
                }
            }
            Input::Timeout => self.timeout(now, rng, &mut out),
        }
        self.pump(now, &mut out);
        let refreshing = self.running.is_some_and(|r| r.kind == OpKind::Refresh);
        if self.wake_pending && !refreshing && self.wanted.is_none() {
            self.wake_pending = false;
            out.push(Action::Wake);
        }
        self.publish(&mut out);
        out
    }

    /// Clears the running operation if `op` is it; a report of an abandoned (or unknown)
    /// operation changes nothing.
    fn finish(&mut self, op: OpId, kind: OpKind) -> Option<Running> {
        match self.running {
            Some(running) if running.id == op && running.kind == kind => self.running.take(),
            _ => None,
        }
    }

    fn want_token(&mut self, waiter: Waiter, want: Want, now: Now, out: &mut Vec<Action>) {
        let answer = |result| Action::Answer { waiter, result };
        match &self.phase {
            Phase::SignedOut => return out.push(answer(Err(AuthError::SignedOut))),
            Phase::NeedsLogin { reason } => {
                return out.push(answer(Err(AuthError::NeedsLogin {
                    reason: reason.clone(),
                })))
            }
            Phase::Valid { .. } | Phase::Retrying { .. } => {}
        }
        let token = self.token.clone();
        let refreshing = self.running.is_some_and(|r| r.kind == OpKind::Refresh);
        let cause = match want {
            Want::Margin => {
                if let Some(token) = token.as_ref().filter(|t| !self.needs_refresh(t, now.mono)) {
                    return out.push(answer(Ok(token.clone())));
                }
                if let Some(result) = self.while_retrying(now.mono, token.as_ref(), true) {
                    return out.push(answer(result));
                }
                Cause::Margin
            }
            Want::AfterRejection { generation } => {
                if let Some(token) = token.filter(|t| t.generation > generation) {
                    return out.push(answer(Ok(token)));
                }
                if let Some(result) = self.while_retrying(now.mono, None, false) {
                    return out.push(answer(result));
                }
                Cause::Rejected
            }
            Want::Manual => Cause::Manual,
        };
        self.waiters.push((waiter, want));
        if !refreshing {
            self.want_refresh(cause);
        }
    }

    /// While a retry is scheduled, callers are not sent to the server early: the token if it
    /// still works (`allow_token`) or the retry's reason.
    fn while_retrying(
        &self,
        now: Instant,
        token: Option<&AccessToken>,
        allow_token: bool,
    ) -> Option<Result<AccessToken, AuthError>> {
        let Phase::Retrying { at, reason } = &self.phase else {
            return None;
        };
        if now >= *at || self.running.is_some_and(|r| r.kind == OpKind::Refresh) {
            return None;
        }
        Some(match token.filter(|t| allow_token && t.expires_at > now) {
            Some(token) => Ok(token.clone()),
            None => Err(AuthError::Transient {
                reason: reason.clone(),
                retry_after: Some(*at - now),
            }),
        })
    }

    fn needs_refresh(&self, token: &AccessToken, now: Instant) -> bool {
        timing::needs_refresh(now, token.expires_at, timing::planned(token.lifetime))
    }

    /// Asks for a refresh once no operation runs; a forced cause wins over an unforced one.
    fn want_refresh(&mut self, cause: Cause) {
        match self.wanted {
            Some(current) if current.forced() || !cause.forced() => {}
            _ => self.wanted = Some(cause),
        }
    }

    fn timeout(&mut self, now: Now, rng: &mut impl Rng, out: &mut Vec<Action>) {
        if let Some(running) = self.running.filter(|r| now.mono >= r.deadline) {
            self.running = None;
            out.push(Action::Abandoned { op: running.id });
            if running.kind == OpKind::Refresh {
                self.previous_unanswered = true;
                let failed = FlightOutcome::Failed {
                    outcome: RefreshOutcome::Transient,
                    reason: format!(
                        "the refresh did not finish within {} s",
                        OP_WATCHDOG.as_secs()
                    ),
                    retry_after: None,
                    unanswered: true,
                };
                self.refreshed(failed, running.started, now, rng, out);
            } else {
                out.push(Action::Record(Entry::Error {
                    message: format!(
                        "a keychain or sign-in operation did not finish within {} s; going on without it",
                        OP_WATCHDOG.as_secs()
                    ),
                }));
            }
        }
        if let Some((mono, wall)) = self
            .tick
            .filter(|(m, _)| now.mono >= *m + timing::WAKE_TICK)
        {
            self.tick = Some((now.mono, now.wall));
            let jump = timing::wall_jump(
                now.mono.saturating_duration_since(mono),
                now.wall.duration_since(wall).ok(),
            );
            if let Some(jump) = jump {
                self.woke(jump, now, rng, out);
            }
        }
        if self.running.is_none() {
            match &self.phase {
                Phase::Valid { refresh_at, .. } if now.mono >= *refresh_at => {
                    self.want_refresh(Cause::Timer)
                }
                Phase::Retrying { at, .. } if now.mono >= *at => self.want_refresh(Cause::Timer),
                _ => {}
            }
        }
    }

    /// The machine slept for about `jump`: our monotonic clock stood still meanwhile, so the
    /// token is older than it looks. Age it, refresh when due (a pending retry at once), and
    /// tell consumers to reconnect and resync.
    fn woke(&mut self, jump: Duration, now: Now, rng: &mut impl Rng, out: &mut Vec<Action>) {
        out.push(Action::Record(Entry::Wake {
            jump_secs: jump.as_secs(),
        }));
        let aged = |at: Instant| at.checked_sub(jump).unwrap_or(now.mono.min(at));
        self.last_refresh_at = self.last_refresh_at.map(aged);
        if let Some(token) = self.token.as_mut() {
            token.expires_at = aged(token.expires_at);
        }
        match &mut self.phase {
            Phase::Valid {
                expires_at,
                refresh_at,
            } => {
                *expires_at = aged(*expires_at);
                if let Some(token) = &self.token {
                    *refresh_at = timing::proactive_refresh_at(
                        token.expires_at,
                        timing::planned(token.lifetime),
                        rng.gen(),
                    );
                    if now.mono >= *refresh_at {
                        self.wanted.get_or_insert(Cause::Wake);
                    }
                }
            }
            Phase::Retrying { at, .. } => {
                *at = now.mono;
                self.wanted.get_or_insert(Cause::Wake);
            }
            Phase::SignedOut | Phase::NeedsLogin { .. } => {}
        }
        self.wake_pending = true;
    }

    /// Starts the next operation when none runs: queued sign-ins, sign-outs and resumes in
    /// order, then a wanted refresh, then a due re-save.
    fn pump(&mut self, now: Now, out: &mut Vec<Action>) {
        while self.running.is_none() {
            if let Some(next) = self.queue.pop_front() {
                match next {
                    Queued::SignIn(op) => {
                        self.start(op, OpKind::SignIn, now);
                        out.push(Action::SignIn { op });
                    }
                    Queued::SignOut(op) => self.sign_out(op, now, out),
                    Queued::Resume(user, waiter) => self.resume(user, waiter, now, out),
                }
                continue;
            }
            if let Some(cause) = self.wanted.take() {
                self.start_refresh(cause, now, out);
                continue;
            }
            if let (Some(_), Some((at, _)), Some(user)) =
                (&self.unsaved, self.persist_at, self.user.clone())
            {
                if now.mono >= at {
                    let op = self.new_op();
                    self.start(op, OpKind::Persist, now);
                    out.push(Action::Persist { op, user });
                }
            }
            break;
        }
    }

    fn start(&mut self, op: OpId, kind: OpKind, now: Now) {
        self.running = Some(Running {
            id: op,
            kind,
            started: now.mono,
            deadline: now.mono + OP_WATCHDOG,
        });
    }

    fn start_refresh(&mut self, cause: Cause, now: Now, out: &mut Vec<Action>) {
        let Some(user) = self.user.clone() else {
            return self.answer_all(Err(AuthError::SignedOut), out);
        };
        match self.phase {
            Phase::Valid { .. } | Phase::Retrying { .. } => {}
            Phase::SignedOut | Phase::NeedsLogin { .. } => {
                let error = self.terminal_error();
                return self.answer_all(Err(error), out);
            }
        }
        // Never twice within a quarter lifetime, unless forced or retrying a failure.
        if let (Some(token), Some(last)) = (&self.token, self.last_refresh_at) {
            let planned = timing::planned(token.lifetime);
            if !cause.forced()
                && self.retry_attempt == 0
                && !timing::refresh_allowed(now.mono, Some(last), planned, false)
            {
                let earliest = last + planned / 4;
                if let Phase::Valid { refresh_at, .. } = &mut self.phase {
                    *refresh_at = (*refresh_at).max(earliest);
                }
                let token = token.clone();
                return self.answer_all(Ok(token), out);
            }
        }
        let op = self.new_op();
        self.start(op, OpKind::Refresh, now);
        out.push(Action::Refresh { op, cause, user });
    }

    fn terminal_error(&self) -> AuthError {
        match &self.phase {
            Phase::NeedsLogin { reason } => AuthError::NeedsLogin {
                reason: reason.clone(),
            },
            _ => AuthError::SignedOut,
        }
    }

    fn published_state(&self) -> SessionState {
        if self.running.is_some_and(|r| r.kind == OpKind::Refresh) {
            return SessionState::Refreshing;
        }
        match &self.phase {
            Phase::SignedOut => SessionState::SignedOut,
            Phase::Valid { expires_at, .. } => SessionState::Valid {
                expires_at: *expires_at,
            },
            Phase::Retrying { at, reason } => SessionState::RetryingRefresh {
                at: *at,
                reason: reason.clone(),
            },
            Phase::NeedsLogin { reason } => SessionState::NeedsLogin {
                reason: reason.clone(),
            },
        }
    }

    /// Brings the published status up to date, recording a state change in the timeline.
    fn publish(&mut self, out: &mut Vec<Action>) {
        let state = self.published_state();
        match &self.phase {
            Phase::Valid { refresh_at, .. } => self.status.next_refresh = Some(*refresh_at),
            Phase::Retrying { at, .. } => self.status.next_refresh = Some(*at),
            Phase::SignedOut | Phase::NeedsLogin { .. } => self.status.next_refresh = None,
        }
        if state != self.status.state {
            out.push(Action::Record(Entry::State {
                state: state.name().to_owned(),
                reason: state.reason().map(str::to_owned),
            }));
            self.status.state = state;
        }
    }

    /// The invariants, for tests: panics with the broken one.
    #[cfg(test)]
    pub(crate) fn check(&self, now: Instant) {
        let deadline = self.poll_timeout();
        match (&self.status.state, deadline) {
            (SessionState::SignedOut | SessionState::NeedsLogin { .. }, _) => {}
            (state, None) => panic!("non-terminal state {state:?} without a deadline"),
            (_, Some(_)) => {}
        }
        let refreshing = self.running.is_some_and(|r| r.kind == OpKind::Refresh);
        assert!(
            self.waiters.is_empty()
                || refreshing
                || self.wanted.is_some()
                || self.running.is_some(),
            "callers wait with no refresh running or wanted: {self:?}"
        );
        if let Some(running) = self.running {
            assert!(
                running.deadline >= now,
                "a running operation past its watchdog"
            );
        }
    }
}

#[path = "machine_outcomes.rs"]
mod outcomes;

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
