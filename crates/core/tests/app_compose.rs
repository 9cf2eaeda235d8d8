//! Writing to a project's chat from the app: the other user sees the message; a non-member
//! gets a plain "not a member" error; offline says so; an empty text never leaves the app.

mod app_support;

use app_support::*;
use devhive_core::app::{App, ErrorCode};

async fn signed_in(machine: &Machine, running: &devhive_sandbox::Running, user: &str) -> App {
    let (app, _port) = machine.launch();
    app.sign_in(sign_in(fly(running), user, false))
        .await
        .unwrap();
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_posted_message_reaches_the_other_user() {
    let running = sandbox().await;
    let (alice_machine, bob_machine) = (Machine::new("compose-a"), Machine::new("compose-b"));
    let alice = signed_in(&alice_machine, &running, "alice").await;
    let bob = signed_in(&bob_machine, &running, "bob").await;

    let sent = alice
        .post_message(&apollo(), "hello from the composer")
        .await
        .unwrap();
    assert_eq!(sent.content, "hello from the composer");
    assert_eq!(sent.project_id, apollo());
    assert_eq!(sent.sender_id, devhive_sandbox::demo::ALICE.to_string());

    let seen = bob.authed().unwrap().messages(&apollo(), 10).await.unwrap();
    assert!(
        seen.iter()
            .any(|m| m.id == sent.id && m.content == "hello from the composer"),
        "bob sees alice's message: {seen:?}"
    );
    alice.stop().await;
    bob.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_member_is_told_in_plain_words() {
    let running = sandbox().await;
    let machine = Machine::new("compose-403");
    let carol = signed_in(&machine, &running, "carol").await;

    let error = carol
        .post_message(&borealis(), "let me in")
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Forbidden, "{error:?}");
    assert!(error.message.contains("not a member"), "{error:?}");
    assert!(error.message.contains("kept"), "{error:?}");
    carol.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_text_is_refused_before_any_request() {
    let running = sandbox().await;
    let machine = Machine::new("compose-empty");
    let alice = signed_in(&machine, &running, "alice").await;
    let error = alice.post_message(&apollo(), "  \n ").await.unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput, "{error:?}");
    assert!(error.message.contains("empty"), "{error:?}");
    alice.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_says_the_server_cannot_be_reached_and_the_text_is_kept() {
    let running = sandbox().await;
    let machine = Machine::new("compose-offline");
    let alice = signed_in(&machine, &running, "alice").await;
    running.stop().await;

    let error = alice
        .post_message(&apollo(), "written on the train")
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Network, "{error:?}");
    assert!(error.message.contains("could not be reached"), "{error:?}");
    assert!(error.message.contains("kept"), "{error:?}");
    alice.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_a_blank_message_with_a_400_in_its_own_words() {
    let running = sandbox().await;
    let machine = Machine::new("compose-400");
    let alice = signed_in(&machine, &running, "alice").await;
    let error = alice
        .authed()
        .unwrap()
        .post_message(&apollo(), " ")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, devhive_core::app::AuthedError::Api(devhive_core::api::ApiError::BadRequest { detail }) if detail == "Message content is required"),
        "{error:?}"
    );
    alice.stop().await;
}
