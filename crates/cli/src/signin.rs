//! Opening a session for a command: resume from the store when a refresh token is stored
//! for the server (no password), else sign in non-interactively from `DEVHIVE_USERNAME` +
//! `DEVHIVE_PASSWORD` (or `--password-stdin`). Errors map to the exit codes of design.md §4.

use crate::exit::Exit;
use crate::globals::Globals;
use clap::Args;
use devhive_core::clock;
use devhive_core::secret::Secret;
use devhive_core::session::{Session, SessionError};
use devhive_core::timeline::Timeline;
use std::io::BufRead;

/// How to sign in when nothing usable is stored.
#[derive(Debug, Clone, Default, Args)]
pub struct SignIn {
    /// Username for signing in when no session is stored.
    #[arg(long, env = "DEVHIVE_USERNAME")]
    pub username: Option<String>,
    /// Read the password from the first line of standard input (otherwise from
    /// DEVHIVE_PASSWORD).
    #[arg(long)]
    pub password_stdin: bool,
    /// Ask for a 30-day session (API version B only; ignored for A).
    #[arg(long)]
    pub remember_me: bool,
}

impl SignIn {
    /// The password from stdin (`--password-stdin`) or `DEVHIVE_PASSWORD`.
    pub fn password(&self) -> Result<Option<Secret>, Exit> {
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Exit::usage(format!("could not read the password from stdin: {e}")))?;
            let password = line.trim_end_matches(['\r', '\n']);
            if password.is_empty() {
                return Err(Exit::usage("--password-stdin: standard input was empty"));
            }
            return Ok(Some(Secret::new(password)));
        }
        Ok(std::env::var("DEVHIVE_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .map(Secret::new))
    }
}

/// Opens a session: resume from the store, or sign in with the given credentials.
pub async fn open_session(globals: &Globals, sign_in: SignIn) -> Result<(Session, Timeline), Exit> {
    let clock = clock::system();
    let timeline = Timeline::new(clock.clone());
    let session = Session::new(globals.session_config(clock, timeline.clone())?);
    let resumed = session.resume_stored().await;
    let reason = match resumed {
        Ok(()) => return Ok((session, timeline)),
        Err(error) if error.is_transient() => {
            eprintln!("devhive: warning: {error}; the session keeps retrying");
            return Ok((session, timeline));
        }
        Err(SessionError::NoStoredSession) => None,
        Err(SessionError::NeedsLogin { reason }) => Some(reason),
        Err(other) => return Err(exit_for(&other)),
    };
    let password = sign_in.password()?;
    let (Some(username), Some(password)) = (sign_in.username.as_deref(), password) else {
        let why = reason.unwrap_or_else(|| "not signed in".into());
        return Err(Exit::needs_login(format!(
            "{why}: run `devhive login --username <name>`, or set DEVHIVE_USERNAME and DEVHIVE_PASSWORD"
        )));
    };
    sign_in_with(globals, &session, username, &password, sign_in.remember_me).await?;
    Ok((session, timeline))
}

/// Signs `session` in with a password, mapping failures to exit codes.
pub async fn sign_in_with(
    globals: &Globals,
    session: &Session,
    username: &str,
    password: &Secret,
    remember_me: bool,
) -> Result<(), Exit> {
    let profile = globals.profile()?;
    if remember_me && profile.api_version == devhive_core::server::ApiVersion::A {
        eprintln!("devhive: note: --remember-me is ignored: API version A does not accept it");
    }
    session
        .login(username, password, remember_me)
        .await
        .map_err(|e| exit_for(&e))
}

/// The exit for a session error (through the app model's one error table).
pub fn exit_for(error: &SessionError) -> Exit {
    devhive_core::app::AppError::from(error).into()
}
