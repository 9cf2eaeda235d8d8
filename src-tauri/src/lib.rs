//! DevHive Desktop: the Tauri shell over devhive-core. Thin by design: commands decode their
//! input, call the controller and map the error; no auth or socket logic lives here.

mod bindings;
pub mod commands;
pub mod controller;
pub mod diagnostics_file;
pub mod error;
pub mod events;
pub mod ipc_log;
pub mod mapping;
pub mod notify_throttle;
pub mod port;
pub mod settings_store;
pub mod shell;
pub mod tray_state;
pub mod view;

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use tauri::{Manager, WindowEvent};

use crate::controller::Controller;

/// Wall-clock time in epoch milliseconds, the unit every IPC timestamp uses.
pub fn epoch_ms(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Whether demo mode was asked for on the command line or in `DEVHIVE_DEMO`.
pub fn demo_requested(args: &[String], env_value: Option<&str>) -> bool {
    args.iter().any(|a| a == "--demo") || matches!(env_value, Some("1") | Some("true"))
}

/// The embedded demo sandbox, kept alive for the app's lifetime.
#[derive(Default)]
pub struct DemoServer(pub Mutex<Option<devhive_sandbox::Running>>);

async fn start_demo(ctl: Arc<Controller>, holder: Arc<DemoServer>) {
    let running = devhive_sandbox::spawn(devhive_sandbox::Config {
        demo: true,
        simulate_activity_per_min: Some(20),
        ..Default::default()
    })
    .await;
    tracing::info!(url = %running.base_url(), "demo sandbox running");
    ctl.set_sandbox_url(running.base_url());
    *holder.0.lock().expect("demo lock") = Some(running);
    if let Err(error) = ctl.sign_in_demo().await {
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
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::snapshot,
            commands::sign_in,
            commands::sign_out,
            commands::list_projects,
            commands::watch_projects,
            commands::reconnect_now,
            commands::refresh_session_now,
            commands::fetch_resource,
            commands::export_diagnostics,
            commands::save_diagnostics,
            commands::get_settings,
            commands::set_settings,
            commands::set_notifications_paused,
            commands::notify,
        ])
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                // Closing hides to the tray; Quit is in the tray menu.
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .setup(move |app| {
            let handle = app.handle().clone();
            let settings = settings_store::load(&handle);
            let data_dir = devhive_core::session::default_data_dir()
                .or_else(|| app.path().app_data_dir().ok())
                .unwrap_or_else(std::env::temp_dir);
            let start_hidden = settings.start_hidden;
            let port = Arc::new(shell::TauriPort::new(handle.clone()));
            let ctl = Controller::new(port, data_dir, demo, settings);
            app.manage(ctl.clone());
            shell::build_tray(&handle, ctl.clone())?;
            if start_hidden {
                if let Some(w) = app.get_webview_window("main") {
                    w.hide()?;
                }
            }
            if demo {
                let holder = Arc::new(DemoServer::default());
                app.manage(holder.clone());
                tauri::async_runtime::spawn(start_demo(ctl, holder));
            } else {
                tauri::async_runtime::spawn(async move {
                    let resumed = ctl.resume().await;
                    tracing::info!(resumed, "start-up session check done");
                });
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
