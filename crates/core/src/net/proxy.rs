//! Which proxy a URL goes through: the user's choice ([`ProxyChoice`]), the proxy variables of
//! the environment read the way curl reads them, and `NO_PROXY`.
//!
//! Precedence (curl's): for `https`/`wss` URLs `https_proxy`, then `HTTPS_PROXY`; for
//! `http`/`ws` URLs `http_proxy`, then `HTTP_PROXY` (ignored when `REQUEST_METHOD` is set, as a
//! CGI program must: httpoxy); then `all_proxy`, then `ALL_PROXY`. A lower-case variable wins
//! over its upper-case twin; a variable that is set but empty ends the search (no proxy).
//! `no_proxy`, then `NO_PROXY`, lists hosts that go direct, also for an explicit proxy.
//! Matching `NO_PROXY` entries (domains and their subdomains, IPs, CIDR ranges, `*`) is
//! hyper-util's, the matcher reqwest itself uses.

use super::dial::Target;
use super::error::NetError;
use super::route::{DirectReason, ProxyCredentials, ProxyHop, ProxySource, Route};
use crate::secret::Secret;
use hyper_util::client::proxy::matcher::Matcher;
use std::collections::BTreeMap;
use std::fmt;
use url::Url;

/// The port of a proxy URL that names none (curl's default).
pub const DEFAULT_PROXY_PORT: u16 = 1080;

/// The proxy variables, in the order they are shown.
pub const PROXY_VARIABLES: [&str; 8] = [
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// How the user chose to reach servers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProxyChoice {
    /// The proxy variables of the environment, as curl reads them (the default).
    #[default]
    FromEnvironment,
    /// This proxy for every server (`--proxy URL`); `NO_PROXY` still applies.
    Flag(ProxyUrl),
    /// This proxy for every server, from the app's settings; `NO_PROXY` still applies.
    Setting(ProxyUrl),
    /// Never a proxy, whatever the environment says.
    Off,
}

/// A usable proxy URL: `http://[user[:password]@]host[:port]`. Shown without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    address: Target,
    credentials: Option<ProxyCredentials>,
}

/// A proxy URL could not be used. Never carries the URL's text (it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyUrlError {
    /// Not a URL at all.
    #[error("not a URL ({source})")]
    Unparsable {
        /// The parser's complaint.
        #[source]
        source: url::ParseError,
    },
    /// A scheme other than `http://` (`socks5://`, `https://`…).
    #[error("{scheme}:// proxies are not supported; use an http:// proxy")]
    UnsupportedScheme {
        /// The scheme given.
        scheme: String,
    },
    /// No host name.
    #[error("it names no host")]
    NoHost,
    /// A password in the app's proxy setting, which is a plain file, not a secret store.
    #[error("the setting may not hold a password; put the proxy URL with its password in HTTPS_PROXY instead")]
    PasswordInSetting,
}

impl ProxyUrl {
    /// Parses `http://user:password@host:port`; a bare `host:port` means `http://` and a
    /// missing port means 1080, as in curl. User and password are percent-decoded.
    pub fn parse(text: &str) -> Result<Self, ProxyUrlError> {
        let text = text.trim();
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("http://{text}")
        };
        let url =
            Url::parse(&with_scheme).map_err(|source| ProxyUrlError::Unparsable { source })?;
        if url.scheme() != "http" {
            return Err(ProxyUrlError::UnsupportedScheme {
                scheme: url.scheme().to_owned(),
            });
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(ProxyUrlError::NoHost)?;
        let address = Target {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port: url.port().unwrap_or(DEFAULT_PROXY_PORT),
        };
        let credentials = (!url.username().is_empty()).then(|| ProxyCredentials {
            user: decode(url.username()),
            password: Secret::new(url.password().map(decode).unwrap_or_default()),
        });
        Ok(Self {
            address,
            credentials,
        })
    }

    /// The proxy's host and port.
    pub fn address(&self) -> &Target {
        &self.address
    }

    /// The credentials, if the URL had any.
    pub fn credentials(&self) -> Option<&ProxyCredentials> {
        self.credentials.as_ref()
    }

