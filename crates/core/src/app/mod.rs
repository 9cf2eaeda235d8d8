//! The app model both front ends drive (design.md §5): session lifecycle (resume at start-up,
//! sign-in, sign-out), the watched projects per server + user, settings semantics, the project
//! list (fetched again on every resync, on project and membership events, and every few
//! minutes), the notification policy, the diagnostics bundle, and REST through one
//! [`AuthedApi`] that refreshes and retries once on a 401.
//!
//! It publishes typed [`UiEvent`]s through a [`UiPort`]: the desktop shell forwards them to the
//! WebView as Tauri events, the CLI prints them, tests record them. Commands flow back as
//! method calls on [`App`].

mod authed;
mod away;
pub mod bindings;
mod data;
mod error;
mod event;
mod lifecycle;
pub mod mapping;
mod network;
mod notify;
mod record;
mod resources;
mod schedule;
mod settings;
mod signed;
mod signin;
mod stored;
mod throttle;
mod tray;
mod view;

pub use authed::{AuthedApi, AuthedError};
pub use away::{CatchUpView, MissedView};
pub use data::*;
pub use error::{AppError, ErrorCode};
pub use event::{UiEvent, UiPort, UI_EVENT};
pub use mapping::{epoch_ms, instant_ms};
pub use network::{net_config, setting_proxy, NetOverrides, CA_FILE_VARIABLE};
pub use notify::{Notice, NotifyItem, NotifyPolicy};
pub use record::RESNAPSHOT_EVERY;
pub use schedule::{ListSchedule, DEBOUNCE, REFRESH_EVERY};
pub use settings::{
    JsonFileSettings, MemorySettings, Settings, SettingsError, SettingsPatch, SettingsStore,
};
pub use signin::{resolve, ServerChoice, ServerSettings, ServerTarget, SignInRequest};
pub use stored::{StoredFeedView, StoredItemView, STORED_FEED_LIMIT};
pub use throttle::{summary_text, Decision, NotifyThrottle, Summary, WINDOW};
pub use tray::{aggregate, tooltip, TrayState};
pub use view::*;

use crate::clock::SharedClock;
use crate::keychain::SecretStore;
use crate::realtime::FeedConfig;
use crate::session::Session;
use crate::support::bundle::EventRef;
use crate::timeline::Timeline;
use signed::Signed;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where a password sign-in keeps its refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepSession {
    /// In the keychain with "Remember me", else in memory (the desktop app).
    WhenRemembered,
    /// Always in the configured store (the CLI: `--secret-store` decides).
    Always,
}

/// How an [`App`] is set up.
pub struct AppConfig {
    /// The app or CLI version (diagnostics).
    pub version: String,
    /// Demo mode: the embedded sandbox, the memory store, no resume.
    pub demo: bool,
    /// The data dir (the cross-process refresh lock lives here).
    pub data_dir: PathBuf,
    /// The store of remembered sessions (the OS keychain in the app).
    pub keychain: Arc<dyn SecretStore>,
    /// Where a password sign-in keeps its refresh token.
    pub keep: KeepSession,
    /// Where settings live.
    pub settings: Arc<dyn SettingsStore>,
    /// All time reads.
    pub clock: SharedClock,
    /// Realtime timings (its network is replaced by the one built from `network` and the
    /// settings at each sign-in and resume).
    pub feed: FeedConfig,
    /// The front end's proxy and CA choices, over the settings'.
    pub network: NetOverrides,
    /// How often the project list is fetched again when nothing happens.
    pub list_every: Duration,
    /// Watch exactly these projects (the CLI's `--project`), not the saved list.
    pub watch_only: Option<Vec<String>>,
    /// Fetch the project list at all (off for one-shot commands such as `devhive status`).
    pub list_projects: bool,
    /// Keep the account's history and publish catch-ups after every resync (the CLI's
    /// `watch` records its own and turns this off). Live lines are stored too.
    pub catch_up: bool,
    /// How soon a project changed live is caught up again ([`RESNAPSHOT_EVERY`]).
    pub resnapshot_every: Duration,
}

impl AppConfig {
    /// The desktop defaults: settings and data dir as given, sessions remembered on request.
    pub fn new(
        version: impl Into<String>,
        data_dir: PathBuf,
        keychain: Arc<dyn SecretStore>,
        settings: Arc<dyn SettingsStore>,
    ) -> Self {
        Self {
            version: version.into(),
            demo: false,
            data_dir,
            keychain,
            keep: KeepSession::WhenRemembered,
            settings,
            clock: crate::clock::system(),
            feed: FeedConfig::default(),
            network: NetOverrides::from_env(),
            list_every: REFRESH_EVERY,
            watch_only: None,
            list_projects: true,
            catch_up: true,
            resnapshot_every: RESNAPSHOT_EVERY,
        }
    }
}

