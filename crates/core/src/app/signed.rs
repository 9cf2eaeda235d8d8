//! One signed-in account and its tasks: the session and feed forwarders (core state → UI
//! events and the tray) and the project lister (the list fetched again on every resync, on
//! project and membership events and every few minutes, with "offline" while it fails).

use super::authed::{AuthedApi, AuthedError};
use super::data::project_view;
use super::schedule::{ListSchedule, DEBOUNCE};
use super::signin::ServerTarget;
use super::view::{Offline, Phase};
use super::{mapping, App, Inner, UiEvent};
use crate::api::ApiClient;
use crate::auth::AuthError;
use crate::realtime::{EventKind, Feed, FeedEvent, FeedUpdate, Resource};
use crate::session::Session;
use crate::support::bundle::{EventRef, EVENT_LIMIT};
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;
use tokio::task::AbortHandle;
use tokio::time::sleep_until;

/// The signed-in state: server, session, REST, feed, and the tasks serving them.
pub(crate) struct Signed {
    /// The server and its label.
    pub target: ServerTarget,
    /// `<server host>|<user id>`: the key of this account's saved watch list.
    pub account: String,
    /// The user's id, lowercase.
    pub user_id: Option<String>,
    /// The session.
    pub session: Session,
    /// REST with the one-retry-on-401 rule.
    pub authed: AuthedApi<Session>,
    /// The realtime feed.
    pub feed: Feed<Session>,
    /// The account's history (none when the config turns catch-ups off or it cannot be opened).
    pub history: Option<Arc<crate::history::HistoryStore>>,
    /// The catch-ups' share of the request budget.
    pub budget: Arc<crate::catchup::RequestBudget>,
    /// Wakes the project lister early (resync, project or membership event).
    list_now: Arc<Notify>,
    /// Where live lines go to be stored (set when there is a history).
    live: std::sync::OnceLock<super::record::LiveLog>,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl Drop for Signed {
    fn drop(&mut self) {
        for task in self.tasks.get_mut().expect("tasks lock").drain(..) {
            task.abort();
        }
    }
}

impl Signed {
    /// The signed-in state for `session`; its feed watches nothing until [`Self::start_tasks`].
    pub fn start(
        app: &App,
        target: ServerTarget,
        api: Arc<ApiClient>,
        session: Session,
    ) -> Arc<Self> {
        let config = &app.inner.config;
        let user_id = session.status().user.map(|u| u.id.to_ascii_lowercase());
        let account = format!(
            "{}|{}",
            target.profile.host_key(),
            user_id.as_deref().unwrap_or("unknown")
        );
        let tokens = Arc::new(session.clone());
        let feed = Feed::start(
            target.profile.clone(),
            Arc::clone(&tokens),
            app.inner.timeline.clone(),
            crate::realtime::FeedConfig {
                network: api.network().clone(),
                ..config.feed.clone()
            },
        );
        let history = match (&user_id, config.catch_up) {
            (Some(user), true) => open_history(app, &target, user),
            _ => None,
        };
        Arc::new(Self {
            history,
            budget: Arc::new(crate::catchup::RequestBudget::new(
                crate::catchup::PER_MINUTE,
            )),
            target,
            account,
            user_id,
            authed: AuthedApi::new(api, tokens),
            session,
            feed,
            list_now: Arc::new(Notify::new()),
            live: std::sync::OnceLock::new(),
            tasks: Mutex::new(Vec::new()),
        })
    }

