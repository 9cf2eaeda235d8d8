use super::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

struct Harness {
    machine: Connection,
    rng: StdRng,
    now: Instant,
}

impl Harness {
    fn started() -> Self {
        let mut h = Self {
            machine: Connection::new(BackoffPolicy::default()),
            rng: StdRng::seed_from_u64(1),
            now: Instant::now(),
        };
        assert_eq!(
            h.feed(Input::Start),
            vec![Action::Connect {
                refresh_first: false
            }]
        );
        h
    }

    fn feed(&mut self, input: Input) -> Vec<Action> {
        self.machine.handle(input, self.now, &mut self.rng)
    }

    fn reject(&mut self, status: u16, body: &str) -> Vec<Action> {
        self.feed(Input::HandshakeRejected {
            status,
            body: body.into(),
            retry_after: None,
        })
    }

    fn state(&self) -> &ConnState {
        self.machine.state()
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
    }
}

#[test]
fn a_101_connects_and_asks_for_a_resync() {
    let mut h = Harness::started();
    assert_eq!(
        h.feed(Input::HandshakeAccepted),
        vec![Action::Resync(ResyncReason::Connected)]
    );
    assert!(matches!(h.state(), ConnState::Connected { .. }));
}

#[test]
fn a_401_forces_one_refresh_and_retries_at_once() {
    let mut h = Harness::started();
    let actions = h.reject(
        401,
        "Authentication token has expired. Please refresh your token and reconnect.",
    );
    assert_eq!(
        actions,
        vec![Action::Connect {
            refresh_first: true
        }]
    );
    assert!(matches!(h.state(), ConnState::Connecting { attempt: 0 }));
    h.feed(Input::HandshakeAccepted);
    assert!(matches!(h.state(), ConnState::Connected { .. }));
}

#[test]
fn a_second_401_right_after_a_fresh_token_backs_off_with_the_server_reason() {
    let mut h = Harness::started();
    h.reject(401, "Invalid authentication token format");
    let actions = h.reject(401, "Invalid authentication token format");
    assert!(
        actions.is_empty(),
        "no third handshake at once: {actions:?}"
    );
    match h.state() {
        ConnState::Backoff { reason, retry_at } => {
            assert_eq!(reason, "Invalid authentication token format");
            assert!(*retry_at <= h.now + Duration::from_millis(500));
        }
        other => panic!("expected backoff, got {other:?}"),
    }
    // After the wait, a 401 may force one refresh again (the session may have changed).
    let due = h.machine.deadline().unwrap();
    h.now = due;
    assert_eq!(
        h.feed(Input::RetryDue),
        vec![Action::Connect {
            refresh_first: false
        }]
    );
    assert_eq!(
        h.reject(401, "Invalid authentication token format"),
        vec![Action::Connect {
            refresh_first: true
        }]
    );
}

#[test]
fn forbidden_and_not_found_keep_the_server_words_and_never_retry() {
    for (status, body) in [
        (
            403,
            "You are not a member of this project. Please select a project you have access to.",
        ),
        (404, "Project not found"),
    ] {
        let mut h = Harness::started();
        assert!(h.reject(status, body).is_empty());
        assert_eq!(h.state().reason(), Some(body));
        assert!(h.state().waits_for_user());
        assert_eq!(h.machine.deadline(), None, "no retry is scheduled");
        assert!(
            h.feed(Input::Wake).is_empty(),
            "waking does not retry either"
        );
        assert!(h.feed(Input::RetryDue).is_empty());
    }
}

#[test]
fn a_400_stops_with_the_message() {
    let mut h = Harness::started();
    h.reject(400, "Missing projectId");
    assert_eq!(
        h.state(),
        &ConnState::Stopped {
            reason: Some("Missing projectId".into())
        }
    );
}

