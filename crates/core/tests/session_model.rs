//! Model-based test of the session and a feed connection (issue 11): random interleavings of
//! user actions (refresh now, reconnect now, watch/unwatch, sign out/in, wake, callers giving
//! up at any point) and server faults (refresh latency, 5xx, an answer lost after the server
//! rotated, socket drops, 401 at the handshake), on tokio's paused clock.
//!
//! The real `Session` (machine, driver, keeper, lock file) runs against a model auth server
//! that checks every refresh token it is shown. The feed side is the real
//! `realtime::Connection` machine driven the way `realtime/driver` drives it (the connect
//! future raced against commands and dropped on Reconnect now / stop); only the socket is
//! simulated, because real sockets cannot run on a paused clock.
//!
//! Invariants: never stuck (after the faults end and the user signs in, the session is valid
//! and the feed live, and no caller waits forever); at most one refresh in flight; NeedsLogin
//! only after the server refused a refresh with 401; a token the server rotated is never lost
//! to a cancellation (the server never sees a token whose successor it handed out, unless the
//! network lost that answer); a Resync follows every (re)connect.
//!
//! `PROPTEST_CASES` sets the case count (default below); a failure prints the minimal steps
//! and the seed.

mod model_support;

use devhive_core::auth::TokenSource;
use devhive_core::realtime::{Action, BackoffPolicy, ConnState, Connection, Input, ResyncReason};
use devhive_core::secret::Secret;
use devhive_core::session::SessionState;
use model_support::{ModelAuth, World};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep, sleep_until, timeout, Instant};

/// Default case count: the whole file stays well under a minute in a debug build.
const CASES: u32 = 3000;

/// A caller that does not give up still gets an answer within this (paused) time.
const PATIENCE: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
enum Step {
    /// The user clicks "Refresh session now"; the caller gives up after `give_up` ms, or not.
    RefreshNow {
        give_up: Option<u64>,
    },
    /// A REST call takes a token; it may give up too.
    TakeToken {
        give_up: Option<u64>,
    },
    ReconnectNow,
    Watch,
    Unwatch,
    SignOut {
        give_up: Option<u64>,
    },
    SignIn,
    /// The machine slept this many seconds.
    Wake {
        secs: u64,
    },
    Wait {
        ms: u64,
    },
    /// Refresh answers take this long after the server rotated.
    Latency {
        ms: u64,
    },
    /// The next `n` refreshes answer 503.
    Fail5xx {
        n: u8,
    },
    /// The server rotates on the next refresh, and the answer never arrives (a 504).
    LoseNextAnswer,
    DropSocket,
    Reject401AtHandshake,
}

fn give_up() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![Just(None), (0u64..2_000).prop_map(Some)]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => give_up().prop_map(|give_up| Step::RefreshNow { give_up }),
        2 => give_up().prop_map(|give_up| Step::TakeToken { give_up }),
        2 => Just(Step::ReconnectNow),
        1 => Just(Step::Watch),
        1 => Just(Step::Unwatch),
        1 => give_up().prop_map(|give_up| Step::SignOut { give_up }),
        1 => Just(Step::SignIn),
        1 => (16u64..3_600).prop_map(|secs| Step::Wake { secs }),
        4 => (0u64..5_000).prop_map(|ms| Step::Wait { ms }),
        2 => (0u64..3_000).prop_map(|ms| Step::Latency { ms }),
        1 => (1u8..4).prop_map(|n| Step::Fail5xx { n }),
        1 => Just(Step::LoseNextAnswer),
        2 => Just(Step::DropSocket),
        1 => Just(Step::Reject401AtHandshake),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    lifetime_secs: u64,
    steps: Vec<Step>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        prop_oneof![Just(3u64), Just(10), Just(60), Just(900)],
        proptest::collection::vec(step(), 1..40),
    )
        .prop_map(|(seed, lifetime_secs, steps)| Case {
            seed,
            lifetime_secs,
            steps,
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(CASES),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn user_actions_and_server_faults_never_wedge_or_sign_out(case in case()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let problems = runtime.block_on(run(case.clone()));
        prop_assert!(problems.is_empty(), "seed {}: {problems:#?}", case.seed);
    }
}

/// What the test sends the feed harness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FeedCmd {
    ReconnectNow,
    Watch,
    Unwatch,
    Drop,
}

