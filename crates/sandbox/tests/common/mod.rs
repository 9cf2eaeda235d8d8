//! Helpers shared by the sandbox's integration tests.
#![allow(dead_code)]

use devhive_sandbox::{spawn, Config, Running};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// A sandbox with rate limiting off plus alice (owner of one project) and bob (not a member).
pub struct World {
    pub run: Running,
    pub alice: Uuid,
    pub bob: Uuid,
    pub project: Uuid,
    pub http: reqwest::Client,
}

pub async fn world(mut config: Config) -> World {
    config.rate_limit_per_minute = None;
    let run = spawn(config).await;
    let alice = run.sandbox.create_user("alice", "pw-alice");
    let bob = run.sandbox.create_user("bob", "pw-bob");
    let project = run.sandbox.create_project(alice, "Apollo");
    World {
        run,
        alice,
        bob,
        project,
        http: reqwest::Client::new(),
    }
}

pub struct Login {
    pub status: u16,
    pub token: String,
    pub refresh: String,
    pub set_cookie: String,
}

impl World {
    pub async fn login(&self, user: &str, pw: &str) -> Login {
        let r = self
            .http
            .post(format!("{}/auth/login", self.run.api_url()))
            .body(format!(r#"{{"username":"{user}","password":"{pw}"}}"#))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let set_cookie = r
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        let refresh = set_cookie
            .split(';')
            .next()
            .unwrap_or("")
            .trim_start_matches("refresh_token=")
            .to_string();
        Login {
            status,
            token: body["token"].as_str().unwrap_or("").to_string(),
            refresh,
            set_cookie,
        }
    }

    pub async fn alice_token(&self) -> String {
        self.login("alice", "pw-alice").await.token
    }
}

/// Connects with a standard client; `Err((status, body))` for a refused handshake.
pub async fn connect(
    url: &str,
    headers: &[(&str, &str)],
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    (u16, String, String),
> {
    let mut req = url.into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let ct = resp
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let body = resp
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            Err((resp.status().as_u16(), ct, body))
        }
        Err(e) => panic!("unexpected connect error: {e}"),
    }
}

/// Next text frame, skipping pings.
pub async fn next_text<S>(ws: &mut S) -> String
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let m = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("stream open")
            .expect("frame ok");
        if let Message::Text(t) = m {
            return t.to_string();
        }
    }
}

pub async fn send_text<S>(ws: &mut S, text: &str)
where
    S: SinkExt<Message> + Unpin,
    <S as futures_util::Sink<Message>>::Error: std::fmt::Debug,
{
    ws.send(Message::Text(text.into())).await.unwrap();
}
