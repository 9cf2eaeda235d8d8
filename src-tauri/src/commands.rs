//! Tauri commands: each decodes its input, calls the controller and maps the error.
//! None returns or accepts a token.

use std::sync::Arc;

use tauri::State;

use crate::controller::Controller;
use crate::error::IpcError;
use crate::ipc_log;
use crate::settings_store;
use crate::view::*;

/// The managed controller handle.
pub type Ctl<'a> = State<'a, Arc<Controller>>;

/// Static facts about the app.
#[tauri::command]
pub fn app_info(ctl: Ctl<'_>) -> AppInfo {
    ipc_log::value("app_info", ctl.snapshot().app)
}

/// Everything the UI needs at start-up (call after subscribing to events).
#[tauri::command]
pub fn snapshot(ctl: Ctl<'_>) -> Snapshot {
    ipc_log::value("snapshot", ctl.snapshot())
}

/// Signs in with a password; the password is dropped after the login request.
#[tauri::command]
pub async fn sign_in(
    app: tauri::AppHandle,
    ctl: Ctl<'_>,
    request: SignInRequest,
) -> Result<SessionView, IpcError> {
    tracing::info!(server = ?request.server, user = %request.username, "sign-in requested");
    let view = ctl.sign_in(request).await;
    let view = ipc_log::reply("sign_in", view)?;
    settings_store::save(&app, &ctl.settings())?;
    Ok(view)
}

/// Signs out and deletes the stored refresh token.
#[tauri::command]
pub async fn sign_out(ctl: Ctl<'_>) -> Result<(), IpcError> {
    ipc_log::reply("sign_out", ctl.sign_out().await)
}

/// The user's projects.
#[tauri::command]
pub async fn list_projects(ctl: Ctl<'_>) -> Result<Vec<ProjectView>, IpcError> {
    ipc_log::reply("list_projects", ctl.list_projects().await)
}

/// Replaces the set of watched projects and saves it. Async so it runs on the Tokio runtime:
/// watching spawns a realtime task, which panics on the main thread (found by the app E2E).
#[tauri::command]
pub async fn watch_projects(
    app: tauri::AppHandle,
    ctl: Ctl<'_>,
    project_ids: Vec<String>,
) -> Result<(), IpcError> {
    ctl.watch(project_ids)?;
    settings_store::save(&app, &ctl.settings())
}

/// Reconnects every project now.
#[tauri::command]
pub fn reconnect_now(ctl: Ctl<'_>) {
    ctl.reconnect_now();
}

/// Refreshes the session now.
#[tauri::command]
pub async fn refresh_session_now(ctl: Ctl<'_>) -> Result<SessionView, IpcError> {
    ipc_log::reply("refresh_session_now", ctl.refresh_now().await)
}

/// Fetches one piece of a project's data.
#[tauri::command]
pub async fn fetch_resource(
    ctl: Ctl<'_>,
    project_id: String,
    kind: ResourceKind,
    id: Option<String>,
) -> Result<ResourceData, IpcError> {
    ipc_log::reply("fetch_resource", ctl.fetch(project_id, kind, id).await)
}

/// The redacted diagnostics bundle as JSON text.
#[tauri::command]
pub async fn export_diagnostics(ctl: Ctl<'_>) -> Result<String, IpcError> {
    ipc_log::reply("export_diagnostics", ctl.export_diagnostics().await)
}

/// Current settings.
#[tauri::command]
pub fn get_settings(ctl: Ctl<'_>) -> Settings {
    ipc_log::value("get_settings", ctl.settings())
}

/// Replaces and saves the settings.
#[tauri::command]
pub fn set_settings(
    app: tauri::AppHandle,
    ctl: Ctl<'_>,
    settings: Settings,
) -> Result<(), IpcError> {
    ctl.set_settings(settings);
    settings_store::save(&app, &ctl.settings())
}

/// Pauses or resumes notifications.
#[tauri::command]
pub fn set_notifications_paused(ctl: Ctl<'_>, paused: bool) {
    ctl.set_paused(paused);
}

/// Offers feed lines for desktop notifications.
#[tauri::command]
pub fn notify(ctl: Ctl<'_>, items: Vec<NotifyItem>) {
    ctl.notify(items);
}

/// Saves the redacted diagnostics bundle to a file in Downloads (or the app data dir) and
/// returns its path.
#[tauri::command]
pub async fn save_diagnostics(app: tauri::AppHandle, ctl: Ctl<'_>) -> Result<String, IpcError> {
    use tauri::Manager;
    let text = ctl.export_diagnostics().await?;
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().app_data_dir())
        .map_err(|e| IpcError::new(crate::error::ErrorCode::Internal, e.to_string()))?;
    ipc_log::reply(
        "save_diagnostics",
        crate::diagnostics_file::write(&dir, &text, ctl.wall()),
    )
}
