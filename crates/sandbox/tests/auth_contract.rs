//! REST auth contract: login, refresh rotation and its race, logout, RequireAuth, decoding errors.

mod common;
use common::*;
use devhive_sandbox::{ApiVersion, Config};

fn config(v: ApiVersion) -> Config {
    Config {
        api_version: v,
        ..Config::default()
    }
}

async fn post_raw(
    w: &World,
    path: &str,
    body: &str,
    cookie: Option<&str>,
) -> (u16, String, String, String) {
    let mut req = w
        .http
        .post(format!("{}{path}", w.run.api_url()))
        .body(body.to_string());
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let sc = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.text().await.unwrap(), sc)
}

#[tokio::test]
async fn login_returns_token_and_user_id_with_exact_cookie_attributes() {
    let w = world(config(ApiVersion::B)).await;
    let (status, ct, body, cookie) = post_raw(
        &w,
        "/auth/login",
        r#"{"username":"ALICE","password":"pw-alice"}"#,
        None,
    )
    .await;
    assert_eq!(status, 200, "username lookup is case-insensitive");
    assert_eq!(ct, "application/json");
    assert!(body.ends_with("}\n"), "Go's encoder adds a newline");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["userId"], w.alice.to_string());
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2);
    let value = cookie
        .strip_prefix("refresh_token=")
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    assert_eq!(value.len(), 128);
    assert!(value.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        cookie,
        format!("refresh_token={value}; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=None")
    );
}