    /// The URL with its credentials, for the one consumer that needs it (reqwest's proxy).
    pub(crate) fn to_url_with_credentials(&self) -> Url {
        let mut url = Url::parse(&format!("http://{}", self.address)).expect("host:port is a URL");
        if let Some(credentials) = &self.credentials {
            let _ = url.set_username(&credentials.user);
            let _ = url.set_password(Some(credentials.password.expose()));
        }
        url
    }

    /// The URL of a decided hop.
    pub(crate) fn from_hop(hop: &ProxyHop) -> Self {
        Self {
            address: hop.address.clone(),
            credentials: hop.credentials.clone(),
        }
    }

    fn hop(&self, source: ProxySource) -> ProxyHop {
        ProxyHop {
            address: self.address.clone(),
            credentials: self.credentials.clone(),
            source,
        }
    }
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.credentials {
            Some(c) => write!(f, "http://{}:<hidden>@{}", c.user, self.address),
            None => write!(f, "http://{}", self.address),
        }
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}

/// The proxy variables of one environment, captured once (tests build their own).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    values: BTreeMap<&'static str, String>,
    cgi: bool,
}

impl ProxyEnv {
    /// The variables of this process's environment.
    pub fn capture() -> Self {
        let mut env = Self::default();
        for name in PROXY_VARIABLES {
            if let Ok(value) = std::env::var(name) {
                env.values.insert(name, value);
            }
        }
        env.cgi = std::env::var_os("REQUEST_METHOD").is_some();
        env
    }

    /// An environment with exactly these variables (names outside [`PROXY_VARIABLES`] are
    /// ignored, `REQUEST_METHOD` marks a CGI environment).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut env = Self::default();
        for (name, value) in pairs {
            if name == "REQUEST_METHOD" {
                env.cgi = true;
            } else if let Some(known) = PROXY_VARIABLES.iter().find(|n| **n == name) {
                env.values.insert(known, value.to_owned());
            }
        }
        env
    }

    /// The set variables and their values as safe to show: a proxy URL's password hidden.
    pub fn shown(&self) -> Vec<(&'static str, String)> {
        self.values
            .iter()
            .map(|(name, value)| {
                let shown = if name.starts_with("no_") || name.starts_with("NO_") {
                    value.clone()
                } else {
                    match ProxyUrl::parse(value) {
                        Ok(url) => url.to_string(),
                        Err(_) if value.is_empty() => String::new(),
                        Err(_) => "<unusable value>".to_owned(),
                    }
                };
                (*name, shown)
            })
            .collect()
    }

    fn first(&self, names: &[&'static str]) -> Option<(&'static str, &str)> {
        names
            .iter()
            .find_map(|name| self.values.get(name).map(|v| (*name, v.as_str())))
    }
}

impl fmt::Debug for ProxyEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.shown()).finish()
    }
}

/// A proxy variable's value, parsed once.
#[derive(Debug)]
struct Variable {
    name: &'static str,
    /// `None`: set but empty (no proxy, the search stops).
    url: Option<Result<ProxyUrl, ProxyUrlError>>,
}

/// `NO_PROXY` as a matcher.
struct NoProxy {
    variable: &'static str,
    matcher: Matcher,
}

impl fmt::Debug for NoProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NoProxy({})", self.variable)
    }
}

impl NoProxy {
    fn from_env(env: &ProxyEnv) -> Option<Self> {
        let (variable, value) = env.first(&["no_proxy", "NO_PROXY"])?;
        let matcher = Matcher::builder()
            .all("http://no-proxy.invalid:1")
            .no(value)
            .build();
        Some(Self { variable, matcher })
    }

    fn excludes(&self, target: &Target) -> bool {
        let uri = format!("http://{target}/").parse::<http::Uri>();
        uri.is_ok_and(|uri| self.matcher.intercept(&uri).is_none())
    }
}

/// The proxy rules of one [`Network`](super::Network), resolved from the choice and the
/// environment. Pure: [`Proxies::route`] only reads what was captured.
#[derive(Debug)]
pub(crate) struct Proxies {
    rules: Rules,
    no_proxy: Option<NoProxy>,
    env: ProxyEnv,
}

#[derive(Debug)]
enum Rules {
    Off,
    Fixed(ProxyHop),
    Env {
        http: Option<Variable>,
        https: Option<Variable>,
    },
}

