//! The Tauri side of the UI port: events to the WebView, desktop notifications, the tray
//! icon and its menu, and the main window's show/hide behaviour.

use std::sync::Arc;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager, Wry};
use tauri_plugin_notification::NotificationExt;

use crate::controller::Controller;
use crate::port::UiPort;
use crate::tray_state::TrayState;

const TRAY_ID: &str = "devhive";

/// PNG bytes of the tray icon for a state (embedded at build time).
pub fn tray_icon_bytes(state: TrayState) -> &'static [u8] {
    match state {
        TrayState::Connected => include_bytes!("../../icons/tray-connected.png"),
        TrayState::Reconnecting => include_bytes!("../../icons/tray-reconnecting.png"),
        TrayState::Offline => include_bytes!("../../icons/tray-offline.png"),
        TrayState::NeedsSignIn => include_bytes!("../../icons/tray-needs-sign-in.png"),
    }
}

/// The port backed by a running Tauri app.
pub struct TauriPort {
    app: AppHandle,
}

impl TauriPort {
    /// A port for this app.
    pub fn new(app: AppHandle) -> Self {
        Self { app }
    }
}

impl UiPort for TauriPort {
    fn emit(&self, event: &'static str, payload: serde_json::Value) {
        crate::ipc_log::record("event", event, &payload);
        if let Err(error) = self.app.emit(event, payload) {
            tracing::warn!(event, %error, "emit failed");
        }
    }

    fn notify(&self, title: &str, body: &str) {
        let shown = self
            .app
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show();
        if let Err(error) = shown {
            tracing::warn!(%error, "notification failed");
        }
    }

    fn tray(&self, state: TrayState, tooltip: &str) {
        let Some(tray) = self.app.tray_by_id(TRAY_ID) else {
            return;
        };
        match Image::from_bytes(tray_icon_bytes(state)) {
            Ok(icon) => {
                if let Err(error) = tray.set_icon(Some(icon)) {
                    tracing::warn!(%error, "tray icon update failed");
                }
            }
            Err(error) => tracing::warn!(%error, "tray icon decode failed"),
        }
        let _ = tray.set_tooltip(Some(tooltip));
    }
}

/// Shows and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// Builds the tray icon and its menu.
pub fn build_tray(app: &AppHandle, ctl: Arc<Controller>) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open DevHive", true, None::<&str>)?;
    let pause = CheckMenuItem::with_id(
        app,
        "pause",
        "Pause notifications",
        true,
        false,
        None::<&str>,
    )?;
    let reconnect = MenuItem::with_id(app, "reconnect", "Reconnect now", true, None::<&str>)?;
    let refresh = MenuItem::with_id(app, "refresh", "Refresh session now", true, None::<&str>)?;
    let sign_out = MenuItem::with_id(app, "sign_out", "Sign out", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit DevHive", true, None::<&str>)?;
    let sep = || PredefinedMenuItem::separator(app);
    let menu: Menu<Wry> = Menu::with_items(
        app,
        &[
            &open,
            &sep()?,
            &pause,
            &reconnect,
            &refresh,
            &sep()?,
            &sign_out,
            &quit,
        ],
    )?;
    let pause_item = pause.clone();
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(tray_icon_bytes(TrayState::Offline))?)
        .tooltip("DevHive — signed out")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(move |app, event| {
            let ctl = ctl.clone();
            match event.id.as_ref() {
                "open" => show_main(app),
                "pause" => {
                    let paused = !ctl.paused();
                    ctl.set_paused(paused);
                    let _ = pause_item.set_checked(paused);
                }
                "reconnect" => ctl.reconnect_now(),
                "refresh" => {
                    tauri::async_runtime::spawn(async move {
                        if let Err(error) = ctl.refresh_now().await {
                            tracing::warn!(%error, "refresh from tray failed");
                        }
                    });
                }
                "sign_out" => {
                    tauri::async_runtime::spawn(async move {
                        if let Err(error) = ctl.sign_out().await {
                            tracing::warn!(%error, "sign-out from tray failed");
                        }
                    });
                }
                "quit" => app.exit(0),
                other => tracing::debug!(id = other, "unknown tray menu item"),
            }
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}