    /// Starts the forwarders and the project lister, then watches the saved list (or the
    /// config's), in that order: the feed's first updates — a fast "connected", its resync —
    /// must find the forwarder subscribed. (Watching first lost them on a loaded machine: a
    /// `devhive watch` never printed "connected".)
    pub fn start_tasks(self: &Arc<Self>, app: &App) {
        let weak = Arc::downgrade(&app.inner);
        let mut tasks = vec![
            tokio::spawn(forward_session(weak.clone(), self.session.subscribe())),
            tokio::spawn(forward_feed(
                weak.clone(),
                self.feed.subscribe(),
                Arc::clone(&self.list_now),
            )),
        ];
        if let Some(store) = &self.history {
            let (log, lines) = tokio::sync::mpsc::unbounded_channel();
            if self.live.set(log).is_ok() {
                let config = &app.inner.config;
                tasks.push(tokio::spawn(super::record::keep_live(
                    weak.clone(),
                    Arc::clone(store),
                    lines,
                    config.clock.clone(),
                    config.resnapshot_every,
                )));
            }
        }
        if app.inner.config.list_projects {
            tasks.push(tokio::spawn(list_projects(weak, Arc::downgrade(self))));
        }
        self.tasks
            .lock()
            .expect("tasks lock")
            .extend(tasks.iter().map(|t| t.abort_handle()));
        let initial = match &app.inner.config.watch_only {
            Some(only) => Some(only.clone()),
            None => app
                .settings()
                .watched_for(&self.account)
                .map(<[String]>::to_vec),
        };
        if let Some(projects) = initial {
            self.feed.watch(&projects);
        }
    }

    /// Asks the project lister to fetch the list again soon.
    pub fn list_soon(&self) {
        self.list_now.notify_one();
    }

    /// Watches exactly `projects` (lowercase), stopping the others.
    pub fn watch_exactly(&self, projects: &[String]) {
        let stale: Vec<String> = self
            .feed
            .watched()
            .into_iter()
            .filter(|p| !projects.contains(p))
            .collect();
        self.feed.unwatch(stale);
        self.feed.watch(projects);
    }

