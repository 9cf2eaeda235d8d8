//! Which proxy and which extra CA the model uses, from three places: what the front end says
//! (the CLI's `--proxy` and `--ca-file`, `DEVHIVE_CA_FILE`), the app's settings, and the
//! proxy variables of the environment.
//!
//! Precedence: a front-end override beats the setting, which beats the environment. The
//! proxy setting never holds a password: settings are a plain file the UI reads, so a proxy
//! that wants one takes it from `HTTPS_PROXY` (or the CLI's `--proxy`), never from here.

use super::settings::Settings;
use crate::net::{NetConfig, NetError, ProxyChoice, ProxySource, ProxyUrl, ProxyUrlError};
use std::path::PathBuf;

/// The variable naming an extra CA file, as `--ca-file` does.
pub const CA_FILE_VARIABLE: &str = "DEVHIVE_CA_FILE";

/// Network choices a front end makes outside the settings (flags, variables).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetOverrides {
    /// `--proxy URL`: this proxy for every server.
    pub proxy: Option<ProxyUrl>,
    /// `--ca-file` or `DEVHIVE_CA_FILE`: a CA to trust besides the operating system's.
    pub ca_file: Option<PathBuf>,
}

impl NetOverrides {
    /// What this process's environment says: `DEVHIVE_CA_FILE` (the desktop app reads it
    /// here; the CLI's `--ca-file` reads the same variable through its argument parser).
    pub fn from_env() -> Self {
        Self {
            proxy: None,
            ca_file: std::env::var_os(CA_FILE_VARIABLE)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// The proxy setting as a proxy URL: `None` for an empty setting (use the environment).
pub fn setting_proxy(text: &str) -> Result<Option<ProxyUrl>, NetError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let bad = |source| NetError::BadProxy {
        origin: ProxySource::Setting,
        source,
    };
    let url = ProxyUrl::parse(text).map_err(bad)?;
    if url
        .credentials()
        .is_some_and(|c| !c.password.expose().is_empty())
    {
        return Err(bad(ProxyUrlError::PasswordInSetting));
    }
    Ok(Some(url))
}

/// The network configuration for `overrides` over `settings`.
pub fn net_config(overrides: &NetOverrides, settings: &Settings) -> Result<NetConfig, NetError> {
    let proxy = match (&overrides.proxy, settings.proxy.as_deref()) {
        (Some(flag), _) => ProxyChoice::Flag(flag.clone()),
        (None, Some(text)) => match setting_proxy(text)? {
            Some(url) => ProxyChoice::Setting(url),
            None => ProxyChoice::FromEnvironment,
        },
        (None, None) => ProxyChoice::FromEnvironment,
    };
    let extra_ca = overrides.ca_file.clone().or_else(|| {
        settings
            .ca_file
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    });
    Ok(NetConfig { proxy, extra_ca })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(proxy: Option<&str>, ca: Option<&str>) -> Settings {
        Settings {
            proxy: proxy.map(str::to_owned),
            ca_file: ca.map(str::to_owned),
            ..Settings::default()
        }
    }

    #[test]
    fn the_flag_beats_the_setting_which_beats_the_environment() {
        let flag = NetOverrides {
            proxy: Some(ProxyUrl::parse("http://flag:3128").unwrap()),
            ca_file: Some("/flag.pem".into()),
        };
        let s = settings(Some("http://setting:3128"), Some("/setting.pem"));
        let c = net_config(&flag, &s).unwrap();
        assert!(matches!(c.proxy, ProxyChoice::Flag(ref u) if u.address().host == "flag"));
        assert_eq!(c.extra_ca, Some("/flag.pem".into()));
        let c = net_config(&NetOverrides::default(), &s).unwrap();
        assert!(matches!(c.proxy, ProxyChoice::Setting(ref u) if u.address().host == "setting"));
        assert_eq!(c.extra_ca, Some("/setting.pem".into()));
        let c = net_config(&NetOverrides::default(), &settings(Some("  "), Some(""))).unwrap();
        assert_eq!(
            c,
            NetConfig::default(),
            "blank settings mean the environment and no extra CA"
        );
    }

    #[test]
    fn debug_output_of_the_whole_network_never_shows_a_proxy_password() {
        let flag = NetOverrides {
            proxy: Some(ProxyUrl::parse("http://bob:hunter2@proxy:3128").unwrap()),
            ca_file: None,
        };
        let config = net_config(&flag, &Settings::default()).unwrap();
        let env = crate::net::ProxyEnv::from_pairs([("HTTPS_PROXY", "http://eve:sw0rdfish@p:1")]);
        let network = crate::net::Network::with_env(&config, env).unwrap();
        let route = network
            .route(&url::Url::parse("wss://devhive.test/ws").unwrap())
            .unwrap();
        let shown = format!("{flag:?} {config:?} {network:?} {route:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("sw0rdfish"),
            "{shown}"
        );
        assert!(shown.contains("bob"), "the user name is shown: {shown}");
    }

    #[test]
    fn a_password_in_the_proxy_setting_is_refused_without_repeating_it() {
        let error = setting_proxy("http://bob:hunter2@proxy:3128").unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("the app's proxy setting is not a usable proxy"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            setting_proxy("http://bob@proxy:3128").is_ok(),
            "a user name alone is no secret"
        );
    }
}
