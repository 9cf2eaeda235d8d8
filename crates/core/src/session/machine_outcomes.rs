//! What the session machine makes of the outcomes of account operations: a grant is taken
//! into use, a 401 ends the session, a passing failure schedules a retry; and the starts of
//! resumes and sign-outs.

use super::{
    timing, AccessToken, Action, AuthError, Cause, Entry, FlightOutcome, Grant, LastUser, Machine,
    Now, OpId, OpKind, Phase, RefreshOutcome, RefreshReport, Rng, SessionStatus, Unsaved, Waiter,
    Want, LOST_ROTATION,
};
use tokio::time::Instant;

impl Machine {
    pub(super) fn resume(
        &mut self,
        user: LastUser,
        waiter: Waiter,
        now: Now,
        out: &mut Vec<Action>,
    ) {
        self.waiters.push((waiter, Want::Manual));
        self.user = Some(user.clone());
        self.token = None;
        self.last_refresh_at = None;
        self.retry_attempt = 0;
        self.tick.get_or_insert((now.mono, now.wall));
        // Resuming counts as retrying until the first grant (so callers wait for it).
        self.phase = Phase::Retrying {
            at: now.mono,
            reason: "resuming".into(),
        };
        self.status.user = Some(user.clone());
        let op = self.new_op();
        self.start(op, OpKind::Refresh, now);
        out.push(Action::Refresh {
            op,
            cause: Cause::Resume,
            user,
        });
    }

    pub(super) fn sign_out(&mut self, op: OpId, now: Now, out: &mut Vec<Action>) {
        let user = self.user.take();
        self.phase = Phase::SignedOut;
        self.token = None;
        self.last_refresh_at = None;
        self.retry_attempt = 0;
        self.previous_unanswered = false;
        self.wanted = None;
        self.unsaved = None;
        self.persist_at = None;
        self.tick = None;
        self.answer_all(Err(AuthError::SignedOut), out);
        self.status = SessionStatus::signed_out(
            self.status.store_label.clone(),
            self.status.store_persistent,
        );
        self.start(op, OpKind::SignOut, now);
        out.push(Action::SignOut { op, user });
    }

    pub(super) fn signed_in(
        &mut self,
        user: LastUser,
        grant: Grant,
        now: Now,
        rng: &mut impl Rng,
        out: &mut Vec<Action>,
    ) {
        self.user = Some(user.clone());
        self.retry_attempt = 0;
        self.previous_unanswered = false;
        self.unsaved = None;
        self.persist_at = None;
        self.status.user = Some(user);
        self.status.warning = None;
        self.tick = Some((now.mono, now.wall));
        let token = self.install(grant, now, rng, out);
        self.answer_all(Ok(token), out);
    }

    pub(super) fn set_unsaved(&mut self, unsaved: Unsaved, now: Now) {
        match (&self.unsaved, &unsaved) {
            (None, Some(_)) => {
                self.persist_at = Some((
                    now.mono + timing::PERSIST_RETRY_FIRST,
                    timing::PERSIST_RETRY_FIRST,
                ));
            }
            (_, None) => self.persist_at = None,
            (Some(_), Some(_)) => {}
        }
        self.unsaved = unsaved;
        self.status.warning = self.unsaved.clone();
    }

