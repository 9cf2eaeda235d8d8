//! Exit codes of design.md §4 and how a failure is reported on stderr.

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug)]
pub enum Exit {
    /// Success (0).
    Ok,
    /// Bad usage (2).
    Usage(String),
    /// A new sign-in is needed (3).
    NeedsLogin(String),
    /// Forbidden or not found (4).
    Forbidden(String),
    /// The keychain is unavailable or locked (5).
    Keychain(String),
    /// Anything else (1).
    Other(String),
}

impl Exit {
    /// Wraps any error as exit code 1.
    pub fn other(error: impl std::fmt::Display) -> Self {
        Self::Other(error.to_string())
    }

    /// The numeric code.
    pub fn code(&self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Other(_) => 1,
            Self::Usage(_) => 2,
            Self::NeedsLogin(_) => 3,
            Self::Forbidden(_) => 4,
            Self::Keychain(_) => 5,
        }
    }

    /// Prints the message (if any) to stderr and returns the process exit code.
    pub fn report(self) -> ExitCode {
        let code = self.code();
        match &self {
            Self::Ok => {}
            Self::Usage(m)
            | Self::NeedsLogin(m)
            | Self::Forbidden(m)
            | Self::Keychain(m)
            | Self::Other(m) => eprintln!("devhive: {m}"),
        }
        ExitCode::from(code)
    }
}
