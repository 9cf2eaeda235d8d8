//! Reads the claims of an access token without verifying it: we do not hold the server's
//! key, and we only need `iat`/`exp` to schedule refreshes (the server is the judge).

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::time::Duration;

/// The claims DevHive puts in its access tokens (backend-contract §1.10).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Claims {
    /// The user id (a UUID string).
    pub sub: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: u64,
    /// Issuer, e.g. `https://api.devhive.it.com`.
    #[serde(default)]
    pub iss: Option<String>,
    /// Audience, e.g. `devhive-clients` (a string, or the first of an array).
    #[serde(default, deserialize_with = "audience")]
    pub aud: Option<String>,
}

impl Claims {
    /// `exp − iat`: how long the token lives as issued. Zero when `exp` is not after `iat`.
    pub fn lifetime(&self) -> Duration {
        Duration::from_secs(self.exp.saturating_sub(self.iat))
    }
}

/// Why a token's claims could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// Not three dot-separated base64url parts, or the header is not JSON.
    #[error("not a JWT: {source}")]
    Malformed {
        /// The decoder's error (it never contains the token).
        #[source]
        source: jsonwebtoken::errors::Error,
    },
    /// The payload lacks `sub`, `iat` or `exp`, or they have the wrong type.
    #[error("JWT claims unusable: {source}")]
    BadClaims {
        /// The decoder's error.
        #[source]
        source: jsonwebtoken::errors::Error,
    },
    /// `exp` is not after `iat`: the token would be dead on arrival.
    #[error("JWT lifetime is not positive (iat {iat}, exp {exp})")]
    NoLifetime {
        /// Issued at.
        iat: u64,
        /// Expires at.
        exp: u64,
    },
}

/// Decodes the claims of `token` without checking its signature or expiry.
pub fn decode_claims(token: &str) -> Result<Claims, JwtError> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|source| JwtError::Malformed { source })?;
    let mut validation = Validation::new(header.alg);
    validation.insecure_disable_signature_validation();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation.algorithms = vec![header.alg, Algorithm::HS256];
    let data = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&[]), &validation)
        .map_err(|source| match source.kind() {
        jsonwebtoken::errors::ErrorKind::Json(_) => JwtError::BadClaims { source },
        _ => JwtError::Malformed { source },
    })?;
    let claims = data.claims;
    if claims.exp <= claims.iat {
        return Err(JwtError::NoLifetime {
            iat: claims.iat,
            exp: claims.exp,
        });
    }
    Ok(claims)
}

fn audience<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<Aud>::deserialize(d)? {
        Some(Aud::One(a)) => Some(a),
        Some(Aud::Many(list)) => list.into_iter().next(),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use proptest::prelude::*;

    fn token(payload: serde_json::Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &payload,
            &EncodingKey::from_secret(b"someone else's key"),
        )
        .unwrap()
    }

    #[test]
    fn claims_are_read_without_the_key() {
        let t = token(serde_json::json!({
            "sub": "7f7e0e47-2a41-4d5b-a4a6-4bd0f6a4b0a1", "iat": 1_000, "exp": 1_900,
            "iss": "https://api.devhive.it.com", "aud": "devhive-clients"
        }));
        let claims = decode_claims(&t).unwrap();
        assert_eq!(claims.sub, "7f7e0e47-2a41-4d5b-a4a6-4bd0f6a4b0a1");
        assert_eq!(claims.lifetime(), Duration::from_secs(900));
        assert_eq!(claims.aud.as_deref(), Some("devhive-clients"));
    }

    #[test]
    fn an_expired_token_still_decodes_because_the_server_judges_expiry() {
        let t = token(serde_json::json!({"sub": "u", "iat": 10, "exp": 20}));
        assert_eq!(decode_claims(&t).unwrap().exp, 20);
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            decode_claims("not a token"),
            Err(JwtError::Malformed { .. })
        ));
        let no_exp = token(serde_json::json!({"sub": "u", "iat": 10}));
        assert!(matches!(
            decode_claims(&no_exp),
            Err(JwtError::BadClaims { .. })
        ));
        let backwards = token(serde_json::json!({"sub": "u", "iat": 10, "exp": 10}));
        assert!(matches!(
            decode_claims(&backwards),
            Err(JwtError::NoLifetime { .. })
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(s in ".{0,300}") {
            let _ = decode_claims(&s);
        }

        #[test]
        fn arbitrary_dotted_base64ish_input_never_panics(
            a in "[A-Za-z0-9_=-]{0,60}", b in "[A-Za-z0-9_=-]{0,60}", c in "[A-Za-z0-9_=-]{0,60}"
        ) {
            let _ = decode_claims(&format!("{a}.{b}.{c}"));
        }
    }
}