#[tokio::test]
async fn remember_me_gives_thirty_days_in_b_and_is_unknown_in_a() {
    let w = world(config(ApiVersion::B)).await;
    let (s, _, _, cookie) = post_raw(
        &w,
        "/auth/login",
        r#"{"username":"alice","password":"pw-alice","rememberMe":true}"#,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(cookie.contains("; Max-Age=2592000;"));
    let a = world(config(ApiVersion::A)).await;
    let (s, ct, body, _) = post_raw(
        &a,
        "/auth/login",
        r#"{"username":"alice","password":"pw-alice","rememberMe":true}"#,
        None,
    )
    .await;
    assert_eq!((s, ct.as_str()), (400, "application/problem+json"));
    assert_eq!(body, "{\"type\":\"invalid_json\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"json: unknown field \\\"rememberMe\\\"\"}\n");
}

#[tokio::test]
async fn login_errors_are_problems_with_go_details() {
    let w = world(config(ApiVersion::B)).await;
    let (s, _, body, _) = post_raw(&w, "/auth/login", "", None).await;
    assert_eq!(s, 400);
    assert!(body.contains(r#""detail":"EOF""#), "{body}");
    let (s, ct, body, _) = post_raw(
        &w,
        "/auth/login",
        r#"{"username":"alice","password":"nope"}"#,
        None,
    )
    .await;
    assert_eq!((s, ct.as_str()), (401, "application/problem+json"));
    assert_eq!(body, "{\"type\":\"unauthorized\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"Invalid credentials\"}\n");
    let (_, _, body, _) =
        post_raw(&w, "/auth/login", r#"{"email":"a@b","password":"x"}"#, None).await;
    assert!(body.contains(r#"json: unknown field \"email\""#));
    w.run.sandbox.set_user_active(w.alice, false);
    let (_, _, body, _) = post_raw(
        &w,
        "/auth/login",
        r#"{"username":"alice","password":"pw-alice"}"#,
        None,
    )
    .await;
    assert!(body.contains("Account is deactivated"));
    let (s, _, body, _) = post_raw(&w, "/auth/login", r#"{"username":5}"#, None).await;
    assert_eq!(s, 400);
    assert!(
        body.contains(
            "cannot unmarshal number into Go struct field LoginRequest.username of type string"
        ),
        "{body}"
    );
}

#[tokio::test]
async fn refresh_rotates_the_cookie_and_the_old_token_is_then_invalid() {
    let w = world(config(ApiVersion::B)).await;
    let l = w.login("alice", "pw-alice").await;
    let cookie = format!("refresh_token={}", l.refresh);
    let (s, _, body, set) = post_raw(&w, "/auth/refresh", "", Some(&cookie)).await;
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("\"userId\""));
    assert!(!set.contains(&l.refresh), "a new token is issued");
    assert!(set.ends_with("; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=None"));
    let (s, _, body, _) = post_raw(&w, "/auth/refresh", "", Some(&cookie)).await;
    assert_eq!(s, 401);
    assert!(body.contains(r#""detail":"Invalid refresh token""#));
    let (_, _, body, _) = post_raw(&w, "/auth/refresh", "", None).await;
    assert!(body.contains(r#""detail":"Refresh token not found""#));
    let stats = w.run.control().stats().await.unwrap();
    assert_eq!(stats.refreshes_ok(), 1);
    assert_eq!(stats.refreshes.get("Invalid refresh token"), Some(&1));
}

#[tokio::test]
async fn concurrent_refreshes_with_one_cookie_lose_at_most_one() {
    let w = world(config(ApiVersion::B)).await;
    for _ in 0..20 {
        let l = w.login("alice", "pw-alice").await;
        let cookie = format!("refresh_token={}", l.refresh);
        let (a, b) = tokio::join!(
            post_raw(&w, "/auth/refresh", "", Some(&cookie)),
            post_raw(&w, "/auth/refresh", "", Some(&cookie))
        );
        let statuses = [a.0, b.0];
        assert!(statuses.contains(&200), "at least one wins: {statuses:?}");
        for r in [a, b] {
            if r.0 == 401 {
                assert!(
                    r.2.contains("Invalid refresh token"),
                    "the loser is told why: {}",
                    r.2
                );
            }
        }
    }
}

#[tokio::test]
async fn logout_clears_the_cookie_and_revokes_the_token() {
    let w = world(config(ApiVersion::A)).await;
    let l = w.login("alice", "pw-alice").await;
    let cookie = format!("refresh_token={}", l.refresh);
    let (s, _, body, set) = post_raw(&w, "/auth/logout", "", Some(&cookie)).await;
    assert_eq!(s, 200);
    assert_eq!(body, "{\"message\":\"Logged out successfully\"}\n");
    assert_eq!(
        set,
        "refresh_token=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None"
    );
    let (s, _, _, _) = post_raw(&w, "/auth/refresh", "", Some(&cookie)).await;
    assert_eq!(s, 401);
    let (s, _, _, _) = post_raw(&w, "/auth/logout", "", None).await;
    assert_eq!(s, 200, "logout is idempotent");
}

#[tokio::test]
async fn require_auth_errors_are_plain_text() {
    let w = world(config(ApiVersion::B)).await;
    let token = w.alice_token().await;
    let cases = [
        (None, "Authorization header required\n"),
        (
            Some("Token abc".to_string()),
            "Invalid authorization header format\n",
        ),
        (
            Some("bearer abc".to_string()),
            "Invalid authorization header format\n",
        ),
        (
            Some(format!("Bearer  {token}")),
            "Invalid authorization header format\n",
        ),
        (Some("Bearer garbage".to_string()), "Invalid token\n"),
    ];
    for (header, expected) in cases {
        let mut req = w.http.get(format!("{}/users/me", w.run.api_url()));
        if let Some(h) = header {
            req = req.header("authorization", h);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
        assert_eq!(r.text().await.unwrap(), expected);
    }
    w.run.control().expire_tokens().await.unwrap();
    let r = w
        .http
        .get(format!("{}/users/me", w.run.api_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        "Invalid token\n",
        "expired tokens are indistinguishable"
    );
    let fresh = w.alice_token().await;
    let r = w
        .http
        .get(format!("{}/users/me", w.run.api_url()))
        .bearer_auth(&fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "tokens issued after the expiry fault work");
}

#[tokio::test]
async fn unknown_routes_get_chi_404() {
    let w = world(config(ApiVersion::B)).await;
    let r = w
        .http
        .get(format!("{}/auth/register", w.run.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), "404 page not found\n");
}

#[tokio::test]
async fn refresh_faults_inject_errors_and_can_lose_the_session() {
    let w = world(config(ApiVersion::B)).await;
    let l = w.login("alice", "pw-alice").await;
    let cookie = format!("refresh_token={}", l.refresh);
    let faults = devhive_sandbox::RefreshFaults {
        fail_status: Some(503),
        count: Some(1),
        ..Default::default()
    };
    w.run.control().refresh_faults(faults).await.unwrap();
    let (s, _, _, _) = post_raw(&w, "/auth/refresh", "", Some(&cookie)).await;
    assert_eq!(s, 503);
    let (s, _, _, _) = post_raw(&w, "/auth/refresh", "", Some(&cookie)).await;
    assert_eq!(
        s, 200,
        "the fault applied to one request only and the token survived it"
    );
}
