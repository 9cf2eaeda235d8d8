//! A company network with real parts: a real forward proxy (Debian's tinyproxy, started by
//! each test on a free loopback port with its own config and log) and a TLS front on loopback
//! whose certificate comes from a CA made in the test ("Acme Corp CA", rcgen). The `devhive`
//! binary runs against them as a user would run it.
//!
//! tinyproxy is installed by `scripts/setup --test`; without it these tests fail saying so,
//! they never skip.

mod support;

use devhive_sandbox::demo;
use std::process::Stdio;
use std::time::Duration;
use support::{routing_variables, temp_dir, Tinyproxy, TlsServer, PROXY_PASSWORD};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// How long a watch may take to show a line.
const WITHIN: Duration = Duration::from_secs(30);

/// `devhive <args>` with no proxy variables but those in `env`, a fresh data dir, and
/// `alice`'s password for sign-in.
fn devhive(args: &[String], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_devhive"));
    for name in routing_variables() {
        command.env_remove(name);
    }
    // The OS trust store must not already trust the test CA through an inherited variable.
    command
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    command
        .arg("--data-dir")
        .arg(temp_dir("data"))
        .args(["--secret-store", "memory"])
        .args(args)
        .env("DEVHIVE_USERNAME", "alice")
        .env("DEVHIVE_PASSWORD", demo::PASSWORD)
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_through_tinyproxy_tunnels_rest_and_the_websocket_and_receives_an_event() {
    let server = TlsServer::start().await;
    let proxy = Tinyproxy::start(server.port(), true).await;
    let mut args = server.server_args();
    args.extend([
        "--ca-file".into(),
        server.ca_file.display().to_string(),
        "-vvv".into(),
        "watch".into(),
        "--project".into(),
        demo::APOLLO.to_string(),
    ]);
    // The proxy comes from the environment, credentials in its URL, as on a company laptop.
    let mut child = devhive(&args, &[("HTTPS_PROXY", &proxy.url_with_credentials())])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("devhive runs");
    let stderr = child.stderr.take().unwrap();
    let stderr_text = tokio::spawn(async move {
        let mut text = String::new();
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    support::line_matching(&mut lines, WITHIN, |l| l.contains("connected"), &mut seen).await;
    server
        .running
        .sandbox
        .post_message(demo::BOB, demo::APOLLO, "Through the proxy", "text", None)
        .expect("bob posts");
    support::line_matching(
        &mut lines,
        WITHIN,
        |l| l.contains("Through the proxy"),
        &mut seen,
    )
    .await;
    child.kill().await.unwrap();
    let stderr_text = stderr_text.await.unwrap();

    let connects = proxy.connects();
    let rest = format!("localhost:{}", server.port());
    let socket = format!("127.0.0.1:{}", server.port());
    assert!(
        connects.contains(&rest),
        "REST (https://localhost) went through a CONNECT tunnel: {connects:?}\n{}",
        proxy.log_text()
    );
    assert!(
        connects.contains(&socket),
        "the WebSocket (wss://127.0.0.1) went through a CONNECT tunnel: {connects:?}\n{}",
        proxy.log_text()
    );
    let output = format!("{}\n{stderr_text}", seen.join("\n"));
    assert!(
        stderr_text.contains("TRACE") || stderr_text.contains("DEBUG"),
        "the run logged at trace level, so the next assertion means something:\n{stderr_text}"
    );
    assert!(
        !output.contains(PROXY_PASSWORD),
        "the proxy password never appears in output or logs:\n{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_407_from_tinyproxy_is_a_typed_proxy_auth_error_in_login_and_the_doctor() {
    let server = TlsServer::start().await;
    let proxy = Tinyproxy::start(server.port(), true).await;
    let mut login = server.server_args();
    login.extend([
        "--proxy".into(),
        proxy.url(),
        "--ca-file".into(),
        server.ca_file.display().to_string(),
        "login".into(),
        "--username".into(),
        "alice".into(),
    ]);
    let out = devhive(&login, &[]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "login cannot work past a 407");
    let expected = format!(
        "the proxy 127.0.0.1:{} asked for a password (407)",
        proxy.port
    );
    assert!(stderr.contains(&expected), "{stderr}");

    let mut doctor = server.server_args();
    doctor.extend([
        "--proxy".into(),
        proxy.url(),
        "--ca-file".into(),
        server.ca_file.display().to_string(),
        "doctor".into(),
        "--json".into(),
        "--username".into(),
        "alice".into(),
    ]);
    let out = devhive(&doctor, &[]).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let steps: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let step = steps
        .iter()
        .find(|s| s["step"] == "proxy")
        .unwrap_or_else(|| panic!("a proxy step: {stdout}"));
    assert_eq!(step["status"], "fail", "{step}");
    assert_eq!(step["problem"], "proxy-auth-required", "{step}");
    assert!(
        step["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("via {} (from --proxy)", proxy.url())),
        "the step names the proxy and the flag that chose it: {step}"
    );
    assert!(
        !steps.iter().any(|s| s["step"] == "sign-in"),
        "the chain stops at the proxy: {stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_company_ca_the_error_says_the_issuer_is_not_trusted() {
    let server = TlsServer::start().await;
    let mut login = server.server_args();
    login.extend(["login".into(), "--username".into(), "alice".into()]);
    let out = devhive(&login, &[]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "an untrusted server is refused");
    assert!(
        stderr.contains(
            "the server's certificate (issued by 'Acme Corp CA') is not trusted by this machine"
        ),
        "{stderr}"
    );

    let mut doctor = server.server_args();
    doctor.extend(["doctor".into(), "--json".into()]);
    let out = devhive(&doctor, &[]).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tls: serde_json::Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|s| s["step"] == "tls")
        .unwrap_or_else(|| panic!("a tls step: {stdout}"));
    assert_eq!(tls["problem"], "certificate-not-trusted", "{tls}");
    assert!(
        tls["meaning"].as_str().unwrap().contains("'Acme Corp CA'"),
        "{tls}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_says_which_store_trusts_the_certificate_extra_ca_or_the_systems() {
    let server = TlsServer::start().await;
    let doctor_tls = |extra: Vec<String>, env: Vec<(&'static str, String)>| {
        let mut args = server.server_args();
        args.extend(extra);
        args.extend(["doctor".into(), "--json".into()]);
        async move {
            let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let out = devhive(&args, &env).output().await.unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            stdout
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|s| s["step"] == "tls")
                .unwrap_or_else(|| panic!("a tls step: {stdout}"))
        }
    };
    let ca = server.ca_file.display().to_string();
    let by_flag = doctor_tls(vec!["--ca-file".into(), ca.clone()], vec![]).await;
    assert_eq!(by_flag["status"], "ok", "{by_flag}");
    let detail = by_flag["detail"].as_str().unwrap();
    assert!(detail.contains("issued by 'Acme Corp CA'"), "{detail}");
    assert!(
        detail.contains(&format!("trusted by the extra CA file {ca}")),
        "{detail}"
    );
    // SSL_CERT_FILE replaces the system store the platform verifier reads on Linux: a test
    // stand-in for a CA installed with update-ca-certificates.
    let by_store = doctor_tls(vec![], vec![("SSL_CERT_FILE", ca.clone())]).await;
    assert_eq!(by_store["status"], "ok", "{by_store}");
    let detail = by_store["detail"].as_str().unwrap();
    assert!(
        detail.contains("trusted by this machine's trust store"),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_refuses_the_tunnel_is_proxy_refused_with_its_status() {
    let server = TlsServer::start().await;
    // tinyproxy allows CONNECT to another port only: it answers 403 for ours.
    let proxy = Tinyproxy::start(server.port().wrapping_add(1), false).await;
    let mut login = server.server_args();
    login.extend([
        "--ca-file".into(),
        server.ca_file.display().to_string(),
        "login".into(),
        "--username".into(),
        "alice".into(),
    ]);
    let out = devhive(&login, &[("https_proxy", &proxy.url())])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let expected = format!(
        "the proxy 127.0.0.1:{} refused to open a tunnel to localhost:{} (403)",
        proxy.port,
        server.port()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(
        proxy
            .connects()
            .contains(&format!("localhost:{}", server.port())),
        "the refusal came from tinyproxy itself:\n{}",
        proxy.log_text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_says_in_plain_words_why_the_socket_does_not_connect() {
    let server = TlsServer::start().await;
    let proxy = Tinyproxy::start(server.port(), true).await;
    // REST (localhost) is excluded by NO_PROXY and goes straight; the socket (127.0.0.1)
    // takes the proxy, which wants a password it does not get.
    let mut args = server.server_args();
    args.extend([
        "--ca-file".into(),
        server.ca_file.display().to_string(),
        "watch".into(),
        "--project".into(),
        demo::APOLLO.to_string(),
    ]);
    let mut child = devhive(
        &args,
        &[("HTTPS_PROXY", &proxy.url()), ("NO_PROXY", "localhost")],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("devhive runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let expected = format!(
        "the proxy 127.0.0.1:{} asked for a password (407)",
        proxy.port
    );
    let line =
        support::line_matching(&mut lines, WITHIN, |l| l.contains("retrying in"), &mut seen).await;
    assert!(line.contains(&expected), "{line}");
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_diagnostics_bundle_shows_the_proxy_and_the_certificate_without_the_password() {
    let server = TlsServer::start().await;
    let proxy = Tinyproxy::start(server.port(), true).await;
    let mut args = server.server_args();
    args.extend([
        "--ca-file".into(),
        server.ca_file.display().to_string(),
        "diagnostics".into(),
        "export".into(),
    ]);
    let out = devhive(&args, &[("HTTPS_PROXY", &proxy.url_with_credentials())])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains(PROXY_PASSWORD),
        "the proxy password never reaches the bundle:\n{text}"
    );
    let bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
    let network = &bundle["network"];
    let shown_proxy = format!("http://alice:<hidden>@127.0.0.1:{}", proxy.port);
    let routes = network["proxy"]["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 2, "REST and the WebSocket: {network}");
    for route in routes {
        assert_eq!(route["proxy"], shown_proxy.as_str(), "{route}");
        assert_eq!(route["why"], "from HTTPS_PROXY", "{route}");
        assert_eq!(route["tunnel"]["opened"], true, "{route}");
    }
    let variables = network["proxy"]["variables"].as_array().unwrap();
    assert!(
        variables
            .iter()
            .any(|v| v["name"] == "HTTPS_PROXY" && v["value"] == shown_proxy.as_str()),
        "{network}"
    );
    assert_eq!(network["tls"]["issuer"], "Acme Corp CA", "{network}");
    assert_eq!(network["tls"]["trusted_by"], "extra_ca", "{network}");
    assert_eq!(
        network["extra_ca"]["certificates"][0], "Acme Corp CA",
        "{network}"
    );
}
