//! The catalogue of `devhive repro` scenarios: each one scripts a fault a real user hit
//! (failure-modes.md) against the sandbox and shows the timeline our client produced.

use serde::Serialize;

/// A reproducible fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// The access token expires before a (re)connect.
    ExpiredTokenAtConnect,
    /// Two refreshes start at once.
    RefreshRace,
    /// The server revokes the refresh token.
    RefreshRevoked,
    /// The server drops every socket (deploy/restart).
    ServerRestart,
    /// The server switches its signing key (REST and WS of different deployments).
    KeyMismatch,
    /// The server answers 429 with `Retry-After`.
    RateLimited,
    /// The user is not a member of the project.
    NotAMember,
    /// The AWS flavour's platform idle timeout closes the socket.
    AwsIdleTimeout,
    /// The machine sleeps past the token's expiry and wakes.
    SleepWake,
    /// The refresh response is lost in transit after the server rotated the token.
    LostRefreshResponse,
}

impl Scenario {
    /// Every scenario, in catalogue order.
    pub const ALL: [Scenario; 10] = [
        Self::ExpiredTokenAtConnect,
        Self::RefreshRace,
        Self::RefreshRevoked,
        Self::ServerRestart,
        Self::KeyMismatch,
        Self::RateLimited,
        Self::NotAMember,
        Self::AwsIdleTimeout,
        Self::SleepWake,
        Self::LostRefreshResponse,
    ];

    /// The command-line name (`refresh-race`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ExpiredTokenAtConnect => "expired-token-at-connect",
            Self::RefreshRace => "refresh-race",
            Self::RefreshRevoked => "refresh-revoked",
            Self::ServerRestart => "server-restart",
            Self::KeyMismatch => "key-mismatch",
            Self::RateLimited => "rate-limited",
            Self::NotAMember => "not-a-member",
            Self::AwsIdleTimeout => "aws-idle-timeout",
            Self::SleepWake => "sleep-wake",
            Self::LostRefreshResponse => "lost-refresh-response",
        }
    }

    /// Looks a scenario up by its command-line name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The failure-modes.md rows this scenario reproduces.
    pub fn failure_modes(self) -> &'static [u8] {
        match self {
            Self::ExpiredTokenAtConnect => &[1, 6],
            Self::RefreshRace => &[2, 14],
            Self::RefreshRevoked => &[3],
            Self::ServerRestart => &[6, 8],
            Self::KeyMismatch => &[4, 13],
            Self::RateLimited => &[12],
            Self::NotAMember => &[10],
            Self::AwsIdleTimeout => &[9],
            Self::SleepWake => &[5, 8],
            Self::LostRefreshResponse => &[15],
        }
    }

    /// What the scenario does and what a user would have seen, in one paragraph.
    pub fn description(self) -> &'static str {
        match self {
            Self::ExpiredTokenAtConnect => "The access token expires while the socket is down; the reconnect's handshake would get 401. Shows the client refreshing before (or once after) the handshake and connecting again.",
            Self::RefreshRace => "Three callers need a fresh token at the same moment: two in the app (start-up + socket connect) and one in a second process (the CLI) on the same keychain entry. Shows the app's callers sharing one refresh, the second process waiting on the cross-process lock and using the rotated token, and no sign-out.",
            Self::RefreshRevoked => "The server forgets the refresh token (signed out elsewhere). Shows refresh answering 401 Invalid refresh token and the client asking for sign-in instead of looping.",
            Self::ServerRestart => "The server process dies (every socket ends without a close frame) and comes back on the same port a second later (a deploy). Shows reconnect attempts with backoff while it is down, then a resync so no event is missed.",
            Self::KeyMismatch => "The WebSocket host signs with another key than the REST host. Shows the handshake's 401 Invalid authentication token format right after a fresh token, and the plain-words verdict.",
            Self::RateLimited => "The server answers 429 Too Many Requests with Retry-After. Shows the client waiting instead of hammering.",
            Self::NotAMember => "The watched project belongs to someone else. Shows 403 with the server's words, no retry storm and no sign-out.",
            Self::AwsIdleTimeout => "On the AWS flavour, API Gateway closes sockets idle for its timeout. Shows the close and the reconnect (our client's app-level pings keep it alive normally).",
            Self::SleepWake => "The machine sleeps past the token's expiry. Shows the wall-clock jump detected on wake, a refresh, reconnect and resync.",
            Self::LostRefreshResponse => "The server rotates the refresh token but its answer never arrives (timeout). Shows the next refresh getting Invalid refresh token and the client saying why in plain words.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_round_trips_through_its_name() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_name(s.name()), Some(s));
            assert!(!s.description().is_empty());
            assert!(!s.failure_modes().is_empty());
        }
        assert_eq!(Scenario::from_name("nope"), None);
    }
}
