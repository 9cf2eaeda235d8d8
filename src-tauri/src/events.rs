//! Event names the shell emits to the web UI. The UI listens to exactly these strings.

/// Session state changed ([`crate::view::SessionView`]).
pub const SESSION_CHANGED: &str = "session-changed";
/// A project's connection state changed ([`crate::view::ConnectionView`]).
pub const CONNECTION_CHANGED: &str = "connection-changed";
/// A realtime event arrived ([`crate::view::FeedEventView`]).
pub const FEED_EVENT: &str = "feed-event";
/// Refetch everything for a project ([`crate::view::ResyncView`]).
pub const RESYNC: &str = "resync";
/// A diagnostics entry was recorded ([`crate::view::TimelineEntryView`]).
pub const TIMELINE_APPENDED: &str = "timeline-appended";
/// The project list changed (`Vec<ProjectView>`).
pub const PROJECTS_CHANGED: &str = "projects-changed";
/// Notifications were paused or resumed from the tray (`bool`).
pub const PAUSED_CHANGED: &str = "paused-changed";
