//! Access-token issue/verify with the "expire all now" fault, and refresh-token rows.

use super::models::RefreshRow;
use super::Sandbox;
use crate::config::ApiVersion;
use crate::jwt;
use rand::RngCore;
use serde_json::{Map, Value};
use std::collections::HashSet;
use uuid::Uuid;

/// Signatures of issued access tokens, so "expire every token now" can reject exactly those.
#[derive(Default)]
pub struct TokenBook {
    live: HashSet<String>,
    expired: HashSet<String>,
}

/// `hex(64 random bytes)`: the 128-hex-character refresh token.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

impl Sandbox {
    /// Issues an access token for a user with the current key and TTL.
    pub fn issue_access_token(&self, user: Uuid) -> String {
        let s = self.settings();
        let c = &self.inner.config;
        let token = jwt::issue(&jwt::Issue {
            key: &s.signing_key,
            issuer: &c.issuer,
            audience: &c.audience,
            subject: user,
            iat: crate::timefmt::now().unix_timestamp(),
            ttl_secs: s.access_ttl.as_secs() as i64,
        });
        if let Some(sig) = token.rsplit('.').next() {
            // Identical claims within one second give an identical token; re-issuing revives it.
            let mut book = self.inner.tokens.lock().unwrap();
            book.expired.remove(sig);
            book.live.insert(sig.to_string());
        }
        token
    }

    /// Verifies signature then claims; errors carry golang-jwt's text.
    pub fn verify_token(&self, token: &str) -> Result<Map<String, Value>, String> {
        let v = self.verify_signature_only(token)?;
        if self
            .inner
            .tokens
            .lock()
            .unwrap()
            .expired
            .contains(&v.signature)
        {
            return Err("token has invalid claims: token is expired".into());
        }
        let now = crate::timefmt::now().unix_timestamp_nanos();
        jwt::validate_claims(&v.claims, now)?;
        Ok(v.claims)
    }

    /// Signature check only (validate-token's `WithoutClaimsValidation`); tells if expired by fault.
    pub(crate) fn verify_signature_only(&self, token: &str) -> Result<jwt::Verified, String> {
        let key = self.settings().signing_key;
        jwt::verify_signature(token, &key)
    }

    /// Whether the "expire tokens" fault hit this signature.
    pub(crate) fn is_force_expired(&self, signature: &str) -> bool {
        self.inner
            .tokens
            .lock()
            .unwrap()
            .expired
            .contains(signature)
    }

    /// Makes every access token issued so far fail as expired; new tokens are unaffected.
    pub fn expire_access_tokens(&self) -> usize {
        let mut book = self.inner.tokens.lock().unwrap();
        let live: Vec<String> = book.live.drain().collect();
        let n = live.len();
        book.expired.extend(live);
        n
    }

    /// Creates a refresh-token row and returns the token and its cookie Max-Age in seconds.
    pub(crate) fn insert_refresh(&self, user: Uuid, persistent: bool) -> (String, i64) {
        let c = &self.inner.config;
        let days = if persistent && c.api_version == ApiVersion::B {
            c.refresh_persistent_days
        } else {
            c.refresh_days
        };
        let max_age = i64::from(days) * 86_400;
        let token = random_hex(64);
        let row = RefreshRow {
            user_id: user,
            expires_at: crate::timefmt::now() + time::Duration::seconds(max_age),
            is_persistent: persistent && c.api_version == ApiVersion::B,
        };
        self.db().refresh.insert(token.clone(), row);
        (token, max_age)
    }

    /// Deletes refresh tokens: all of them, or one user's; returns how many.
    pub fn revoke_refresh_tokens(&self, user: Option<Uuid>) -> usize {
        let mut db = self.db();
        let before = db.refresh.len();
        db.refresh
            .retain(|_, r| user.is_some_and(|u| r.user_id != u));
        before - db.refresh.len()
    }
}
