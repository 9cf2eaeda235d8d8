use super::*;
use crate::keychain::LastUser;
use crate::secret::Secret;
use rand::rngs::StdRng;
use rand::SeedableRng;

const S: Duration = Duration::from_secs(1);

struct World {
    machine: Machine,
    rng: StdRng,
    mono: Instant,
    wall: SystemTime,
}

impl World {
    fn new() -> Self {
        Self {
            machine: Machine::new(SessionStatus::signed_out("test".into(), false)),
            rng: StdRng::seed_from_u64(1),
            mono: Instant::now(),
            wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        }
    }

    fn now(&self) -> Now {
        Now {
            mono: self.mono,
            wall: self.wall,
        }
    }

    fn feed(&mut self, input: Input) -> Vec<Action> {
        let now = self.now();
        let out = self.machine.handle(input, now, &mut self.rng);
        self.machine.check(self.mono);
        out
    }

    fn advance(&mut self, by: Duration) {
        self.mono += by;
        self.wall += by;
    }

    /// Runs every deadline up to `until`, returning the actions they produced.
    fn run_until(&mut self, until: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        while let Some((at, _)) = self.machine.poll_timeout() {
            if at > until {
                break;
            }
            let by = at.saturating_duration_since(self.mono);
            self.advance(by);
            out.extend(self.feed(Input::Timeout));
        }
        let rest = until.saturating_duration_since(self.mono);
        self.advance(rest);
        out
    }

    fn signed_in(lifetime: Duration) -> Self {
        let mut world = Self::new();
        let op = world.machine.new_op();
        assert!(matches!(
            world.feed(Input::SignIn { op })[..],
            [Action::SignIn { .. }]
        ));
        let grant = world.grant(lifetime);
        world.feed(Input::SignedIn {
            op,
            result: Some((alice(), grant)),
        });
        world
    }

    fn grant(&self, lifetime: Duration) -> Grant {
        Grant {
            access: Secret::new("jwt"),
            lifetime,
            requested_at: self.mono,
            server_date: Some(self.wall),
        }
    }
}

fn alice() -> LastUser {
    LastUser {
        id: "a1".into(),
        name: "alice".into(),
    }
}

fn refresh_op(actions: &[Action]) -> Option<OpId> {
    actions.iter().find_map(|a| match a {
        Action::Refresh { op, .. } => Some(*op),
        _ => None,
    })
}

