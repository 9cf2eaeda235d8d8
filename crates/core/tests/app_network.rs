//! The app's network settings, headless: an extra CA file in the settings makes a server
//! signed by a company CA (made in the test) trusted for REST and the WebSocket; without it
//! sign-in fails naming the issuer; the proxy setting is used (a closed proxy port is named);
//! unusable values are refused when set, and the settings stay as they were.

mod app_support;

use app_support::*;
use devhive_core::app::{ErrorCode, SettingsPatch};
use devhive_core::server::{ApiVersion, Flavour};
use devhive_sandbox::tls::{front, TestCa};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// The demo sandbox behind TLS from "Acme Corp CA"; returns the server, the front and the
/// CA file.
async fn tls_server(
    machine: &Machine,
) -> (
    devhive_sandbox::Running,
    devhive_sandbox::tls::TlsFront,
    String,
) {
    let running = sandbox().await;
    let ca = TestCa::new("Acme Corp CA");
    let front = front(running.addr, &ca.server_identity(&["localhost"]))
        .await
        .unwrap();
    let ca_file = machine.dir.join("acme-ca.pem");
    std::fs::write(&ca_file, ca.ca_pem()).unwrap();
    (running, front, ca_file.display().to_string())
}

fn https(front: &devhive_sandbox::tls::TlsFront) -> devhive_core::app::ServerSettings {
    devhive_core::app::ServerSettings::custom(
        &front.base_url("localhost"),
        None,
        Flavour::Fly,
        ApiVersion::B,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ca_file_setting_makes_rest_and_the_websocket_trust_the_company_ca() {
    let machine = Machine::new("net-ca");
    let (_running, front, ca_file) = tls_server(&machine).await;
    let (app, port) = machine.launch();
    let refused = app
        .sign_in(sign_in(https(&front), "alice", false))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Network, "{refused:?}");
    assert!(
        refused.message.contains(
            "the server's certificate (issued by 'Acme Corp CA') is not trusted by this machine"
        ),
        "{refused:?}"
    );
    app.update_settings(SettingsPatch {
        ca_file: Some(ca_file),
        ..SettingsPatch::default()
    })
    .unwrap();
    app.sign_in(sign_in(https(&front), "alice", false))
        .await
        .unwrap();
    port.until("live over wss", WAIT, || live(&app) == 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_setting_is_used_and_unusable_values_are_refused_when_set() {
    let running = sandbox().await;
    let machine = Machine::new("net-proxy");
    let (app, _port) = machine.launch();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let proxy = format!("http://127.0.0.1:{closed_port}");
    app.update_settings(SettingsPatch {
        proxy: Some(proxy.clone()),
        ..SettingsPatch::default()
    })
    .unwrap();
    let error = app
        .sign_in(sign_in(fly(&running), "alice", false))
        .await
        .unwrap_err();
    assert!(
        error.message.contains(&format!(
            "the proxy 127.0.0.1:{closed_port} cannot be reached"
        )),
        "sign-in went to the proxy of the setting: {error:?}"
    );

    let with_password = app
        .update_settings(SettingsPatch {
            proxy: Some("http://bob:hunter2@proxy:3128".into()),
            ..SettingsPatch::default()
        })
        .unwrap_err();
    assert_eq!(with_password.code, ErrorCode::InvalidInput);
    assert!(
        !with_password.message.contains("hunter2"),
        "{with_password:?}"
    );
    let missing = app
        .update_settings(SettingsPatch {
            ca_file: Some(machine.dir.join("no-such.pem").display().to_string()),
            ..SettingsPatch::default()
        })
        .unwrap_err();
    assert!(missing.message.contains("cannot be read"), "{missing:?}");
    let settings = app.settings();
    assert_eq!(settings.proxy.as_deref(), Some(proxy.as_str()), "unchanged");
    assert_eq!(settings.ca_file, None, "unchanged");

    // An empty setting goes back to the environment's variables: sign-in works again.
    app.update_settings(SettingsPatch {
        proxy: Some(String::new()),
        ..SettingsPatch::default()
    })
    .unwrap();
    app.sign_in(sign_in(fly(&running), "alice", false))
        .await
        .unwrap();
}
