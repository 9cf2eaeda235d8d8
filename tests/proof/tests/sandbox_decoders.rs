//! Property tests for the sandbox's request decoders that crates/sandbox/tests/bad_input.rs
//! does not cover: arbitrary `Cookie` headers and bodies to `/auth/refresh` and
//! `/auth/logout` never give a 5xx, and arbitrary frames on the fly WebSocket never take the
//! server down (it still answers `/health` and accepts a new socket afterwards).

use futures_util::SinkExt;
use proptest::prelude::*;
use std::sync::OnceLock;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

struct World {
    runtime: tokio::runtime::Runtime,
    base: String,
    ws: String,
    token: String,
    http: reqwest::Client,
    _running: devhive_sandbox::Running,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let (running, token) = runtime.block_on(async {
            let running = devhive_sandbox::spawn(devhive_sandbox::Config {
                demo: true,
                rate_limit_per_minute: None,
                ..devhive_sandbox::Config::default()
            })
            .await;
            let body: serde_json::Value = reqwest::Client::new()
                .post(format!("{}/auth/login", running.api_url()))
                .json(&serde_json::json!({"username": "alice", "password": devhive_sandbox::demo::PASSWORD}))
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("login body");
            let token = ["token", "access_token", "accessToken"]
                .iter()
                .find_map(|k| body[*k].as_str())
                .expect("an access token in the login body")
                .to_owned();
            (running, token)
        });
        World {
            base: running.api_url(),
            ws: format!(
                "{}?projectId={}",
                running.ws_fly_url(),
                devhive_sandbox::demo::APOLLO
            ),
            token,
            http: reqwest::Client::new(),
            runtime,
            _running: running,
        }
    })
}

fn connect_and_send(w: &World, frames: Vec<Message>) -> bool {
    w.runtime.block_on(async {
        let mut request = w.ws.as_str().into_client_request().expect("request");
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {}", w.token).parse().expect("header"),
        );
        let Ok((mut socket, _)) = tokio_tungstenite::connect_async(request).await else {
            return false;
        };
        for frame in frames {
            if socket.send(frame).await.is_err() {
                break;
            }
        }
        let _ = socket.close(None).await;
        true
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_refresh_and_logout_requests_never_get_a_5xx(
        cookie in "[ -~]{0,120}",
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let w = world();
        for path in ["auth/refresh", "auth/logout"] {
            let status = w.runtime.block_on(async {
                w.http
                    .post(format!("{}/{path}", w.base))
                    .header("cookie", cookie.as_str())
                    .body(body.clone())
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            });
            let status = status.expect("the sandbox answers");
            prop_assert!(status < 500, "{path} answered {status} to cookie {cookie:?}");
        }
    }

    #[test]
    fn arbitrary_websocket_frames_never_take_the_server_down(
        texts in proptest::collection::vec("\\PC{0,200}", 0..6),
        binaries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..4),
    ) {
        let w = world();
        let frames: Vec<Message> = texts
            .into_iter()
            .map(Message::text)
            .chain(binaries.into_iter().map(Message::binary))
            .collect();
        prop_assert!(connect_and_send(w, frames), "the handshake succeeds");
        let health = w.runtime.block_on(async {
            w.http.get(w.base.replace("/api/v1", "/health")).send().await.map(|r| r.status().as_u16())
        });
        prop_assert_eq!(health.ok(), Some(200), "the server still answers /health");
        prop_assert!(connect_and_send(w, Vec::new()), "and still accepts a new socket");
    }
}