async fn run(case: Case) -> Vec<String> {
    let world = World::new(Duration::from_secs(case.lifetime_secs), case.seed).await;
    let session = world.session.clone();
    let auth = world.auth.clone();
    let (feed, feed_rx) = mpsc::unbounded_channel();
    let harness = tokio::spawn(feed_harness(
        session.clone(),
        auth.clone(),
        feed_rx,
        case.seed,
    ));
    let watcher = tokio::spawn(watch_states(session.clone(), auth.clone()));
    let mut callers = Vec::new();
    let signed_out = case
        .steps
        .iter()
        .any(|step| matches!(step, Step::SignOut { .. }));
    for step in case.steps {
        match step {
            Step::RefreshNow { give_up } => {
                let s = session.clone();
                callers.push(caller(give_up, "refresh now", async move {
                    s.refresh_now().await.map(drop).map_err(|e| e.to_string())
                }));
            }
            Step::TakeToken { give_up } => {
                let s = session.clone();
                callers.push(caller(give_up, "ensure_valid", async move {
                    s.ensure_valid().await.map(drop).map_err(|e| e.to_string())
                }));
            }
            Step::SignOut { give_up } => {
                let s = session.clone();
                callers.push(caller(give_up, "sign out", async move {
                    s.logout().await.map_err(|e| e.to_string())
                }));
            }
            Step::SignIn => {
                let s = session.clone();
                let feed = feed.clone();
                callers.push(caller(None, "sign in", async move {
                    s.login("alice", &Secret::new("pw-alice"), false)
                        .await
                        .map_err(|e| e.to_string())?;
                    let _ = feed.send(FeedCmd::ReconnectNow);
                    Ok(())
                }));
            }
            Step::ReconnectNow => drop(feed.send(FeedCmd::ReconnectNow)),
            Step::Watch => drop(feed.send(FeedCmd::Watch)),
            Step::Unwatch => drop(feed.send(FeedCmd::Unwatch)),
            Step::DropSocket => drop(feed.send(FeedCmd::Drop)),
            Step::Wake { secs } => world.clock.jump_wall_forward(Duration::from_secs(secs)),
            Step::Wait { ms } => sleep(Duration::from_millis(ms)).await,
            Step::Latency { ms } => auth.faults().latency = Duration::from_millis(ms),
            Step::Fail5xx { n } => auth.faults().fail_5xx += u32::from(n),
            Step::LoseNextAnswer => auth.faults().lose_next = true,
            Step::Reject401AtHandshake => auth.faults().handshake_401 += 1,
        }
        // Let spawned work take its first steps before the next action.
        tokio::task::yield_now().await;
    }

    // The faults end; every caller still waiting gets its answer.
    auth.clear_faults();
    let mut problems = Vec::new();
    for c in callers {
        if let Err(problem) = c.await.unwrap() {
            problems.push(problem);
        }
    }
    // The user signs in whenever the session has ended (their sign-out, or a NeedsLogin the
    // watcher checked), and watches the project; the system must settle: a valid session and
    // a live feed.
    let _ = feed.send(FeedCmd::Watch);
    let _ = feed.send(FeedCmd::ReconnectNow);
    let mut sign_ins = 0;
    let settled = timeout(Duration::from_secs(120), async {
        loop {
            let state = session.status().state;
            match state {
                SessionState::Valid { .. } if auth.connected() => return Ok(()),
                SessionState::SignedOut | SessionState::NeedsLogin { .. } => {
                    if state == SessionState::SignedOut && !signed_out {
                        return Err("signed out without the user asking".to_owned());
                    }
                    sign_ins += 1;
                    if sign_ins > 3 {
                        return Err(format!("still {state:?} after three sign-ins"));
                    }
                    session
                        .login("alice", &Secret::new("pw-alice"), false)
                        .await
                        .map_err(|e| format!("sign-in after the run failed: {e}"))?;
                    let _ = feed.send(FeedCmd::ReconnectNow);
                }
                _ => sleep(Duration::from_millis(250)).await,
            }
        }
    })
    .await;
    match settled {
        Ok(Ok(())) => {}
        Ok(Err(problem)) => problems.push(problem),
        Err(_) => problems.push(format!(
            "stuck: 120 s after the faults ended the session is {:?} and the feed {}",
            session.status().state,
            auth.feed_state()
        )),
    }
    // The session's token is the server's live one: a refresh now must work.
    if let Err(e) = timeout(PATIENCE, session.refresh_now()).await {
        problems.push(format!("a final refresh waited {PATIENCE:?}: {e}"));
    }
    harness.abort();
    watcher.abort();
    problems.extend(auth.violations());
    problems
}

/// A caller that awaits `work`, giving up after `give_up` ms if set. A caller that does not
/// give up must get its answer within [`PATIENCE`]; its error itself is no problem (a 503
/// may fail it), only waiting forever is.
fn caller(
    give_up: Option<u64>,
    what: &'static str,
    work: impl std::future::Future<Output = Result<(), String>> + Send + 'static,
) -> tokio::task::JoinHandle<Result<(), String>> {
    tokio::spawn(async move {
        match give_up {
            Some(ms) => {
                let _ = timeout(Duration::from_millis(ms), work).await;
                Ok(())
            }
            None => match timeout(PATIENCE, work).await {
                Ok(_) => Ok(()),
                Err(_) => Err(format!("a {what} caller waited {PATIENCE:?} for an answer")),
            },
        }
    })
}