    pub(super) fn refreshed(
        &mut self,
        outcome: FlightOutcome,
        started: Instant,
        now: Now,
        rng: &mut impl Rng,
        out: &mut Vec<Action>,
    ) {
        let elapsed_ms = now.mono.saturating_duration_since(started).as_millis() as u64;
        match outcome {
            FlightOutcome::Granted(grant) => {
                self.report(RefreshOutcome::Ok, None, elapsed_ms, now, out);
                let token = self.install(grant, now, rng, out);
                self.answer_all(Ok(token), out);
            }
            FlightOutcome::Rejected { detail } => {
                let lost = std::mem::take(&mut self.previous_unanswered);
                let reason = if lost && detail == "Invalid refresh token" {
                    LOST_ROTATION.to_owned()
                } else {
                    detail
                };
                self.report(
                    RefreshOutcome::Rejected,
                    Some(reason.clone()),
                    elapsed_ms,
                    now,
                    out,
                );
                self.token = None;
                self.wanted = None;
                self.tick = None;
                self.status.next_refresh = None;
                self.status.expires_at_wall = None;
                self.phase = Phase::NeedsLogin {
                    reason: reason.clone(),
                };
                self.answer_all(Err(AuthError::NeedsLogin { reason }), out);
            }
            FlightOutcome::Failed {
                outcome,
                reason,
                retry_after,
                unanswered,
            } => {
                self.previous_unanswered |= unanswered;
                let delay = match (outcome, retry_after) {
                    (RefreshOutcome::RateLimited, after) => timing::rate_limit_delay(after),
                    _ => timing::retry_delay(self.retry_attempt, rng.gen()),
                };
                self.retry_attempt = self.retry_attempt.saturating_add(1);
                let reason = match outcome {
                    RefreshOutcome::RateLimited => format!("rate limited (429): {reason}"),
                    _ => reason,
                };
                self.report(outcome, Some(reason.clone()), elapsed_ms, now, out);
                let at = now.mono + delay;
                self.phase = Phase::Retrying {
                    at,
                    reason: reason.clone(),
                };
                let error = match outcome {
                    RefreshOutcome::StoreFailed => AuthError::Keychain { reason },
                    _ => AuthError::Transient {
                        reason,
                        retry_after: Some(delay),
                    },
                };
                // A token that still works serves a connect; the rest hear why there is none.
                let usable = self.token.clone().filter(|t| t.expires_at > now.mono);
                for (waiter, want) in std::mem::take(&mut self.waiters) {
                    let result = match (&usable, want) {
                        (Some(token), Want::Margin) => Ok(token.clone()),
                        _ => Err(error.clone()),
                    };
                    out.push(Action::Answer { waiter, result });
                }
            }
        }
    }

    pub(super) fn report(
        &mut self,
        outcome: RefreshOutcome,
        detail: Option<String>,
        elapsed_ms: u64,
        now: Now,
        out: &mut Vec<Action>,
    ) {
        out.push(Action::Record(Entry::Refresh {
            outcome: outcome.name().to_owned(),
            detail: detail.clone(),
            elapsed_ms,
        }));
        self.status.last_refresh = Some(RefreshReport {
            outcome,
            at: now.wall,
            detail,
        });
    }

    /// Takes a new access token into use (its refresh token is already stored or kept).
    pub(super) fn install(
        &mut self,
        grant: Grant,
        now: Now,
        rng: &mut impl Rng,
        out: &mut Vec<Action>,
    ) -> AccessToken {
        // `iat` and `exp` are whole seconds (backend-contract §9.7): plan with the slack off.
        let planned = timing::planned(grant.lifetime);
        let expires_at = grant.requested_at + planned;
        let remaining = expires_at.saturating_duration_since(now.mono);
        let refresh_at = timing::proactive_refresh_at(expires_at, planned, rng.gen());
        self.generation += 1;
        let token = AccessToken {
            secret: grant.access,
            generation: self.generation,
            expires_at,
            lifetime: grant.lifetime,
        };
        self.token = Some(token.clone());
        self.last_refresh_at = Some(grant.requested_at);
        self.retry_attempt = 0;
        self.previous_unanswered = false;
        self.phase = Phase::Valid {
            expires_at,
            refresh_at,
        };
        let skew = grant
            .server_date
            .map(|server| match server.duration_since(now.wall) {
                Ok(ahead) => ahead.as_secs() as i64,
                Err(behind) => -(behind.duration().as_secs() as i64),
            });
        if let Some(skew) = skew.filter(|s| s.abs() > 60) {
            if self.status.skew_secs.is_none_or(|p| (p - skew).abs() > 60) {
                out.push(Action::Record(Entry::Error {
                    message: format!(
                        "this computer's clock is {} s {} the server's; tokens are timed on our own clock, so sessions still work",
                        skew.abs(),
                        if skew > 0 { "behind" } else { "ahead of" }
                    ),
                }));
            }
        }
        self.status.lifetime = Some(grant.lifetime);
        self.status.expires_at_wall = Some(now.wall + remaining);
        self.status.skew_secs = skew.or(self.status.skew_secs);
        token
    }

    pub(super) fn answer_all(
        &mut self,
        result: Result<AccessToken, AuthError>,
        out: &mut Vec<Action>,
    ) {
        for (waiter, _) in std::mem::take(&mut self.waiters) {
            out.push(Action::Answer {
                waiter,
                result: result.clone(),
            });
        }
        if result.is_err() {
            self.wanted = None;
        }
    }
}
