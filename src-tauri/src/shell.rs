//! The Tauri side of the UI port: app-model events to the WebView, desktop notifications,
//! the tray icon and its menu (whose pause check follows the saved setting), and the main
//! window's show/hide behaviour.

use std::sync::{Mutex, OnceLock};

use devhive_core::app::{
    App, FocusView, Notice, SettingsPatch, TrayState, UiEvent, UiPort, UI_EVENT,
};
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager, Wry};
use tauri_plugin_notification::NotificationExt;

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

/// The tray's title (the StatusNotifierItem's `Title`, which libayatana-appindicator takes
/// from the GLib application name).
pub const TRAY_TITLE: &str = "DevHive";

/// The port backed by a running Tauri app.
pub struct TauriPort {
    app: AppHandle,
    /// The tray's "Pause notifications" item, once the tray is built.
    pause: OnceLock<CheckMenuItem<Wry>>,
    /// The tray menu's first line: the state in words (libayatana shows no tooltips).
    status: OnceLock<MenuItem<Wry>>,
    /// The icon and tooltip last applied: each is set only when it changes (every set_icon
    /// writes a new temp PNG and goes through libayatana-appindicator).
    shown: Mutex<(Option<TrayState>, String)>,
}

impl TauriPort {
    /// A port for this app.
    pub fn new(app: AppHandle) -> Self {
        Self {
            app,
            pause: OnceLock::new(),
            status: OnceLock::new(),
            shown: Mutex::new((None, String::new())),
        }
    }
}

impl UiPort for TauriPort {
    fn publish(&self, event: UiEvent) {
        if let UiEvent::SettingsChanged(settings) = &event {
            if let Some(pause) = self.pause.get() {
                let _ = pause.set_checked(settings.paused);
            }
            crate::autostart::follow(&self.app, settings.start_at_login);
        }
        if crate::ipc_log::enabled() {
            let value = serde_json::to_value(&event).unwrap_or_default();
            crate::ipc_log::record("event", event.name(), &value["payload"]);
        }
        if let Err(error) = self.app.emit(UI_EVENT, &event) {
            tracing::warn!(event = event.name(), %error, "emit failed");
        }
    }

    fn notify(&self, notice: &Notice) {
        // The target rides along in the notification's `extra`; a click hands it back
        // (`on_notification_click`).
        let shown = self
            .app
            .notification()
            .builder()
            .title(&notice.title)
            .body(&notice.body)
            .extra(FOCUS_KEY, &notice.target)
            .show();
        if let Err(error) = shown {
            tracing::warn!(%error, "notification failed");
        }
    }

    fn tray(&self, state: TrayState, tooltip: &str) {
        let (icon, text) = {
            let mut shown = self.shown.lock().expect("tray lock");
            let icon = (shown.0 != Some(state)).then_some(state);
            let text = (shown.1 != tooltip).then(|| tooltip.to_owned());
            *shown = (Some(state), tooltip.to_owned());
            (icon, text)
        };
        if icon.is_none() && text.is_none() {
            return;
        }
        let status = self.status.get().cloned();
        // Queued to the UI thread, never waited for: the model calls this under its own lock.
        let app = self.app.clone();
        let queued = self.app.run_on_main_thread(move || {
            let Some(tray) = app.tray_by_id(TRAY_ID) else {
                return;
            };
            if let Some(state) = icon {
                match Image::from_bytes(tray_icon_bytes(state)) {
                    Ok(image) => {
                        if let Err(error) = tray.set_icon(Some(image)) {
                            tracing::warn!(%error, "tray icon update failed");
                        }
                    }
                    Err(error) => tracing::warn!(%error, "tray icon decode failed"),
                }
            }
            if let Some(text) = text {
                let _ = tray.set_tooltip(Some(&text));
                if let Some(status) = status {
                    let _ = status.set_text(&text);
                }
            }
        });
        if let Err(error) = queued {
            tracing::warn!(%error, "tray update not queued");
        }
    }
}

/// The `extra` entry of a notification that says where a click on it leads.
const FOCUS_KEY: &str = "devhive_focus";

/// A click on one of our notifications (`tap`: where the notification server reports it, as
/// dunst and GNOME do) shows the window at that project's line.
pub fn on_notification_click(handle: &AppHandle, model: App) {
    let app = handle.clone();
    let registered = handle.notification().on_action(move |performed| {
        if performed.action_id() != "tap" && performed.action_id() != "default" {
            return;
        }
        let target = performed
            .notification()
            .and_then(|n| n.extra().get(FOCUS_KEY).cloned())
            .and_then(|v| serde_json::from_value::<FocusView>(v).ok());
        show_main(&app);
        if let Some(target) = target {
            model.notification_clicked(target);
        }
    });
    if let Err(error) = registered {
        tracing::warn!(%error, "notification clicks will not be reported");
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

/// Builds the tray icon and its menu; the pause check starts from, and follows, the setting.
pub fn build_tray(handle: &AppHandle, model: App, port: &TauriPort) -> tauri::Result<()> {
    // Before the indicator exists: its D-Bus `Title` is the GLib application name, else the
    // program name ("devhive-desktop").
    #[cfg(target_os = "linux")]
    glib::set_application_name(TRAY_TITLE);
    let item = |id: &str, text: &str| MenuItem::with_id(handle, id, text, true, None::<&str>);
    let (initial, mut tooltip) = port.shown.lock().expect("tray lock").clone();
    let initial = initial.unwrap_or(TrayState::Offline);
    if tooltip.is_empty() {
        tooltip = devhive_core::app::tooltip(initial, None, &[]);
    }
    let status = MenuItem::with_id(handle, "status", &tooltip, false, None::<&str>)?;
    let open = item("open", "Open DevHive")?;
    let paused = model.settings().paused;
    let pause = CheckMenuItem::with_id(
        handle,
        "pause",
        "Pause notifications",
        true,
        paused,
        None::<&str>,
    )?;
    let reconnect = item("reconnect", "Reconnect now")?;
    let refresh = item("refresh", "Refresh session now")?;
    let sign_out = item("sign_out", "Sign out")?;
    let quit = item("quit", "Quit DevHive")?;
    let sep = || PredefinedMenuItem::separator(handle);
    let menu: Menu<Wry> = Menu::with_items(
        handle,
        &[
            &status,
            &sep()?,
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
    let _ = port.pause.set(pause);
    let _ = port.status.set(status);
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(tray_icon_bytes(initial))?)
        .tooltip(&tooltip)
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(move |app, event| {
            let model = model.clone();
            match event.id.as_ref() {
                "open" => show_main(app),
                "pause" => {
                    let paused = !model.settings().paused;
                    let patch = SettingsPatch {
                        paused: Some(paused),
                        ..SettingsPatch::default()
                    };
                    if let Err(error) = model.update_settings(patch) {
                        tracing::warn!(%error, "pause from tray not saved");
                    }
                }
                "reconnect" => model.reconnect_now(),
                "refresh" => {
                    tauri::async_runtime::spawn(async move {
                        if let Err(error) = model.refresh_now().await {
                            tracing::warn!(%error, "refresh from tray failed");
                        }
                    });
                }
                "sign_out" => {
                    tauri::async_runtime::spawn(async move {
                        if let Err(error) = model.sign_out().await {
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
        .build(handle)?;
    Ok(())
}
