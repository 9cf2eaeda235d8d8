//! The API Gateway flavour: `$connect` errors, subscribe, ping/pong, §3.4 envelopes, idle close.

mod common;
use common::*;
use devhive_sandbox::Config;
use futures_util::StreamExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn connect_errors_are_unauthorized_texts_and_the_header_is_missed() {
    let w = world(Config::default()).await;
    let token = w.alice_token().await;
    let url = w.run.ws_aws_url();
    let (s, _, body) = connect(&url, &[]).await.err().unwrap();
    assert_eq!((s, body.as_str()), (401, "Unauthorized: missing token"));
    let (s, _, body) = connect(&format!("{url}?token=garbage"), &[])
        .await
        .err()
        .unwrap();
    assert_eq!((s, body.as_str()), (401, "Unauthorized: invalid token"));
    let (s, _, _) = connect(&url, &[("authorization", &format!("Bearer {token}"))])
        .await
        .err()
        .unwrap();
    assert_eq!(
        s, 401,
        "API Gateway's exact-case map lookup misses a lowercase authorization header"
    );
    w.run.control().expire_tokens().await.unwrap();
    let (_, _, body) = connect(&format!("{url}?token={token}"), &[])
        .await
        .err()
        .unwrap();
    assert_eq!(
        body, "Unauthorized: invalid token",
        "expired is not told apart"
    );
}

#[tokio::test]
async fn subscribe_then_receive_application_events_with_the_broadcaster_envelope() {
    let w = world(Config::default()).await;
    let token = w.alice_token().await;
    let mut ws = connect(&format!("{}?token={token}", w.run.ws_aws_url()), &[])
        .await
        .unwrap();
    send_text(
        &mut ws,
        &format!(r#"{{"action":"subscribe","projectId":"{}"}}"#, w.project),
    )
    .await;
    send_text(&mut ws, r#"{"action":"ping"}"#).await;
    assert_eq!(
        next_text(&mut ws).await,
        r#"{"action":"pong"}"#,
        "ping is answered after the subscribe was processed"
    );
    let task = w
        .run
        .sandbox
        .create_task(w.alice, w.project, "t", Default::default())
        .unwrap();
    w.run.sandbox.delete_task(w.alice, task.id).unwrap();
    let created = next_text(&mut ws).await;
    assert!(
        created.starts_with(&format!(
            r#"{{"type":"task_created","projectId":"{}","data":{{"createdAt":"#,
            w.project
        )),
        "{created}"
    );
    let deleted = next_text(&mut ws).await;
    let v: serde_json::Value = serde_json::from_str(&deleted).unwrap();
    let ts = v["timestamp"].as_str().unwrap();
    assert!(
        ts.ends_with('Z') && ts.len() == 20,
        "RFC 3339 whole seconds: {ts}"
    );
    assert_eq!(
        deleted,
        format!(
            r#"{{"type":"task_deleted","projectId":"{p}","data":{{"id":"{t}","projectId":"{p}"}},"timestamp":"{ts}"}}"#,
            p = w.project,
            t = task.id
        )
    );
}

#[tokio::test]
async fn member_removal_sends_a_handler_cache_invalidate_with_project_id_in_data() {
    let w = world(Config::default()).await;
    w.run.sandbox.add_member(w.project, w.bob, "member");
    let token = w.alice_token().await;
    let mut ws = connect(
        &format!(
            "{}?token={token}&projectId={}",
            w.run.ws_aws_url(),
            w.project
        ),
        &[],
    )
    .await
    .unwrap();
    w.run
        .sandbox
        .remove_member(Some(w.alice), w.project, w.bob)
        .unwrap();
    let frame = next_text(&mut ws).await;
    let v: serde_json::Value = serde_json::from_str(&frame).unwrap();
    let (dts, ts) = (
        v["data"]["timestamp"].as_str().unwrap(),
        v["timestamp"].as_str().unwrap(),
    );
    assert_eq!(
        frame,
        format!(
            r#"{{"type":"cache_invalidate","projectId":"{p}","data":{{"action":"DELETE","id":"{p}:{b}","projectId":"{p}","resource":"project_members","timestamp":"{dts}"}},"timestamp":"{ts}"}}"#,
            p = w.project,
            b = w.bob
        )
    );
}

#[tokio::test]
async fn message_created_carries_the_sender_with_sorted_keys() {
    let w = world(Config::default()).await;
    let token = w.alice_token().await;
    let mut ws = connect(
        &format!(
            "{}?token={token}&project_id={}",
            w.run.ws_aws_url(),
            w.project
        ),
        &[],
    )
    .await
    .unwrap();
    let m = w
        .run
        .sandbox
        .post_message(w.alice, w.project, "Deploy is green <3", "text", None)
        .unwrap();
    let frame = next_text(&mut ws).await;
    let v: serde_json::Value = serde_json::from_str(&frame).unwrap();
    let ts = v["timestamp"].as_str().unwrap();
    let expected = format!(
        r#"{{"type":"message_created","projectId":"{p}","data":{{"content":"Deploy is green \u003c3","createdAt":"{ts}","id":"{id}","messageType":"text","projectId":"{p}","sender":{{"firstName":"alice","lastName":"Tester","username":"alice"}},"senderId":"{a}","updatedAt":"{ts}"}},"timestamp":"{ts}"}}"#,
        p = w.project,
        id = m.id,
        a = w.alice
    );
    assert_eq!(frame, expected);
}

#[tokio::test]
async fn idle_connections_are_closed_with_1001_going_away() {
    let cfg = Config {
        aws_idle_timeout: Duration::from_millis(200),
        ..Config::default()
    };
    let w = world(cfg).await;
    let token = w.alice_token().await;
    let mut ws = connect(&format!("{}?token={token}", w.run.ws_aws_url()), &[])
        .await
        .unwrap();
    let m = tokio::time::timeout(Duration::from_secs(3), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match m {
        Message::Close(Some(f)) => {
            assert_eq!((u16::from(f.code), f.reason.as_str()), (1001, "Going away"))
        }
        other => panic!("expected close 1001, got {other:?}"),
    }
}

#[tokio::test]
async fn client_pings_keep_an_aws_socket_open_past_the_idle_timeout() {
    use futures_util::SinkExt;
    let cfg = Config {
        aws_idle_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let w = world(cfg).await;
    let token = w.alice_token().await;
    let mut ws = connect(&format!("{}?token={token}", w.run.ws_aws_url()), &[])
        .await
        .unwrap();
    // Six pings 100 ms apart span twice the idle timeout; each is answered, none is cut.
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        ws.send(Message::Text(r#"{"action":"ping"}"#.into()))
            .await
            .unwrap();
        let reply = tokio::time::timeout(Duration::from_secs(2), ws.next())
            .await
            .expect("a reply to the ping")
            .unwrap()
            .unwrap();
        assert_eq!(
            reply,
            Message::Text(r#"{"action":"pong"}"#.into()),
            "an inbound message must reset API Gateway's idle timer"
        );
    }
    // Silence: the idle timeout now applies.
    let last = tokio::time::timeout(Duration::from_secs(3), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(last, Message::Close(Some(ref f)) if u16::from(f.code) == 1001));
}
