//! HS256 access tokens issued and verified with golang-jwt v5's checks and error texts.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::{Map, Value};

/// The claims of a token this sandbox issues, in the alphabetical order of a Go `MapClaims`.
#[derive(serde::Serialize)]
struct IssuedClaims<'a> {
    aud: &'a str,
    exp: i64,
    iat: i64,
    iss: &'a str,
    sub: String,
}

/// What is needed to mint one token.
pub struct Issue<'a> {
    /// HS256 secret.
    pub key: &'a str,
    /// `iss` claim.
    pub issuer: &'a str,
    /// `aud` claim.
    pub audience: &'a str,
    /// `sub` claim: the user id.
    pub subject: uuid::Uuid,
    /// Issue time in Unix seconds.
    pub iat: i64,
    /// Lifetime in whole seconds.
    pub ttl_secs: i64,
}

/// Signs an access token exactly as the Go server does (header `{"alg":"HS256","typ":"JWT"}`).
pub fn issue(p: &Issue<'_>) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = IssuedClaims {
        aud: p.audience,
        exp: p.iat + p.ttl_secs,
        iat: p.iat,
        iss: p.issuer,
        sub: p.subject.to_string(),
    };
    let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
    let message = format!("{header}.{claims}");
    let sig = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &EncodingKey::from_secret(p.key.as_bytes()),
        Algorithm::HS256,
    )
    .unwrap_or_default();
    format!("{message}.{sig}")
}

/// A token whose signature checked out; claims are not yet validated.
pub struct Verified {
    /// The decoded claims object.
    pub claims: Map<String, Value>,
    /// The signature segment, used to recognise tokens the sandbox was told to expire.
    pub signature: String,
}

const REGISTERED: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "ES512", "EdDSA", "none",
];

fn b64(segment: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD.decode(segment).map_err(|e| match e {
        base64::DecodeError::InvalidByte(at, _) => {
            format!("illegal base64 data at input byte {at}")
        }
        _ => format!("illegal base64 data at input byte {}", segment.len()),
    })
}

fn json_err(e: &serde_json::Error, decoder: bool) -> String {
    if e.is_eof() {
        if decoder {
            "unexpected EOF".into()
        } else {
            "unexpected end of JSON input".into()
        }
    } else if e.is_data() {
        "json: cannot unmarshal value into Go value of type map[string]interface {}".into()
    } else {
        "invalid character looking for beginning of value".into()
    }
}

/// Parses and checks the signature (any HMAC alg); errors carry golang-jwt v5's text.
pub fn verify_signature(token: &str, key: &str) -> Result<Verified, String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("token is malformed: token contains an invalid number of segments".into());
    }
    let header = b64(parts[0])
        .map_err(|e| format!("token is malformed: could not base64 decode header: {e}"))?;
    let header: Map<String, Value> = serde_json::from_slice(&header).map_err(|e| {
        format!(
            "token is malformed: could not JSON decode header: {}",
            json_err(&e, false)
        )
    })?;
    let claims = b64(parts[1])
        .map_err(|e| format!("token is malformed: could not base64 decode claim: {e}"))?;
    let claims: Map<String, Value> = serde_json::from_slice(&claims).map_err(|e| {
        format!(
            "token is malformed: could not JSON decode claim: {}",
            json_err(&e, true)
        )
    })?;
    let alg = match header.get("alg").and_then(Value::as_str) {
        None => return Err("token is unverifiable: signing method (alg) is unspecified".into()),
        Some(a) if !REGISTERED.contains(&a) => {
            return Err("token is unverifiable: signing method (alg) is unavailable".into())
        }
        Some(a) => a,
    };
    b64(parts[2])
        .map_err(|e| format!("token is malformed: could not base64 decode signature: {e}"))?;
    let algorithm = match alg {
        "HS256" => Algorithm::HS256,
        "HS384" => Algorithm::HS384,
        "HS512" => Algorithm::HS512,
        "none" => {
            return Err("token signature is invalid: 'none' signature type is not allowed".into())
        }
        _ => return Err("token signature is invalid: key is of invalid type".into()),
    };
    let message = format!("{}.{}", parts[0], parts[1]);
    let ok = jsonwebtoken::crypto::verify(
        parts[2],
        message.as_bytes(),
        &DecodingKey::from_secret(key.as_bytes()),
        algorithm,
    )
    .unwrap_or(false);
    if !ok {
        return Err("token signature is invalid: signature is invalid".into());
    }
    Ok(Verified {
        claims,
        signature: parts[2].to_string(),
    })
}

