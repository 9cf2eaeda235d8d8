//! Secret hygiene: a full session (login, refreshes, reconnects after expiry and drops,
//! events, diagnostics export, logout) plus the CLI's `watch --json` and `status --json`,
//! with TRACE logging captured. No 20-character window of any token, refresh token or the
//! password may appear in logs, stdout, stderr, files under the config and data dirs, the
//! diagnostics bundle, or the desktop shell's IPC payloads; no token may be in a URL; TLS
//! verification is on by default; the CSP and capabilities are what design.md §5 says.

use devhive_core::app::mapping;
use devhive_core::auth::{AccessToken, AuthError, TokenSource};
use devhive_core::keychain::{AccountKey, MemoryStore, SecretStore};
use devhive_core::realtime::{ConnState, Feed, FeedConfig, FeedUpdate, ResyncReason};
use devhive_core::secret::Secret;
use devhive_core::support::bundle::{self, BundleInput};
use devhive_proof::cli::{self, repo_root};
use devhive_proof::client::{fly_profile, Client};
use devhive_proof::leak::{Leak, Scanner};
use devhive_proof::tempdir::{files_under, TempDir};
use devhive_proof::{capture, proxy};
use devhive_sandbox::{Config, DropMode};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::broadcast;
use tokio::time::{sleep, timeout, Instant};

const PASSWORD: &str = "hygiene-password-that-is-long-enough";

fn cli_run<'a>(bin: &'a Path, dirs: &'a Path, server: &'a str) -> cli::Run<'a> {
    cli::Run {
        bin,
        dirs,
        server,
        username: "hygiene",
        password: PASSWORD,
        // What a user types: the CLI must cap tungstenite's handshake TRACE itself.
        log: "trace",
    }
}

async fn until_connected(
    updates: &mut broadcast::Receiver<FeedUpdate>,
    seen: &mut Vec<FeedUpdate>,
) {
    let start = seen.len();
    let found = timeout(Duration::from_secs(20), async {
        loop {
            let update = updates.recv().await.expect("feed open");
            seen.push(update.clone());
            if matches!(
                update,
                FeedUpdate::Resync {
                    reason: ResyncReason::Connected,
                    ..
                }
            ) {
                return;
            }
        }
    })
    .await;
    assert!(
        found.is_ok(),
        "the feed connects within 20 s; updates meanwhile: {:#?}",
        &seen[start..]
    );
}

fn drain(updates: &mut broadcast::Receiver<FeedUpdate>, seen: &mut Vec<FeedUpdate>) {
    while let Ok(update) = updates.try_recv() {
        seen.push(update);
    }
}

