//! A wrapper for credentials whose `Debug` is redacted and which cannot be serialised.

use std::fmt;

/// A secret string (access token, refresh token, password).
///
/// Invariant: the value is never shown by `Debug` or `Display`, and the type implements
/// neither `Serialize` nor `Display`, so it cannot leak into logs, JSON or the WebView by
/// accident. Read it only with [`Secret::expose`] at the point of use (a header value).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that must send it (a header or the keychain).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A short, stable, non-reversible label for logs and diagnostics (8 hex chars).
    pub fn fingerprint(&self) -> String {
        // FNV-1a: a label, not a security boundary; 32 bits cannot be reversed to a token.
        let mut hash: u32 = 0x811c_9dc5;
        for byte in self.0.as_bytes() {
            hash ^= u32::from(*byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
        format!("{hash:08x}")
    }

    /// True when the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted {}>)", self.fingerprint())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_value() {
        let secret = Secret::new("eyJhbGciOiJIUzI1NiJ9.payload.signature");
        let shown = format!("{secret:?} {:#?}", secret);
        assert!(
            !shown.contains("eyJhbGci"),
            "Debug leaked the token: {shown}"
        );
        assert!(
            !shown.contains("payload"),
            "Debug leaked the token: {shown}"
        );
    }

    #[test]
    fn fingerprint_is_stable_and_short() {
        let a = Secret::new("abc");
        assert_eq!(a.fingerprint(), Secret::new("abc").fingerprint());
        assert_ne!(a.fingerprint(), Secret::new("abd").fingerprint());
        assert_eq!(a.fingerprint().len(), 8);
    }
}
