//! The app controller: owns the session, the realtime feed, the (demo) sandbox and the
//! notification policy, and forwards core state to a [`UiPort`] as view models. Commands in
//! `commands.rs` are thin calls into it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use devhive_core::api::ApiClient;
use devhive_core::app::TaskReader;
use devhive_core::auth::TokenSource;
use devhive_core::clock::{self, SharedClock};
use devhive_core::keychain::{KeyringStore, MemoryStore, SecretStore, Vault};
use devhive_core::realtime::{Feed, FeedConfig, FeedUpdate};
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::session::{Session, SessionConfig, SessionError};
use devhive_core::support::bundle::{self, BundleInput, EventRef, ProjectRef, EVENT_LIMIT};
use devhive_core::timeline::Timeline;
use tokio::task::AbortHandle;

use crate::error::{ErrorCode, IpcError};
use crate::events;
use crate::mapping;
use crate::notify_throttle::{summary_text, Decision, NotifyThrottle};
use crate::port::UiPort;
use crate::tray_state::{aggregate, tooltip};
use crate::view::*;

/// One signed-in server: its profile, REST client, session and feed.
pub struct Signed {
    /// Label shown in the session panel.
    pub label: String,
    /// The server profile (for the diagnostics bundle).
    pub profile: ServerProfile,
    /// REST client.
    pub api: Arc<ApiClient>,
    /// Task reads.
    pub tasks: Arc<TaskReader>,
    /// The session.
    pub session: Session,
    /// The realtime feed.
    pub feed: Feed<Session>,
    /// The signed-in user's id.
    pub user_id: Option<String>,
    forwarders: Vec<AbortHandle>,
}

impl Drop for Signed {
    fn drop(&mut self) {
        for t in &self.forwarders {
            t.abort();
        }
    }
}

/// Shared app state behind every command.
pub struct Controller {
    port: Arc<dyn UiPort>,
    clock: SharedClock,
    timeline: Timeline,
    data_dir: PathBuf,
    demo: bool,
    sandbox_url: Mutex<Option<String>>,
    signed: Mutex<Option<Arc<Signed>>>,
    settings: Mutex<Settings>,
    paused: AtomicBool,
    throttle: Mutex<NotifyThrottle>,
    projects: Mutex<Vec<ProjectView>>,
    /// Recent events for the diagnostics bundle (ids and types only), oldest first.
    recent: Mutex<std::collections::VecDeque<EventRef>>,
}

fn internal(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::Internal, message)
}

impl Controller {
    /// A signed-out controller.
    pub fn new(
        port: Arc<dyn UiPort>,
        data_dir: PathBuf,
        demo: bool,
        settings: Settings,
    ) -> Arc<Self> {
        let clock = clock::system();
        Arc::new(Self {
            port,
            timeline: Timeline::new(clock.clone()),
            clock,
            data_dir,
            demo,
            sandbox_url: Mutex::new(None),
            signed: Mutex::new(None),
            settings: Mutex::new(settings),
            paused: AtomicBool::new(false),
            throttle: Mutex::new(NotifyThrottle::default()),
            projects: Mutex::new(Vec::new()),
            recent: Mutex::new(std::collections::VecDeque::new()),
        })
    }

    /// Whether demo mode is on.
    pub fn demo(&self) -> bool {
        self.demo
    }

    /// Remembers the URL of the local sandbox (the embedded one in demo mode).
    pub fn set_sandbox_url(&self, url: String) {
        *self.sandbox_url.lock().expect("sandbox lock") = Some(url);
    }

    /// The signed-in state, if any.
    pub fn signed(&self) -> Option<Arc<Signed>> {
        self.signed.lock().expect("signed lock").clone()
    }