/// State shared by the handle and the model's tasks.
pub(crate) struct Inner {
    config: AppConfig,
    port: Arc<dyn UiPort>,
    timeline: Timeline,
    sandbox_url: Mutex<Option<String>>,
    settings: Mutex<Settings>,
    phase: Mutex<Phase>,
    signed: Mutex<Option<Arc<Signed>>>,
    projects: Mutex<Vec<ProjectView>>,
    policy: Mutex<NotifyPolicy>,
    /// Recent events for the diagnostics bundle (ids and types only), oldest first.
    recent: Mutex<VecDeque<EventRef>>,
    /// REST resources this server lacks (its router answered 404), with the note shown.
    missing: Mutex<BTreeMap<ResourceKind, String>>,
    /// One lifecycle change (resume, sign-in, sign-out) at a time.
    lifecycle: tokio::sync::Mutex<()>,
    background: Mutex<Vec<tokio::task::AbortHandle>>,
    /// The tray state and tooltip last given to the port: the port hears only changes.
    tray: Mutex<Option<(TrayState, String)>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for task in self
            .background
            .get_mut()
            .expect("background lock")
            .drain(..)
        {
            task.abort();
        }
    }
}

/// The app model. Cheap to clone; the model's tasks stop when the last clone is dropped.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl App {
    /// A signed-out model publishing to `port`. Must be called inside a tokio runtime (it
    /// starts the timeline forwarder and the notification-summary tick).
    pub fn new(config: AppConfig, port: Arc<dyn UiPort>) -> Self {
        let settings = config.settings.load();
        let timeline = Timeline::new(config.clock.clone());
        let app = Self {
            inner: Arc::new(Inner {
                port,
                timeline,
                sandbox_url: Mutex::new(None),
                settings: Mutex::new(settings),
                phase: Mutex::new(Phase::Starting),
                signed: Mutex::new(None),
                projects: Mutex::new(Vec::new()),
                policy: Mutex::new(NotifyPolicy::default()),
                recent: Mutex::new(VecDeque::new()),
                missing: Mutex::new(BTreeMap::new()),
                lifecycle: tokio::sync::Mutex::new(()),
                background: Mutex::new(Vec::new()),
                tray: Mutex::new(None),
                config,
            }),
        };
        app.spawn_background();
        app
    }

    /// Whether demo mode is on.
    pub fn demo(&self) -> bool {
        self.inner.config.demo
    }

    /// Remembers the URL of the local sandbox (the embedded one in demo mode).
    pub fn set_sandbox_url(&self, url: String) {
        *self.inner.sandbox_url.lock().expect("sandbox lock") = Some(url);
    }

    /// The diagnostics timeline every session and feed of this model writes to.
    pub fn timeline(&self) -> &Timeline {
        &self.inner.timeline
    }

    /// Where the app stands.
    pub fn phase(&self) -> Phase {
        self.inner.phase.lock().expect("phase lock").clone()
    }

    /// The network the next sign-in or resume uses: the front end's overrides over the
    /// settings over the environment. Fails on an unusable proxy setting or CA file.
    pub fn network(&self) -> Result<crate::net::Network, AppError> {
        let config = net_config(&self.inner.config.network, &self.settings())
            .and_then(|config| crate::net::Network::new(&config))
            .map_err(|e| AppError::new(ErrorCode::InvalidInput, e.to_string()))?;
        Ok(config)
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.inner.settings.lock().expect("settings lock").clone()
    }

    /// The signed-in session, if any (the CLI's `status` and `doctor` read it).
    pub fn session(&self) -> Option<Session> {
        self.signed().map(|s| s.session.clone())
    }

    /// REST for the signed-in account, if any.
    pub fn authed(&self) -> Option<AuthedApi<Session>> {
        self.signed().map(|s| s.authed.clone())
    }

    /// The signed-in server, if any.
    pub fn server(&self) -> Option<ServerTarget> {
        self.signed().map(|s| s.target.clone())
    }

    /// Applies what the user changed to the current settings, saves and announces them.
    pub fn update_settings(&self, patch: SettingsPatch) -> Result<Settings, AppError> {
        let invalid =
            |e: crate::net::NetError| AppError::new(ErrorCode::InvalidInput, e.to_string());
        if let Some(proxy) = &patch.proxy {
            setting_proxy(proxy).map_err(invalid)?;
        }
        // A CA file that cannot be used is refused now, not at the next start-up.
        if let Some(path) = patch
            .ca_file
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            crate::net::ExtraCa::load(std::path::Path::new(path)).map_err(invalid)?;
        }
        if patch.paused == Some(true) {
            self.inner.policy.lock().expect("policy lock").clear();
        }
        self.change_settings(|s| s.apply(patch))
    }

    /// The last known project list.
    pub fn projects(&self) -> Vec<ProjectView> {
        self.inner.projects.lock().expect("projects lock").clone()
    }

    /// The session view (signed out when nobody is).
    pub fn session_view(&self) -> SessionView {
        match self.signed() {
            Some(s) => mapping::session_view(
                &s.session.status(),
                Some(&s.target.label),
                self.inner.config.clock.now(),
                self.inner.config.clock.wall(),
            ),
            None => SessionView::signed_out(),
        }
    }

    /// The connection badge of every watched project.
    pub fn connections(&self) -> Vec<ConnectionView> {
        let Some(s) = self.signed() else {
            return Vec::new();
        };
        let clock = &self.inner.config.clock;
        let (now, wall) = (clock.now(), clock.wall());
        // A project just unwatched may still report its final "stopped": only watched ones.
        let watched = s.feed.watched();
        let states = s.feed.states().borrow().clone();
        states
            .iter()
            .filter(|(p, _)| watched.contains(p))
            .map(|(p, c)| mapping::connection_view(p, c, now, wall))
            .collect()
    }

    /// Everything a front end needs at start-up (fetch it after subscribing to events).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            app: AppInfo {
                version: self.inner.config.version.clone(),
                demo: self.inner.config.demo,
            },
            phase: self.phase(),
            session: self.session_view(),
            projects: self.projects(),
            connections: self.connections(),
            user_id: self.signed().and_then(|s| s.user_id.clone()),
            timeline: self
                .inner
                .timeline
                .snapshot()
                .iter()
                .map(mapping::timeline_view)
                .collect(),
            settings: self.settings(),
        }
    }

    /// Replaces the watched set of the signed-in account and remembers it.
    pub fn watch(&self, projects: Vec<String>) -> Result<(), AppError> {
        let s = self.signed().ok_or_else(AppError::not_signed_in)?;
        let projects: Vec<String> = projects.iter().map(|p| p.to_ascii_lowercase()).collect();
        s.watch_exactly(&projects);
        let account = s.account.clone();
        self.change_settings(|settings| {
            settings.watched.insert(account, projects);
        })?;
        self.update_tray();
        Ok(())
    }

    /// Reconnects every watched project now.
    pub fn reconnect_now(&self) {
        if let Some(s) = self.signed() {
            s.feed.reconnect_now();
        }
    }

    /// Refreshes the session now (the tray's "Refresh session now").
    pub async fn refresh_now(&self) -> Result<SessionView, AppError> {
        let s = self.signed().ok_or_else(AppError::not_signed_in)?;
        s.session
            .refresh_now()
            .await
            .map_err(|e| AppError::from(&e))?;
        Ok(self.session_view())
    }

    /// Posts `content` to a project's chat (`POST /projects/{id}/messages`, one 401 retry)
    /// and returns the stored message. Errors are in plain words: `Forbidden` when the user is
    /// not a member, `InvalidInput` with the server's words for a 400 (or an empty text),
    /// `Network` when offline. The front end keeps the text whenever this fails.
    pub async fn post_message(
        &self,
        project_id: &str,
        content: &str,
    ) -> Result<MessageView, AppError> {
        if content.trim().is_empty() {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "The message is empty: type something to send.",
            ));
        }
        let s = self.signed().ok_or_else(AppError::not_signed_in)?;
        let project_id = project_id.to_ascii_lowercase();
        match s.authed.post_message(&project_id, content).await {
            Ok(message) => Ok(message_view(&message)),
            Err(e) => {
                tracing::info!(project = %project_id, error = %e, "posting a message failed");
                Err(post_error(&e))
            }
        }
    }

    /// Applies the notification policy to feed lines a front end offers.
    pub fn offer_notifications(&self, items: Vec<NotifyItem>) {
        let settings = self.settings();
        let me = self.signed().and_then(|s| s.user_id.clone());
        let now = self.inner.config.clock.now();
        let shown = self.inner.policy.lock().expect("policy lock").offer(
            &settings,
            me.as_deref(),
            items,
            now,
        );
        for n in shown {
            self.inner.port.notify(&n);
        }
    }

    /// A notification was clicked: the front end shows that project's feed at that line.
    pub fn notification_clicked(&self, target: FocusView) {
        self.publish(UiEvent::Focus(target));
    }

    pub(crate) fn signed(&self) -> Option<Arc<Signed>> {
        self.inner.signed.lock().expect("signed lock").clone()
    }

    fn publish(&self, event: UiEvent) {
        self.inner.port.publish(event);
    }

    fn set_phase(&self, phase: Phase) {
        {
            let mut current = self.inner.phase.lock().expect("phase lock");
            if *current == phase {
                return;
            }
            *current = phase.clone();
        }
        tracing::info!(phase = ?phase, "app phase");
        self.publish(UiEvent::PhaseChanged(phase));
    }

    fn change_settings(&self, change: impl FnOnce(&mut Settings)) -> Result<Settings, AppError> {
        let settings = {
            let mut current = self.inner.settings.lock().expect("settings lock");
            change(&mut current);
            current.clone()
        };
        self.publish(UiEvent::SettingsChanged(settings.clone()));
        self.inner
            .config
            .settings
            .save(&settings)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        Ok(settings)
    }

    /// Tells the port the tray's state and tooltip when either changed since it was last
    /// told (session and connection changes, project lists and settings call this often,
    /// mostly with nothing new). The lock is held across the call so the port hears the
    /// changes in the order they were computed; ports must not block on the UI thread.
    fn update_tray(&self) {
        let mut last = self.inner.tray.lock().expect("tray lock");
        let session = self.session_view();
        let conns = self.connections();
        let state = aggregate(session.state, &conns);
        let text = tooltip(state, session.user.as_deref(), &conns);
        if last.as_ref() == Some(&(state, text.clone())) {
            return;
        }
        self.inner.port.tray(state, &text);
        *last = Some((state, text));
    }

    /// The timeline forwarder and the notification-summary tick, for the model's lifetime.
    fn spawn_background(&self) {
        let weak = Arc::downgrade(&self.inner);
        let mut appended = self.inner.timeline.subscribe();
        let timeline = tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                let record = match appended.recv().await {
                    Ok(record) => record,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                };
                let Some(inner) = weak.upgrade() else { return };
                inner
                    .port
                    .publish(UiEvent::TimelineAppended(mapping::timeline_view(&record)));
            }
        });
        let weak = Arc::downgrade(&self.inner);
        let summaries = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { return };
                App { inner }.flush_summaries();
            }
        });
        self.inner
            .background
            .lock()
            .expect("background lock")
            .extend([timeline.abort_handle(), summaries.abort_handle()]);
    }

    fn flush_summaries(&self) {
        let settings = self.settings();
        let projects = self.projects();
        let now = self.inner.config.clock.now();
        let due = self
            .inner
            .policy
            .lock()
            .expect("policy lock")
            .due(&settings, now, |id| {
                projects
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| "a project".into())
            });
        for n in due {
            self.inner.port.notify(&n);
        }
    }
}

