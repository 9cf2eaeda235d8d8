//! The "UI port": what the controller needs from a front end. Tauri implements it in
//! `shell.rs`; tests implement it with a recorder, so the controller runs without a display.

use crate::tray_state::TrayState;

/// A front end the controller drives.
pub trait UiPort: Send + Sync + 'static {
    /// Sends a typed event (already serialised) to the web UI.
    fn emit(&self, event: &'static str, payload: serde_json::Value);
    /// Shows a desktop notification.
    fn notify(&self, title: &str, body: &str);
    /// Updates the tray icon and tooltip.
    fn tray(&self, state: TrayState, tooltip: &str);
}