    /// Stops the tasks and every connection.
    pub async fn stop(&self) {
        for task in self.tasks.lock().expect("tasks lock").drain(..) {
            task.abort();
        }
        self.feed.stop().await;
    }
}

/// Opens the account's history; a file set aside is noted in the timeline, a store that
/// cannot be made at all only costs the catch-ups.
fn open_history(
    app: &App,
    target: &ServerTarget,
    user: &str,
) -> Option<Arc<crate::history::HistoryStore>> {
    use crate::history::{HistoryKey, HistoryStore};
    use crate::timeline::{Entry, Scope};
    let key = HistoryKey::new(&target.profile.rest_base, user);
    match HistoryStore::open(&app.inner.config.data_dir, &key) {
        Ok(opened) => {
            if let Some(warning) = opened.warning {
                app.inner.timeline.record(
                    Scope::Session,
                    Entry::Note {
                        message: warning.to_string(),
                    },
                );
            }
            Some(Arc::new(opened.store))
        }
        Err(error) => {
            tracing::warn!(%error, "history unavailable: no catch-ups this session");
            None
        }
    }
}

fn app(weak: &Weak<Inner>) -> Option<App> {
    weak.upgrade().map(|inner| App { inner })
}

async fn forward_session(
    weak: Weak<Inner>,
    mut status: tokio::sync::watch::Receiver<crate::session::SessionStatus>,
) {
    loop {
        {
            let Some(app) = app(&weak) else { return };
            app.publish(UiEvent::SessionChanged(app.session_view()));
            app.update_tray();
        }
        if status.changed().await.is_err() {
            return;
        }
    }
}

async fn forward_feed(
    weak: Weak<Inner>,
    mut updates: tokio::sync::broadcast::Receiver<FeedUpdate>,
    list_now: Arc<Notify>,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let update = match updates.recv().await {
            Ok(update) => update,
            Err(RecvError::Lagged(skipped)) => {
                tracing::warn!(skipped, "feed consumer lagged");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let Some(app) = app(&weak) else { return };
        let clock = &app.inner.config.clock;
        let (now, wall) = (clock.now(), clock.wall());
        match update {
            FeedUpdate::Connection { project, state } => {
                let view = mapping::connection_view(&project, &state, now, wall);
                app.publish(UiEvent::ConnectionChanged(view));
                app.update_tray();
            }
            FeedUpdate::Event(event) => {
                if changes_projects(&event) {
                    list_now.notify_one();
                }
                let Some(view) = mapping::feed_event_view(&event, wall) else {
                    continue;
                };
                {
                    let mut recent = app.inner.recent.lock().expect("recent lock");
                    if recent.len() >= EVENT_LIMIT {
                        recent.pop_front();
                    }
                    recent.push_back(EventRef {
                        at: time::OffsetDateTime::from(wall),
                        project: view.project_id.clone(),
                        kind: view.kind.clone(),
                        resource: view.resource.clone(),
                        action: view.action.clone(),
                        id: view.id.clone(),
                    });
                }
                if let Some(log) = app.signed().as_ref().and_then(|s| s.live.get()) {
                    let _ = log.send(view.record());
                }
                app.publish(UiEvent::FeedEvent(view));
            }
            FeedUpdate::Resync { project, reason } => {
                list_now.notify_one();
                tokio::spawn(super::away::catch_up(weak.clone(), project.clone()));
                app.publish(UiEvent::Resync(mapping::resync_view(&project, reason)));
            }
        }
    }
}

/// Events after which the project list may have changed (a project renamed, created or
/// deleted; someone, maybe we, added or removed).
fn changes_projects(event: &FeedEvent) -> bool {
    matches!(
        event.resource,
        Some(Resource::Project | Resource::ProjectMembers)
    ) || matches!(
        event.kind,
        EventKind::MemberAdded | EventKind::ProjectUpdated
    )
}

async fn list_projects(weak: Weak<Inner>, signed: Weak<Signed>) {
    let (clock, every) = match app(&weak) {
        Some(app) => (app.inner.config.clock.clone(), app.inner.config.list_every),
        None => return,
    };
    let mut schedule = ListSchedule::new(clock.now(), every, DEBOUNCE);
    loop {
        let Some(list_now) = signed.upgrade().map(|s| Arc::clone(&s.list_now)) else {
            return;
        };
        tokio::select! {
            _ = sleep_until(schedule.deadline()) => {}
            _ = list_now.notified() => {
                schedule.kick(clock.now());
                continue;
            }
        }
        let (Some(app), Some(s)) = (app(&weak), signed.upgrade()) else {
            return;
        };
        let result = s.authed.projects().await;
        let now = clock.now();
        match result {
            Ok(list) => {
                schedule.succeeded(now);
                app.on_project_list(&s, list.iter().map(project_view).collect());
            }
            Err(error) if error.requires_sign_in() => {
                // The session view says so; try again only when something changes.
                schedule.succeeded(now);
            }
            Err(error) => {
                let session_retry = match &error {
                    AuthedError::Token(AuthError::Transient {
                        retry_after: Some(d),
                        ..
                    }) => Some(now + *d),
                    _ => None,
                };
                let at = schedule.failed(now, rand::random::<f64>(), session_retry);
                tracing::info!(%error, retry_in_ms = (at - now).as_millis() as u64, "project list failed");
                if error.is_transient() {
                    app.set_phase(Phase::SignedIn {
                        offline: Some(Offline {
                            server: s.target.label.clone(),
                            retry_at_ms: mapping::instant_ms(at, now, clock.wall()),
                            reason: error.to_string(),
                        }),
                    });
                }
            }
        }
    }
}

impl App {
    /// A fresh project list: publish it, watch every project when the account has no saved
    /// list, and reconnect at once if we were offline (the server answers again).
    fn on_project_list(&self, signed: &Signed, projects: Vec<super::ProjectView>) {
        *self.inner.projects.lock().expect("projects lock") = projects.clone();
        self.publish(UiEvent::ProjectsChanged(projects.clone()));
        let all = self.inner.config.watch_only.is_none()
            && self.settings().watched_for(&signed.account).is_none();
        if all {
            let ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
            signed.watch_exactly(&ids);
        }
        let was_offline = matches!(self.phase(), Phase::SignedIn { offline: Some(_) });
        self.set_phase(Phase::SignedIn { offline: None });
        if was_offline {
            signed.feed.reconnect_now();
        }
        self.update_tray();
    }
}