    fn profile_for(&self, r: &SignInRequest) -> Result<(ServerProfile, String), IpcError> {
        let bad = |e: devhive_core::server::ProfileError| {
            IpcError::new(ErrorCode::InvalidInput, e.to_string())
        };
        Ok(match r.server {
            ServerChoice::Fly => (ServerProfile::devhive_fly(), "DevHive Fly".into()),
            ServerChoice::Aws => (ServerProfile::devhive_aws(), "DevHive AWS".into()),
            ServerChoice::Sandbox => {
                let url = self.sandbox_url.lock().expect("sandbox lock").clone();
                let url = url.unwrap_or_else(|| "http://127.0.0.1:8080".into());
                let p =
                    ServerProfile::custom(&url, None, Flavour::Fly, ApiVersion::B).map_err(bad)?;
                (
                    p,
                    format!("Local sandbox ({})", url.trim_start_matches("http://")),
                )
            }
            ServerChoice::Custom => {
                let url = r
                    .custom_url
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty());
                let url = url.ok_or_else(|| {
                    IpcError::new(ErrorCode::InvalidInput, "Enter the server URL.")
                })?;
                let flavour = match r.custom_flavour.unwrap_or(FlavourChoice::Fly) {
                    FlavourChoice::Fly => Flavour::Fly,
                    FlavourChoice::Aws => Flavour::Aws,
                };
                let ws = r
                    .custom_ws_url
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty());
                (
                    ServerProfile::custom(url, ws, flavour, ApiVersion::B).map_err(bad)?,
                    url.to_owned(),
                )
            }
        })
    }

    /// Demo mode: signs in to the embedded sandbox as alice with the memory store.
    pub async fn sign_in_demo(self: &Arc<Self>) -> Result<SessionView, IpcError> {
        self.sign_in(SignInRequest {
            server: ServerChoice::Sandbox,
            custom_url: None,
            custom_ws_url: None,
            custom_flavour: None,
            username: "alice".into(),
            password: devhive_sandbox::demo::PASSWORD.into(),
            remember_me: false,
        })
        .await
    }

    /// Signs in with a password and starts the feed for the watched projects.
    pub async fn sign_in(self: &Arc<Self>, r: SignInRequest) -> Result<SessionView, IpcError> {
        if r.username.trim().is_empty() || r.password.is_empty() {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "Enter your username and password.",
            ));
        }
        let (profile, label) = self.profile_for(&r)?;
        let api = Arc::new(ApiClient::new(profile.clone()).map_err(|e| mapping::api_error(&e))?);
        let store: Arc<dyn SecretStore> = if r.remember_me && !self.demo {
            Arc::new(KeyringStore::new())
        } else {
            Arc::new(MemoryStore::new())
        };
        let session = Session::new(SessionConfig {
            api: api.clone(),
            vault: Vault::new(store),
            clock: self.clock.clone(),
            timeline: self.timeline.clone(),
            data_dir: self.data_dir.clone(),
        });
        let password = Secret::new(r.password);
        session
            .login(r.username.trim(), &password, r.remember_me)
            .await
            .map_err(|e| mapping::session_error(&e))?;
        drop(password);
        {
            let mut settings = self.settings.lock().expect("settings lock");
            settings.server = Some(r.server);
            settings.custom_url = r
                .custom_url
                .clone()
                .filter(|_| r.server == ServerChoice::Custom);
        }
        self.start_signed(profile, label, api, session).await
    }

    /// Start-up: resumes the remembered server's session from the keychain, if any.
    /// Returns whether a session is running (it may still be retrying a refresh).
    pub async fn resume(self: &Arc<Self>) -> bool {
        let settings = self.settings();
        let Some(server) = settings.server.filter(|s| *s != ServerChoice::Sandbox) else {
            return false;
        };
        let probe = SignInRequest {
            server,
            custom_url: settings.custom_url.clone(),
            custom_ws_url: None,
            custom_flavour: None,
            username: String::new(),
            password: String::new(),
            remember_me: true,
        };
        let Ok((profile, label)) = self.profile_for(&probe) else {
            return false;
        };
        let Ok(api) = ApiClient::new(profile.clone()) else {
            return false;
        };
        let api = Arc::new(api);
        let session = Session::new(SessionConfig {
            api: api.clone(),
            vault: Vault::new(Arc::new(KeyringStore::new())),
            clock: self.clock.clone(),
            timeline: self.timeline.clone(),
            data_dir: self.data_dir.clone(),
        });
        match session.resume_stored().await {
            Ok(()) => {}
            Err(e) if e.is_transient() => tracing::warn!(error = %e, "resume is retrying"),
            Err(e) => {
                tracing::info!(error = %e, "no session to resume");
                return false;
            }
        }
        self.start_signed(profile, label, api, session)
            .await
            .is_ok()
    }

    async fn start_signed(
        self: &Arc<Self>,
        profile: ServerProfile,
        label: String,
        api: Arc<ApiClient>,
        session: Session,
    ) -> Result<SessionView, IpcError> {
        let tasks = Arc::new(TaskReader::new(profile.clone()).map_err(|e| mapping::api_error(&e))?);
        let bundle_profile = profile.clone();
        let feed = Feed::start(
            profile,
            Arc::new(session.clone()),
            self.timeline.clone(),
            FeedConfig::default(),
        );
        let user_id = session.status().user.map(|u| u.id.to_ascii_lowercase());
        let mut signed = Signed {
            label,
            profile: bundle_profile,
            api,
            tasks,
            session,
            feed,
            user_id,
            forwarders: Vec::new(),
        };
        signed.forwarders = self.forward(&signed);
        let signed = Arc::new(signed);
        *self.signed.lock().expect("signed lock") = Some(signed.clone());
        let projects = self.list_projects().await.unwrap_or_default();
        let saved = self.settings.lock().expect("settings lock").watched.clone();
        let watch: Vec<String> = if saved.is_empty() {
            projects.iter().map(|p| p.id.clone()).collect()
        } else {
            saved
        };
        signed.feed.watch(watch);
        Ok(self.session_view())
    }

    /// Forwards session, feed and timeline changes to the port until the session is dropped.
    fn forward(self: &Arc<Self>, s: &Signed) -> Vec<AbortHandle> {
        let mut out = Vec::new();
        let me = Arc::clone(self);
        let mut status = s.session.subscribe();
        out.push(
            tokio::spawn(async move {
                loop {
                    let view = me.session_view();
                    me.port.emit(
                        events::SESSION_CHANGED,
                        serde_json::to_value(&view).unwrap_or_default(),
                    );
                    me.update_tray();
                    if status.changed().await.is_err() {
                        break;
                    }
                }
            })
            .abort_handle(),
        );
        let me = Arc::clone(self);
        let mut updates = s.feed.subscribe();
        out.push(
            tokio::spawn(async move {
                use tokio::sync::broadcast::error::RecvError;
                loop {
                    match updates.recv().await {
                        Ok(u) => me.on_feed_update(u),
                        Err(RecvError::Lagged(n)) => {
                            tracing::warn!(skipped = n, "feed consumer lagged")
                        }
                        Err(RecvError::Closed) => break,
                    }
                }
            })
            .abort_handle(),
        );
        let me = Arc::clone(self);
        let mut appended = self.timeline.subscribe();
        out.push(
            tokio::spawn(async move {
                while let Ok(record) = appended.recv().await {
                    let view = mapping::timeline_view(&record);
                    me.port.emit(
                        events::TIMELINE_APPENDED,
                        serde_json::to_value(&view).unwrap_or_default(),
                    );
                }
            })
            .abort_handle(),
        );
        let me = Arc::clone(self);
        out.push(
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
                loop {
                    tick.tick().await;
                    me.flush_summaries();
                }
            })
            .abort_handle(),
        );
        out
    }

    fn on_feed_update(&self, u: FeedUpdate) {
        let (now, wall) = (self.clock.now(), self.clock.wall());
        match u {
            FeedUpdate::Connection { project, state } => {
                let v = mapping::connection_view(&project, &state, now, wall);
                self.port.emit(
                    events::CONNECTION_CHANGED,
                    serde_json::to_value(&v).unwrap_or_default(),
                );
                self.update_tray();
            }
            FeedUpdate::Event(e) => {
                if let Some(v) = mapping::feed_event_view(&e, wall) {
                    let mut recent = self.recent.lock().expect("recent lock");
                    if recent.len() >= EVENT_LIMIT {
                        recent.pop_front();
                    }
                    recent.push_back(EventRef {
                        at: time::OffsetDateTime::from(wall),
                        project: v.project_id.clone(),
                        kind: v.kind.clone(),
                        resource: v.resource.clone(),
                        action: v.action.clone(),
                        id: v.id.clone(),
                    });
                    drop(recent);
                    self.port.emit(
                        events::FEED_EVENT,
                        serde_json::to_value(&v).unwrap_or_default(),
                    );
                }
            }
            FeedUpdate::Resync { project, reason } => {
                let v = mapping::resync_view(&project, &reason);
                self.port
                    .emit(events::RESYNC, serde_json::to_value(&v).unwrap_or_default());
            }
        }
    }

    /// The session view (signed out when nobody is).
    pub fn session_view(&self) -> SessionView {
        match self.signed() {
            Some(s) => mapping::session_view(
                &s.session.status(),
                Some(&s.label),
                self.clock.now(),
                self.clock.wall(),
            ),
            None => SessionView::signed_out(),
        }
    }

    /// Connection badges of every watched project.
    pub fn connections(&self) -> Vec<ConnectionView> {
        let Some(s) = self.signed() else {
            return Vec::new();
        };
        let (now, wall) = (self.clock.now(), self.clock.wall());
        let states = s.feed.states().borrow().clone();
        states
            .iter()
            .map(|(p, c)| mapping::connection_view(p, c, now, wall))
            .collect()
    }

    fn update_tray(&self) {
        let session = self.session_view();
        let conns = self.connections();
        let state = aggregate(session.state, &conns);
        self.port
            .tray(state, &tooltip(state, session.user.as_deref(), &conns));
    }

    /// Everything the UI needs at start-up.
    pub fn snapshot(&self) -> Snapshot {
        let s = self.signed();
        Snapshot {
            app: AppInfo {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                demo: self.demo,
            },
            session: self.session_view(),
            projects: self.projects.lock().expect("projects lock").clone(),
            connections: self.connections(),
            user_id: s.and_then(|s| s.user_id.clone()),
            timeline: self
                .timeline
                .snapshot()
                .iter()
                .map(mapping::timeline_view)
                .collect(),
            settings: self.settings(),
            notifications_paused: self.paused.load(Ordering::Relaxed),
        }
    }

    async fn with_token<T, F, Fut>(&self, call: F) -> Result<T, IpcError>
    where
        F: Fn(Arc<Signed>, devhive_core::auth::AccessToken) -> Fut,
        Fut: std::future::Future<Output = Result<T, devhive_core::api::ApiError>>,
    {
        let s = self
            .signed()
            .ok_or_else(|| IpcError::new(ErrorCode::NeedsSignIn, "Not signed in."))?;
        let token = s
            .session
            .ensure_valid()
            .await
            .map_err(|e| mapping::session_error(&SessionError::from(e)))?;
        match call(s.clone(), token.clone()).await {
            Err(devhive_core::api::ApiError::Unauthorized { .. }) => {
                let fresh = s
                    .session
                    .refresh_after_rejection(&token)
                    .await
                    .map_err(|e| mapping::session_error(&SessionError::from(e)))?;
                call(s.clone(), fresh)
                    .await
                    .map_err(|e| mapping::api_error(&e))
            }
            other => other.map_err(|e| mapping::api_error(&e)),
        }
    }

    /// The user's projects (also remembered for the snapshot and notifications).
    pub async fn list_projects(&self) -> Result<Vec<ProjectView>, IpcError> {
        let list = self
            .with_token(|s, t| async move { s.api.projects(&t).await })
            .await?;
        let views: Vec<ProjectView> = list.projects.iter().map(mapping::project_view).collect();
        *self.projects.lock().expect("projects lock") = views.clone();
        self.port.emit(
            events::PROJECTS_CHANGED,
            serde_json::to_value(&views).unwrap_or_default(),
        );
        Ok(views)
    }

    /// One piece of a project's data.
    pub async fn fetch(
        &self,
        project: String,
        kind: ResourceKind,
        id: Option<String>,
    ) -> Result<ResourceData, IpcError> {
        match kind {
            ResourceKind::Project => {
                let p = self
                    .with_token(|api, t| {
                        let id = project.clone();
                        async move { api.api.project(&t, &id).await }
                    })
                    .await?;
                Ok(ResourceData::Project(mapping::project_view(&p)))
            }
            ResourceKind::Members => {
                let m = self
                    .with_token(|api, t| {
                        let id = project.clone();
                        async move { api.api.members(&t, &id).await }
                    })
                    .await?;
                Ok(ResourceData::Members(
                    m.members.iter().map(mapping::member_view).collect(),
                ))
            }
            ResourceKind::Messages => {
                let m = self
                    .with_token(|api, t| {
                        let id = project.clone();
                        async move { api.api.messages(&t, &id, 20, 0).await }
                    })
                    .await?;
                Ok(ResourceData::Messages(
                    m.messages.iter().map(mapping::message_view).collect(),
                ))
            }
            ResourceKind::Tasks => {
                let t = self
                    .with_token(|s, t| {
                        let id = project.clone();
                        async move { s.tasks.tasks(&t, &id).await }
                    })
                    .await?;
                Ok(ResourceData::Tasks(
                    t.iter().map(mapping::task_view).collect(),
                ))
            }
            ResourceKind::Task => {
                let id = id.ok_or_else(|| {
                    IpcError::new(ErrorCode::InvalidInput, "A task id is required.")
                })?;
                let t = self
                    .with_token(|s, t| {
                        let id = id.clone();
                        async move { s.tasks.task(&t, &id).await }
                    })
                    .await?;
                Ok(ResourceData::Task(t.as_ref().map(mapping::task_view)))
            }
        }
    }

    /// Replaces the watched set (and remembers it).
    pub fn watch(&self, projects: Vec<String>) -> Result<(), IpcError> {
        let s = self
            .signed()
            .ok_or_else(|| IpcError::new(ErrorCode::NeedsSignIn, "Not signed in."))?;
        let projects: Vec<String> = projects.iter().map(|p| p.to_ascii_lowercase()).collect();
        let stale: Vec<String> = s
            .feed
            .watched()
            .into_iter()
            .filter(|p| !projects.contains(p))
            .collect();
        s.feed.unwatch(stale);
        s.feed.watch(projects.clone());
        self.settings.lock().expect("settings lock").watched = projects;
        self.update_tray();
        Ok(())
    }

    /// Reconnects every project now.
    pub fn reconnect_now(&self) {
        if let Some(s) = self.signed() {
            s.feed.reconnect_now();
        }
    }

    /// Refreshes the session now.
    pub async fn refresh_now(&self) -> Result<SessionView, IpcError> {
        let s = self
            .signed()
            .ok_or_else(|| IpcError::new(ErrorCode::NeedsSignIn, "Not signed in."))?;
        s.session
            .refresh_now()
            .await
            .map_err(|e| mapping::session_error(&SessionError::from(e)))?;
        Ok(self.session_view())
    }

    /// Signs out: logs out on the server, deletes the stored token, stops the feed.
    pub async fn sign_out(&self) -> Result<(), IpcError> {
        let taken = self.signed.lock().expect("signed lock").take();
        if let Some(s) = taken {
            s.feed.stop().await;
            let result = s.session.logout().await;
            self.projects.lock().expect("projects lock").clear();
            self.throttle.lock().expect("throttle lock").clear();
            self.port.emit(
                events::SESSION_CHANGED,
                serde_json::to_value(SessionView::signed_out()).unwrap_or_default(),
            );
            self.update_tray();
            result.map_err(|e| mapping::session_error(&e))?;
        }
        Ok(())
    }

    /// The redacted diagnostics bundle (core's `support::bundle`, the same format as
    /// `devhive diagnostics export`) as pretty JSON.
    pub async fn export_diagnostics(&self) -> Result<String, IpcError> {
        let signed = self.signed();
        let profile = signed
            .as_ref()
            .map(|s| s.profile.clone())
            .unwrap_or_else(ServerProfile::devhive_fly);
        let mut input =
            BundleInput::new(env!("CARGO_PKG_VERSION"), profile).with_timeline(&self.timeline);
        if let Some(s) = &signed {
            input.user_name = s.session.status().user.map(|u| u.name);
            // Only the claims of the token go into the bundle, never its text.
            input.access_token = s.session.ensure_valid().await.ok().map(|t| t.secret);
            let names = self.projects.lock().expect("projects lock").clone();
            input.projects = s
                .feed
                .watched()
                .into_iter()
                .map(|id| ProjectRef {
                    name: names
                        .iter()
                        .find(|p| p.id == id)
                        .map(|p| p.name.clone())
                        .unwrap_or_default(),
                    id,
                })
                .collect();
        }
        input.events = self
            .recent
            .lock()
            .expect("recent lock")
            .iter()
            .cloned()
            .collect();
        let bytes = bundle::to_bytes(&input, time::OffsetDateTime::from(self.clock.wall()));
        String::from_utf8(bytes).map_err(|e| internal(e.to_string()))
    }

    /// Current settings.
    pub fn settings(&self) -> Settings {
        self.settings.lock().expect("settings lock").clone()
    }

    /// Replaces the settings.
    pub fn set_settings(&self, s: Settings) {
        *self.settings.lock().expect("settings lock") = s;
    }

    /// Pauses or resumes notifications; tells the UI.
    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
        if paused {
            self.throttle.lock().expect("throttle lock").clear();
        }
        self.port
            .emit(events::PAUSED_CHANGED, serde_json::Value::Bool(paused));
    }

    /// Whether notifications are paused.
    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    /// Applies the notification policy to feed lines the UI offers.
    pub fn notify(&self, items: Vec<NotifyItem>) {
        let settings = self.settings();
        if self.paused() || settings.quiet {
            return;
        }
        let me = self.signed().and_then(|s| s.user_id.clone());
        let now = self.clock.now();
        for item in items {
            let own = me.is_some() && item.actor_id.as_deref().map(str::to_ascii_lowercase) == me;
            let enabled = settings
                .notify
                .get(&item.project_id)
                .copied()
                .unwrap_or(true);
            if own || !enabled {
                continue;
            }
            let decision = self
                .throttle
                .lock()
                .expect("throttle lock")
                .offer(&item.project_id, now);
            if decision == Decision::Show {
                self.port.notify(&item.project_name, &item.text);
            }
        }
    }

    fn flush_summaries(&self) {
        let due = self
            .throttle
            .lock()
            .expect("throttle lock")
            .due(self.clock.now());
        if due.is_empty() || self.paused() {
            return;
        }
        let projects = self.projects.lock().expect("projects lock").clone();
        for s in due {
            let name = projects
                .iter()
                .find(|p| p.id == s.project)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "a project".into());
            self.port.notify("DevHive", &summary_text(s.count, &name));
        }
    }

    /// Wall-clock now (for callers that stamp things).
    pub fn wall(&self) -> SystemTime {
        self.clock.wall()
    }
}
