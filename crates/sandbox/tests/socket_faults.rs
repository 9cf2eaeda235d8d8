//! Keepalive, slow consumers, overload, drops, blackhole and restart, with a standard client.

mod common;
use common::*;
use devhive_sandbox::{spawn_on, Config, DropMode};
use futures_util::StreamExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

fn fast() -> Config {
    Config {
        ping_interval: Duration::from_millis(100),
        pong_timeout: Duration::from_millis(400),
        ..Config::default()
    }
}

async fn fly(
    w: &World,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let token = w.alice_token().await;
    let url = format!("{}?projectId={}", w.run.ws_fly_url(), w.project);
    connect(&url, &[("authorization", &format!("Bearer {token}"))])
        .await
        .unwrap()
}

/// Reads until a close frame or the end; returns the close code (None = no close frame).
async fn close_code<S>(ws: &mut S) -> Option<(u16, String)>
where
    S: StreamExt<Item = Result<Message, WsError>> + Unpin,
{
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("socket ends within 5 s")
        {
            Some(Ok(Message::Close(f))) => {
                return f.map(|f| (u16::from(f.code), f.reason.to_string()))
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

#[tokio::test]
async fn server_pings_and_a_reading_client_stays_connected() {
    let w = world(fast()).await;
    let mut ws = fly(&w).await;
    let mut pings = 0;
    let until = tokio::time::Instant::now() + Duration::from_millis(900);
    while let Ok(Some(Ok(m))) = tokio::time::timeout_at(until, ws.next()).await {
        if let Message::Ping(p) = m {
            assert!(p.is_empty(), "Gorilla pings carry no payload");
            pings += 1;
        }
    }
    assert!(pings >= 5, "a ping every 100 ms, got {pings}");
    assert_eq!(
        w.run.control().stats().await.unwrap().open_sockets_total(),
        1,
        "pongs kept the socket alive past 400 ms"
    );
}

#[tokio::test]
async fn a_client_that_never_pongs_is_closed_with_1000() {
    let w = world(fast()).await;
    let mut ws = fly(&w).await;
    // Timing test with short configured intervals: not reading means no pongs.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(close_code(&mut ws).await, Some((1000, String::new())));
}

#[tokio::test]
async fn a_slow_consumer_is_evicted_with_close_1000() {
    let w = world(Config::default()).await;
    let mut ws = fly(&w).await;
    // current_thread runtime: the socket task cannot drain while we emit, so the 256 buffer fills.
    for _ in 0..300 {
        w.run.sandbox.send_reconnect();
    }
    let mut texts = 0;
    let code = loop {
        match ws.next().await {
            Some(Ok(Message::Text(_))) => texts += 1,
            Some(Ok(Message::Close(f))) => break f.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            _ => break None,
        }
    };
    assert_eq!(code, Some(1000));
    assert!(
        texts <= 256,
        "nothing past the buffer was delivered: {texts}"
    );
}

#[tokio::test]
async fn lost_registration_race_closes_with_1011_server_overloaded() {
    let w = world(Config::default()).await;
    w.run
        .control()
        .overload_next_registrations(1)
        .await
        .unwrap();
    let mut ws = fly(&w).await;
    assert_eq!(
        close_code(&mut ws).await,
        Some((1011, "Server overloaded".into()))
    );
}

#[tokio::test]
async fn drop_modes_send_1000_1011_or_no_close_frame() {
    let w = world(Config::default()).await;
    for (mode, expected) in [
        (DropMode::Close1000, Some((1000, String::new()))),
        (
            DropMode::Close1011,
            Some((1011, "Server overloaded".to_string())),
        ),
        (DropMode::Abrupt, None),
    ] {
        let mut ws = fly(&w).await;
        let n = w
            .run
            .control()
            .drop_sockets(mode, Some(w.project))
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(close_code(&mut ws).await, expected, "{mode:?}");
    }
}

/// A client that has its 101 counts itself connected: a drop ordered at that very moment must
/// reach its socket (tests and support staff drop right after a connect).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_right_after_the_101_reaches_the_new_socket() {
    let w = world(Config::default()).await;
    let project = w.project.to_string();
    for round in 0..100 {
        let mut ws = fly(&w).await;
        let n = w
            .run
            .sandbox
            .drop_sockets(DropMode::Close1000, Some(&project), None);
        assert_eq!(n, 1, "round {round}: the socket was not registered yet");
        assert_eq!(close_code(&mut ws).await, Some((1000, String::new())));
    }
}

#[tokio::test]
async fn blackhole_sends_nothing_and_keeps_tcp_open_until_lifted() {
    let w = world(fast()).await;
    let mut ws = fly(&w).await;
    w.run.control().blackhole(true).await.unwrap();
    // Drain whatever was in flight before the switch.
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(150), ws.next()).await {}
    w.run.sandbox.send_reconnect();
    let silent = tokio::time::timeout(Duration::from_millis(600), ws.next()).await;
    assert!(
        silent.is_err(),
        "no ping, no event, no close while blackholed (past the pong timeout too)"
    );
    w.run.control().blackhole(false).await.unwrap();
    w.run.sandbox.send_reconnect();
    assert!(
        next_text(&mut ws).await.contains("reconnect"),
        "the socket is alive again"
    );
}

#[tokio::test]
async fn stop_drops_sockets_abruptly_and_a_restart_keeps_the_database() {
    let w = world(Config::default()).await;
    let login = w.login("alice", "pw-alice").await;
    let mut ws = fly(&w).await;
    let World { run, http, .. } = w;
    let (addr, sandbox) = (run.addr, run.sandbox.clone());
    run.stop().await;
    assert_eq!(
        close_code(&mut ws).await,
        None,
        "a process kill sends no close frame"
    );
    let again = spawn_on(addr, sandbox).await.unwrap();
    let r = http
        .post(format!("{}/auth/refresh", again.api_url()))
        .header("cookie", format!("refresh_token={}", login.refresh))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "refresh tokens survive the restart");
    again.stop().await;
}

#[tokio::test]
async fn join_and_leave_project_move_the_socket_per_version() {
    let w = world(Config::default()).await;
    let other = w.run.sandbox.create_project(w.alice, "Other");
    let mut ws = fly(&w).await;
    // B reads projectId; project_id silently unsubscribes (sets "").
    send_text(
        &mut ws,
        &format!(r#"{{"type":"join_project","projectId":"{other}"}}"#),
    )
    .await;
    send_text(&mut ws, r#"{"type":"ping"}"#).await;
    // Round-trip through ws/status to be sure the join was processed.
    let token = w.alice_token().await;
    let status_url = format!("{}/projects/{other}/ws/status", w.run.api_url());
    let mut matching = 0;
    for _ in 0..50 {
        let v: serde_json::Value = w
            .http
            .get(&status_url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        matching = v["matchingClients"].as_u64().unwrap();
        if matching == 1 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(matching, 1);
    w.run
        .sandbox
        .create_task(w.alice, other, "x", Default::default())
        .unwrap();
    assert!(next_text(&mut ws).await.contains(&other.to_string()));
}
