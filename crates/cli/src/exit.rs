//! How a command ended, and how a failure is reported on stderr. The exit code comes from
//! the app model's one [`ErrorCode`] table (design.md §4); this file keeps no table of its own.

use devhive_core::app::{AppError, ErrorCode};
use std::process::ExitCode;

/// How a command ended.
#[derive(Debug)]
pub enum Exit {
    /// Success (0).
    Ok,
    /// A failure with its code and message.
    Failed(AppError),
}

impl Exit {
    /// A failure of `code` with a message.
    pub fn fail(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Failed(AppError::new(code, message))
    }

    /// Bad usage (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::fail(ErrorCode::InvalidInput, message)
    }

    /// A new sign-in is needed (exit 3).
    pub fn needs_login(message: impl Into<String>) -> Self {
        Self::fail(ErrorCode::NeedsSignIn, message)
    }

    /// Anything that is none of the above (exit 1).
    pub fn other(error: impl std::fmt::Display) -> Self {
        Self::fail(ErrorCode::Internal, error.to_string())
    }

    /// The message, empty on success.
    pub fn message(&self) -> &str {
        match self {
            Self::Ok => "",
            Self::Failed(e) => &e.message,
        }
    }

    /// The numeric code.
    pub fn code(&self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Failed(e) => e.code.exit_code(),
        }
    }

    /// Prints the message (if any) to stderr and returns the process exit code.
    pub fn report(self) -> ExitCode {
        if let Self::Failed(e) = &self {
            eprintln!("devhive: {}", e.message);
        }
        ExitCode::from(self.code())
    }
}

impl From<AppError> for Exit {
    fn from(error: AppError) -> Self {
        Self::Failed(error)
    }
}
