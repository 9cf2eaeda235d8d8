//! DevHive Desktop: the Tauri shell over devhive-core. Thin by design: commands decode their
//! input, call core and map the error; no auth or socket logic lives here.

mod bindings;
pub mod error;
pub mod events;
pub mod notify_throttle;
pub mod tray_state;
pub mod view;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tauri::{Emitter, Manager};

use crate::error::IpcError;
use crate::view::{AppInfo, Heartbeat, SessionView, Settings, Snapshot};

/// Wall-clock now in epoch milliseconds, the unit every IPC timestamp uses.
pub fn epoch_ms(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Shared app state held by Tauri.
pub struct AppState {
    demo: bool,
}

#[tauri::command]
fn app_info(state: tauri::State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        demo: state.demo,
    }
}

#[tauri::command]
fn snapshot(state: tauri::State<'_, AppState>) -> Result<Snapshot, IpcError> {
    Ok(Snapshot {
        app: app_info(state),
        session: SessionView::signed_out(),
        projects: Vec::new(),
        connections: Vec::new(),
        user_id: None,
        timeline: Vec::new(),
        settings: Settings::default(),
        notifications_paused: false,
    })
}

/// Whether demo mode was asked for on the command line or in `DEVHIVE_DEMO`.
pub fn demo_requested(args: &[String], env_value: Option<&str>) -> bool {
    args.iter().any(|a| a == "--demo") || matches!(env_value, Some("1") | Some("true"))
}

/// Starts the app.
pub fn run() {
    let args: Vec<String> = std::env::args().collect();
    let demo = demo_requested(&args, std::env::var("DEVHIVE_DEMO").ok().as_deref());
    tauri::Builder::default()
        .manage(AppState { demo })
        .invoke_handler(tauri::generate_handler![app_info, snapshot])
        .setup(|app| {
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let mut seq = 0u32;
                loop {
                    seq = seq.wrapping_add(1);
                    let beat = Heartbeat {
                        seq,
                        at_ms: epoch_ms(SystemTime::now()),
                    };
                    if let Err(error) = handle.emit(events::HEARTBEAT, beat) {
                        tracing::warn!(%error, "heartbeat emit failed");
                    }
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            });
            if let Some(window) = app.get_webview_window("main") {
                window.set_title("DevHive")?;
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