/// The in-process log filter: TRACE everywhere except tungstenite's client handshake, which
/// logs the whole request, `Authorization: Bearer` included; the CLI and the shell cap that
/// target in every filter they build (the CLI below runs with a plain `--log trace`).
const LOG_FILTER: &str = "trace,tungstenite::handshake::client=debug";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_session_leaves_no_secret_in_logs_output_files_bundles_or_ipc_payloads() {
    let logs = capture::capture_logs(LOG_FILTER);
    let running = devhive_sandbox::spawn(Config {
        access_ttl: Duration::from_secs(3),
        rate_limit_per_minute: None,
        ..Config::default()
    })
    .await;
    let sandbox = running.sandbox.clone();
    let control = running.control();
    let user = sandbox.create_user("hygiene", PASSWORD);
    let project = sandbox.create_project(user, "Hygiene");
    let (proxy_addr, recording) = proxy::start(running.addr).await.expect("proxy");
    let origin = format!("http://{proxy_addr}");
    let dirs = TempDir::new("hygiene").expect("temp dir");
    for sub in ["config", "data", "cli-data", "home", "cache"] {
        dirs.sub(sub).expect("dir");
    }
    let store = Arc::new(MemoryStore::new());
    let profile = fly_profile(&origin);
    let client = Client::new(
        profile.clone(),
        store.clone(),
        dirs.path().join("data"),
        FeedConfig::default(),
    );
    let mut updates = client.feed.subscribe();
    let mut statuses = client.session.subscribe();
    let mut status_history = vec![client.session.status()];
    let mut seen = Vec::new();

    client
        .session
        .login("hygiene", &Secret::new(PASSWORD), false)
        .await
        .expect("login");
    client.feed.watch([project.to_string()]);
    until_connected(&mut updates, &mut seen).await;
    for n in 0..5 {
        sandbox
            .post_message(user, project, &format!("hello {n}"), "text", None)
            .expect("post");
    }
    let first_event = timeout(Duration::from_secs(10), async {
        loop {
            let update = updates.recv().await.expect("feed open");
            seen.push(update.clone());
            if matches!(update, FeedUpdate::Event(_)) {
                return;
            }
        }
    })
    .await;
    assert!(first_event.is_ok(), "a posted message arrives as an event");
    client.session.refresh_now().await.expect("manual refresh");
    // Expired token + dropped socket: the reconnect meets a 401 and refreshes once.
    control.expire_tokens().await.expect("expire");
    let dropped = control
        .drop_sockets(DropMode::Abrupt, None)
        .await
        .expect("drop");
    assert_eq!(dropped, 1, "the feed's one socket was dropped");
    until_connected(&mut updates, &mut seen).await;
    let dropped = control
        .drop_sockets(DropMode::Close1011, None)
        .await
        .expect("drop");
    assert_eq!(dropped, 1, "the feed's one socket was dropped");
    until_connected(&mut updates, &mut seen).await;
    // Let the proactive timer refresh the 3 s token at least once.
    let wait_until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < wait_until {
        if timeout(Duration::from_millis(200), statuses.changed())
            .await
            .is_ok()
        {
            status_history.push(statuses.borrow_and_update().clone());
        }
    }
    drain(&mut updates, &mut seen);
    assert!(
        client.tokens.grants() >= 3,
        "login, the manual refresh and the 401-forced refresh happened: {}",
        client.tokens.grants()
    );

    // The desktop shell's IPC payloads, from the same pure mappings the shell uses.
    let now = Instant::now();
    let wall = SystemTime::now();
    let mut ipc: Vec<(String, String)> = Vec::new();
    let mut push = |kind: &str, json: String| ipc.push((format!("ipc:{kind}"), json));
    for status in &status_history {
        push(
            "SessionView",
            serde_json::to_string(&mapping::session_view(status, Some("Sandbox"), now, wall))
                .expect("json"),
        );
    }
    for update in &seen {
        match update {
            FeedUpdate::Connection { project, state } => push(
                "ConnectionView",
                serde_json::to_string(&mapping::connection_view(project, state, now, wall))
                    .expect("json"),
            ),
            FeedUpdate::Event(event) => {
                if let Some(view) = mapping::feed_event_view(event, wall) {
                    push("FeedEventView", serde_json::to_string(&view).expect("json"));
                }
            }
            FeedUpdate::Resync { project, reason } => push(
                "ResyncView",
                serde_json::to_string(&mapping::resync_view(project, *reason)).expect("json"),
            ),
        }
    }
    for record in client.timeline.snapshot() {
        push(
            "TimelineEntryView",
            serde_json::to_string(&mapping::timeline_view(&record)).expect("json"),
        );
    }
    assert!(
        seen.iter().any(|u| matches!(u, FeedUpdate::Event(_))),
        "events were delivered (so their payloads were scanned)"
    );

    // Diagnostics export, as the app does it: the live access token and the stored refresh
    // token are handed in so they can be recognised and scrubbed.
    let access = client.session.ensure_valid().await.expect("token");
    let stored_refresh = store
        .get(&AccountKey::refresh_token(
            client.session.host(),
            &user.to_string(),
        ))
        .expect("memory store")
        .expect("a stored refresh token");
    let mut input = BundleInput::new("proof", profile.clone()).with_timeline(&client.timeline);
    input.user_name = Some("hygiene".into());
    input.access_token = Some(access.secret.clone());
    input.known_secrets = vec![stored_refresh, Secret::new(PASSWORD)];
    let bundle_bytes = bundle::to_bytes(&input, time::OffsetDateTime::now_utc());
    std::fs::write(dirs.path().join("data/diagnostics.json"), &bundle_bytes).expect("write bundle");
    let timeline_json = serde_json::to_vec(&client.timeline.export_json()).expect("json");
    client.feed.stop().await;
    client.session.logout().await.expect("logout");

    // The CLI, in its own process, through the same recording proxy.
    let bin = cli::binary();
    let poster = {
        let sandbox = sandbox.clone();
        let control = control.clone();
        tokio::spawn(async move {
            for n in 0..12 {
                sleep(Duration::from_millis(500)).await;
                let _ = sandbox.post_message(user, project, &format!("cli {n}"), "text", None);
                if n == 4 {
                    let _ = control.expire_tokens().await;
                    let _ = control.drop_sockets(DropMode::Close1000, None).await;
                }
            }
        })
    };
    let project_arg = project.to_string();
    let (dirs_path, bin2, origin2) = (dirs.path().to_path_buf(), bin.clone(), origin.clone());
    let (watch_out, watch_err) = tokio::task::spawn_blocking(move || {
        cli_run(&bin2, &dirs_path, &origin2).output(
            &["watch", "--json", "--project", &project_arg],
            Some(Duration::from_secs(7)),
        )
    })
    .await
    .expect("cli watch");
    poster.await.expect("poster");
    let (dirs_path, origin2) = (dirs.path().to_path_buf(), origin.clone());
    let (status_out, status_err) = tokio::task::spawn_blocking(move || {
        cli_run(&bin, &dirs_path, &origin2).output(&["status", "--json"], None)
    })
    .await
    .expect("cli status");
    let watch_text = String::from_utf8_lossy(&watch_out);
    assert!(
        watch_text.contains(r#""kind":"event""#) && watch_text.contains(r#""kind":"resync""#),
        "the CLI watched and printed events: {watch_text}"
    );
    assert!(
        String::from_utf8_lossy(&status_out).contains('{'),
        "status --json printed a JSON object"
    );

    // Every secret: from the in-process client, from the server's responses to anyone
    // (the CLI's tokens), and the password.
    let mut scanner = Scanner::new();
    let mut count = 0;
    for (kind, value) in client.tokens.all() {
        scanner.add(kind, &value);
        count += 1;
    }
    for value in recording.issued_tokens() {
        scanner.add("token seen on the wire", &value);
        count += 1;
    }
    scanner.add("password", PASSWORD);
    assert!(
        count >= 10,
        "enough tokens to make the scan meaningful: {count}"
    );

    let mut leaks: Vec<Leak> = Vec::new();
    leaks.extend(scanner.scan("trace log (in-process)", &logs.contents()));
    leaks.extend(scanner.scan("CLI watch stdout", &watch_out));
    leaks.extend(scanner.scan("CLI watch stderr (trace)", &watch_err));
    leaks.extend(scanner.scan("CLI status stdout", &status_out));
    leaks.extend(scanner.scan("CLI status stderr (trace)", &status_err));
    leaks.extend(scanner.scan("diagnostics bundle", &bundle_bytes));
    leaks.extend(scanner.scan("timeline export", &timeline_json));
    for (source, json) in &ipc {
        leaks.extend(scanner.scan(source, json.as_bytes()));
    }
    let files = files_under(dirs.path());
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_default();
        leaks.extend(scanner.scan(&file.display().to_string(), &bytes));
    }
    assert!(
        files.iter().any(|f| f.ends_with("diagnostics.json")),
        "the data dir was scanned: {files:?}"
    );
    assert!(logs.contents().len() > 10_000, "TRACE logging was captured");
    assert!(leaks.is_empty(), "secrets leaked: {leaks:#?}");

    // No token in any URL on the fly flavour (the WebSocket uses the Authorization header).
    let lines = recording.request_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("GET /api/v1/messages/ws?")),
        "the WebSocket handshakes went through the proxy: {lines:#?}"
    );
    for line in &lines {
        assert!(
            scanner.scan("request line", line.as_bytes()).is_empty() && !line.contains("token="),
            "a token is in a URL: {line}"
        );
    }
}

