//! DevHive Desktop: the Tauri shell over devhive-core's app model. Thin by design: commands
//! decode their input and call the model; the shell owns the window, the tray, notifications
//! and the settings file. No auth, REST or socket logic lives here.

pub mod autostart;
pub mod commands;
pub mod diagnostics_file;
pub mod ipc_log;
pub mod settings_store;
pub mod shell;
pub mod window_state;

use std::sync::{Arc, Mutex};

use devhive_core::app::{App, AppConfig, ServerChoice, ServerSettings, SignInRequest};
use devhive_core::keychain::KeyringStore;
use tauri::{Manager, WindowEvent};

/// Whether demo mode was asked for on the command line or in `DEVHIVE_DEMO`.
pub fn demo_requested(args: &[String], env_value: Option<&str>) -> bool {
    args.iter().any(|a| a == "--demo") || matches!(env_value, Some("1") | Some("true"))
}

/// The embedded demo sandbox, kept alive for the app's lifetime.
#[derive(Default)]
pub struct DemoServer(pub Mutex<Option<devhive_sandbox::Running>>);

async fn start_demo(app: App, holder: Arc<DemoServer>) {
    let running = devhive_sandbox::spawn(devhive_sandbox::Config {
        demo: true,
        simulate_activity_per_min: Some(20),
        ..Default::default()
    })
    .await;
    tracing::info!(url = %running.base_url(), "demo sandbox running");
    app.set_sandbox_url(running.base_url());
    *holder.0.lock().expect("demo lock") = Some(running);
    let request = SignInRequest {
        server: ServerSettings {
            choice: ServerChoice::Sandbox,
            ..ServerSettings::default()
        },
        username: "alice".into(),
        password: devhive_sandbox::demo::PASSWORD.into(),
        remember_me: false,
    };
    if let Err(error) = app.sign_in(request).await {
        tracing::error!(%error, "demo sign-in failed");
    }
}

/// Starts the app.
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            devhive_core::logging::secret_safe_filter(
                &std::env::var("RUST_LOG").unwrap_or_else(|_| "info,devhive_sandbox=warn".into()),
            ),
        ))
        .try_init();
    let args: Vec<String> = std::env::args().collect();
    let demo = demo_requested(&args, std::env::var("DEVHIVE_DEMO").ok().as_deref());
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            shell::show_main(app)
        }))
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        // Size, position and maximised state come back on the next start; whether the window
        // shows is the "Start hidden in the tray" setting's call, not the last session's.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(window_state::flags())
                .build(),
        )
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::snapshot,
            commands::sign_in,
            commands::sign_out,
            commands::retry_now,
            commands::watch_projects,
            commands::reconnect_now,
            commands::refresh_session_now,
            commands::fetch_resource,
            commands::post_message,
            commands::stored_feed,
            commands::mark_all_read,
            commands::export_diagnostics,
            commands::save_diagnostics,
            commands::update_settings,
            commands::notify,
        ])
        .on_window_event(|window, event| match event {
            WindowEvent::CloseRequested { api, .. } => {
                // Closing hides to the tray; Quit is in the tray menu.
                api.prevent_close();
                window_state::save(window.app_handle());
                let _ = window.hide();
            }
            WindowEvent::Resized(_) | WindowEvent::Moved(_) => {
                window_state::save_soon(window.app_handle());
            }
            _ => {}
        })
        .setup(move |tauri_app| {
            let handle = tauri_app.handle().clone();
            let data_dir = devhive_core::session::default_data_dir()
                .or_else(|| tauri_app.path().app_data_dir().ok())
                .unwrap_or_else(std::env::temp_dir);
            let mut config = AppConfig::new(
                env!("CARGO_PKG_VERSION"),
                data_dir,
                Arc::new(KeyringStore::new()),
                Arc::new(settings_store::PluginSettings::new(handle.clone())),
            );
            config.demo = demo;
            let port = Arc::new(shell::TauriPort::new(handle.clone()));
            // The model starts its tasks, and shows "resuming" before the window asks, on
            // the async runtime.
            let app = tauri::async_runtime::block_on(async {
                let app = App::new(config, port.clone());
                app.start();
                app
            });
            tauri_app.manage(app.clone());
            shell::build_tray(&handle, app.clone(), &port)?;
            shell::on_notification_click(&handle, app.clone());
            autostart::follow(&handle, app.settings().start_at_login);
            if app.settings().start_hidden {
                if let Some(w) = tauri_app.get_webview_window("main") {
                    w.hide()?;
                }
            }
            // scripts/app-cost: the same app and WebView showing a static page (the floor).
            if std::env::var_os("DEVHIVE_COST_FLOOR").is_some() {
                if let Some(w) = tauri_app.get_webview_window("main") {
                    let floor = w.url()?.join("floor.html")?;
                    w.navigate(floor)?;
                }
            }
            if demo {
                let holder = Arc::new(DemoServer::default());
                tauri_app.manage(holder.clone());
                tauri::async_runtime::spawn(start_demo(app, holder));
            }
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running DevHive Desktop");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_mode_is_enabled_by_flag_or_environment() {
        assert!(demo_requested(&["app".into(), "--demo".into()], None));
        assert!(demo_requested(&["app".into()], Some("1")));
        assert!(!demo_requested(&["app".into()], Some("0")));
        assert!(!demo_requested(&["app".into()], None));
    }
}
