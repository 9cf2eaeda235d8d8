//! The error shape every command returns to the UI: `{ code, message }` with a small code enum.

use serde::Serialize;
use ts_rs::TS;

/// What the UI can do about a failure; the UI switches on this, never on the message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request itself was malformed (bad URL, empty field); fix the input.
    InvalidInput,
    /// Username or password was rejected by the server.
    BadCredentials,
    /// There is no usable session; show the sign-in screen.
    NeedsSignIn,
    /// The server could not be reached or timed out; retrying later may work.
    Network,
    /// The server answered with an error it did not explain well (5xx, unexpected body).
    Server,
    /// The server limits our request rate; wait and retry.
    RateLimited,
    /// The user may not see this project (403).
    Forbidden,
    /// The project or resource does not exist (404).
    NotFound,
    /// The OS keychain is missing or locked.
    Keychain,
    /// A bug or an unexpected state in the app.
    Internal,
}

/// The error value crossing IPC: a code the UI acts on plus a sentence it can show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct IpcError {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// A human sentence, already free of secrets.
    pub message: String,
}

impl IpcError {
    /// Builds an error from a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for IpcError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipc_error_serialises_as_code_and_message() {
        let e = IpcError::new(ErrorCode::BadCredentials, "Invalid credentials");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"bad_credentials","message":"Invalid credentials"}"#,
            "the UI switches on these exact snake_case codes"
        );
    }
}