fn answers(actions: &[Action]) -> Vec<(Waiter, Result<AccessToken, AuthError>)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Answer { waiter, result } => Some((*waiter, result.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_signed_in_session_plans_its_refresh_a_quarter_before_planned_expiry() {
    let world = World::signed_in(900 * S);
    let (at, timer) = world.machine.poll_timeout().unwrap();
    assert_eq!(timer, Timer::WakeTick, "the 5 s tick comes first");
    let SessionState::Valid { expires_at } = world.machine.status().state else {
        panic!("valid after sign-in");
    };
    assert_eq!(
        expires_at - world.mono,
        899 * S,
        "planned with the slack off"
    );
    let next = world.machine.status().next_refresh.unwrap();
    let lead = expires_at - next;
    assert!(lead >= 120 * S && lead <= 130 * S, "lead {lead:?}");
    assert!(at < next);
}

#[test]
fn callers_joining_a_refresh_all_get_its_token_and_only_one_refresh_runs() {
    let mut world = World::signed_in(900 * S);
    world.advance(860 * S);
    let mut refreshes = Vec::new();
    for waiter in 1..=5 {
        let out = world.feed(Input::Token {
            waiter,
            want: Want::Margin,
        });
        refreshes.extend(refresh_op(&out));
        assert!(answers(&out).is_empty(), "caller {waiter} waits");
    }
    assert_eq!(refreshes.len(), 1, "one refresh for five callers");
    assert_eq!(world.machine.status().state, SessionState::Refreshing);
    let grant = world.grant(900 * S);
    let out = world.feed(Input::Refreshed {
        op: refreshes[0],
        outcome: FlightOutcome::Granted(grant),
        unsaved: None,
    });
    let got = answers(&out);
    assert_eq!(got.len(), 5);
    assert!(got.iter().all(|(_, r)| r.as_ref().unwrap().generation == 2));
}

#[test]
fn a_refresh_that_never_reports_is_abandoned_at_the_watchdog_and_retried() {
    let mut world = World::signed_in(900 * S);
    let out = world.feed(Input::Token {
        waiter: 1,
        want: Want::Manual,
    });
    let op = refresh_op(&out).unwrap();
    let deadline = world.mono + OP_WATCHDOG;
    let out = world.run_until(deadline);
    assert!(out
        .iter()
        .any(|a| matches!(a, Action::Abandoned { op: o } if *o == op)));
    assert!(matches!(
        answers(&out)[..],
        [(1, Err(AuthError::Transient { .. }))]
    ));
    assert!(matches!(
        world.machine.status().state,
        SessionState::RetryingRefresh { .. }
    ));
    // Its late report changes nothing; the retry runs as a new refresh.
    let late = world.grant(900 * S);
    world.feed(Input::Refreshed {
        op,
        outcome: FlightOutcome::Granted(late),
        unsaved: None,
    });
    assert!(matches!(
        world.machine.status().state,
        SessionState::RetryingRefresh { .. }
    ));
    let out = world.run_until(world.mono + 31 * S);
    assert!(refresh_op(&out).is_some(), "the retry is a new refresh");
}

#[test]
fn a_rejected_refresh_after_an_unanswered_one_names_the_lost_rotation() {
    let mut world = World::signed_in(900 * S);
    let out = world.feed(Input::Token {
        waiter: 1,
        want: Want::Manual,
    });
    world.feed(Input::Refreshed {
        op: refresh_op(&out).unwrap(),
        outcome: FlightOutcome::Failed {
            outcome: RefreshOutcome::Transient,
            reason: "timed out".into(),
            retry_after: None,
            unanswered: true,
        },
        unsaved: None,
    });
    let out = world.run_until(world.mono + 31 * S);
    let op = refresh_op(&out).expect("retried");
    world.feed(Input::Refreshed {
        op,
        outcome: FlightOutcome::Rejected {
            detail: "Invalid refresh token".into(),
        },
        unsaved: None,
    });
    assert_eq!(
        world.machine.status().state,
        SessionState::NeedsLogin {
            reason: LOST_ROTATION.into()
        }
    );
    assert_eq!(
        world.machine.poll_timeout(),
        None,
        "terminal: nothing more to do"
    );
}

#[test]
fn a_sign_out_waits_for_the_running_refresh_then_answers_everyone_signed_out() {
    let mut world = World::signed_in(900 * S);
    let out = world.feed(Input::Token {
        waiter: 1,
        want: Want::Manual,
    });
    let refresh = refresh_op(&out).unwrap();
    let sign_out = world.machine.new_op();
    let out = world.feed(Input::SignOut { op: sign_out });
    assert!(
        !out.iter().any(|a| matches!(a, Action::SignOut { .. })),
        "not while a refresh may still rotate the token"
    );
    let grant = world.grant(900 * S);
    let out = world.feed(Input::Refreshed {
        op: refresh,
        outcome: FlightOutcome::Granted(grant),
        unsaved: None,
    });
    assert!(out
        .iter()
        .any(|a| matches!(a, Action::SignOut { user: Some(_), .. })));
    assert_eq!(world.machine.status().state, SessionState::SignedOut);
    let out = world.feed(Input::Token {
        waiter: 2,
        want: Want::Margin,
    });
    assert!(matches!(
        answers(&out)[..],
        [(2, Err(AuthError::SignedOut))]
    ));
}

#[test]
fn a_three_second_token_gets_at_most_two_refreshes_per_lifetime() {
    let mut world = World::signed_in(3 * S);
    let start = world.mono;
    let mut times = Vec::new();
    while world.mono < start + 30 * S {
        let Some((at, _)) = world.machine.poll_timeout() else {
            break;
        };
        let by = at.saturating_duration_since(world.mono);
        world.advance(by);
        let out = world.feed(Input::Timeout);
        if let Some(op) = refresh_op(&out) {
            times.push(world.mono);
            world.advance(Duration::from_millis(5));
            let grant = world.grant(3 * S);
            world.feed(Input::Refreshed {
                op,
                outcome: FlightOutcome::Granted(grant),
                unsaved: None,
            });
        }
    }
    assert!(
        times.len() <= 21,
        "{} refreshes in 30 s of 3 s tokens",
        times.len()
    );
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(1400),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}

#[test]
fn a_wall_jump_ages_the_token_refreshes_and_tells_consumers() {
    let mut world = World::signed_in(900 * S);
    world.wall += 1200 * S;
    let out = world.run_until(world.mono + 5 * S);
    assert!(out
        .iter()
        .any(|a| matches!(a, Action::Record(Entry::Wake { .. }))));
    let op = refresh_op(&out).expect("the token expired while asleep");
    assert!(
        !out.iter().any(|a| matches!(a, Action::Wake)),
        "consumers hear of the wake once the token is fresh"
    );
    let grant = world.grant(900 * S);
    let out = world.feed(Input::Refreshed {
        op,
        outcome: FlightOutcome::Granted(grant),
        unsaved: None,
    });
    assert!(out.iter().any(|a| matches!(a, Action::Wake)));
}

#[test]
fn a_refused_save_is_retried_with_growing_waits_until_the_store_takes_it() {
    let mut world = World::signed_in(900 * S);
    let out = world.feed(Input::Token {
        waiter: 1,
        want: Want::Manual,
    });
    let grant = world.grant(900 * S);
    world.feed(Input::Refreshed {
        op: refresh_op(&out).unwrap(),
        outcome: FlightOutcome::Granted(grant),
        unsaved: Some("keychain locked".into()),
    });
    assert_eq!(
        world.machine.status().warning.as_deref(),
        Some("keychain locked")
    );
    let mut tries = Vec::new();
    let start = world.mono;
    for _ in 0..4 {
        let out = world.run_until(world.mono + 31 * S);
        let op = out.iter().find_map(|a| match a {
            Action::Persist { op, .. } => Some(*op),
            _ => None,
        });
        let Some(op) = op else { continue };
        tries.push(world.mono - start);
        world.feed(Input::Persisted {
            op,
            outcome: PersistOutcome::Tried(Some("keychain locked".into())),
        });
    }
    assert!(tries.len() >= 3, "tries: {tries:?}");
    let gaps: Vec<Duration> = tries.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.windows(2).all(|g| g[1] >= g[0]),
        "waits grow: {gaps:?}"
    );
}
