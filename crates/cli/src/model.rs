//! The CLI as a front end of the app model: the model built from the global options, a port
//! that hands its events to the command's loop, and opening the session the way the desktop
//! app does (resume the stored session; else sign in non-interactively).

use crate::exit::Exit;
use crate::globals::Globals;
use crate::signin::SignIn;
use devhive_core::app::{
    App, AppConfig, ErrorCode, KeepSession, MemorySettings, Phase, Settings, SignInRequest,
    UiEvent, UiPort,
};
use devhive_core::keychain::SecretStore;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Hands every event to the command's loop.
pub struct ChannelPort(mpsc::UnboundedSender<UiEvent>);

impl UiPort for ChannelPort {
    fn publish(&self, event: UiEvent) {
        let _ = self.0.send(event);
    }
}

/// The model for this run (settings in memory, sessions in `--secret-store`) and the stream
/// of its events. `watch_only` pins the watched projects (`--project`); `None` watches all.
/// One-shot commands pass `list_projects: false`.
pub fn build(
    globals: &Globals,
    store: Arc<dyn SecretStore>,
    watch_only: Option<Vec<String>>,
    list_projects: bool,
) -> Result<(App, mpsc::UnboundedReceiver<UiEvent>), Exit> {
    let settings = Settings {
        server: Some(globals.server_settings()?),
        ..Settings::default()
    };
    let mut config = AppConfig::new(
        env!("CARGO_PKG_VERSION"),
        globals.data_dir()?,
        store,
        Arc::new(MemorySettings::new(settings)),
    );
    config.keep = KeepSession::Always;
    config.network = globals.net_overrides()?;
    config.watch_only = watch_only;
    config.list_projects = list_projects;
    // `watch` records history itself (record.rs); one-shot commands keep none.
    config.catch_up = false;
    let (sender, events) = mpsc::unbounded_channel();
    Ok((App::new(config, Arc::new(ChannelPort(sender))), events))
}

/// Opens the session: resumes the stored one (an unreachable server is not a failure: the
/// model retries), else signs in with `DEVHIVE_USERNAME` + `DEVHIVE_PASSWORD` /
/// `--password-stdin`.
pub async fn open(app: &App, globals: &Globals, sign_in: SignIn) -> Result<(), Exit> {
    let notice = match app.resume().await {
        Phase::SignedIn { .. } => return Ok(()),
        Phase::Keychain { locked, message } => {
            let code = if locked {
                ErrorCode::KeychainLocked
            } else {
                ErrorCode::Keychain
            };
            return Err(Exit::fail(code, message));
        }
        Phase::SignedOut { notice, .. } => notice,
        other @ (Phase::Starting | Phase::Resuming { .. }) => Some(format!("{other:?}")),
    };
    let password = sign_in.password()?;
    let (Some(username), Some(password)) = (sign_in.username.clone(), password) else {
        let why = notice.unwrap_or_else(|| "not signed in".into());
        return Err(Exit::needs_login(format!(
            "{why}: run `devhive login --username <name>`, or set DEVHIVE_USERNAME and DEVHIVE_PASSWORD"
        )));
    };
    if sign_in.remember_me && globals.api_version == devhive_sandbox::ApiVersion::A {
        eprintln!("devhive: note: --remember-me is ignored: API version A does not accept it");
    }
    let request = SignInRequest {
        server: globals.server_settings()?,
        username,
        password: password.expose().to_owned(),
        remember_me: sign_in.remember_me,
    };
    app.sign_in(request).await.map(drop).map_err(Exit::from)
}
