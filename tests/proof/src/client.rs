//! One DevHive client as the app builds it: an [`ApiClient`], a [`Session`] over a chosen
//! secret store with its own data dir, and a [`Feed`] driven by that session. The auth API is
//! wrapped so suites learn every token the server handed out (to look for them later).

use devhive_core::api::{ApiClient, ApiError, AuthApi, AuthGrant};
use devhive_core::clock;
use devhive_core::keychain::{SecretStore, Vault};
use devhive_core::realtime::{Feed, FeedConfig};
use devhive_core::secret::Secret;
use devhive_core::server::{ApiVersion, Flavour, ServerProfile};
use devhive_core::session::{Session, SessionConfig};
use devhive_core::timeline::Timeline;
use futures_util::future::BoxFuture;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Every access and refresh token the server handed to one client, in order.
#[derive(Debug, Default, Clone)]
pub struct TokenLog {
    seen: Arc<Mutex<Vec<(&'static str, String)>>>,
}

impl TokenLog {
    fn record(&self, grant: &AuthGrant) {
        let mut seen = self.seen.lock().expect("token log");
        seen.push(("access token", grant.access.expose().to_owned()));
        seen.push(("refresh token", grant.refresh.expose().to_owned()));
    }

    /// `(kind, value)` of every token seen so far.
    pub fn all(&self) -> Vec<(&'static str, String)> {
        self.seen.lock().expect("token log").clone()
    }

    /// How many grants (logins + refreshes) were seen.
    pub fn grants(&self) -> usize {
        self.seen.lock().expect("token log").len() / 2
    }
}

/// The real [`ApiClient`], recording the tokens of every successful login and refresh.
pub struct RecordingApi {
    inner: ApiClient,
    log: TokenLog,
}

impl RecordingApi {
    /// Wraps `inner`; tokens go to `log`.
    pub fn new(inner: ApiClient, log: TokenLog) -> Self {
        Self { inner, log }
    }
}

impl AuthApi for RecordingApi {
    fn login<'a>(
        &'a self,
        username: &'a str,
        password: &'a Secret,
        remember_me: bool,
    ) -> BoxFuture<'a, Result<AuthGrant, ApiError>> {
        Box::pin(async move {
            let grant = self.inner.login(username, password, remember_me).await?;
            self.log.record(&grant);
            Ok(grant)
        })
    }

    fn refresh<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<AuthGrant, ApiError>> {
        Box::pin(async move {
            let grant = self.inner.refresh(refresh).await?;
            self.log.record(&grant);
            Ok(grant)
        })
    }

    fn logout<'a>(&'a self, refresh: &'a Secret) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move { self.inner.logout(refresh).await })
    }

    fn host_key(&self) -> String {
        self.inner.profile().host_key()
    }
}

/// The fly-flavour, API-B profile of a sandbox origin (`http://127.0.0.1:<port>`).
pub fn fly_profile(origin: &str) -> ServerProfile {
    ServerProfile::custom(origin, None, Flavour::Fly, ApiVersion::B).expect("sandbox profile")
}

/// A signed-out client; call `session.login(..)` next.
pub struct Client {
    /// The session (also the feed's token source).
    pub session: Arc<Session>,
    /// The feed, with no projects watched yet.
    pub feed: Feed<Session>,
    /// The timeline both write to.
    pub timeline: Timeline,
    /// Every token handed out to this client.
    pub tokens: TokenLog,
}

impl Client {
    /// Builds the pieces for `profile` over `store`, with the refresh lock in `data_dir`.
    pub fn new(
        profile: ServerProfile,
        store: Arc<dyn SecretStore>,
        data_dir: PathBuf,
        feed_config: FeedConfig,
    ) -> Self {
        let clock = clock::system();
        let timeline = Timeline::new(clock.clone());
        let tokens = TokenLog::default();
        let api = ApiClient::new(profile.clone()).expect("api client");
        let session = Arc::new(Session::new(SessionConfig {
            api: Arc::new(RecordingApi::new(api, tokens.clone())),
            vault: Vault::new(store),
            clock,
            timeline: timeline.clone(),
            data_dir,
        }));
        let feed = Feed::start(profile, Arc::clone(&session), timeline.clone(), feed_config);
        Self {
            session,
            feed,
            timeline,
            tokens,
        }
    }
}
