//! Settings persistence in tauri-plugin-store (`settings.json` in the app data dir).
//! Only [`Settings`] goes there: never a token or password.

use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use crate::error::{ErrorCode, IpcError};
use crate::view::Settings;

const FILE: &str = "settings.json";
const KEY: &str = "settings";

/// Loads the settings (defaults when missing or unreadable).
pub fn load<R: Runtime>(app: &AppHandle<R>) -> Settings {
    app.store(FILE)
        .ok()
        .and_then(|s| s.get(KEY))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Saves the settings.
pub fn save<R: Runtime>(app: &AppHandle<R>, settings: &Settings) -> Result<(), IpcError> {
    let store = app
        .store(FILE)
        .map_err(|e| IpcError::new(ErrorCode::Internal, format!("settings store: {e}")))?;
    store.set(KEY, serde_json::to_value(settings).unwrap_or_default());
    store
        .save()
        .map_err(|e| IpcError::new(ErrorCode::Internal, format!("saving settings: {e}")))
}
