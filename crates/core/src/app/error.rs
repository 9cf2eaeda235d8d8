//! The one error shape of the app model: `{ code, message }`. The UI switches on the code
//! (ui/src/model/viewmodel.ts `errorMessage`), the CLI turns it into its exit code, and every
//! lower error (session, REST, keychain, token) maps to it here, once.

use crate::api::ApiError;
use crate::auth::AuthError;
use crate::keychain::StoreError;
use crate::session::SessionError;
use serde::Serialize;
use ts_rs::TS;

/// What the user (or a script) can do about a failure. Front ends act on this, never on the
/// message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input was malformed (bad URL, empty field, bad flag); fix it.
    InvalidInput,
    /// The server refused the username or password.
    BadCredentials,
    /// There is no usable session: sign in.
    NeedsSignIn,
    /// The server could not be reached or timed out; it is retried.
    Network,
    /// The server failed or answered something it should not have.
    Server,
    /// The server limits our request rate; wait.
    RateLimited,
    /// The user may not see this project (403).
    Forbidden,
    /// The project or resource does not exist (404).
    NotFound,
    /// The OS keychain is locked (or waits on its unlock prompt): unlock it and retry.
    KeychainLocked,
    /// There is no usable OS keychain.
    Keychain,
    /// A bug or an unexpected state in the app.
    Internal,
}

impl ErrorCode {
    /// The process exit code of design.md §4: 2 usage, 3 needs sign-in, 4 forbidden or not
    /// found, 5 keychain unavailable, 1 anything else.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::InvalidInput => 2,
            Self::BadCredentials | Self::NeedsSignIn => 3,
            Self::Forbidden | Self::NotFound => 4,
            Self::KeychainLocked | Self::Keychain => 5,
            Self::Network | Self::Server | Self::RateLimited | Self::Internal => 1,
        }
    }
}

/// A failure as front ends see it: a code to act on and a sentence free of secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// A plain sentence (the server's words where it gave any).
    pub message: String,
}

impl AppError {
    /// An error from a code and a sentence.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// "Not signed in." — for calls that need a session when there is none.
    pub fn not_signed_in() -> Self {
        Self::new(ErrorCode::NeedsSignIn, "Not signed in.")
    }
}

impl From<&StoreError> for AppError {
    fn from(e: &StoreError) -> Self {
        let code = match e {
            StoreError::Locked { .. } | StoreError::TimedOut { .. } => ErrorCode::KeychainLocked,
            StoreError::NoKeychain { .. } | StoreError::Backend { .. } => ErrorCode::Keychain,
        };
        Self::new(code, e.to_string())
    }
}

impl From<&ApiError> for AppError {
    fn from(e: &ApiError) -> Self {
        let code = match e {
            ApiError::BadRequest { .. } => ErrorCode::InvalidInput,
            ApiError::Unauthorized { .. } => ErrorCode::NeedsSignIn,
            ApiError::Forbidden { .. } => ErrorCode::Forbidden,
            ApiError::NotFound { .. } => ErrorCode::NotFound,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Timeout { .. } | ApiError::Unreachable { .. } | ApiError::Network { .. } => {
                ErrorCode::Network
            }
            ApiError::Server { .. }
            | ApiError::UnexpectedStatus { .. }
            | ApiError::InvalidResponse { .. } => ErrorCode::Server,
            ApiError::Setup { .. } => ErrorCode::Internal,
        };
        let message = match e.detail() {
            "" => e.to_string(),
            detail => detail.to_owned(),
        };
        Self::new(code, message)
    }
}

impl From<&AuthError> for AppError {
    fn from(e: &AuthError) -> Self {
        match e {
            AuthError::SignedOut => Self::not_signed_in(),
            AuthError::NeedsLogin { reason } => Self::new(
                ErrorCode::NeedsSignIn,
                format!("The server signed you out: {reason}"),
            ),
            AuthError::Transient { reason, .. } => Self::new(ErrorCode::Network, reason.clone()),
            AuthError::Keychain { reason } => Self::new(ErrorCode::Keychain, reason.clone()),
        }
    }
}

impl From<&SessionError> for AppError {
    fn from(e: &SessionError) -> Self {
        match e {
            SessionError::LoginRejected { reason } => {
                Self::new(ErrorCode::BadCredentials, reason.clone())
            }
            SessionError::NoStoredSession => {
                Self::new(ErrorCode::NeedsSignIn, "Not signed in to this server.")
            }
            SessionError::NeedsLogin { reason } => Self::new(
                ErrorCode::NeedsSignIn,
                format!("The server signed you out: {reason}"),
            ),
            SessionError::Store(store) => store.into(),
            SessionError::Transient { reason, .. } => Self::new(ErrorCode::Network, reason.clone()),
            SessionError::Api(api) => api.into(),
            SessionError::BadToken(_) => Self::new(ErrorCode::Server, e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_error_serialises_as_code_and_message() {
        let e = AppError::new(ErrorCode::BadCredentials, "Invalid credentials");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"bad_credentials","message":"Invalid credentials"}"#,
            "the UI switches on these exact snake_case codes"
        );
    }

    #[test]
    fn exit_codes_follow_design_section_4() {
        assert_eq!(ErrorCode::InvalidInput.exit_code(), 2);
        assert_eq!(ErrorCode::NeedsSignIn.exit_code(), 3);
        assert_eq!(ErrorCode::BadCredentials.exit_code(), 3);
        assert_eq!(ErrorCode::Forbidden.exit_code(), 4);
        assert_eq!(ErrorCode::NotFound.exit_code(), 4);
        assert_eq!(ErrorCode::KeychainLocked.exit_code(), 5);
        assert_eq!(ErrorCode::Keychain.exit_code(), 5);
        assert_eq!(ErrorCode::Network.exit_code(), 1);
    }

    #[test]
    fn a_locked_keychain_keeps_its_cause() {
        let locked = StoreError::Locked {
            detail: "Cannot create an item in a locked collection".into(),
        };
        assert_eq!(
            AppError::from(&SessionError::Store(locked)).code,
            ErrorCode::KeychainLocked
        );
        let timed_out = StoreError::TimedOut {
            after: std::time::Duration::from_secs(3),
        };
        assert_eq!(AppError::from(&timed_out).code, ErrorCode::KeychainLocked);
        let missing = StoreError::NoKeychain {
            detail: "no D-Bus".into(),
        };
        assert_eq!(AppError::from(&missing).code, ErrorCode::Keychain);
    }
}
