//! DevHive Desktop core: API client, secret store, session, realtime feed and diagnostics.
//! No Tauri, no GTK: the desktop shell, the CLI and the tests are thin front ends over it.

pub mod api;
pub mod app;
pub mod auth;
pub mod catchup;
pub mod clock;
pub mod history;
pub mod jwt;
pub mod keychain;
pub mod logging;
pub mod net;
pub mod realtime;
pub mod secret;
pub mod server;
pub mod session;
pub mod support;
pub mod timeline;
