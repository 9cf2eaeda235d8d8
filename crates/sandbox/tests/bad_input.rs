//! Malformed bodies, wrong types, huge bodies, bad ids: always the contract's error, never a panic.

mod common;
use common::*;
use devhive_sandbox::gojson::decode;
use devhive_sandbox::http::auth::LoginRequest;
use devhive_sandbox::{ApiVersion, Config};
use proptest::prelude::*;

proptest! {
    #[test]
    fn the_strict_decoder_never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode::<LoginRequest>(&body, ApiVersion::A);
        let _ = decode::<LoginRequest>(&body, ApiVersion::B);
    }

    #[test]
    fn arbitrary_json_like_bodies_get_a_4xx_problem(body in r#"\{("[a-zA-Z]{0,10}":("[^"]{0,5}"|[0-9]{1,3}|true|null|\[\]|\{\}),?){0,4}\}?"#) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let w = world(Config::default()).await;
            let token = w.alice_token().await;
            for path in ["/auth/login".to_string(), "/projects".to_string(), format!("/projects/{}/messages", w.project), format!("/projects/{}/tasks", w.project)] {
                let r = w.http.post(format!("{}{path}", w.run.api_url())).bearer_auth(&token).body(body.clone()).send().await.unwrap();
                let s = r.status().as_u16();
                prop_assert!(matches!(s, 200 | 201 | 400 | 401 | 403 | 404), "{path} gave {s} for {body:?}");
                if s >= 400 {
                    prop_assert_eq!(r.headers()["content-type"].to_str().unwrap(), "application/problem+json");
                }
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_invalid_json_too_large() {
    let w = world(Config::default()).await;
    let body = format!(r#"{{"username":"{}"}}"#, "a".repeat(1 << 21));
    let r = w
        .http
        .post(format!("{}/auth/login", w.run.api_url()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(r#""detail":"http: request body too large""#));
}

#[tokio::test]
async fn bad_path_ids_and_syntax_errors_get_problems() {
    let w = world(Config::default()).await;
    let token = w.alice_token().await;
    let r = w
        .http
        .get(format!("{}/projects/not-a-uuid", w.run.api_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.text().await.unwrap(), "{\"type\":\"bad_request\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"Invalid project ID\"}\n");
    let r = w
        .http
        .post(format!("{}/auth/login", w.run.api_url()))
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("invalid character 'n' looking for beginning of value"));
    let r = w
        .http
        .post(format!("{}/auth/login", w.run.api_url()))
        .body(r#"{"username":"al"#)
        .send()
        .await
        .unwrap();
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(r#""detail":"unexpected EOF""#));
}

#[tokio::test]
async fn empty_lists_are_null_and_html_is_escaped_like_go() {
    let w = world(Config::default()).await;
    let token = w.login("bob", "pw-bob").await.token;
    let r = w
        .http
        .get(format!("{}/projects", w.run.api_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        "{\"projects\":null,\"limit\":20,\"offset\":0}\n"
    );
    let alice = w.alice_token().await;
    let r = w
        .http
        .get(format!(
            "{}/projects/{}/messages",
            w.run.api_url(),
            w.project
        ))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        "{\"messages\":null,\"limit\":20,\"offset\":0}\n"
    );
    let r = w
        .http
        .post(format!(
            "{}/projects/{}/messages",
            w.run.api_url(),
            w.project
        ))
        .bearer_auth(&alice)
        .body(r#"{"content":"<b>&"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(r#""content":"\u003cb\u003e\u0026""#));
}

#[tokio::test]
async fn demo_seed_has_three_users_and_carol_is_not_in_borealis() {
    use devhive_sandbox::demo;
    let w = world(Config {
        demo: true,
        ..Config::default()
    })
    .await;
    let carol = w.login("carol", demo::PASSWORD).await;
    assert_eq!(carol.status, 200);
    let url = format!("{}?projectId={}", w.run.ws_fly_url(), demo::BOREALIS);
    let (s, _, body) = connect(
        &url,
        &[("authorization", &format!("Bearer {}", carol.token))],
    )
    .await
    .err()
    .unwrap();
    assert_eq!(
        (s, body.as_str()),
        (
            403,
            "You are not a member of this project. Please select a project you have access to.\n"
        )
    );
    let url = format!("{}?projectId={}", w.run.ws_fly_url(), demo::APOLLO);
    assert!(connect(
        &url,
        &[("authorization", &format!("Bearer {}", carol.token))]
    )
    .await
    .is_ok());
    let r = w
        .http
        .get(format!("{}/projects", w.run.api_url()))
        .bearer_auth(&carol.token)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["projects"].as_array().unwrap().len(), 2);
}
