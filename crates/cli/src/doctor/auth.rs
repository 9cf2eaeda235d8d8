//! The doctor's auth steps: keychain probe, sign-in (a throwaway password sign-in, or the
//! stored session through the real [`Session`] so its lock and rotation rules apply), one
//! refresh, and the token's claims with the clock skew against the server's `Date`.

use super::network::ms;
use devhive_core::api::{ApiClient, ApiError, AuthGrant};
use devhive_core::app::{App, Phase};
use devhive_core::auth::{AccessToken, TokenSource};
use devhive_core::keychain::{Probe, Vault};
use devhive_core::secret::Secret;
use devhive_core::session::{Session, SessionError};
use devhive_core::support::verdict::{classify_login, classify_refresh, classify_skew, Problem};
use devhive_core::support::{Check, Step};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where the doctor gets its token from.
pub enum Credentials {
    /// A password sign-in of its own (nothing is stored; logged out at the end).
    Password {
        /// Login name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// The session stored in the keychain (or memory store) for this server.
    Stored,
}

/// A token the doctor holds, and how to get the next one.
pub enum Held {
    /// From a password sign-in: the refresh token is ours alone.
    Own {
        /// The client that signed in (boxed: it is much larger than a session handle).
        api: Box<ApiClient>,
        /// The current refresh token.
        refresh: Secret,
    },
    /// From the stored session.
    Shared(Session),
}

/// The token plus where it came from.
pub struct Signed {
    /// The access token.
    pub token: AccessToken,
    /// How to refresh it.
    pub held: Held,
    /// When it was received (a token younger than a minute counts as fresh).
    pub received: Instant,
}

/// Probes the store: a write, read and delete round trip.
pub async fn keychain(vault: &Vault, needed: bool) -> Check {
    let started = Instant::now();
    let label = vault.label();
    match vault.probe().await {
        Probe::Works => Check::ok(Step::Keychain, ms(started), format!("{label}: works")),
        Probe::NoKeychain { detail, .. } | Probe::Locked { detail, .. } => {
            let problem = Problem::KeychainUnavailable {
                reason: detail.clone(),
            };
            let detail = format!("{label}: {detail}");
            if needed {
                Check::fail(Step::Keychain, ms(started), detail, problem)
            } else {
                Check::warn(Step::Keychain, ms(started), detail, problem)
            }
        }
    }
}

/// Signs in (password) or resumes the stored session through the app model.
pub async fn sign_in(
    api: &ApiClient,
    credentials: Credentials,
    model: &App,
) -> Result<(Check, Signed), Check> {
    let started = Instant::now();
    match credentials {
        Credentials::Password { username, password } => {
            match api.login(&username, &password, false).await {
                Ok(grant) => {
                    let token = access_token(&grant, 1).map_err(|p| {
                        Check::fail(Step::SignIn, ms(started), "unreadable token", p)
                    })?;
                    let check = Check::ok(
                        Step::SignIn,
                        ms(started),
                        format!("signed in as {username} (user {})", grant.user_id),
                    );
                    let held = Held::Own {
                        api: Box::new(api.clone()),
                        refresh: grant.refresh,
                    };
                    Ok((
                        check,
                        Signed {
                            token,
                            held,
                            received: Instant::now(),
                        },
                    ))
                }
                Err(error) => Err(api_failure(Step::SignIn, started, &error, |status, d| {
                    classify_login(status, d)
                })),
            }
        }
        Credentials::Stored => {
            let session = match model.resume().await {
                Phase::SignedIn { .. } => model.session(),
                Phase::Keychain { message, .. } => {
                    let problem = Problem::KeychainUnavailable {
                        reason: message.clone(),
                    };
                    return Err(Check::fail(Step::SignIn, ms(started), message, problem));
                }
                Phase::SignedOut {
                    refused: Some(reason),
                    ..
                } => {
                    let problem = classify_refresh(401, &reason, false);
                    return Err(Check::fail(Step::SignIn, ms(started), reason, problem));
                }
                Phase::SignedOut {
                    notice: Some(notice),
                    ..
                } => {
                    let problem = Problem::TokenRejected {
                        message: notice.clone(),
                    };
                    return Err(Check::fail(Step::SignIn, ms(started), notice, problem));
                }
                Phase::SignedOut { .. } | Phase::Starting | Phase::Resuming { .. } => None,
            };
            let Some(session) = session else {
                let error = SessionError::NoStoredSession;
                return Err(session_failure(Step::SignIn, started, &error));
            };
            match session.ensure_valid().await.map_err(SessionError::from) {
                Ok(token) => {
                    let who = session
                        .status()
                        .user
                        .map(|u| u.name)
                        .unwrap_or_else(|| "?".into());
                    let check = Check::ok(
                        Step::SignIn,
                        ms(started),
                        format!(
                            "stored session for {who} ({})",
                            session.status().store_label
                        ),
                    );
                    Ok((
                        check,
                        Signed {
                            token,
                            held: Held::Shared(session),
                            received: Instant::now(),
                        },
                    ))
                }
                Err(error) => Err(session_failure(Step::SignIn, started, &error)),
            }
        }
    }
}

/// One refresh: proves rotation works end to end (for the stored session it goes through the
/// session's single-flight lock and persists the rotated token before using it).
pub async fn refresh(signed: &mut Signed) -> Check {
    let started = Instant::now();
    let result = match &mut signed.held {
        Held::Own { api, refresh } => match api.refresh(refresh).await {
            Ok(grant) => {
                *refresh = grant.refresh.clone();
                access_token(&grant, signed.token.generation + 1)
                    .map_err(|p| Check::fail(Step::Refresh, ms(started), "unreadable token", p))
            }
            Err(error) => Err(api_failure(Step::Refresh, started, &error, |status, d| {
                classify_refresh(status, d, false)
            })),
        },
        Held::Shared(session) => session
            .refresh_now()
            .await
            .map_err(|e| session_failure(Step::Refresh, started, &SessionError::from(e))),
    };
    match result {
        Ok(token) => {
            signed.token = token;
            signed.received = Instant::now();
            Check::ok(
                Step::Refresh,
                ms(started),
                "rotated; new access token received",
            )
        }
        Err(check) => check,
    }
}

/// The claims, lifetime, expiry and the clock skew against the server's `Date`.
pub fn claims(token: &AccessToken, server_date: Option<(SystemTime, SystemTime)>) -> Check {
    let claims = match devhive_core::jwt::decode_claims(token.secret.expose()) {
        Ok(claims) => claims,
        Err(error) => {
            return Check::fail(
                Step::Claims,
                0,
                error.to_string(),
                Problem::TokenRejected {
                    message: error.to_string(),
                },
            )
        }
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let expires_in = i128::from(claims.exp) - i128::from(now);
    let expires_at = time::OffsetDateTime::from_unix_timestamp(claims.exp as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| claims.exp.to_string());
    let mut detail = format!(
        "iss {}, aud {}, lifetime {} s, expires in {expires_in} s ({expires_at})",
        claims.iss.as_deref().unwrap_or("-"),
        claims.aud.as_deref().unwrap_or("-"),
        claims.lifetime().as_secs(),
    );
    let skew = server_date.map(|(server, local)| devhive_core::clock::skew_secs(server, local));
    if let Some(skew) = skew {
        detail.push_str(&format!(", server clock {skew:+} s vs this computer"));
    }
    match skew.and_then(classify_skew) {
        Some(problem) => Check::warn(Step::Claims, 0, detail, problem),
        None => Check::ok(Step::Claims, 0, detail),
    }
}

/// Logs the doctor's own password sign-in out again (best effort).
pub async fn release(held: Held) {
    if let Held::Own { api, refresh } = held {
        let _ = api.logout(&refresh).await;
    }
}

fn access_token(grant: &AuthGrant, generation: u64) -> Result<AccessToken, Problem> {
    let claims = devhive_core::jwt::decode_claims(grant.access.expose()).map_err(|e| {
        Problem::TokenRejected {
            message: e.to_string(),
        }
    })?;
    let lifetime = claims.lifetime();
    Ok(AccessToken {
        secret: grant.access.clone(),
        generation,
        expires_at: tokio::time::Instant::now() + lifetime,
        lifetime,
    })
}

fn api_failure(
    step: Step,
    started: Instant,
    error: &ApiError,
    classify: impl Fn(u16, &str) -> Problem,
) -> Check {
    let problem = match error {
        ApiError::BadRequest { detail } => classify(400, detail),
        ApiError::Unauthorized { detail } => classify(401, detail),
        ApiError::Forbidden { detail } => classify(403, detail),
        ApiError::NotFound { detail } => classify(404, detail),
        ApiError::RateLimited { retry_after, .. } => Problem::RateLimited {
            retry_after_secs: retry_after.map(|d| d.as_secs()),
        },
        ApiError::Server { status, detail } | ApiError::UnexpectedStatus { status, detail } => {
            classify(*status, detail)
        }
        ApiError::Timeout { .. } => Problem::Timeout {
            waiting_for: step.label().to_owned(),
        },
        other => Problem::ConnectFailed {
            error: other.to_string(),
        },
    };
    Check::fail(step, ms(started), error.to_string(), problem)
}

fn session_failure(step: Step, started: Instant, error: &SessionError) -> Check {
    let problem = match error {
        SessionError::NoStoredSession => Problem::NotSignedIn,
        SessionError::LoginRejected { reason } => classify_login(401, reason),
        SessionError::NeedsLogin { reason } => classify_refresh(401, reason, false),
        SessionError::Store(e) => Problem::KeychainUnavailable {
            reason: e.to_string(),
        },
        SessionError::Transient {
            reason,
            retry_after,
        } => {
            if reason.contains("429") || reason.contains("Too Many") {
                Problem::RateLimited {
                    retry_after_secs: retry_after.map(|d| d.as_secs()),
                }
            } else {
                Problem::Timeout {
                    waiting_for: format!("refresh ({reason})"),
                }
            }
        }
        SessionError::Api(e) => {
            return api_failure(step, started, e, |s, d| classify_refresh(s, d, false))
        }
        SessionError::BadToken(e) => Problem::TokenRejected {
            message: e.to_string(),
        },
    };
    Check::fail(step, ms(started), error.to_string(), problem)
}

/// True when the token was received less than a minute ago.
pub fn is_fresh(signed: &Signed) -> bool {
    signed.received.elapsed() < Duration::from_secs(60)
}
