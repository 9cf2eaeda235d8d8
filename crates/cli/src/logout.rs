//! `devhive logout`: end the server session (best effort) and delete the stored refresh
//! token whatever the server said.

use crate::exit::Exit;
use crate::globals::Globals;
use crate::signin::exit_for;
use devhive_core::clock;
use devhive_core::history::{HistoryKey, HistoryStore};
use devhive_core::session::Session;
use devhive_core::timeline::Timeline;

/// Signs out of the server in `--server`.
pub async fn run(globals: &Globals) -> Exit {
    let clock = clock::system();
    let config = match globals.session_config(clock.clone(), Timeline::new(clock)) {
        Ok(config) => config,
        Err(exit) => return exit,
    };
    let session = Session::new(config);
    // Whose history to wipe: the account the stored session belongs to.
    let profile = globals.profile();
    let last = match &profile {
        Ok(profile) => globals
            .vault()
            .last_user(&profile.host_key())
            .await
            .ok()
            .flatten(),
        Err(_) => None,
    };
    match session.logout().await {
        Ok(()) => {
            if let (Ok(profile), Some(user), Ok(dir)) = (&profile, &last, globals.data_dir()) {
                let key = HistoryKey::new(&profile.rest_base, &user.id);
                if let Err(error) = HistoryStore::wipe(&dir, &key) {
                    eprintln!("devhive: warning: {error}");
                }
            }
            println!("signed out of {}", session.host());
            Exit::Ok
        }
        Err(error) => exit_for(&error),
    }
}