#[test]
fn a_429_waits_for_retry_after_or_sixty_seconds() {
    let mut h = Harness::started();
    h.feed(Input::HandshakeRejected {
        status: 429,
        body: "Too Many Requests".into(),
        retry_after: Some(Duration::from_secs(7)),
    });
    assert_eq!(h.machine.deadline(), Some(h.now + Duration::from_secs(7)));
    h.advance(Duration::from_secs(7));
    h.feed(Input::RetryDue);
    h.reject(429, "Too Many Requests");
    assert_eq!(h.machine.deadline(), Some(h.now + DEFAULT_RETRY_AFTER));
}

#[test]
fn server_errors_and_transport_failures_back_off_with_growing_ceilings() {
    let mut h = Harness::started();
    let mut ceilings = vec![];
    for round in 0..8u32 {
        if round % 2 == 0 {
            h.reject(
                503,
                "WebSocket connections are not supported in this deployment.",
            );
        } else {
            h.feed(Input::ConnectFailed {
                reason: "connection refused".into(),
            });
        }
        let wait = h.machine.deadline().unwrap() - h.now;
        let ceiling = BackoffPolicy::default().ceiling(round);
        assert!(wait <= ceiling, "round {round}: {wait:?} > {ceiling:?}");
        ceilings.push(ceiling);
        h.advance(wait);
        h.feed(Input::RetryDue);
        assert_eq!(h.state(), &ConnState::Connecting { attempt: round + 1 });
    }
    assert_eq!(ceilings.last(), Some(&Duration::from_secs(30)));
}

#[test]
fn every_unrequested_close_reconnects_after_a_jittered_wait() {
    for code in [Some(1000), Some(1001), None, Some(1009), Some(1011)] {
        let mut h = Harness::started();
        h.feed(Input::HandshakeAccepted);
        let actions = h.feed(Input::Closed {
            code,
            reason: "Server overloaded".into(),
        });
        assert!(actions.is_empty());
        let wait = h.machine.deadline().expect("a retry is scheduled") - h.now;
        assert!(
            wait <= Duration::from_millis(500),
            "{code:?}: first retry within 0.5 s"
        );
    }
}

#[test]
fn close_1008_and_1002_are_auth_failures_refresh_then_retry() {
    for code in [1008, 1002] {
        let mut h = Harness::started();
        h.feed(Input::HandshakeAccepted);
        h.advance(Duration::from_secs(60));
        let actions = h.feed(Input::Closed {
            code: Some(code),
            reason: "token expired".into(),
        });
        assert_eq!(
            actions,
            vec![Action::Connect {
                refresh_first: true
            }]
        );
    }
}

#[test]
fn only_a_connection_that_proved_healthy_resets_the_attempt_count() {
    let mut h = Harness::started();
    for _ in 0..5 {
        h.reject(503, "");
        h.now = h.machine.deadline().unwrap();
        h.feed(Input::RetryDue);
    }
    assert_eq!(h.state(), &ConnState::Connecting { attempt: 5 });
    h.feed(Input::HandshakeAccepted);
    h.advance(Duration::from_secs(60));
    h.feed(Input::Closed {
        code: Some(1011),
        reason: "Server overloaded".into(),
    });
    h.now = h.machine.deadline().unwrap();
    h.feed(Input::RetryDue);
    assert_eq!(
        h.state(),
        &ConnState::Connecting { attempt: 6 },
        "a 101 that never carried a frame keeps counting, however long it lasted"
    );
    h.feed(Input::HandshakeAccepted);
    h.advance(Duration::from_millis(200));
    h.feed(Input::Healthy);
    h.feed(Input::Closed {
        code: None,
        reason: "reset".into(),
    });
    assert!(
        h.machine.deadline().unwrap() - h.now <= Duration::from_millis(500),
        "a connection that delivered a frame earns a fresh start"
    );
}

