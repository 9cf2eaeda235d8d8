//! Options every `devhive` command takes: which server, which secret store, where data lives,
//! how much to log. Builds the core pieces (profile, API client, store, session config).

use crate::exit::Exit;
use clap::{ArgAction, Args, ValueEnum};
use devhive_core::api::ApiClient;
use devhive_core::app::{net_config, NetOverrides, ServerSettings, Settings, CA_FILE_VARIABLE};
use devhive_core::clock::SharedClock;
use devhive_core::keychain::{KeyringStore, MemoryStore, SecretStore, Vault};
use devhive_core::net::{NetError, Network, ProxySource, ProxyUrl, ProxyUrlError};
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::session::SessionConfig;
use devhive_core::timeline::Timeline;
use std::path::PathBuf;
use std::sync::Arc;

/// Global options (usable before or after the subcommand).
#[derive(Debug, Clone, Args)]
pub struct Globals {
    /// Server origin or REST base, e.g. https://devhive-go-backend.fly.dev
    #[arg(
        long,
        env = "DEVHIVE_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub server: String,
    /// WebSocket URL (default: derived from --server for the flavour).
    #[arg(long, env = "DEVHIVE_WS_URL", global = true)]
    pub ws_url: Option<String>,
    /// Realtime flavour of the deployment.
    #[arg(long, value_enum, default_value_t = FlavourArg::Fly, global = true)]
    pub flavour: FlavourArg,
    /// REST API version of the server: a (no rememberMe) or b (current).
    // The value type is the sandbox's own: `devhive sandbox --api-version` is the same flag
    // (the version to imitate), and clap hands a subcommand's value of a global flag up to
    // the top level, where it must downcast to this field's type.
    #[arg(long, value_parser = parse_api_version, default_value = "b", global = true)]
    pub api_version: devhive_sandbox::ApiVersion,
    /// Where the refresh token lives: the OS keychain, or this process's memory only.
    #[arg(long, value_enum, default_value_t = StoreArg::Keychain, global = true)]
    pub secret_store: StoreArg,
    /// Data directory (refresh lock file); default: the platform's app data dir.
    #[arg(long, env = "DEVHIVE_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short = 'v', action = ArgAction::Count, global = true)]
    pub verbose: u8,
    /// An HTTP proxy for every server, `http://[user:password@]host:port` (default: the
    /// HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY variables, as curl reads them).
    #[arg(long, value_name = "URL", value_parser = parse_proxy, global = true)]
    pub proxy: Option<ProxyArg>,
    /// A PEM file of CA certificates to trust besides the operating system's.
    #[arg(long, value_name = "FILE", env = CA_FILE_VARIABLE, global = true)]
    pub ca_file: Option<PathBuf>,
    /// Log filter for stderr (e.g. `debug`, `devhive_core=trace`); overrides -v.
    #[arg(long = "log", value_name = "LEVEL", global = true)]
    pub log: Option<String>,
}

/// `--proxy` as given: parsed, but a bad value is reported later, by [`Globals::network`],
/// so that clap never repeats it (it may hold a password).
#[derive(Debug, Clone)]
pub struct ProxyArg(Result<ProxyUrl, ProxyUrlError>);

fn parse_proxy(text: &str) -> Result<ProxyArg, std::convert::Infallible> {
    Ok(ProxyArg(ProxyUrl::parse(text)))
}

/// `--flavour`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlavourArg {
    /// Fly.io server with the Gorilla WebSocket.
    Fly,
    /// AWS API Gateway WebSocket.
    Aws,
}

/// Parses `--api-version` (`a` or `b`, any case).
fn parse_api_version(text: &str) -> Result<devhive_sandbox::ApiVersion, String> {
    match text.to_ascii_lowercase().as_str() {
        "a" => Ok(devhive_sandbox::ApiVersion::A),
        "b" => Ok(devhive_sandbox::ApiVersion::B),
        _ => Err("expected a or b".into()),
    }
}

/// `--secret-store`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreArg {
    /// The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager).
    Keychain,
    /// This process's memory: the session dies with the process.
    Memory,
}

