//! `devhive logout`: end the server session (best effort) and delete the stored refresh
//! token whatever the server said.

use crate::exit::Exit;
use crate::globals::Globals;
use crate::signin::exit_for;
use devhive_core::clock;
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
    match session.logout().await {
        Ok(()) => {
            println!("signed out of {}", session.host());
            Exit::Ok
        }
        Err(error) => exit_for(&error),
    }
}
