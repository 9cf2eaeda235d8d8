//! What the app model tells its front ends: one typed [`UiEvent`] stream through a
//! [`UiPort`]. The desktop shell forwards each event to the WebView (one Tauri event,
//! `ui-event`, whose payload is this enum), the CLI prints them as text or JSON lines, and
//! tests record them.

use super::away::CatchUpView;
use super::data::ProjectView;
use super::settings::Settings;
use super::tray::TrayState;
use super::view::*;
use serde::Serialize;
use ts_rs::TS;

/// The Tauri event name every [`UiEvent`] is emitted under.
pub const UI_EVENT: &str = "ui-event";

/// One change a front end should show.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "type", content = "payload", rename_all = "kebab-case")]
pub enum UiEvent {
    /// Where the app stands changed (resuming, signed in, offline, keychain locked …).
    PhaseChanged(Phase),
    /// The session changed (state, expiry, last refresh).
    SessionChanged(SessionView),
    /// A project's connection changed state.
    ConnectionChanged(ConnectionView),
    /// A realtime event arrived.
    FeedEvent(FeedEventView),
    /// Refetch everything for a project.
    Resync(ResyncView),
    /// What changed while the project was not watched ("While you were away"), found by
    /// diffing the fresh REST snapshot against the stored one after a resync.
    CatchUp(CatchUpView),
    /// A diagnostics entry was recorded.
    TimelineAppended(TimelineEntryView),
    /// The project list changed.
    ProjectsChanged(Vec<ProjectView>),
    /// The settings changed (from any front end, the tray, or a sign-in).
    SettingsChanged(Settings),
    /// A notification was clicked: show that project's feed at that line.
    Focus(FocusView),
}

impl UiEvent {
    /// The event's name (its `type` on the wire), for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::PhaseChanged(_) => "phase-changed",
            Self::SessionChanged(_) => "session-changed",
            Self::ConnectionChanged(_) => "connection-changed",
            Self::FeedEvent(_) => "feed-event",
            Self::Resync(_) => "resync",
            Self::CatchUp(_) => "catch-up",
            Self::TimelineAppended(_) => "timeline-appended",
            Self::ProjectsChanged(_) => "projects-changed",
            Self::SettingsChanged(_) => "settings-changed",
            Self::Focus(_) => "focus",
        }
    }
}

/// A front end the app model drives. Calls come from the model's tasks and must not block.
pub trait UiPort: Send + Sync + 'static {
    /// Shows one change.
    fn publish(&self, event: UiEvent);
    /// Shows a desktop notification (front ends without notifications ignore it). A click on
    /// it comes back as [`super::App::notification_clicked`] with `notice.target`.
    fn notify(&self, _notice: &super::Notice) {}
    /// Updates the tray icon and tooltip (front ends without a tray ignore it).
    fn tray(&self, _state: TrayState, _tooltip: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_with_their_kebab_case_name() {
        let event = UiEvent::Resync(ResyncView {
            project_id: "p1".into(),
            reason: "connected".into(),
        });
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"type":"resync","payload":{"project_id":"p1","reason":"connected"}}"#,
            "ui/src/ipc.ts dispatches on this exact shape"
        );
        let phase = UiEvent::PhaseChanged(Phase::signed_out());
        let json = serde_json::to_value(&phase).unwrap();
        assert_eq!(json["type"], phase.name());
        assert_eq!(json["payload"]["phase"], "signed_out");
    }
}
