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

impl TrayState {
    /// The state in words, as the tooltip starts.
    pub fn words(self) -> &'static str {
        match self {
            TrayState::Connected => "Live",
            TrayState::Reconnecting => "Reconnecting",
            TrayState::Offline => "Offline",
            TrayState::NeedsSignIn => "Sign-in needed",
        }
    }
}

/// The tooltip: the state in words, then what it means, e.g. "DevHive — Live: 3 of 3
/// projects, signed in as alice". It changes only when the state, the user or a count does.
pub fn tooltip(state: TrayState, user: Option<&str>, connections: &[ConnectionView]) -> String {
    let live = connections
        .iter()
        .filter(|c| c.state == ConnectionState::Connected)
        .count();
    let words = state.words();
    match (state, user) {
        (TrayState::NeedsSignIn, _) => {
            format!("DevHive — {words}: sign in again to keep the feed live")
        }
        (_, None) => format!("DevHive — {words}: signed out"),
        (_, Some(user)) if connections.is_empty() => {
            format!("DevHive — {words}: no projects watched, signed in as {user}")
        }
        (TrayState::Connected, Some(user)) => format!(
            "DevHive — {words}: {live} of {} projects, signed in as {user}",
            connections.len()
        ),
        (_, Some(user)) => format!(
            "DevHive — {words}: {live} of {} projects live, signed in as {user}",
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
    fn the_tooltip_says_the_state_in_words() {
        let c = [
            conn(ConnectionState::Connected),
            conn(ConnectionState::Backoff),
        ];
        assert_eq!(
            tooltip(TrayState::Reconnecting, Some("alice"), &c),
            "DevHive — Reconnecting: 1 of 2 projects live, signed in as alice"
        );
        let c = [conn(ConnectionState::Connected)];
        assert_eq!(
            tooltip(TrayState::Connected, Some("alice"), &c),
            "DevHive — Live: 1 of 1 projects, signed in as alice"
        );
        assert_eq!(
            tooltip(TrayState::Offline, None, &[]),
            "DevHive — Offline: signed out"
        );
        assert_eq!(
            tooltip(TrayState::Offline, Some("bob"), &[]),
            "DevHive — Offline: no projects watched, signed in as bob"
        );
        assert_eq!(
            tooltip(TrayState::NeedsSignIn, Some("bob"), &c),
            "DevHive — Sign-in needed: sign in again to keep the feed live"
        );
    }
}