/// A failed post in plain words (the server's own words for a 400).
fn post_error(e: &AuthedError) -> AppError {
    let base = AppError::from(e);
    let message = match base.code {
        ErrorCode::Forbidden => {
            "You are not a member of this project, so you cannot write to its chat. \
             Your text was kept."
                .to_owned()
        }
        ErrorCode::Network => format!(
            "Not sent: the server could not be reached ({}). Your text was kept; send it again when you are back online.",
            base.message
        ),
        ErrorCode::InvalidInput => format!("The server refused the message: {}", base.message),
        _ => format!("Not sent: {} Your text was kept.", base.message),
    };
    AppError::new(base.code, message)
}

#[cfg(test)]
mod post_error_tests {
    use super::*;
    use crate::api::ApiError;

    #[test]
    fn a_400_keeps_the_servers_words_and_a_403_says_not_a_member() {
        let bad = post_error(&AuthedError::Api(ApiError::BadRequest {
            detail: "Message content is required".into(),
        }));
        assert_eq!(bad.code, ErrorCode::InvalidInput);
        assert_eq!(
            bad.message,
            "The server refused the message: Message content is required"
        );
        let forbidden = post_error(&AuthedError::Api(ApiError::Forbidden {
            detail: "Access denied".into(),
        }));
        assert_eq!(forbidden.code, ErrorCode::Forbidden);
        assert!(forbidden.message.contains("not a member"), "{forbidden:?}");
    }
}