impl Proxies {
    /// The rules for `choice` in `env`.
    pub(crate) fn new(choice: &ProxyChoice, env: ProxyEnv) -> Self {
        let rules = match choice {
            ProxyChoice::Off => Rules::Off,
            ProxyChoice::Flag(url) => Rules::Fixed(url.hop(ProxySource::Flag)),
            ProxyChoice::Setting(url) => Rules::Fixed(url.hop(ProxySource::Setting)),
            ProxyChoice::FromEnvironment => {
                let http_names: &[&'static str] = if env.cgi {
                    &["http_proxy", "all_proxy", "ALL_PROXY"]
                } else {
                    &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
                };
                let https_names = &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];
                Rules::Env {
                    http: variable(&env, http_names),
                    https: variable(&env, https_names),
                }
            }
        };
        let no_proxy = match choice {
            ProxyChoice::Off => None,
            _ => NoProxy::from_env(&env),
        };
        Self {
            rules,
            no_proxy,
            env,
        }
    }

    /// The environment the rules were read from.
    pub(crate) fn env(&self) -> &ProxyEnv {
        &self.env
    }

    /// How to reach `url`: `https`/`wss` follow the https rules, `http`/`ws` the http ones.
    pub(crate) fn route(&self, url: &Url) -> Result<Route, NetError> {
        let target = Target::of(url)?;
        let secure = matches!(url.scheme(), "https" | "wss");
        let hop = match &self.rules {
            Rules::Off => return Ok(Route::Direct(DirectReason::ProxyOff)),
            Rules::Fixed(hop) => hop.clone(),
            Rules::Env { http, https } => {
                let chosen = if secure { https } else { http };
                match chosen {
                    None | Some(Variable { url: None, .. }) => {
                        return Ok(Route::Direct(DirectReason::NoProxySet))
                    }
                    Some(Variable {
                        name,
                        url: Some(Err(source)),
                    }) => {
                        return Err(NetError::BadProxy {
                            origin: ProxySource::Variable(name),
                            source: source.clone(),
                        })
                    }
                    Some(Variable {
                        name,
                        url: Some(Ok(url)),
                    }) => url.hop(ProxySource::Variable(name)),
                }
            }
        };
        match &self.no_proxy {
            Some(no) if no.excludes(&target) => Ok(Route::Direct(DirectReason::Excluded {
                variable: no.variable,
            })),
            _ => Ok(Route::Proxy(hop)),
        }
    }
}

