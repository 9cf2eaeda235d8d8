//! A standard client (tokio-tungstenite) receives the NOTIFY-style events of §3.2/§3.5.

mod common;
use common::*;
use devhive_sandbox::{ApiVersion, Config};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_standard_client_receives_task_events_with_the_b_envelope() {
    let w = world(Config::default()).await;
    let token = w.alice_token().await;
    let url = format!("{}?projectId={}", w.run.ws_fly_url(), w.project);
    let mut ws = connect(&url, &[("authorization", &format!("Bearer {token}"))])
        .await
        .unwrap();
    let task = w
        .run
        .sandbox
        .create_task(w.alice, w.project, "t", Default::default())
        .unwrap();
    let frame = next_text(&mut ws).await;
    let v: serde_json::Value = serde_json::from_str(&frame).unwrap();
    let ts = v["data"]["timestamp"].as_str().unwrap().to_string();
    assert!(ts.ends_with("+00:00"));
    let expected = format!(
        r#"{{"type":"cache_invalidate","data":{{"action":"INSERT","id":"{}","project_id":"{p}","resource":"task","timestamp":"{ts}"}},"projectId":"{p}"}}"#,
        task.id,
        p = w.project
    );
    assert_eq!(frame, expected);
}

#[tokio::test]
async fn version_a_uses_plural_resources_and_snake_case_envelope() {
    let w = world(Config {
        api_version: ApiVersion::A,
        ..Config::default()
    })
    .await;
    let token = w.alice_token().await;
    let url = format!("{}?project_id={}", w.run.ws_fly_url(), w.project);
    let mut ws = connect(&url, &[("authorization", &format!("Bearer {token}"))])
        .await
        .unwrap();
    let task = w
        .run
        .sandbox
        .create_task(w.alice, w.project, "t", Default::default())
        .unwrap();
    w.run
        .sandbox
        .update_task(
            w.alice,
            task.id,
            devhive_sandbox::state::work::TaskPatch {
                status: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
    let _insert = next_text(&mut ws).await;
    let frame = next_text(&mut ws).await;
    let ts: serde_json::Value = serde_json::from_str(&frame).unwrap();
    let ts = ts["data"]["timestamp"].as_str().unwrap();
    assert_eq!(
        frame,
        format!(
            r#"{{"type":"cache_invalidate","data":{{"action":"UPDATE","id":"{}","project_id":"{p}","resource":"tasks","timestamp":"{ts}"}},"project_id":"{p}"}}"#,
            task.id,
            p = w.project
        )
    );
    // Messages have no trigger in A: posting one sends nothing; the member event below arrives first.
    w.run
        .sandbox
        .post_message(w.alice, w.project, "hi", "text", None)
        .unwrap();
    w.run.sandbox.add_member(w.project, w.bob, "member");
    let frame = next_text(&mut ws).await;
    let ts: serde_json::Value = serde_json::from_str(&frame).unwrap();
    let ts = ts["data"]["timestamp"].as_str().unwrap();
    assert_eq!(
        frame,
        format!(
            r#"{{"type":"cache_invalidate","data":{{"action":"INSERT","id":"{p}:{b}","project_id":"{p}","resource":"project_members","timestamp":"{ts}"}}}}"#,
            p = w.project,
            b = w.bob
        )
    );
}

#[tokio::test]
async fn member_and_project_events_reach_sockets_of_other_projects() {
    let w = world(Config::default()).await;
    let other = w.run.sandbox.create_project(w.bob, "Other");
    let token = w.alice_token().await;
    let url = format!("{}?projectId={}", w.run.ws_fly_url(), w.project);
    let mut ws = connect(&url, &[("authorization", &format!("Bearer {token}"))])
        .await
        .unwrap();
    w.run
        .sandbox
        .create_task(w.bob, other, "invisible", Default::default())
        .unwrap();
    w.run.sandbox.delete_project(w.bob, other).unwrap();
    let a = next_text(&mut ws).await;
    assert!(
        a.contains(r#""action":"DELETE""#) && !a.contains(r#""resource":"task""#),
        "{a}"
    );
    assert!(
        a.contains(r#""resource":"project_members""#),
        "member delete goes to everyone: {a}"
    );
    let b = next_text(&mut ws).await;
    assert!(
        b.contains(r#""resource":"project""#) && !b.contains("projectId\":\""),
        "project delete to everyone without envelope key: {b}"
    );
}

#[tokio::test]
async fn reconnect_message_is_sent_to_every_socket() {
    let w = world(Config::default()).await;
    let token = w.alice_token().await;
    let url = format!("{}?projectId={}", w.run.ws_fly_url(), w.project);
    let mut ws = connect(&url, &[("authorization", &format!("Bearer {token}"))])
        .await
        .unwrap();
    w.run.control().send_reconnect().await.unwrap();
    assert_eq!(
        next_text(&mut ws).await,
        r#"{"type":"reconnect","data":{"reason":"notify_reconnect"}}"#
    );
}

#[tokio::test]
async fn oversized_inbound_messages_close_with_1009() {
    let w = world(Config::default()).await;
    let token = w.alice_token().await;
    let url = format!("{}?projectId={}", w.run.ws_fly_url(), w.project);
    let mut ws = connect(&url, &[("authorization", &format!("Bearer {token}"))])
        .await
        .unwrap();
    send_text(&mut ws, &"x".repeat(513)).await;
    let m = ws.next().await.unwrap().unwrap();
    match m {
        Message::Close(Some(f)) => assert_eq!(u16::from(f.code), 1009),
        other => panic!("expected close 1009, got {other:?}"),
    }
}
