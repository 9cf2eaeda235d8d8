//! The verdict table: the server's exact messages (backend-contract §1–§2) mapped to what
//! they mean for the user and what to do about it.
//!
//! Pure: the callers (`devhive doctor`, the app's diagnostics view, the repro runner) observe
//! a status and a body and ask this table for a [`Problem`]; the table never does I/O.

use crate::app::ErrorCode;
use serde::Serialize;

/// A diagnosed problem, named by cause. Carries the server's words where there were any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum Problem {
    /// The host name did not resolve.
    DnsFailed {
        /// The resolver's error.
        error: String,
    },
    /// Nothing accepted the TCP connection (refused, unreachable).
    ConnectFailed {
        /// The transport error.
        error: String,
    },
    /// The server accepted nothing or answered nothing in time (a black hole, a firewall).
    Timeout {
        /// What we were waiting for (`tcp connect`, `GET /health`, `first ping`…).
        waiting_for: String,
    },
    /// The proxy cannot be reached.
    ProxyUnreachable {
        /// The proxy's `host:port`.
        proxy: String,
        /// Why, in plain words.
        error: String,
    },
    /// The proxy wants credentials (407), or refused the ones it got.
    ProxyAuthRequired {
        /// The proxy's `host:port`.
        proxy: String,
        /// Credentials were sent and refused.
        credentials_sent: bool,
    },
    /// The proxy refused to open a tunnel to the server.
    ProxyRefused {
        /// The proxy's `host:port`.
        proxy: String,
        /// The proxy's status.
        status: u16,
    },
    /// A proxy setting or variable is unusable.
    BadProxy {
        /// What is wrong, naming the setting, never its value.
        error: String,
    },
    /// The server's certificate chain ends at a CA this machine does not trust.
    CertificateNotTrusted {
        /// The issuer named in the server's certificate.
        issuer: Option<String>,
    },
    /// The TLS handshake failed or the certificate is unusable.
    TlsFailed {
        /// The TLS error.
        error: String,
    },
    /// `/health` did not answer `healthy`.
    ServerUnhealthy {
        /// The HTTP status.
        status: u16,
        /// The body (trimmed).
        body: String,
    },
    /// 429 `Too Many Requests`: over 100 requests per minute from this IP.
    RateLimited {
        /// `Retry-After` in seconds, when sent.
        retry_after_secs: Option<u64>,
    },
    /// The OS keychain could not be used.
    KeychainUnavailable {
        /// The store's error.
        reason: String,
    },
    /// No refresh token is stored and no password was given.
    NotSignedIn,
    /// 401 `Invalid credentials` at login.
    BadCredentials,
    /// 401 `Invalid credentials - OAuth user`: a Google account has no password.
    OAuthAccount,
    /// 401 `Account is deactivated`.
    AccountDeactivated,
    /// 401 `Refresh token not found`: the cookie was not sent.
    RefreshTokenMissing,
    /// 401 `Invalid refresh token`: rotated by someone else, logged out, or a lost race.
    RefreshTokenInvalid,
    /// 401 `Invalid refresh token` right after a refresh that timed out: the server rotated
    /// the token but its answer never arrived (failure mode 15).
    RefreshResponseLost,
    /// 401 `Refresh token has expired`.
    RefreshTokenExpired,
    /// 401 `User not found` at refresh.
    UserNotFound,
    /// The access token was refused as expired (`Authentication token has expired…`, or
    /// REST `Invalid token` on a token whose `exp` has passed).
    TokenExpired {
        /// The server's words.
        message: String,
    },
    /// A freshly issued token was refused as `Invalid authentication token format` or
    /// `Invalid token`: it was signed by another deployment (REST and WS hosts mismatched).
    KeyMismatch {
        /// The server's words.
        message: String,
    },
    /// The token was refused for another reason (`Invalid authentication token`, missing).
    TokenRejected {
        /// The server's words.
        message: String,
    },
    /// The local clock differs from the server's by more than the token can absorb.
    ClockSkew {
        /// Server minus local, in seconds (positive: this computer is behind), as
        /// [`crate::clock::skew_secs`] and the session's status count it.
        skew_secs: i64,
    },
    /// 503 `WebSocket connections are not supported in this deployment…`: the fly flavour
    /// pointed at the AWS REST host.
    WrongFlavour,
    /// 403 on the WebSocket: not a member of the project (or, server A, no such project).
    NotAMember {
        /// The project.
        project: String,
        /// The server's words.
        message: String,
    },
    /// 404 `Project not found`.
    ProjectNotFound {
        /// The project.
        project: String,
    },
    /// 400 before the upgrade (`Missing projectId`, `Invalid project ID`, `Invalid user ID`).
    BadRequest {
        /// The server's words.
        message: String,
    },
    /// The socket opened but no server ping came within the wait.
    NoPing {
        /// How long we waited, in seconds.
        waited_secs: u64,
    },
    /// A 5xx with the server's words (possibly empty after a recovered panic).
    ServerError {
        /// The status.
        status: u16,
        /// The server's words.
        detail: String,
    },
    /// A status this table has no row for.
    UnexpectedStatus {
        /// The status.
        status: u16,
        /// The body.
        body: String,
    },
}

