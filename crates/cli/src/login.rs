//! `devhive login --username U [--password-stdin] [--remember-me]`: sign in and keep the
//! refresh token in the chosen store.

use crate::exit::Exit;
use crate::globals::Globals;
use crate::signin::{sign_in_with, SignIn};
use clap::Args;
use devhive_core::clock;
use devhive_core::session::Session;
use devhive_core::timeline::Timeline;

/// Arguments of `devhive login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    sign_in: SignIn,
}

/// Signs in with a password from stdin or `DEVHIVE_PASSWORD`.
pub async fn run(globals: &Globals, args: LoginArgs) -> Exit {
    match login(globals, args.sign_in).await {
        Ok(()) => Exit::Ok,
        Err(exit) => exit,
    }
}

async fn login(globals: &Globals, sign_in: SignIn) -> Result<(), Exit> {
    let username = sign_in
        .username
        .clone()
        .ok_or_else(|| Exit::usage("login needs --username (or DEVHIVE_USERNAME)"))?;
    let password = sign_in
        .password()?
        .ok_or_else(|| Exit::usage("no password: pass --password-stdin or set DEVHIVE_PASSWORD"))?;
    let clock = clock::system();
    let session = Session::new(globals.session_config(clock.clone(), Timeline::new(clock))?);
    sign_in_with(globals, &session, &username, &password, sign_in.remember_me).await?;
    let status = session.status();
    println!(
        "signed in as {username} on {}; refresh token kept in {}",
        session.host(),
        status.store_label
    );
    Ok(())
}
