//! Tauri commands: each decodes its input, calls the app model and returns its answer or its
//! `{ code, message }` error. None returns or accepts a token.

use devhive_core::app::{
    App, AppError, AppInfo, MessageView, NotifyItem, ResourceData, ResourceKind, SessionView,
    Settings, SettingsPatch, SignInRequest, Snapshot, StoredFeedView,
};
use tauri::{Manager, State};

use crate::ipc_log::{reply, value};

/// The managed app model.
pub type Model<'a> = State<'a, App>;

/// Static facts about the app.
#[tauri::command]
pub fn app_info(app: Model<'_>) -> AppInfo {
    value("app_info", app.snapshot().app)
}

/// Everything the UI needs at start-up (call after subscribing to events).
#[tauri::command]
pub fn snapshot(app: Model<'_>) -> Snapshot {
    value("snapshot", app.snapshot())
}

/// Signs in with a password; the password is dropped after the login request.
#[tauri::command]
pub async fn sign_in(app: Model<'_>, request: SignInRequest) -> Result<SessionView, AppError> {
    tracing::info!(server = ?request.server.choice, user = %request.username, "sign-in requested");
    reply("sign_in", app.sign_in(request).await)
}

/// Signs out and deletes the stored refresh token.
#[tauri::command]
pub async fn sign_out(app: Model<'_>) -> Result<(), AppError> {
    reply("sign_out", app.sign_out().await)
}

/// Retries now: resumes the session (after a locked keychain) or lists the projects again
/// (while the server cannot be reached).
#[tauri::command]
pub async fn retry_now(app: Model<'_>) -> Result<(), AppError> {
    app.retry().await;
    Ok(())
}

/// Replaces the set of watched projects and saves it. Async so it runs on the Tokio runtime:
/// watching spawns a realtime task, which panics on the main thread.
#[tauri::command]
pub async fn watch_projects(app: Model<'_>, project_ids: Vec<String>) -> Result<(), AppError> {
    reply("watch_projects", app.watch(project_ids))
}

/// Reconnects every project now.
#[tauri::command]
pub fn reconnect_now(app: Model<'_>) {
    app.reconnect_now();
}

/// Refreshes the session now.
#[tauri::command]
pub async fn refresh_session_now(app: Model<'_>) -> Result<SessionView, AppError> {
    reply("refresh_session_now", app.refresh_now().await)
}

/// Posts a chat message to a project; the UI keeps the text when this fails.
#[tauri::command]
pub async fn post_message(
    app: Model<'_>,
    project_id: String,
    content: String,
) -> Result<MessageView, AppError> {
    reply(
        "post_message",
        app.post_message(&project_id, &content).await,
    )
}

/// The stored feed and unread counts (the feed restored after a restart).
#[tauri::command]
pub fn stored_feed(app: Model<'_>) -> Result<StoredFeedView, AppError> {
    reply("stored_feed", app.stored_feed())
}

/// "Mark all read".
#[tauri::command]
pub fn mark_all_read(app: Model<'_>) -> Result<StoredFeedView, AppError> {
    reply("mark_all_read", app.mark_all_read())
}

/// Fetches one piece of a project's data.
#[tauri::command]
pub async fn fetch_resource(
    app: Model<'_>,
    project_id: String,
    kind: ResourceKind,
    id: Option<String>,
) -> Result<ResourceData, AppError> {
    let data = app.fetch(&project_id, kind, id.as_deref()).await;
    reply("fetch_resource", data)
}

/// The redacted diagnostics bundle as JSON text.
#[tauri::command]
pub async fn export_diagnostics(app: Model<'_>) -> Result<String, AppError> {
    reply("export_diagnostics", Ok(app.diagnostics().await))
}

/// Changes what the user changed in the settings; returns the settings now in effect.
#[tauri::command]
pub fn update_settings(app: Model<'_>, patch: SettingsPatch) -> Result<Settings, AppError> {
    reply("update_settings", app.update_settings(patch))
}

/// Offers feed lines for desktop notifications.
#[tauri::command]
pub fn notify(app: Model<'_>, items: Vec<NotifyItem>) {
    app.offer_notifications(items);
}

/// Saves the redacted bundle to a file in Downloads (or the app data dir); returns its path.
#[tauri::command]
pub async fn save_diagnostics(
    handle: tauri::AppHandle,
    app: Model<'_>,
) -> Result<String, AppError> {
    let text = app.diagnostics().await;
    let dir = handle
        .path()
        .download_dir()
        .or_else(|_| handle.path().app_data_dir())
        .map_err(|e| AppError::new(devhive_core::app::ErrorCode::Internal, e.to_string()))?;
    reply(
        "save_diagnostics",
        crate::diagnostics_file::write(&dir, &text, std::time::SystemTime::now()),
    )
}
