//! The window comes back where and as large as it was left (tauri-plugin-window-state).
//! The plugin saves at a clean exit; the shell also saves when the window is closed to the
//! tray and half a second after the last move or resize, so a session the OS ends (logout,
//! SIGTERM) or a crash keeps it too. Visibility is not restored: "Start hidden in the tray"
//! decides that.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tauri::AppHandle;
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// How long after the last move or resize the state is written.
const SETTLE: Duration = Duration::from_millis(500);

/// What is kept: everything but visibility.
pub fn flags() -> StateFlags {
    StateFlags::all() - StateFlags::VISIBLE
}

/// Writes the state now.
pub fn save(app: &AppHandle) {
    if let Err(error) = app.save_window_state(flags()) {
        tracing::warn!(%error, "window state not saved");
    }
}

/// Writes the state once moves and resizes have settled (a drag is one write, not hundreds).
pub fn save_soon(app: &AppHandle) {
    static LATEST: AtomicU64 = AtomicU64::new(0);
    let mine = LATEST.fetch_add(1, Ordering::SeqCst) + 1;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        if LATEST.load(Ordering::SeqCst) == mine {
            save(&app);
        }
    });
}
