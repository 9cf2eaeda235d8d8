//! Log filtering that keeps credentials out of logs whatever level a user asks for.

/// Directives appended to every log filter we install. tungstenite logs the whole client
/// handshake request at TRACE (`Request: "GET … authorization: Bearer <token>"`), so that
/// target is capped at WARN (it logs nothing above DEBUG, so the cap never hides a warning, and it never raises a quieter default). More specific targets win in `EnvFilter`, so a user's
/// `trace` or `tungstenite=trace` cannot lift the cap.
pub const SECRET_SAFE_DIRECTIVES: &str = "tungstenite::handshake::client=warn";

/// The user's filter directives with the secret-safe caps appended.
pub fn secret_safe_filter(requested: &str) -> String {
    let requested = requested.trim().trim_end_matches(',');
    if requested.is_empty() {
        SECRET_SAFE_DIRECTIVES.to_owned()
    } else {
        format!("{requested},{SECRET_SAFE_DIRECTIVES}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_request_keeps_the_handshake_target_capped() {
        assert_eq!(
            secret_safe_filter("trace"),
            "trace,tungstenite::handshake::client=warn"
        );
        assert_eq!(
            secret_safe_filter(""),
            "tungstenite::handshake::client=warn"
        );
    }
}
