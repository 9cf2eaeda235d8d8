//! The session lifecycle: resuming the remembered session at start-up (with its "resuming",
//! "keychain locked" and "the server signed you out" outcomes), password sign-in, sign-out.

use super::error::{AppError, ErrorCode};
use super::signed::Signed;
use super::signin::{resolve, ServerTarget, SignInRequest};
use super::view::{Phase, SessionView};
use super::{App, KeepSession, UiEvent};
use crate::api::ApiClient;
use crate::keychain::{MemoryStore, SecretStore, StoreError, Vault};
use crate::secret::Secret;
use crate::session::{Session, SessionConfig, SessionError};
use std::sync::Arc;

impl App {
    /// Start-up: shows "resuming" at once when a remembered server exists (so no sign-in
    /// form flashes) and resumes it in the background; otherwise shows the sign-in form.
    /// Must be called inside a tokio runtime.
    pub fn start(&self) {
        if self.demo() {
            // The shell signs in to its embedded sandbox; until then the app is "resuming".
            self.set_phase(Phase::Resuming {
                server: "the demo sandbox".into(),
            });
            return;
        }
        let resumable = self
            .settings()
            .server
            .as_ref()
            .is_some_and(|s| s.resumable());
        if !resumable {
            self.set_phase(Phase::signed_out());
            return;
        }
        if let Some(target) = self.remembered_target() {
            self.set_phase(Phase::Resuming {
                server: target.label,
            });
        }
        let app = self.clone();
        tokio::spawn(async move {
            let phase = app.resume().await;
            tracing::info!(?phase, "start-up session check done");
        });
    }

    /// Resumes the remembered server's session from the keychain and returns where the app
    /// then stands. An unreachable server is not a failure: the session retries by itself
    /// and the app reports itself offline until the server answers. Also the "Retry" after a
    /// locked keychain. Dropping the future leaves the app as it was or signed in.
    pub async fn resume(&self) -> Phase {
        let _guard = self.inner.lifecycle.lock().await;
        if self.signed().is_some() {
            return self.phase();
        }
        let Some(target) = self.remembered_target() else {
            self.set_phase(Phase::signed_out());
            return self.phase();
        };
        self.set_phase(Phase::Resuming {
            server: target.label.clone(),
        });
        let api = match self.network().and_then(|network| {
            ApiClient::with_network(target.profile.clone(), &network)
                .map_err(|e| AppError::from(&e))
        }) {
            Ok(api) => Arc::new(api),
            Err(e) => return self.signed_out_because(e.message),
        };
        let session = self.new_session(&api, Arc::clone(&self.inner.config.keychain));
        match session.resume_stored().await {
            Ok(()) => {}
            Err(e) if e.is_transient() => {
                tracing::info!(error = %e, "server unreachable at start-up; the session retries");
            }
            Err(SessionError::NoStoredSession) => {
                self.set_phase(Phase::signed_out());
                return self.phase();
            }
            Err(SessionError::Store(e)) => {
                let locked = matches!(e, StoreError::Locked { .. } | StoreError::TimedOut { .. });
                let message = if locked {
                    format!("Unlock your keychain to resume your session ({e}).")
                } else {
                    format!("Your keychain can't be used, so your session can't be resumed ({e}).")
                };
                self.set_phase(Phase::Keychain { locked, message });
                return self.phase();
            }
            Err(SessionError::NeedsLogin { reason }) => {
                self.set_phase(Phase::SignedOut {
                    notice: Some(format!("The server signed you out: {reason}")),
                    refused: Some(reason),
                });
                return self.phase();
            }
            Err(other) => {
                return self.signed_out_because(format!(
                    "Your session could not be resumed: {}",
                    AppError::from(&other).message
                ));
            }
        }
        self.install(target, api, session);
        self.phase()
    }

    /// "Retry now": resumes the remembered session when nobody is signed in (after a locked
    /// keychain), or, signed in, fetches the project list and reconnects at once.
    pub async fn retry(&self) {
        match self.signed() {
            Some(signed) => {
                signed.list_soon();
                signed.feed.reconnect_now();
            }
            None => {
                self.resume().await;
            }
        }
    }

    /// Stops the feed and the model's tasks but keeps the stored session (a CLI run ends).
    pub async fn stop(&self) {
        let _guard = self.inner.lifecycle.lock().await;
        self.drop_signed().await;
    }