impl Globals {
    /// The server profile from `--server`, `--ws-url`, `--flavour`, `--api-version`.
    pub fn profile(&self) -> Result<ServerProfile, Exit> {
        let flavour = match self.flavour {
            FlavourArg::Fly => Flavour::Fly,
            FlavourArg::Aws => Flavour::Aws,
        };
        let version = match self.api_version {
            devhive_sandbox::ApiVersion::A => ApiVersion::A,
            devhive_sandbox::ApiVersion::B => ApiVersion::B,
        };
        ServerProfile::custom(&self.server, self.ws_url.as_deref(), flavour, version)
            .map_err(|e| Exit::usage(e.to_string()))
    }

    /// The data directory (`--data-dir`, or the platform default).
    pub fn data_dir(&self) -> Result<PathBuf, Exit> {
        match &self.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => devhive_core::session::default_data_dir()
                .ok_or_else(|| Exit::usage("no home directory to keep data in: pass --data-dir")),
        }
    }

    /// `--proxy` and `--ca-file` (or `DEVHIVE_CA_FILE`); a bad `--proxy` is a usage error
    /// that names the flag, never its value.
    pub fn net_overrides(&self) -> Result<NetOverrides, Exit> {
        let proxy = match &self.proxy {
            None => None,
            Some(ProxyArg(Ok(url))) => Some(url.clone()),
            Some(ProxyArg(Err(source))) => {
                return Err(Exit::usage(
                    NetError::BadProxy {
                        origin: ProxySource::Flag,
                        source: source.clone(),
                    }
                    .to_string(),
                ))
            }
        };
        Ok(NetOverrides {
            proxy,
            ca_file: self.ca_file.clone(),
        })
    }

    /// The network these options choose (the CLI has no settings file: flags, then the
    /// environment). An unreadable CA file is a usage error.
    pub fn network(&self) -> Result<Network, Exit> {
        let config = net_config(&self.net_overrides()?, &Settings::default())
            .map_err(|e| Exit::usage(e.to_string()))?;
        Network::new(&config).map_err(|e| Exit::usage(e.to_string()))
    }

    /// The REST client for the profile, on [`Globals::network`].
    pub fn api(&self) -> Result<ApiClient, Exit> {
        ApiClient::with_network(self.profile()?, &self.network()?).map_err(Exit::other)
    }

    /// The server as the app model's settings name it.
    pub fn server_settings(&self) -> Result<ServerSettings, Exit> {
        let profile = self.profile()?;
        Ok(ServerSettings::custom(
            &self.server,
            self.ws_url.as_deref(),
            profile.flavour,
            profile.api_version,
        ))
    }

    /// The secret store chosen by `--secret-store` in a [`Vault`].
    pub fn vault(&self) -> Vault {
        Vault::new(self.store())
    }

    /// The secret store chosen by `--secret-store`; the memory store announces itself on
    /// stderr, because its session dies with the process.
    pub fn store(&self) -> Arc<dyn SecretStore> {
        match self.secret_store {
            StoreArg::Keychain => Arc::new(KeyringStore::new()),
            StoreArg::Memory => {
                eprintln!(
                    "devhive: warning: --secret-store memory: the refresh token is kept in this process only; the session ends when devhive exits"
                );
                Arc::new(MemoryStore::new())
            }
        }
    }

    /// Everything a session needs, on the given clock and timeline.
    pub fn session_config(
        &self,
        clock: SharedClock,
        timeline: Timeline,
    ) -> Result<SessionConfig, Exit> {
        Ok(SessionConfig {
            api: Arc::new(self.api()?),
            vault: self.vault(),
            clock,
            timeline,
            data_dir: self.data_dir()?,
        })
    }

    /// Installs the stderr log subscriber (`--log` wins over `-v`; default: warnings).
    pub fn init_logging(&self) {
        let filter = self.log.clone().unwrap_or_else(|| {
            match self.verbose {
                0 => "warn",
                1 => "info",
                2 => "debug",
                _ => "trace",
            }
            .to_owned()
        });
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                devhive_core::logging::secret_safe_filter(&filter),
            ))
            .with_writer(std::io::stderr)
            .try_init();
    }
}