/// The problem behind a failed connection, named by its cause.
pub fn classify_net(error: &crate::net::NetError) -> Problem {
    use crate::net::NetError as E;
    match error {
        E::Dns { source, .. } => Problem::DnsFailed {
            error: source.to_string(),
        },
        E::ProxyUnreachable { proxy, source } => Problem::ProxyUnreachable {
            proxy: proxy.clone(),
            error: source.to_string(),
        },
        E::ProxyAuthRequired {
            proxy,
            credentials_sent,
            ..
        } => Problem::ProxyAuthRequired {
            proxy: proxy.clone(),
            credentials_sent: *credentials_sent,
        },
        E::ProxyRefused { proxy, status, .. } => Problem::ProxyRefused {
            proxy: proxy.clone(),
            status: *status,
        },
        E::BadProxy { .. } => Problem::BadProxy {
            error: error.to_string(),
        },
        E::CertificateNotTrusted { issuer, .. } => Problem::CertificateNotTrusted {
            issuer: issuer.clone(),
        },
        E::NoHost { .. }
        | E::Connect { .. }
        | E::ProxyClosed { .. }
        | E::ProxyGarbled { .. }
        | E::ProxyIo { .. } => Problem::ConnectFailed {
            error: error.to_string(),
        },
        E::CertificateExpired { .. }
        | E::CertificateNotYetValid { .. }
        | E::CertificateWrongHost { .. }
        | E::CertificateRevoked { .. }
        | E::CertificateRefused { .. }
        | E::NotTls { .. }
        | E::Tls { .. }
        | E::TlsIo { .. }
        | E::BadServerName { .. }
        | E::NoTrustStore { .. }
        | E::ExtraCaUnreadable { .. }
        | E::ExtraCaInvalid { .. } => Problem::TlsFailed {
            error: error.to_string(),
        },
    }
}

/// What a caller knew when a WebSocket handshake was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HandshakeContext {
    /// The token had just been issued by the REST host (login or refresh seconds ago), so
    /// an "invalid" verdict cannot be expiry: it points at a key mismatch.
    pub token_is_fresh: bool,
}

/// Reads a refused WebSocket upgrade (backend-contract §2.1 table, §2.3, §7).
pub fn classify_handshake(
    project: &str,
    status: u16,
    body: &str,
    retry_after_secs: Option<u64>,
    context: HandshakeContext,
) -> Problem {
    let body = body.trim();
    match status {
        429 => Problem::RateLimited { retry_after_secs },
        503 if body.starts_with("WebSocket connections are not supported") => Problem::WrongFlavour,
        401 => classify_token_refusal(body, context.token_is_fresh),
        403 => Problem::NotAMember {
            project: project.to_owned(),
            message: body.to_owned(),
        },
        404 => Problem::ProjectNotFound {
            project: project.to_owned(),
        },
        400 => Problem::BadRequest {
            message: body.to_owned(),
        },
        500..=599 => Problem::ServerError {
            status,
            detail: body.to_owned(),
        },
        _ => Problem::UnexpectedStatus {
            status,
            body: body.to_owned(),
        },
    }
}

/// Reads a 401 on the socket or on a Bearer REST call.
fn classify_token_refusal(body: &str, token_is_fresh: bool) -> Problem {
    let message = body.to_owned();
    if body.starts_with("Authentication token has expired") {
        // Also what the server says for some malformed tokens (its "exp" substring test).
        return Problem::TokenExpired { message };
    }
    match body {
        // Fly WS row 4 / AWS `invalid token` / REST middleware `Invalid token`.
        "Invalid authentication token format" | "Unauthorized: invalid token" | "Invalid token"
            if token_is_fresh =>
        {
            Problem::KeyMismatch { message }
        }
        "Invalid token" | "Unauthorized: invalid token" => Problem::TokenExpired { message },
        _ => Problem::TokenRejected { message },
    }
}

