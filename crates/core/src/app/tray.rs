//! The tray's aggregate state: one icon for the whole app, computed from the session and every
//! project's connection. Pure, so it is tested without a display.

use super::view::{ConnectionState, ConnectionView, SessionState};

/// What the tray icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    /// Signed in and every watched project is connected.
    Connected,
    /// Something is connecting or backing off.
    Reconnecting,
    /// Nothing is connected (signed out, nothing watched, or all stopped).
    Offline,
    /// The session needs a sign-in.
    NeedsSignIn,
}

impl TrayState {
    /// The icon file name under `icons/`.
    pub fn icon_name(self) -> &'static str {
        match self {
            TrayState::Connected => "tray-connected.png",
            TrayState::Reconnecting => "tray-reconnecting.png",
            TrayState::Offline => "tray-offline.png",
            TrayState::NeedsSignIn => "tray-needs-sign-in.png",
        }
    }
}

/// Aggregates session and connections into one state. Forbidden/not-found projects do not
/// make the app look offline: they are the user's to remove and are shown in the window.
pub fn aggregate(session: SessionState, connections: &[ConnectionView]) -> TrayState {
    match session {
        SessionState::NeedsLogin => return TrayState::NeedsSignIn,
        SessionState::SignedOut => return TrayState::Offline,
        SessionState::Valid | SessionState::Refreshing | SessionState::Retrying => {}
    }
    if connections
        .iter()
        .any(|c| c.state == ConnectionState::NeedsLogin)
    {
        return TrayState::NeedsSignIn;
    }
    let live: Vec<_> = connections
        .iter()
        .filter(|c| {
            !matches!(
                c.state,
                ConnectionState::Forbidden | ConnectionState::NotFound
            )
        })
        .collect();
    if live.iter().any(|c| {
        matches!(
            c.state,
            ConnectionState::Connecting | ConnectionState::Backoff
        )
    }) {
        return TrayState::Reconnecting;
    }
    if !live.is_empty() && live.iter().all(|c| c.state == ConnectionState::Connected) {
        return TrayState::Connected;
    }
    if session == SessionState::Retrying {
        return TrayState::Reconnecting;
    }
    TrayState::Offline
}

/// The tooltip: "DevHive — 3 of 4 projects live" and the like.
pub fn tooltip(state: TrayState, user: Option<&str>, connections: &[ConnectionView]) -> String {
    let live = connections
        .iter()
        .filter(|c| c.state == ConnectionState::Connected)
        .count();
    let who = user.map(|u| format!(" as {u}")).unwrap_or_default();
    match state {
        TrayState::NeedsSignIn => "DevHive — sign in again to keep the feed live".to_owned(),
        TrayState::Offline if user.is_none() => "DevHive — signed out".to_owned(),
        _ => format!(
            "DevHive{who} — {live} of {} projects live",
            connections.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(state: ConnectionState) -> ConnectionView {
        ConnectionView {
            project_id: "p".into(),
            state,
            attempt: None,
            retry_at_ms: None,
            since_ms: None,
            reason: None,
        }
    }

    #[test]
    fn all_connected_projects_show_connected() {
        let c = [
            conn(ConnectionState::Connected),
            conn(ConnectionState::Connected),
        ];
        assert_eq!(aggregate(SessionState::Valid, &c), TrayState::Connected);
    }

    #[test]
    fn one_project_backing_off_shows_reconnecting() {
        let c = [
            conn(ConnectionState::Connected),
            conn(ConnectionState::Backoff),
        ];
        assert_eq!(aggregate(SessionState::Valid, &c), TrayState::Reconnecting);
    }

    #[test]
    fn a_session_that_needs_login_wins_over_everything() {
        let c = [conn(ConnectionState::Connected)];
        assert_eq!(
            aggregate(SessionState::NeedsLogin, &c),
            TrayState::NeedsSignIn
        );
    }

    #[test]
    fn signed_out_is_offline() {
        assert_eq!(aggregate(SessionState::SignedOut, &[]), TrayState::Offline);
    }

    #[test]
    fn forbidden_projects_do_not_make_the_app_look_offline() {
        let c = [
            conn(ConnectionState::Connected),
            conn(ConnectionState::Forbidden),
        ];
        assert_eq!(aggregate(SessionState::Valid, &c), TrayState::Connected);
    }

    #[test]
    fn tooltip_counts_live_projects() {
        let c = [
            conn(ConnectionState::Connected),
            conn(ConnectionState::Backoff),
        ];
        assert_eq!(
            tooltip(TrayState::Reconnecting, Some("alice"), &c),
            "DevHive as alice — 1 of 2 projects live"
        );
    }
}
