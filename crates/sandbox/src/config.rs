//! Server configuration: API version, token lifetimes, keepalive timings and limits.

use std::time::Duration;

/// Which DevHive backend commit the sandbox imitates (see backend-contract.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ApiVersion {
    /// Commit f21400e: plural resource names, snake_case envelope keys, no `rememberMe`.
    A,
    /// Commit cfa4b22: singular resource names, camelCase envelope keys, `rememberMe`.
    #[default]
    B,
}

/// Everything that shapes a sandbox run; `Default` gives the real server's values.
#[derive(Debug, Clone)]
pub struct Config {
    /// Backend version to imitate.
    pub api_version: ApiVersion,
    /// Access-token lifetime (`JWT_EXPIRATION_MINUTES`); whole seconds are used.
    pub access_ttl: Duration,
    /// HS256 secret (`JWT_SIGNING_KEY`).
    pub signing_key: String,
    /// `iss` claim.
    pub issuer: String,
    /// `aud` claim.
    pub audience: String,
    /// Refresh-token lifetime in days without remember-me.
    pub refresh_days: u32,
    /// Refresh-token lifetime in days with remember-me (B only).
    pub refresh_persistent_days: u32,
    /// Interval between server WebSocket pings on the fly flavour.
    pub ping_interval: Duration,
    /// Read deadline on the fly flavour, extended only by pongs.
    pub pong_timeout: Duration,
    /// Requests per minute per IP; `None` turns rate limiting off.
    pub rate_limit_per_minute: Option<u32>,
    /// API Gateway idle timeout on the aws flavour.
    pub aws_idle_timeout: Duration,
    /// API Gateway hard connection lifetime on the aws flavour.
    pub aws_max_age: Duration,
    /// Seed the demo users, projects, tasks, sprints and messages.
    pub demo: bool,
    /// Simulated events per minute from the demo users (needs `demo`).
    pub simulate_activity_per_min: Option<u32>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            api_version: ApiVersion::B,
            access_ttl: Duration::from_secs(15 * 60),
            signing_key: "your-super-secret-jwt-key-change-in-production".to_string(),
            issuer: "https://api.devhive.it.com".to_string(),
            audience: "devhive-clients".to_string(),
            refresh_days: 7,
            refresh_persistent_days: 30,
            ping_interval: Duration::from_secs(54),
            pong_timeout: Duration::from_secs(60),
            rate_limit_per_minute: Some(100),
            aws_idle_timeout: Duration::from_secs(10 * 60),
            aws_max_age: Duration::from_secs(2 * 60 * 60),
            demo: false,
            simulate_activity_per_min: None,
        }
    }
}