/// A token source that always hands out the same (fake) token.
struct FixedToken(AccessToken);

impl TokenSource for FixedToken {
    async fn ensure_valid(&self) -> Result<AccessToken, AuthError> {
        Ok(self.0.clone())
    }

    async fn refresh_after_rejection(&self, _: &AccessToken) -> Result<AccessToken, AuthError> {
        Ok(self.0.clone())
    }

    fn subscribe_wake(&self) -> broadcast::Receiver<()> {
        broadcast::channel(1).1
    }
}

/// A TLS server on loopback with a self-signed certificate (tests/proof/fixtures); it
/// completes handshakes with anyone who trusts it, which our clients must not.
async fn self_signed_https_server() -> std::net::SocketAddr {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let certs =
        vec![CertificateDer::from_pem_file(fixtures.join("self-signed.crt")).expect("cert")];
    let key = PrivateKeyDer::from_pem_file(fixtures.join("self-signed.key")).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn tls_certificates_are_verified_by_default_for_rest_and_websockets() {
    let addr = self_signed_https_server().await;
    let profile = fly_profile(&format!("https://{addr}"));
    let api = devhive_core::api::ApiClient::new(profile.clone()).expect("client");
    let error = api
        .login("hygiene", &Secret::new(PASSWORD), false)
        .await
        .expect_err("a self-signed certificate must be refused");
    let mut chain = format!("{error}");
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        chain.push_str(&format!(" / {inner}"));
        source = inner.source();
    }
    assert!(
        chain.to_ascii_lowercase().contains("certificate"),
        "the REST client fails on the certificate, not elsewhere: {chain}"
    );

    let token = AccessToken {
        secret: Secret::new("not-a-real-token"),
        generation: 1,
        expires_at: Instant::now() + Duration::from_secs(600),
        lifetime: Duration::from_secs(900),
    };
    let timeline = devhive_core::timeline::Timeline::new(devhive_core::clock::system());
    let feed = Feed::start(
        profile,
        Arc::new(FixedToken(token)),
        timeline,
        FeedConfig::default(),
    );
    let mut updates = feed.subscribe();
    feed.watch([uuid::Uuid::new_v4().to_string()]);
    let reason = timeout(Duration::from_secs(15), async {
        loop {
            if let Ok(FeedUpdate::Connection {
                state: ConnState::Backoff { reason, .. },
                ..
            }) = updates.recv().await
            {
                return reason;
            }
        }
    })
    .await
    .expect("the WebSocket handshake fails and backs off");
    assert!(
        reason.to_ascii_lowercase().contains("certificate"),
        "the WebSocket fails on the certificate: {reason}"
    );
    feed.stop().await;
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

#[test]
fn the_csp_is_strict_and_the_webview_gets_only_our_commands() {
    let conf = read_json(&repo_root().join("tauri.conf.json"));
    let csp = conf["app"]["security"]["csp"]
        .as_str()
        .expect("a CSP string is set");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    assert!(
        directives.contains(&"default-src 'self'"),
        "default-src 'self': {csp}"
    );
    assert!(
        directives.contains(&"script-src 'self'"),
        "scripts only from the app: {csp}"
    );
    for banned in [
        "unsafe-inline",
        "unsafe-eval",
        "*",
        "https:",
        "http:",
        "wss:",
        "ws:",
    ] {
        assert!(
            !csp.split_whitespace()
                .any(|t| t.trim_matches(|c| c == '\'' || c == ';') == banned),
            "no {banned} in the CSP: {csp}"
        );
    }
    for directive in &directives {
        for source in directive.split_whitespace().skip(1) {
            let allowed = source.starts_with('\'')
                || source == "data:"
                || source == "ipc:"
                || source == "http://ipc.localhost";
            assert!(allowed, "no remote content: {source} in {directive}");
        }
    }
    assert_eq!(
        conf["app"]["withGlobalTauri"], false,
        "no window.__TAURI__ global"
    );
    assert!(
        conf["build"].get("devUrl").is_none(),
        "no dev server URL in the shipped config"
    );

    let caps_dir = repo_root().join("src-tauri/capabilities");
    let mut caps: Vec<PathBuf> = std::fs::read_dir(&caps_dir)
        .expect("capabilities dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    caps.sort();
    assert!(!caps.is_empty(), "a capability file exists");
    let allowed_permissions = [
        "core:event:default",
        "core:app:allow-version",
        "allow-app-commands",
    ];
    for cap in &caps {
        let json = read_json(cap);
        assert!(
            json.get("remote").is_none(),
            "no remote URLs get IPC access: {cap:?}"
        );
        assert_eq!(
            json["windows"],
            serde_json::json!(["main"]),
            "only the main window: {cap:?}"
        );
        for permission in json["permissions"].as_array().expect("permissions") {
            let name = permission
                .as_str()
                .unwrap_or_else(|| permission["identifier"].as_str().unwrap_or("?"));
            assert!(
                allowed_permissions.contains(&name),
                "{cap:?} grants {name}: only our commands and events are allowed"
            );
        }
    }
    // The app's own permission lists exactly the shell's commands, each of which exists.
    let perms = std::fs::read_to_string(repo_root().join("src-tauri/permissions/app.toml"))
        .expect("permissions/app.toml");
    let commands_src = std::fs::read_to_string(repo_root().join("src-tauri/src/commands.rs"))
        .expect("commands.rs");
    let list = perms
        .split("commands.allow")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("commands.allow list");
    let names: Vec<&str> = list
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|s| !s.is_empty())
        .collect();
    assert!(!names.is_empty(), "commands are listed");
    for name in names {
        assert!(
            commands_src.contains(&format!("fn {name}("))
                || commands_src.contains(&format!("fn {name}<")),
            "allowed command {name} is a real command in src-tauri/src/commands.rs"
        );
    }
}
