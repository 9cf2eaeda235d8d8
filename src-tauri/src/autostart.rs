//! "Start when I log in": the setting made real with tauri-plugin-autostart (an XDG autostart
//! entry in ~/.config/autostart on Linux). The OS entry follows the setting whenever the
//! settings change and once at start-up; a failure is logged, the setting stays as chosen.

use tauri::AppHandle;
use tauri_plugin_autostart::ManagerExt;

/// Registers or removes the login entry so that it matches `wanted`.
pub fn follow(app: &AppHandle, wanted: bool) {
    let launcher = app.autolaunch();
    let result = match launcher.is_enabled() {
        Ok(enabled) if enabled == wanted => Ok(()),
        _ if wanted => launcher.enable(),
        _ => launcher.disable(),
    };
    if let Err(error) = result {
        tracing::warn!(%error, wanted, "the login entry could not be changed");
    }
}
