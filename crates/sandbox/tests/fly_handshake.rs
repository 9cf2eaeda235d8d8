//! Every pre-upgrade row of the §2.1 table, for both versions, with a standard client.

mod common;
use base64::Engine;
use common::*;
use devhive_sandbox::{ApiVersion, Config};

const PLAIN: &str = "text/plain; charset=utf-8";

fn craft(header: &str, claims: &str, key: &str) -> String {
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let m = format!("{}.{}", e.encode(header), e.encode(claims));
    let sig = jsonwebtoken::crypto::sign(
        m.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
        jsonwebtoken::Algorithm::HS256,
    )
    .unwrap();
    format!("{m}.{sig}")
}

async fn refused(url: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    match connect(url, headers).await {
        Ok(_) => panic!("expected a refusal for {url}"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn every_handshake_error_row_has_exact_status_and_body_in_both_versions() {
    for v in [ApiVersion::A, ApiVersion::B] {
        let w = world(Config {
            api_version: v,
            ..Config::default()
        })
        .await;
        let token = w.alice_token().await;
        let bob = w.login("bob", "pw-bob").await.token;
        let p = w.project;
        let base = w.run.ws_fly_url();
        let pk = if v == ApiVersion::A {
            "project_id"
        } else {
            "projectId"
        };
        let bearer = format!("Bearer {token}");
        let key = w.run.sandbox.settings().signing_key;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let expired = craft(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            &format!(r#"{{"exp":{},"sub":"{}"}}"#, now - 10, w.alice),
            &key,
        );
        let no_sub = craft(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            &format!(r#"{{"exp":{}}}"#, now + 100),
            &key,
        );
        let bad_sub = craft(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            &format!(r#"{{"exp":{},"sub":"nope"}}"#, now + 100),
            &key,
        );
        let foreign = craft(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            &format!(r#"{{"exp":{},"sub":"{}"}}"#, now + 100, w.alice),
            "other-deployment",
        );
        let hs999 = craft(r#"{"alg":"HS999","typ":"JWT"}"#, "{}", &key);
        let missing_project = if v == ApiVersion::A {
            "Missing project_id\n"
        } else {
            "Missing projectId\n"
        };
        let unknown = uuid::Uuid::new_v4();
        let (nf_status, nf_body) = if v == ApiVersion::A {
            (403, "Access denied to project\n")
        } else {
            (404, "Project not found\n")
        };
        let not_member = if v == ApiVersion::A {
            "Access denied to project\n"
        } else {
            "You are not a member of this project. Please select a project you have access to.\n"
        };
        type Row<'a> = (String, Vec<(&'a str, String)>, u16, &'a str);
        let rows: Vec<Row> = vec![
            (format!("{base}?{pk}={p}"), vec![], 401, "Missing authentication token. Provide token via Authorization header, cookie, or query parameter.\n"),
            (format!("{base}?{pk}={p}&token={expired}"), vec![], 401, "Authentication token has expired. Please refresh your token and reconnect.\n"),
            (format!("{base}?{pk}={p}&token={foreign}"), vec![], 401, "Invalid authentication token format\n"),
            (format!("{base}?{pk}={p}&token={no_sub}"), vec![], 401, "Invalid authentication token format\n"),
            (format!("{base}?{pk}={p}&token=garbage"), vec![], 401, "Invalid authentication token format\n"),
            (format!("{base}?{pk}={p}&token={hs999}"), vec![], 401, "Invalid authentication token\n"),
            (base.clone(), vec![("authorization", bearer.clone())], 400, missing_project),
            (format!("{base}?{pk}=not-a-uuid"), vec![("authorization", bearer.clone())], 400, "Invalid project ID\n"),
            (format!("{base}?{pk}={p}&token={bad_sub}"), vec![], 400, "Invalid user ID\n"),
            (format!("{base}?{pk}={unknown}"), vec![("authorization", bearer.clone())], nf_status, nf_body),
            (format!("{base}?{pk}={p}"), vec![("authorization", format!("Bearer {bob}"))], 403, not_member),
            // A stale header beats a fresh query token.
            (format!("{base}?{pk}={p}&token={token}"), vec![("authorization", format!("Bearer {expired}"))], 401, "Authentication token has expired. Please refresh your token and reconnect.\n"),
            // The access_token cookie beats the query.
            (format!("{base}?{pk}={p}&token={token}"), vec![("cookie", format!("access_token={foreign}"))], 401, "Invalid authentication token format\n"),
        ];
        for (url, headers, status, body) in rows {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let got = refused(&url, &h).await;
            assert_eq!(
                got,
                (status, PLAIN.to_string(), body.to_string()),
                "version {v:?}, url {url}"
            );
        }
        // A only reads project_id; B falls back to it.
        let other = if v == ApiVersion::A {
            format!("{base}?projectId={p}")
        } else {
            format!("{base}?project_id={p}")
        };
        let r = connect(&other, &[("authorization", &bearer)]).await;
        assert_eq!(r.is_ok(), v == ApiVersion::B, "version {v:?}");
    }
}

#[tokio::test]
async fn a_plain_get_with_valid_auth_is_gorillas_bad_request() {
    let w = world(Config::default()).await;
    let token = w.alice_token().await;
    let r = w
        .http
        .get(format!(
            "{}?projectId={}",
            w.run.ws_fly_url().replace("ws://", "http://"),
            w.project
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["sec-websocket-version"], "13");
    assert_eq!(r.text().await.unwrap(), "Bad Request\n");
}

#[tokio::test]
async fn injected_upgrade_failures_answer_then_clear() {
    let w = world(Config::default()).await;
    let token = w.alice_token().await;
    w.run
        .control()
        .fail_next_upgrades(1, 503, "maintenance")
        .await
        .unwrap();
    let url = format!("{}?projectId={}", w.run.ws_fly_url(), w.project);
    let auth = format!("Bearer {token}");
    assert_eq!(
        refused(&url, &[("authorization", &auth)]).await,
        (503, PLAIN.into(), "maintenance\n".into())
    );
    assert!(connect(&url, &[("authorization", &auth)]).await.is_ok());
    let stats = w.run.control().stats().await.unwrap();
    assert_eq!(stats.handshakes_with(devhive_sandbox::Flavour::Fly, 503), 1);
    assert_eq!(stats.handshakes_with(devhive_sandbox::Flavour::Fly, 101), 1);
}

#[tokio::test]
async fn the_rate_limit_answers_429_plain_text_and_counts_upgrades() {
    let w = world(Config::default()).await;
    w.run.control().set_rate_limit(Some(3)).await.unwrap();
    let url = format!("{}/healthz", w.run.base_url());
    for i in 0..3 {
        let r = w.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "3");
        assert_eq!(
            r.headers()["x-ratelimit-remaining"].to_str().unwrap(),
            (2 - i).to_string()
        );
    }
    let (status, ct, body) = refused(
        &format!("{}?projectId={}", w.run.ws_fly_url(), w.project),
        &[],
    )
    .await;
    assert_eq!(
        (status, ct.as_str(), body.as_str()),
        (429, PLAIN, "Too Many Requests\n")
    );
    let r = w.http.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["retry-after"], "60");
    // RealIP: another client address has its own budget.
    let r = w
        .http
        .get(&url)
        .header("x-real-ip", "10.0.0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
