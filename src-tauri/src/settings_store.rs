//! The app model's settings in tauri-plugin-store (`settings.json` in the app data dir).
//! Only [`Settings`] goes there: never a token or password.

use devhive_core::app::{Settings, SettingsError, SettingsStore};
use tauri::AppHandle;
use tauri_plugin_store::StoreExt;

const FILE: &str = "settings.json";
const KEY: &str = "settings";

/// Settings kept by tauri-plugin-store.
pub struct PluginSettings {
    app: AppHandle,
}

impl PluginSettings {
    /// The store of this app.
    pub fn new(app: AppHandle) -> Self {
        Self { app }
    }
}

impl SettingsStore for PluginSettings {
    fn load(&self) -> Settings {
        self.app
            .store(FILE)
            .ok()
            .and_then(|s| s.get(KEY))
            .map(Settings::from_json_lenient)
            .unwrap_or_default()
    }

    fn save(&self, settings: &Settings) -> Result<(), SettingsError> {
        let unavailable = |e: tauri_plugin_store::Error| SettingsError::StoreUnavailable {
            reason: e.to_string(),
        };
        let store = self.app.store(FILE).map_err(unavailable)?;
        store.set(KEY, serde_json::to_value(settings).unwrap_or_default());
        store.save().map_err(unavailable)
    }
}