    /// Signs in with a password and starts the feed. The password is dropped after the
    /// login request; the server choice is saved so the next start resumes it.
    pub async fn sign_in(&self, request: SignInRequest) -> Result<SessionView, AppError> {
        let SignInRequest {
            mut server,
            username,
            password,
            remember_me,
        } = request;
        let password = Secret::new(password);
        let username = username.trim().to_owned();
        if username.is_empty() || password.expose().is_empty() {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                "Enter your username and password.",
            ));
        }
        server.url = server
            .url
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        server.ws_url = server
            .ws_url
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        let target = self.resolve(&server)?;
        let _guard = self.inner.lifecycle.lock().await;
        let network = self.network()?;
        let api = Arc::new(
            ApiClient::with_network(target.profile.clone(), &network)
                .map_err(|e| AppError::from(&e))?,
        );
        let keep = self.inner.config.keep == KeepSession::Always || remember_me;
        let store: Arc<dyn SecretStore> = if keep && !self.demo() {
            Arc::clone(&self.inner.config.keychain)
        } else {
            Arc::new(MemoryStore::new())
        };
        let session = self.new_session(&api, store);
        session
            .login(&username, &password, remember_me)
            .await
            .map_err(|e| AppError::from(&e))?;
        drop(password);
        self.drop_signed().await;
        self.change_settings(|s| s.server = Some(server))?;
        self.install(target, api, session);
        Ok(self.session_view())
    }

    /// Signs out: ends the server session, deletes the stored refresh token, stops the feed.
    /// The server choice stays, so the sign-in form starts from it.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        let _guard = self.inner.lifecycle.lock().await;
        let Some(signed) = self.drop_signed().await else {
            self.set_phase(Phase::signed_out());
            return Ok(());
        };
        let result = signed.session.logout().await;
        self.wipe_history(&signed);
        self.set_phase(Phase::signed_out());
        result.map_err(|e| AppError::from(&e))
    }

    /// Deletes the signed-out account's history (failure mode 11: nothing of it stays).
    fn wipe_history(&self, signed: &Signed) {
        let Some(user) = &signed.user_id else { return };
        let key = crate::history::HistoryKey::new(&signed.target.profile.rest_base, user);
        if let Err(error) = crate::history::HistoryStore::wipe(&self.inner.config.data_dir, &key) {
            tracing::warn!(%error, "history not wiped at sign-out");
        }
    }

    /// The remembered server, resolved (none when unset or not resumable).
    fn remembered_target(&self) -> Option<ServerTarget> {
        let server = self.settings().server.filter(|s| s.resumable())?;
        self.resolve(&server).ok()
    }

    fn resolve(&self, server: &super::ServerSettings) -> Result<ServerTarget, AppError> {
        let sandbox = self.inner.sandbox_url.lock().expect("sandbox lock").clone();
        resolve(server, sandbox.as_deref())
    }

    fn new_session(&self, api: &Arc<ApiClient>, store: Arc<dyn SecretStore>) -> Session {
        let config = &self.inner.config;
        Session::new(SessionConfig {
            api: Arc::clone(api) as _,
            vault: Vault::new(store),
            clock: config.clock.clone(),
            timeline: self.inner.timeline.clone(),
            data_dir: config.data_dir.clone(),
        })
    }

    fn signed_out_because(&self, notice: String) -> super::Phase {
        self.set_phase(Phase::SignedOut {
            notice: Some(notice),
            refused: None,
        });
        self.phase()
    }

    /// Starts the feed and the model's tasks for a session that is signed in (or retrying).
    fn install(&self, target: ServerTarget, api: Arc<ApiClient>, session: Session) {
        let signed = Signed::start(self, target, api, session);
        *self.inner.signed.lock().expect("signed lock") = Some(Arc::clone(&signed));
        self.set_phase(Phase::SignedIn { offline: None });
        signed.start_tasks(self);
        self.publish(UiEvent::SessionChanged(self.session_view()));
        self.update_tray();
    }

    /// Stops and forgets the signed-in state, telling the front end; returns it.
    async fn drop_signed(&self) -> Option<Arc<Signed>> {
        let signed = self.inner.signed.lock().expect("signed lock").take()?;
        signed.stop().await;
        self.inner.projects.lock().expect("projects lock").clear();
        self.inner.policy.lock().expect("policy lock").clear();
        self.inner.missing.lock().expect("missing lock").clear();
        self.publish(UiEvent::SessionChanged(SessionView::signed_out()));
        self.publish(UiEvent::ProjectsChanged(Vec::new()));
        self.update_tray();
        Some(signed)
    }
}
