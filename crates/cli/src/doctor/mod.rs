//! `devhive doctor`: walks the chain from DNS to the first ping, one step at a time, and says
//! in plain words what broke and what to do. The verdict is the first failure in chain order.

mod auth;
mod live;
mod network;
mod progress;
mod proxy;
mod tls;

use crate::exit::Exit;
use crate::globals::{Globals, StoreArg};
use crate::signin::SignIn;
use auth::{Credentials, Signed};
use devhive_core::api::ApiClient;
use devhive_core::app::App;
use devhive_core::keychain::Vault;
use devhive_core::net::Network;
use devhive_core::server::ServerProfile;
use devhive_core::support::verdict::HandshakeContext;
use devhive_core::support::{Check, Status, Step, Verdict};
use live::Handshake;
pub use progress::Progress;
use std::time::Duration;

/// At most this many projects are tried when none is named.
const AUTO_PROJECTS: usize = 3;

/// Arguments of `devhive doctor` (the server comes from the global `--server`, `--ws-url`,
/// `--flavour`, `--api-version`; the store from `--secret-store`).
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Project to test the live connection of (repeatable; default: up to 3 of yours).
    #[arg(long = "project")]
    pub projects: Vec<String>,
    /// One JSON object per step, then the verdict.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for the first ping answer on an open socket.
    #[arg(long, default_value_t = 10.0)]
    pub ping_timeout: f64,
    /// With --username (and DEVHIVE_PASSWORD or --password-stdin) the doctor signs in with a
    /// throwaway session of its own: nothing is stored and it is logged out at the end.
    /// Without, it uses the stored session (through the shared refresh lock).
    #[command(flatten)]
    pub sign_in: SignIn,
}

/// Everything the doctor needs, resolved from the arguments.
pub struct Options {
    /// The server.
    pub profile: ServerProfile,
    /// Projects to test (empty: pick from the account).
    pub projects: Vec<String>,
    /// Where the token comes from.
    pub credentials: Credentials,
    /// The secret store.
    pub vault: Vault,
    /// True when the store is the OS keychain (probe it).
    pub keychain: bool,
    /// First-ping wait.
    pub ping_timeout: Duration,
    /// The app model, for the stored session (resumed as the desktop app resumes it).
    pub model: App,
    /// Proxy and TLS settings (`--proxy`, `--ca-file`, the environment).
    pub network: Network,
}

impl DoctorArgs {
    /// Resolves the arguments (usage errors are exit 2).
    pub fn options(&self, globals: &Globals) -> Result<Options, Exit> {
        let profile = globals.profile()?;
        let credentials = match (&self.sign_in.username, self.sign_in.password()?) {
            (Some(username), Some(password)) => Credentials::Password {
                username: username.clone(),
                password,
            },
            (Some(_), None) => {
                return Err(Exit::usage(
                    "--username needs DEVHIVE_PASSWORD or --password-stdin",
                ))
            }
            (None, _) => Credentials::Stored,
        };
        let projects = self
            .projects
            .iter()
            .map(|p| {
                uuid::Uuid::parse_str(p.trim())
                    .map(|u| u.to_string())
                    .map_err(|_| Exit::usage(format!("--project {p:?} is not a UUID")))
            })
            .collect::<Result<_, _>>()?;
        if !(self.ping_timeout > 0.0 && self.ping_timeout < 3600.0) {
            return Err(Exit::usage("--ping-timeout must be between 0 and 3600 s"));
        }
        let store = globals.store();
        Ok(Options {
            profile,
            projects,
            credentials,
            vault: Vault::new(store.clone()),
            keychain: globals.secret_store == StoreArg::Keychain,
            ping_timeout: Duration::from_secs_f64(self.ping_timeout),
            model: crate::model::build(globals, store, Some(Vec::new()), false)?.0,
            network: globals.network()?,
        })
    }
}

/// Runs `devhive doctor` and maps the verdict to the exit code.
pub async fn run(globals: &Globals, args: DoctorArgs) -> Exit {
    let options = match args.options(globals) {
        Ok(options) => options,
        Err(exit) => return exit,
    };
    let mut progress = Progress::stdout(args.json);
    let checks = diagnose(options, &mut progress).await;
    let verdict = Verdict::of(&checks);
    progress.verdict(&verdict);
    match verdict.code() {
        None => Exit::Ok,
        Some(code) => Exit::fail(code, format!("doctor: {}", verdict.line())),
    }
}