#[test]
fn a_server_that_accepts_and_closes_at_once_gets_at_most_twelve_handshakes_a_minute() {
    for seed in 0..200 {
        let mut h = Harness::started();
        h.rng = StdRng::seed_from_u64(seed);
        let start = h.now;
        let mut handshakes = vec![h.now];
        while h.now < start + Duration::from_secs(600) {
            h.feed(Input::HandshakeAccepted);
            h.feed(Input::Closed {
                code: Some(1011),
                reason: "Server overloaded".into(),
            });
            h.now = h.machine.deadline().unwrap();
            h.feed(Input::RetryDue);
            handshakes.push(h.now);
        }
        // After the first ceilings (0.5 s … 16 s) the delay is random(0, 30 s): count every
        // minute-long window from the second minute on.
        let settled: Vec<Instant> = handshakes
            .iter()
            .copied()
            .filter(|t| *t >= start + Duration::from_secs(60))
            .collect();
        let busiest = settled
            .iter()
            .map(|t| {
                settled
                    .iter()
                    .filter(|u| **u >= *t && **u < *t + Duration::from_secs(60))
                    .count()
            })
            .max()
            .unwrap_or(0);
        assert!(
            busiest <= 12,
            "seed {seed}: {busiest} handshakes in one minute"
        );
        let first_minute = handshakes
            .iter()
            .filter(|t| **t < start + Duration::from_secs(60))
            .count();
        assert!(
            first_minute <= 12 + 6,
            "seed {seed}: {first_minute} in the first minute"
        );
    }
}

#[test]
fn refresh_rejected_means_needs_login_without_retries() {
    let mut h = Harness::started();
    h.feed(Input::TokenUnavailable(AuthError::NeedsLogin {
        reason: "Invalid refresh token".into(),
    }));
    assert_eq!(
        h.state(),
        &ConnState::NeedsLogin {
            reason: "Invalid refresh token".into()
        }
    );
    assert_eq!(h.machine.deadline(), None);
    assert_eq!(
        h.feed(Input::ReconnectNow),
        vec![Action::Connect {
            refresh_first: false
        }],
        "signing in again and asking to reconnect starts over"
    );
}

#[test]
fn a_transient_session_failure_waits_as_the_session_says() {
    let mut h = Harness::started();
    h.feed(Input::TokenUnavailable(AuthError::Transient {
        reason: "timeout".into(),
        retry_after: Some(Duration::from_secs(3)),
    }));
    assert_eq!(h.machine.deadline(), Some(h.now + Duration::from_secs(3)));
}

#[test]
fn wake_retries_a_backoff_at_once_and_resyncs_a_live_connection() {
    let mut h = Harness::started();
    h.reject(503, "");
    assert_eq!(
        h.feed(Input::Wake),
        vec![Action::Connect {
            refresh_first: false
        }]
    );
    h.feed(Input::HandshakeAccepted);
    assert_eq!(
        h.feed(Input::Wake),
        vec![Action::Resync(ResyncReason::Wake)]
    );
}

#[test]
fn server_reconnect_message_asks_for_a_resync_and_keeps_the_socket() {
    let mut h = Harness::started();
    h.feed(Input::HandshakeAccepted);
    assert_eq!(
        h.feed(Input::ServerReconnect),
        vec![Action::Resync(ResyncReason::ServerReconnect)]
    );
    assert!(matches!(h.state(), ConnState::Connected { .. }));
}

#[test]
fn a_dead_socket_is_closed_and_retried_after_backoff() {
    let mut h = Harness::started();
    h.feed(Input::HandshakeAccepted);
    assert_eq!(h.feed(Input::Dead), vec![Action::Close]);
    assert!(matches!(h.state(), ConnState::Backoff { .. }));
}

#[test]
fn stop_closes_a_live_socket_and_ignores_late_results() {
    let mut h = Harness::started();
    h.feed(Input::HandshakeAccepted);
    assert_eq!(h.feed(Input::Stop), vec![Action::Close]);
    assert!(h.feed(Input::HandshakeAccepted).is_empty());
    assert_eq!(h.state(), &ConnState::Stopped { reason: None });
}

#[test]
fn renew_replaces_a_live_socket() {
    let mut h = Harness::started();
    h.feed(Input::HandshakeAccepted);
    assert_eq!(
        h.feed(Input::Renew),
        vec![
            Action::Close,
            Action::Connect {
                refresh_first: false
            }
        ]
    );
}