/// Reads a failed `POST /auth/refresh` (backend-contract §1.3). `after_timeout` is true when
/// the previous refresh attempt timed out, which turns `Invalid refresh token` into
/// "the response was lost in transit" (failure mode 15).
pub fn classify_refresh(status: u16, detail: &str, after_timeout: bool) -> Problem {
    let detail = detail.trim();
    match (status, detail) {
        (401, "Refresh token not found") => Problem::RefreshTokenMissing,
        (401, "Invalid refresh token") if after_timeout => Problem::RefreshResponseLost,
        // The session's own wording when it saw the timeout first (failure mode 15).
        (401, lost) if lost.starts_with("Invalid refresh token") && lost.contains("lost") => {
            Problem::RefreshResponseLost
        }
        (401, "Invalid refresh token") => Problem::RefreshTokenInvalid,
        (401, "Refresh token has expired") => Problem::RefreshTokenExpired,
        (401, "User not found") => Problem::UserNotFound,
        (401, "Account is deactivated") => Problem::AccountDeactivated,
        (401, other) => Problem::TokenRejected {
            message: other.to_owned(),
        },
        (429, _) => Problem::RateLimited {
            retry_after_secs: None,
        },
        (500..=599, _) => Problem::ServerError {
            status,
            detail: detail.to_owned(),
        },
        _ => Problem::UnexpectedStatus {
            status,
            body: detail.to_owned(),
        },
    }
}

/// Reads a failed `POST /auth/login` (backend-contract §1.2).
pub fn classify_login(status: u16, detail: &str) -> Problem {
    let detail = detail.trim();
    match (status, detail) {
        (401, "Invalid credentials") => Problem::BadCredentials,
        (401, "Invalid credentials - OAuth user") => Problem::OAuthAccount,
        (401, "Account is deactivated") => Problem::AccountDeactivated,
        (429, _) => Problem::RateLimited {
            retry_after_secs: None,
        },
        (400, _) => Problem::BadRequest {
            message: detail.to_owned(),
        },
        (500..=599, _) => Problem::ServerError {
            status,
            detail: detail.to_owned(),
        },
        _ => Problem::UnexpectedStatus {
            status,
            body: detail.to_owned(),
        },
    }
}

/// Skew (either way) beyond which the token's margins cannot absorb it, in seconds.
pub const SKEW_TOLERANCE_SECS: i64 = 60;

/// Flags a clock skew the user should fix (our client tolerates it; other tools may not).
pub fn classify_skew(skew_secs: i64) -> Option<Problem> {
    (skew_secs.abs() > SKEW_TOLERANCE_SECS).then_some(Problem::ClockSkew { skew_secs })
}

/// Everything this table says about one problem: its name, what it means for the user, what
/// to do, and the error code front ends act on (the CLI's exit code comes from the code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// A short kebab-case name for the verdict line and JSON (`verdict: key-mismatch`).
    pub slug: &'static str,
    /// How front ends treat it (exit code class, UI action).
    pub code: ErrorCode,
    /// What it means, in plain words a user understands.
    pub meaning: String,
    /// What to do about it.
    pub remedy: &'static str,
}

fn facts(slug: &'static str, code: ErrorCode, meaning: String, remedy: &'static str) -> Facts {
    Facts {
        slug,
        code,
        meaning,
        remedy,
    }
}