/// Runs every step, reporting each to `progress` as it ends, and returns the checks.
pub async fn diagnose(options: Options, progress: &mut Progress) -> Vec<Check> {
    let mut run = Run {
        progress,
        checks: Vec::new(),
    };
    let profile = options.profile.clone();
    let net = options.network.clone();
    run.start(Step::Proxy, None);
    let (check, report) = proxy::proxy(&net, &profile).await;
    if !run.push(check) {
        return run.checks;
    }
    // DNS and TCP are the proxy's business when REST goes through it (the socket may not).
    let proxied = report
        .as_ref()
        .and_then(|r| r.routes.first())
        .is_some_and(|rest| rest.proxy.is_some());
    if proxied {
        let why = "through the proxy: it resolves the name and connects";
        run.push(Check::skipped(Step::Dns, why));
        run.push(Check::skipped(Step::Tcp, why));
    } else {
        run.start(Step::Dns, None);
        let (check, addrs) = network::dns(&profile.rest_base).await;
        if !run.push(check) {
            return run.checks;
        }
        run.start(Step::Tcp, None);
        if !run.push(network::tcp(&addrs).await) {
            return run.checks;
        }
    }
    if profile.rest_base.scheme() == "https" {
        run.start(Step::Tls, None);
        if !run.push(tls::tls(&net, &profile.rest_base).await) {
            return run.checks;
        }
    } else {
        run.push(Check::skipped(Step::Tls, "plain http: no TLS"));
    }
    let api = match ApiClient::with_network(profile.clone(), &net) {
        Ok(api) => api,
        Err(error) => {
            run.push(Check::fail(
                Step::Health,
                0,
                error.to_string(),
                devhive_core::support::Problem::TlsFailed {
                    error: error.to_string(),
                },
            ));
            return run.checks;
        }
    };
    run.start(Step::Health, None);
    let http = net
        .http_builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(network::STEP_TIMEOUT)
        .build()
        .expect("an HTTP client with rustls builds");
    let (check, facts) = network::health(&http, &net, &profile.rest_base).await;
    if !run.push(check) {
        return run.checks;
    }
    let stored = matches!(options.credentials, Credentials::Stored);
    if options.keychain {
        run.start(Step::Keychain, None);
        if !run.push(auth::keychain(&options.vault, stored).await) {
            return run.checks;
        }
    } else {
        run.push(Check::skipped(
            Step::Keychain,
            "--secret-store memory: keychain not used",
        ));
    }
    run.start(Step::SignIn, None);
    let mut signed = match auth::sign_in(&api, options.credentials, &options.model).await {
        Ok((check, signed)) => {
            run.push(check);
            signed
        }
        Err(check) => {
            run.push(check);
            return run.checks;
        }
    };
    run.start(Step::Refresh, None);
    let refreshed = run.push(auth::refresh(&mut signed).await);
    if refreshed {
        run.start(Step::Claims, None);
        run.push(auth::claims(&signed.token, facts.server_date));
        realtime(
            &mut run,
            &api,
            &profile,
            &options.projects,
            &mut signed,
            options.ping_timeout,
            &net,
        )
        .await;
    }
    auth::release(signed.held).await;
    options.model.stop().await;
    run.checks
}

async fn realtime(
    run: &mut Run<'_>,
    api: &ApiClient,
    profile: &ServerProfile,
    named: &[String],
    signed: &mut Signed,
    ping_timeout: Duration,
    net: &Network,
) {
    let projects = if named.is_empty() {
        match api.projects(&signed.token).await {
            Ok(list) => list
                .projects
                .into_iter()
                .take(AUTO_PROJECTS)
                .map(|p| p.id.to_lowercase())
                .collect(),
            Err(error) => {
                run.push(Check::skipped(
                    Step::Handshake,
                    format!("could not list your projects: {error}"),
                ));
                return;
            }
        }
    } else {
        named.to_vec()
    };
    if projects.is_empty() {
        run.push(Check::skipped(
            Step::Handshake,
            "you have no projects; pass --project",
        ));
    }
    for project in projects {
        run.start(Step::Handshake, Some(&project));
        let context = HandshakeContext {
            token_is_fresh: auth::is_fresh(signed),
        };
        let mut outcome = live::handshake(profile, net, &project, &signed.token, context).await;
        if let Handshake::Refused { status: 401, check } = &outcome {
            // What the feed does (design.md §3): one forced refresh, then retry at once.
            let first = check.detail.clone();
            if auth::refresh(signed).await.status == Status::Ok {
                let fresh = HandshakeContext {
                    token_is_fresh: true,
                };
                outcome = live::handshake(profile, net, &project, &signed.token, fresh).await;
                outcome = annotate(outcome, &first);
            }
        }
        match outcome {
            Handshake::Open(mut socket, check) => {
                run.push(check);
                run.start(Step::FirstPing, Some(&project));
                let ping = live::first_ping(&mut socket, profile, &project, ping_timeout);
                run.push(ping.await);
            }
            Handshake::Refused { check, .. } | Handshake::Failed(check) => {
                run.push(check);
            }
        }
    }
}

/// Notes on a retried handshake what the first attempt got.
fn annotate(outcome: Handshake, first: &str) -> Handshake {
    let note = |mut check: Check| {
        check.detail = format!("{} (first try: {first}; refreshed once)", check.detail);
        if check.status == Status::Ok {
            check.status = Status::Warn;
        }
        check
    };
    match outcome {
        Handshake::Open(socket, check) => Handshake::Open(socket, note(check)),
        Handshake::Refused { check, status } => Handshake::Refused {
            check: note(check),
            status,
        },
        Handshake::Failed(check) => Handshake::Failed(note(check)),
    }
}

struct Run<'a> {
    progress: &'a mut Progress,
    checks: Vec<Check>,
}

impl Run<'_> {
    fn start(&mut self, step: Step, project: Option<&str>) {
        self.progress.start(step, project);
    }

    /// Records a finished step; false when it failed (the chain stops there).
    fn push(&mut self, check: Check) -> bool {
        self.progress.finish(&check);
        let ok = check.status != Status::Fail;
        self.checks.push(check);
        ok
    }
}