/// golang-jwt v5's default claim validation (exp and nbf, no leeway; iss/aud unchecked).
pub fn validate_claims(claims: &Map<String, Value>, now_nanos: i128) -> Result<(), String> {
    for (name, late) in [("exp", true), ("nbf", false)] {
        let Some(v) = claims.get(name) else { continue };
        let Some(secs) = v.as_f64() else {
            return Err(format!(
                "token has invalid claims: invalid type for claim: {name} is invalid"
            ));
        };
        let at = (secs * 1e9) as i128;
        if late && now_nanos >= at {
            return Err("token has invalid claims: token is expired".into());
        }
        if !late && now_nanos < at {
            return Err("token has invalid claims: token is not valid yet".into());
        }
    }
    Ok(())
}

/// The body of the fly handshake's 401 for a JWT error (rows 3–5 of §2.1, substring quirks included).
pub fn fly_rejection(err: &str) -> &'static str {
    if err.contains("expired") || err.contains("exp") {
        "Authentication token has expired. Please refresh your token and reconnect."
    } else if err.contains("malformed") || err.contains("invalid") {
        "Invalid authentication token format"
    } else {
        "Invalid authentication token"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str, claims: &str, key: &str) -> String {
        let h = URL_SAFE_NO_PAD.encode(header);
        let c = URL_SAFE_NO_PAD.encode(claims);
        let m = format!("{h}.{c}");
        let s = jsonwebtoken::crypto::sign(
            m.as_bytes(),
            &EncodingKey::from_secret(key.as_bytes()),
            Algorithm::HS256,
        )
        .unwrap();
        format!("{m}.{s}")
    }

    #[test]
    fn issued_token_has_go_header_and_alphabetical_claims() {
        let t = issue(&Issue {
            key: "k",
            issuer: "i",
            audience: "a",
            subject: uuid::Uuid::nil(),
            iat: 10,
            ttl_secs: 5,
        });
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[0]).unwrap(),
            br#"{"alg":"HS256","typ":"JWT"}"#
        );
        let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(
            claims,
            r#"{"aud":"a","exp":15,"iat":10,"iss":"i","sub":"00000000-0000-0000-0000-000000000000"}"#
        );
        assert!(verify_signature(&t, "k").is_ok());
    }

    #[test]
    fn error_classes_follow_the_substring_quirks() {
        let other_key = token(r#"{"alg":"HS256"}"#, r#"{"sub":"x"}"#, "other");
        let e = verify_signature(&other_key, "k").err().unwrap();
        assert_eq!(fly_rejection(&e), "Invalid authentication token format");
        let unknown = token(r#"{"alg":"HS999"}"#, "{}", "k");
        assert_eq!(
            fly_rejection(&verify_signature(&unknown, "k").err().unwrap()),
            "Invalid authentication token"
        );
        let no_alg = token("{}", "{}", "k");
        assert_eq!(
            fly_rejection(&verify_signature(&no_alg, "k").err().unwrap()),
            "Invalid authentication token"
        );
        let truncated = format!("{}.e30.x", URL_SAFE_NO_PAD.encode("{"));
        assert!(
            fly_rejection(&verify_signature(&truncated, "k").err().unwrap())
                .starts_with("Authentication token has expired")
        );
        let mut c = Map::new();
        c.insert("exp".into(), Value::String("soon".into()));
        assert!(fly_rejection(&validate_claims(&c, 0).err().unwrap())
            .starts_with("Authentication token has expired"));
        assert_eq!(
            fly_rejection(&verify_signature("garbage", "k").err().unwrap()),
            "Invalid authentication token format"
        );
    }
}