fn variable(env: &ProxyEnv, names: &[&'static str]) -> Option<Variable> {
    let (name, value) = env.first(names)?;
    let url = (!value.trim().is_empty()).then(|| ProxyUrl::parse(value));
    Some(Variable { name, url })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(env: &[(&str, &str)], choice: &ProxyChoice, url: &str) -> Route {
        Proxies::new(choice, ProxyEnv::from_pairs(env.iter().copied()))
            .route(&Url::parse(url).unwrap())
            .unwrap()
    }

    fn source(route: &Route) -> Option<ProxySource> {
        route.proxy().map(|hop| hop.source)
    }

    #[test]
    fn lower_case_wins_and_the_scheme_variable_beats_all_proxy_as_in_curl() {
        let env = [
            ("HTTPS_PROXY", "http://upper:3128"),
            ("https_proxy", "http://lower:3128"),
            ("ALL_PROXY", "http://all:3128"),
        ];
        let env_choice = ProxyChoice::FromEnvironment;
        let r = route(&env, &env_choice, "https://devhive.test/api");
        assert_eq!(source(&r), Some(ProxySource::Variable("https_proxy")));
        assert_eq!(r.proxy().unwrap().address.host, "lower");
        let r = route(&env, &env_choice, "wss://devhive.test/ws");
        assert_eq!(
            source(&r),
            Some(ProxySource::Variable("https_proxy")),
            "wss follows https"
        );
        let r = route(&env, &env_choice, "ws://devhive.test/ws");
        assert_eq!(
            source(&r),
            Some(ProxySource::Variable("ALL_PROXY")),
            "ws falls back to ALL_PROXY"
        );
    }

    #[test]
    fn upper_case_http_proxy_is_read_except_in_a_cgi_environment() {
        let env = [("HTTP_PROXY", "http://p:1")];
        let choice = ProxyChoice::FromEnvironment;
        assert_eq!(
            source(&route(&env, &choice, "http://h/")),
            Some(ProxySource::Variable("HTTP_PROXY"))
        );
        let cgi = [("HTTP_PROXY", "http://p:1"), ("REQUEST_METHOD", "GET")];
        assert_eq!(
            route(&cgi, &choice, "http://h/"),
            Route::Direct(DirectReason::NoProxySet)
        );
    }

    #[test]
    fn an_empty_variable_ends_the_search_with_no_proxy() {
        let env = [("https_proxy", ""), ("HTTPS_PROXY", "http://p:1")];
        assert_eq!(
            route(&env, &ProxyChoice::FromEnvironment, "https://h/"),
            Route::Direct(DirectReason::NoProxySet)
        );
    }

    #[test]
    fn no_proxy_matches_domains_subdomains_ips_and_ranges_also_for_an_explicit_proxy() {
        let env = [("NO_PROXY", "corp.test, 10.0.0.0/8, ::1"), ("no_proxy", "")];
        let flag = ProxyChoice::Flag(ProxyUrl::parse("proxy:3128").unwrap());
        // The lower-case variable wins even though it is empty: nothing is excluded.
        assert!(route(&env, &flag, "https://api.corp.test/")
            .proxy()
            .is_some());
        let env = [("NO_PROXY", "corp.test, 10.0.0.0/8, ::1")];
        let excluded = Route::Direct(DirectReason::Excluded {
            variable: "NO_PROXY",
        });
        for url in [
            "https://api.corp.test/",
            "https://corp.test/",
            "http://10.1.2.3:8080/",
            "ws://[::1]:9/",
        ] {
            assert_eq!(route(&env, &flag, url), excluded, "{url}");
        }
        assert_eq!(
            source(&route(&env, &flag, "https://notcorp.test/")),
            Some(ProxySource::Flag)
        );
    }

    #[test]
    fn an_unusable_variable_is_an_error_naming_it_not_a_silent_direct_connection() {
        let proxies = Proxies::new(
            &ProxyChoice::FromEnvironment,
            ProxyEnv::from_pairs([("ALL_PROXY", "socks5://user:pw@127.0.0.1:1080")]),
        );
        let error = proxies
            .route(&Url::parse("https://h/").unwrap())
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("ALL_PROXY is not a usable proxy"),
            "{text}"
        );
        assert!(
            text.contains("socks5:// proxies are not supported"),
            "{text}"
        );
        assert!(!text.contains("pw"), "the value is never repeated: {text}");
    }

    #[test]
    fn proxy_off_ignores_the_environment() {
        let env = [("HTTPS_PROXY", "http://p:1")];
        assert_eq!(
            route(&env, &ProxyChoice::Off, "https://h/"),
            Route::Direct(DirectReason::ProxyOff)
        );
    }

    #[test]
    fn proxy_urls_default_like_curl_and_never_show_the_password() {
        let url = ProxyUrl::parse("al%40ice:s%3Acret@proxy.corp").unwrap();
        assert_eq!(url.address().port, DEFAULT_PROXY_PORT);
        let credentials = url.credentials().unwrap();
        assert_eq!(credentials.user, "al@ice");
        assert_eq!(credentials.password.expose(), "s:cret");
        let shown = format!("{url} {url:?}");
        assert!(!shown.contains("cret"), "{shown}");
        assert_eq!(url.to_string(), "http://al@ice:<hidden>@proxy.corp:1080");
        assert!(matches!(
            ProxyUrl::parse("https://proxy:443"),
            Err(ProxyUrlError::UnsupportedScheme { .. })
        ));
    }

    #[test]
    fn the_environment_is_shown_without_passwords() {
        let env = ProxyEnv::from_pairs([
            ("HTTPS_PROXY", "http://bob:hunter2@p:3128"),
            ("NO_PROXY", "localhost"),
        ]);
        let shown = format!("{env:?} {:?}", env.shown());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("http://bob:<hidden>@p:3128"), "{shown}");
    }
}