/// Records a violation whenever the session says NeedsLogin without a 401 from the server.
async fn watch_states(session: devhive_core::session::Session, auth: Arc<ModelAuth>) {
    let mut states = session.subscribe();
    loop {
        if let SessionState::NeedsLogin { reason } = &states.borrow_and_update().state {
            if auth.refusals() == 0 {
                auth.violation(format!(
                    "NeedsLogin ({reason}) while the server never refused a refresh"
                ));
            }
        }
        if states.changed().await.is_err() {
            return;
        }
    }
}

/// Drives one project's `Connection` like `realtime/driver` does, with a simulated socket
/// whose handshake the model server answers.
async fn feed_harness(
    session: devhive_core::session::Session,
    auth: Arc<ModelAuth>,
    mut commands: mpsc::UnboundedReceiver<FeedCmd>,
    seed: u64,
) {
    let mut machine = Connection::new(BackoffPolicy::default());
    let mut rng = StdRng::seed_from_u64(seed);
    let mut wake = session.subscribe_wake();
    let mut last_token = None;
    let mut connected = false;
    let mut actions: Vec<Action> = Vec::new();
    let handle = |machine: &mut Connection, input: Input, rng: &mut StdRng| {
        let accepted = input == Input::HandshakeAccepted;
        let out = machine.handle(input, Instant::now(), rng);
        if accepted && !out.contains(&Action::Resync(ResyncReason::Connected)) {
            auth.violation(format!("a connect without a Resync: {out:?}"));
        }
        auth.set_feed_state(machine.state());
        out
    };
    loop {
        while let Some(action) = (!actions.is_empty()).then(|| actions.remove(0)) {
            match action {
                Action::Close => {
                    connected = false;
                    auth.set_connected(false);
                }
                Action::Resync(_) => {}
                Action::Connect { refresh_first } => {
                    let rejected = last_token.clone().filter(|_| refresh_first);
                    let s = session.clone();
                    let token = async move {
                        match rejected {
                            Some(rejected) => s.refresh_after_rejection(&rejected).await,
                            None => s.ensure_valid().await,
                        }
                    };
                    tokio::pin!(token);
                    // Like the driver: the connect races the commands, and a command that
                    // interrupts it drops the connect future (and the token wait inside).
                    let input = loop {
                        tokio::select! {
                            token = &mut token => break match token {
                                Err(e) => Input::TokenUnavailable(e),
                                Ok(token) => {
                                    let answer = auth.handshake(&token);
                                    last_token = Some(token);
                                    match answer {
                                        Ok(()) => Input::HandshakeAccepted,
                                        Err(body) => Input::HandshakeRejected {
                                            status: 401,
                                            body,
                                            retry_after: None,
                                        },
                                    }
                                }
                            },
                            command = commands.recv() => match command {
                                Some(FeedCmd::ReconnectNow) => break Input::ReconnectNow,
                                Some(FeedCmd::Unwatch) => break Input::Stop,
                                // Watch while connecting, or a drop of no socket: nothing.
                                Some(FeedCmd::Watch | FeedCmd::Drop) => continue,
                                None => return,
                            },
                        }
                    };
                    if input == Input::HandshakeAccepted {
                        connected = true;
                        auth.set_connected(true);
                        let mut out = handle(&mut machine, input, &mut rng);
                        // The first frame from the server proves the connection healthy.
                        out.extend(handle(&mut machine, Input::Healthy, &mut rng));
                        actions.extend(out);
                    } else {
                        actions.extend(handle(&mut machine, input, &mut rng));
                    }
                }
            }
        }
        let deadline = machine.deadline();
        let input = tokio::select! {
            _ = async { sleep_until(deadline.unwrap()).await }, if deadline.is_some() && !connected => Input::RetryDue,
            command = commands.recv() => match command {
                Some(FeedCmd::ReconnectNow) => Input::ReconnectNow,
                Some(FeedCmd::Watch) => {
                    if matches!(machine.state(), ConnState::Stopped { .. }) { Input::Start } else { continue }
                }
                Some(FeedCmd::Unwatch) => Input::Stop,
                Some(FeedCmd::Drop) => {
                    if !connected { continue }
                    connected = false;
                    auth.set_connected(false);
                    Input::Closed { code: None, reason: "dropped by the test".into() }
                }
                None => return,
            },
            woke = wake.recv() => match woke {
                Ok(()) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Input::Wake,
                Err(_) => return,
            },
        };
        if input == Input::Stop {
            connected = false;
            auth.set_connected(false);
        }
        actions.extend(handle(&mut machine, input, &mut rng));
    }
}
