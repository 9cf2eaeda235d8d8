//! Reads of a project's data for front ends, and the diagnostics bundle. A list endpoint the
//! server does not have (its router's `404 page not found`, e.g. a deployment without task
//! lists) degrades quietly: an empty list, one note in the timeline and the bundle, and no
//! further calls to it.

use super::authed::AuthedError;
use super::data::*;
use super::error::{AppError, ErrorCode};
use super::App;
use crate::api::ApiError;
use crate::auth::TokenSource;
use crate::server::ServerProfile;
use crate::support::bundle::{self, BundleInput, ProjectRef};
use crate::timeline::{Entry, Scope};

/// What a missing endpoint serves instead: the same kind, empty.
fn empty(kind: ResourceKind) -> Option<ResourceData> {
    match kind {
        ResourceKind::Members => Some(ResourceData::Members(Vec::new())),
        ResourceKind::Messages => Some(ResourceData::Messages(Vec::new())),
        ResourceKind::Tasks => Some(ResourceData::Tasks(Vec::new())),
        ResourceKind::Task => Some(ResourceData::Task(None)),
        ResourceKind::Project => None,
    }
}

fn endpoint(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Project => "GET /projects/{id}",
        ResourceKind::Members => "GET /projects/{id}/members",
        ResourceKind::Messages => "GET /projects/{id}/messages",
        ResourceKind::Tasks => "GET /projects/{id}/tasks",
        ResourceKind::Task => "GET /tasks/{id}",
    }
}

impl App {
    /// One piece of a project's data. Dropping the future abandons the read.
    pub async fn fetch(
        &self,
        project: &str,
        kind: ResourceKind,
        id: Option<&str>,
    ) -> Result<ResourceData, AppError> {
        let s = self.signed().ok_or_else(AppError::not_signed_in)?;
        if let Some(data) = self
            .inner
            .missing
            .lock()
            .expect("missing lock")
            .get(&kind)
            .and_then(|_| empty(kind))
        {
            return Ok(data);
        }
        let api = &s.authed;
        let result: Result<ResourceData, AuthedError> = match kind {
            ResourceKind::Project => api
                .project(project)
                .await
                .map(|p| ResourceData::Project(project_view(&p))),
            ResourceKind::Members => api
                .members(project)
                .await
                .map(|m| ResourceData::Members(m.members.iter().map(member_view).collect())),
            ResourceKind::Messages => api
                .messages(project, 20)
                .await
                .map(|m| ResourceData::Messages(m.iter().map(message_view).collect())),
            ResourceKind::Tasks => api
                .tasks(project)
                .await
                .map(|t| ResourceData::Tasks(t.iter().map(task_view).collect())),
            ResourceKind::Task => {
                let id = id.ok_or_else(|| {
                    AppError::new(ErrorCode::InvalidInput, "A task id is required.")
                })?;
                api.task(id)
                    .await
                    .map(|t| ResourceData::Task(t.as_ref().map(task_view)))
            }
        };
        match result {
            Err(AuthedError::Api(e)) if e.is_missing_route() && empty(kind).is_some() => {
                self.note_missing(kind, &e);
                Ok(empty(kind).expect("checked above"))
            }
            other => other.map_err(|e| AppError::from(&e)),
        }
    }

    fn note_missing(&self, kind: ResourceKind, error: &ApiError) {
        let note = format!(
            "This server has no {} endpoint (it answered: {}); the app works without it.",
            endpoint(kind),
            error.detail()
        );
        let first = self
            .inner
            .missing
            .lock()
            .expect("missing lock")
            .insert(kind, note.clone())
            .is_none();
        if first {
            tracing::info!(%note, "REST resource missing");
            self.inner
                .timeline
                .record(Scope::Session, Entry::Note { message: note });
        }
    }

    /// Notes on how the app degraded (missing endpoints), for the diagnostics view.
    pub fn notes(&self) -> Vec<String> {
        self.inner
            .missing
            .lock()
            .expect("missing lock")
            .values()
            .cloned()
            .collect()
    }

    /// The redacted diagnostics bundle (the same format as `devhive diagnostics export`),
    /// with the feed's frame counters and the degradation notes, as pretty JSON.
    pub async fn diagnostics(&self) -> String {
        let signed = self.signed();
        let profile = signed
            .as_ref()
            .map(|s| s.target.profile.clone())
            .unwrap_or_else(ServerProfile::devhive_fly);
        let mut input = BundleInput::new(self.inner.config.version.clone(), profile)
            .with_timeline(&self.inner.timeline);
        if let Some(s) = &signed {
            input.user_name = s.session.status().user.map(|u| u.name);
            // Only the token's claims go into the bundle, never its text.
            input.access_token = s.session.ensure_valid().await.ok().map(|t| t.secret);
            let names = self.projects();
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
            input.feed = Some(s.feed.counters());
        }
        input.events = self
            .inner
            .recent
            .lock()
            .expect("recent lock")
            .iter()
            .cloned()
            .collect();
        input.notes = self.notes();
        let profile = input.profile.clone();
        if let Ok(network) = self.network() {
            input.network = Some(crate::net::inspect::bundle_section(&network, &profile).await);
        }
        let now = time::OffsetDateTime::from(self.inner.config.clock.wall());
        String::from_utf8_lossy(&bundle::to_bytes(&input, now)).into_owned()
    }
}
