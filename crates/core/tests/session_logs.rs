//! No token reaches the logs or a `Debug` string: all tracing output at TRACE is captured
//! through login → refresh ×3 → logout against the sandbox and searched for any 20-character
//! piece of any access or refresh token (or the password).

mod session_support;

use devhive_core::api::cookie::parse_set_cookie;
use devhive_core::api::{ApiClient, ApiError};
use devhive_core::auth::TokenSource;
use devhive_core::jwt::decode_claims;
use devhive_core::keychain::{AccountKey, MemoryStore, Probe, SecretStore, StoreError, Vault};
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::session::{RefreshLock, SessionError};
use session_support::{session_with, temp_dir};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Every 20-character piece of `secret` that appears in `text`.
fn leaks(text: &str, secret: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .windows(20)
        .map(|w| w.iter().collect::<String>())
        .filter(|piece| text.contains(piece.as_str()))
        .take(3)
        .collect()
}

#[tokio::test]
async fn no_token_appears_in_trace_logs_or_debug_output() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            // Everything from the client side; the sandbox is the server, not us.
            "trace,devhive_sandbox=off",
        ))
        .with_writer(capture.clone())
        .with_ansi(false)
        .init();

    let run = devhive_sandbox::spawn(devhive_sandbox::Config {
        rate_limit_per_minute: None,
        ..devhive_sandbox::Config::default()
    })
    .await;
    let alice = run
        .sandbox
        .create_user("alice", "pw-alice-long-enough-to-check");
    let profile =
        ServerProfile::custom(&run.base_url(), None, Flavour::Fly, ApiVersion::B).unwrap();
    let store = Arc::new(MemoryStore::new());
    let api = ApiClient::new(profile.clone()).unwrap();
    let session = session_with(
        Arc::new(api.clone()),
        store.clone(),
        devhive_core::clock::system(),
        temp_dir("logs"),
    );
    let password = Secret::new("pw-alice-long-enough-to-check");
    let key = AccountKey::refresh_token(&run.addr.to_string(), &alice.to_string());
    let mut secrets = vec![password.expose().to_owned()];
    let mut debug_dump = String::new();

    session.login("alice", &password, false).await.unwrap();
    for round in 0..4 {
        if round > 0 {
            session.refresh_now().await.unwrap();
        }
        let access = session.ensure_valid().await.unwrap();
        let refresh = store.get(&key).unwrap().unwrap();
        api.me(&access).await.unwrap();
        debug_dump.push_str(&format!(
            "{access:?} {:?} {session:?} {:?} {:?} {store:?}\n",
            session.status(),
            decode_claims(access.secret.expose()).unwrap(),
            parse_set_cookie(&format!(
                "refresh_token={}; Path=/; Max-Age=604800",
                refresh.expose()
            )),
        ));
        secrets.push(access.secret.expose().to_owned());
        secrets.push(refresh.expose().to_owned());
    }
    // The public types that can hold a token or carry one nearby.
    let grant = api.login("alice", &password, true).await.unwrap();
    secrets.push(grant.access.expose().to_owned());
    secrets.push(grant.refresh.expose().to_owned());
    let lock = RefreshLock::acquire(
        &temp_dir("logs-lock").join("x.lock"),
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    let errors: Vec<String> = vec![
        format!(
            "{:?}",
            api.refresh(&Secret::new("ab".repeat(64)))
                .await
                .unwrap_err()
        ),
        format!(
            "{:?}",
            ApiError::Unauthorized {
                detail: "Invalid token".into()
            }
        ),
        format!(
            "{:?}",
            SessionError::NeedsLogin {
                reason: "Invalid refresh token".into()
            }
        ),
        format!(
            "{:?}",
            StoreError::Locked {
                detail: "no result found".into()
            }
        ),
        format!("{:?}", Probe::Works),
    ];
    debug_dump.push_str(&format!(
        "{grant:?} {api:?} {lock:?} {:?} {errors:?} {:?}\n",
        Vault::new(store.clone()),
        session.timeline().export_json()
    ));
    session.logout().await.unwrap();
    debug_dump.push_str(&format!("{session:?} {:?}", session.status()));

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("session refreshed") && logs.contains("signed in"),
        "the capture saw the session's own log lines"
    );
    assert!(
        logs.lines().count() > 50,
        "TRACE output from the HTTP stack was captured too"
    );
    for secret in &secrets {
        assert!(secret.len() >= 20);
        let in_logs = leaks(&logs, secret);
        assert!(
            in_logs.is_empty(),
            "a token piece reached the logs: {in_logs:?}"
        );
        let in_debug = leaks(&debug_dump, secret);
        assert!(
            in_debug.is_empty(),
            "a token piece reached a Debug string: {in_debug:?}"
        );
    }
}