impl Problem {
    /// The table: one row per problem.
    pub fn facts(&self) -> Facts {
        use ErrorCode::{Forbidden, Keychain, Network, NotFound, RateLimited, Server};
        const SIGN_IN: ErrorCode = ErrorCode::NeedsSignIn;
        match self {
            Self::DnsFailed { error } => facts(
                "dns-failed",
                Network,
                format!("The server's name does not resolve ({error})."),
                "Check the server URL for typos and that this machine has working DNS (try another network).",
            ),
            Self::ConnectFailed { error } => facts(
                "connect-failed",
                Network,
                format!("Nothing is listening at the server's address ({error})."),
                "Check the server URL and port; if it is right, the server is down: check its status page.",
            ),
            Self::Timeout { waiting_for } => facts(
                "timeout",
                Network,
                format!("The server did not answer ({waiting_for}): the network drops our packets or the server hangs."),
                "Check VPN, proxy and firewall settings; try another network. The client keeps retrying by itself.",
            ),
            Self::ProxyUnreachable { proxy, error } => facts(
                "proxy-unreachable",
                Network,
                format!("The proxy {proxy} cannot be reached ({error})."),
                "Check the proxy address in --proxy, the app's proxy setting or HTTPS_PROXY / HTTP_PROXY / ALL_PROXY.",
            ),
            Self::ProxyAuthRequired { proxy, credentials_sent } => facts(
                "proxy-auth-required",
                Network,
                if *credentials_sent {
                    format!("The proxy {proxy} refused the user name and password it was given (407).")
                } else {
                    format!("The proxy {proxy} asked for a password (407).")
                },
                "Put the proxy's user name and password in its URL: http://user:password@proxy:port (in HTTPS_PROXY or --proxy).",
            ),
            Self::ProxyRefused { proxy, status } => facts(
                "proxy-refused",
                Network,
                format!("The proxy {proxy} refused to open a tunnel to the server ({status})."),
                "Ask your network administrators to allow the DevHive server's host and port through the proxy, or list it in NO_PROXY if it is reachable directly.",
            ),
            Self::BadProxy { error } => facts(
                "bad-proxy",
                Network,
                format!("The proxy setting cannot be used: {error}."),
                "Fix the proxy URL: http://[user:password@]host:port.",
            ),
            Self::CertificateNotTrusted { issuer } => facts(
                "certificate-not-trusted",
                Network,
                match issuer {
                    Some(issuer) => format!("The server's certificate (issued by '{issuer}') is not trusted by this machine."),
                    None => "The server's certificate is not trusted by this machine.".to_owned(),
                },
                "Install your company's CA certificate in the system trust store, or pass it with --ca-file (or DEVHIVE_CA_FILE, or the app's CA setting).",
            ),
            Self::TlsFailed { error } => facts(
                "tls-failed",
                Network,
                format!("The secure connection failed ({error})."),
                "Check the machine's date and any TLS-intercepting proxy; use the https URL of the real server.",
            ),
            Self::ServerUnhealthy { status, body } => facts(
                "server-unhealthy",
                Server,
                format!("The server is up but reports a problem ({status} {body})."),
                "Wait and retry; report to the server operators if it persists.",
            ),
            Self::RateLimited { retry_after_secs } => facts(
                "rate-limited",
                RateLimited,
                format!(
                    "The server refuses requests from this network: over 100 requests per minute (429 Too Many Requests{}).",
                    retry_after_secs.map(|s| format!(", Retry-After {s} s")).unwrap_or_default()
                ),
                "Wait for the Retry-After time (at most 60 s); close other DevHive windows or scripts on this network.",
            ),
            Self::KeychainUnavailable { reason } => facts(
                "keychain-unavailable",
                Keychain,
                format!("The system keychain cannot be used ({reason}), so the session cannot be kept."),
                "Unlock the keychain (Linux: start a Secret Service such as gnome-keyring) or use --secret-store memory for this run.",
            ),
            Self::NotSignedIn => facts(
                "not-signed-in",
                SIGN_IN,
                "Nobody is signed in on this machine for this server.".into(),
                "Run `devhive login`.",
            ),
            Self::BadCredentials => facts(
                "bad-credentials",
                ErrorCode::BadCredentials,
                "The server does not accept this user name and password (Invalid credentials).".into(),
                "Check the user name (not the email) and password, then `devhive login` again.",
            ),
            Self::OAuthAccount => facts(
                "oauth-account",
                SIGN_IN,
                "This account signs in with Google and has no password (Invalid credentials - OAuth user).".into(),
                "Sign in with Google in the app instead of a password.",
            ),
            Self::AccountDeactivated => facts(
                "account-deactivated",
                SIGN_IN,
                "The account is deactivated (Account is deactivated); its sessions were ended.".into(),
                "Ask the project owner or an administrator to reactivate the account.",
            ),
            Self::RefreshTokenMissing => facts(
                "refresh-token-missing",
                SIGN_IN,
                "The refresh request carried no refresh token (Refresh token not found).".into(),
                "Run `devhive login`; if it keeps happening, send the diagnostics export to support.",
            ),
            Self::RefreshTokenInvalid => facts(
                "refresh-token-invalid",
                SIGN_IN,
                "The stored session is no longer known to the server (Invalid refresh token): it was signed out, or another app or window used it first.".into(),
                "Run `devhive login`. Keep only one DevHive app per machine; sign-ins elsewhere are not affected.",
            ),
            Self::RefreshResponseLost => facts(
                "refresh-response-lost",
                SIGN_IN,
                "The server renewed the session but its answer was lost in transit, so the old token is already gone (Invalid refresh token right after a timed-out refresh). This cannot be prevented client-side.".into(),
                "Run `devhive login`. If it recurs, check the network between this machine and the server (timeouts).",
            ),
            Self::RefreshTokenExpired => facts(
                "refresh-token-expired",
                SIGN_IN,
                "The session is older than its lifetime (Refresh token has expired).".into(),
                "Run `devhive login` (sessions last 7 days, 30 with remember-me).",
            ),
            Self::UserNotFound => facts(
                "user-not-found",
                SIGN_IN,
                "The user no longer exists on this server (User not found).".into(),
                "Check the server profile: the account may exist on another deployment.",
            ),
            Self::TokenExpired { message } => facts(
                "token-expired",
                Server,
                format!("The access token was refused as expired ({message}); if it was issued seconds ago, the server's clock or the REST/WebSocket pairing is off."),
                "Nothing if it happens once (the client refreshes and retries); if it repeats, run `devhive doctor` and check the clock.",
            ),
            Self::KeyMismatch { message } => facts(
                "key-mismatch",
                Server,
                format!("A token the REST host issued seconds ago is refused by the WebSocket host ({message}): the two hosts belong to different deployments (different signing keys)."),
                "Pair the REST URL with the WebSocket URL of the same deployment (profile: DevHive Fly or DevHive AWS), then sign in again.",
            ),
            Self::TokenRejected { message } => facts(
                "token-rejected",
                Server,
                format!("The token was refused ({message})."),
                "Sign in again with `devhive login`; if it repeats, send the diagnostics export.",
            ),
            Self::ClockSkew { skew_secs } => facts(
                "clock-skew",
                Server,
                format!(
                    "This computer's clock is {} s {} the server's.",
                    skew_secs.abs(),
                    if *skew_secs > 0 { "behind" } else { "ahead of" }
                ),
                "Turn on automatic time (NTP) on this computer.",
            ),
            Self::WrongFlavour => facts(
                "wrong-flavour",
                Server,
                "The fly-flavour WebSocket was opened on the AWS REST host, which has no WebSocket hub (503 WebSocket connections are not supported in this deployment).".into(),
                "Use --flavour aws with the AWS REST host, or the fly REST host with the fly flavour.",
            ),
            Self::NotAMember { project, message } => facts(
                "not-a-member",
                Forbidden,
                format!("You are not allowed into project {project} ({message})."),
                "Pick a project you belong to, or ask its owner to add you. Your session is fine.",
            ),
            Self::ProjectNotFound { project } => facts(
                "project-not-found",
                NotFound,
                format!("Project {project} does not exist on this server (Project not found)."),
                "The project was deleted or the id is wrong: pick another project. Your session is fine.",
            ),
            Self::BadRequest { message } => facts(
                "bad-request",
                Server,
                format!("The server refused the request as malformed ({message})."),
                "Check the project id (a lowercase UUID) and the server profile; report it if they are right.",
            ),
            Self::NoPing { waited_secs } => facts(
                "no-ping",
                Network,
                format!("The live connection opened but the server sent nothing for {waited_secs} s."),
                "A proxy may be buffering the connection; try without VPN or proxy. The client reconnects by itself.",
            ),
            Self::ServerError { status, detail } => facts(
                "server-error",
                Server,
                if detail.is_empty() {
                    format!("The server failed ({status}, empty body: a crash it recovered from).")
                } else {
                    format!("The server failed ({status} {detail}).")
                },
                "Wait and retry; the client retries by itself. Report it if it persists.",
            ),
            Self::UnexpectedStatus { status, body } => facts(
                "unexpected-status",
                Server,
                format!("The server answered {status} {body}, which DevHive does not normally send."),
                "Check that the URL points at a DevHive server and not at a portal or proxy page.",
            ),
        }
    }

    /// The problem's short name (`key-mismatch`).
    pub fn slug(&self) -> &'static str {
        self.facts().slug
    }

    /// The error code front ends act on (and the CLI's exit code).
    pub fn code(&self) -> ErrorCode {
        self.facts().code
    }

    /// What it means, in plain words.
    pub fn meaning(&self) -> String {
        self.facts().meaning
    }

    /// What to do about it.
    pub fn remedy(&self) -> &'static str {
        self.facts().remedy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRESH: HandshakeContext = HandshakeContext {
        token_is_fresh: true,
    };
    const OLD: HandshakeContext = HandshakeContext {
        token_is_fresh: false,
    };

    #[test]
    fn invalid_format_on_a_fresh_token_means_another_deployment() {
        let p = classify_handshake(
            "p",
            401,
            "Invalid authentication token format\n",
            None,
            FRESH,
        );
        assert_eq!(p.slug(), "key-mismatch");
        assert!(p.meaning().contains("different deployments"));
    }

    #[test]
    fn expired_message_on_an_old_token_means_expiry() {
        let body = "Authentication token has expired. Please refresh your token and reconnect.\n";
        assert_eq!(
            classify_handshake("p", 401, body, None, OLD).slug(),
            "token-expired"
        );
    }

    #[test]
    fn aws_rest_host_with_fly_flavour_is_named_wrong_flavour() {
        let body = "WebSocket connections are not supported in this deployment. Use API Gateway WebSocket API for real-time features.\n";
        let p = classify_handshake("p", 503, body, None, FRESH);
        assert_eq!(p, Problem::WrongFlavour);
        assert!(p.remedy().contains("--flavour aws"));
    }

    #[test]
    fn both_member_messages_are_forbidden_not_a_logout() {
        for body in [
            "Access denied to project",
            "You are not a member of this project. Please select a project you have access to.",
        ] {
            let p = classify_handshake("p1", 403, body, None, FRESH);
            assert_eq!(p.slug(), "not-a-member");
            assert_eq!(p.code(), ErrorCode::Forbidden);
            assert!(
                p.meaning().contains(body),
                "the server's words must be shown"
            );
        }
        assert_eq!(
            classify_handshake("p1", 404, "Project not found", None, FRESH).code(),
            ErrorCode::NotFound
        );
    }

    #[test]
    fn rate_limit_keeps_retry_after() {
        let p = classify_handshake("p", 429, "Too Many Requests", Some(60), OLD);
        assert_eq!(
            p,
            Problem::RateLimited {
                retry_after_secs: Some(60)
            }
        );
        assert!(p.meaning().contains("Retry-After 60 s"));
    }

    #[test]
    fn invalid_refresh_token_after_a_timeout_is_a_lost_response() {
        assert_eq!(
            classify_refresh(401, "Invalid refresh token", true),
            Problem::RefreshResponseLost
        );
        assert_eq!(
            classify_refresh(401, "Invalid refresh token", false),
            Problem::RefreshTokenInvalid
        );
    }

    #[test]
    fn every_refresh_401_requires_sign_in() {
        for detail in [
            "Refresh token not found",
            "Invalid refresh token",
            "Refresh token has expired",
            "User not found",
            "Account is deactivated",
        ] {
            assert_eq!(
                classify_refresh(401, detail, false).code(),
                ErrorCode::NeedsSignIn,
                "{detail}"
            );
        }
    }

    #[test]
    fn refresh_5xx_is_transient_not_a_sign_out() {
        let p = classify_refresh(500, "Failed to create refresh token", false);
        assert_eq!(p.code().exit_code(), 1, "exit 1, not a sign-out");
    }

    #[test]
    fn login_messages_map_to_their_rows() {
        assert_eq!(
            classify_login(401, "Invalid credentials"),
            Problem::BadCredentials
        );
        assert_eq!(
            classify_login(401, "Invalid credentials - OAuth user"),
            Problem::OAuthAccount
        );
        assert_eq!(
            classify_login(401, "Account is deactivated"),
            Problem::AccountDeactivated
        );
    }

    #[test]
    fn small_skew_is_tolerated_and_large_skew_is_flagged() {
        assert_eq!(classify_skew(5), None);
        assert_eq!(
            classify_skew(-600),
            Some(Problem::ClockSkew { skew_secs: -600 })
        );
    }

    #[test]
    fn exit_codes_follow_design_section_4() {
        assert_eq!(Problem::NotSignedIn.code().exit_code(), 3);
        assert_eq!(
            Problem::ProjectNotFound {
                project: "p".into()
            }
            .code()
            .exit_code(),
            4
        );
        assert_eq!(
            Problem::KeychainUnavailable { reason: "x".into() }
                .code()
                .exit_code(),
            5
        );
        assert_eq!(Problem::WrongFlavour.code().exit_code(), 1);
    }

    #[test]
    fn a_positive_skew_means_this_computer_is_behind() {
        let behind = Problem::ClockSkew { skew_secs: 300 }.meaning();
        assert!(behind.contains("300 s behind"), "{behind}");
        let ahead = Problem::ClockSkew { skew_secs: -300 }.meaning();
        assert!(ahead.contains("300 s ahead of"), "{ahead}");
    }
}
