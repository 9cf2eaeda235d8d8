//! A `Set-Cookie` parser for the one cookie we care about (`refresh_token`). We read the
//! header by hand because a cookie jar would drop the `Secure` cookie on `http://` servers.

use crate::secret::Secret;
use std::time::Duration;

/// The parts of one `Set-Cookie` header value that we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// Cookie name, e.g. `refresh_token`.
    pub name: String,
    /// Cookie value (a credential, so redacted in `Debug`).
    pub value: Secret,
    /// `Max-Age` in seconds; zero or negative means "delete now".
    pub max_age: Option<i64>,
    /// `Path` attribute.
    pub path: Option<String>,
    /// `Secure` flag.
    pub secure: bool,
    /// `HttpOnly` flag.
    pub http_only: bool,
}

impl SetCookie {
    /// True when the server asks us to forget the cookie (`Max-Age` ≤ 0 or an empty value).
    pub fn clears(&self) -> bool {
        self.value.is_empty() || self.max_age.is_some_and(|age| age <= 0)
    }

    /// `Max-Age` as a duration, when positive.
    pub fn lifetime(&self) -> Option<Duration> {
        self.max_age
            .filter(|age| *age > 0)
            .map(|age| Duration::from_secs(age.unsigned_abs()))
    }
}

/// Parses one `Set-Cookie` header value; `None` when there is no `name=value` pair.
///
/// Attribute names are case-insensitive; unknown attributes are ignored; surrounding double
/// quotes on the value are removed (RFC 6265 §4.1.1 allows them).
pub fn parse_set_cookie(header: &str) -> Option<SetCookie> {
    let mut parts = header.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    let mut cookie = SetCookie {
        name: name.to_owned(),
        value: Secret::new(value),
        max_age: None,
        path: None,
        secure: false,
        http_only: false,
    };
    for attribute in parts {
        let (key, val) = match attribute.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (attribute.trim(), None),
        };
        if key.eq_ignore_ascii_case("max-age") {
            cookie.max_age = val.and_then(|v| v.parse::<i64>().ok());
        } else if key.eq_ignore_ascii_case("path") {
            cookie.path = val.map(str::to_owned);
        } else if key.eq_ignore_ascii_case("secure") {
            cookie.secure = true;
        } else if key.eq_ignore_ascii_case("httponly") {
            cookie.http_only = true;
        }
    }
    Some(cookie)
}

/// Finds the cookie called `name` among several `Set-Cookie` header values (the last wins,
/// as in a browser).
pub fn find_cookie<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    name: &str,
) -> Option<SetCookie> {
    headers
        .into_iter()
        .filter_map(parse_set_cookie)
        .filter(|c| c.name == name)
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_exact_go_serialisation_from_login() {
        let hex = "a1".repeat(64);
        let header =
            format!("refresh_token={hex}; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=None");
        let cookie = parse_set_cookie(&header).unwrap();
        assert_eq!(cookie.name, "refresh_token");
        assert_eq!(cookie.value.expose(), hex);
        assert_eq!(cookie.max_age, Some(604_800));
        assert_eq!(cookie.path.as_deref(), Some("/"));
        assert!(cookie.secure && cookie.http_only);
        assert!(!cookie.clears());
        assert_eq!(cookie.lifetime(), Some(Duration::from_secs(604_800)));
    }

    #[test]
    fn logout_cookie_clears() {
        let cookie =
            parse_set_cookie("refresh_token=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None")
                .unwrap();
        assert!(
            cookie.clears(),
            "an empty value with Max-Age=0 deletes the cookie"
        );
    }

    #[test]
    fn attribute_names_are_case_insensitive_and_quotes_are_removed() {
        let cookie =
            parse_set_cookie("refresh_token=\"abc\"; max-age=30; secure; HTTPONLY").unwrap();
        assert_eq!(cookie.value.expose(), "abc");
        assert_eq!(cookie.max_age, Some(30));
        assert!(cookie.secure && cookie.http_only);
    }

    #[test]
    fn headers_without_a_pair_are_rejected() {
        assert_eq!(parse_set_cookie(""), None);
        assert_eq!(parse_set_cookie("garbage"), None);
        assert_eq!(parse_set_cookie("=value; Path=/"), None);
    }

    #[test]
    fn find_cookie_picks_the_named_cookie_and_the_last_one() {
        let found = find_cookie(
            [
                "other=1",
                "refresh_token=old; Max-Age=5",
                "refresh_token=new; Max-Age=9",
            ],
            "refresh_token",
        )
        .unwrap();
        assert_eq!(found.value.expose(), "new");
        assert!(find_cookie(["other=1"], "refresh_token").is_none());
    }

    #[test]
    fn a_bad_max_age_is_ignored_not_fatal() {
        let cookie = parse_set_cookie("refresh_token=x; Max-Age=soon").unwrap();
        assert_eq!(cookie.max_age, None);
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
            let _ = parse_set_cookie(&s);
        }

        #[test]
        fn arbitrary_attribute_soup_never_panics(
            name in "[a-z_]{0,12}", value in "[^;]{0,40}", attrs in proptest::collection::vec("[^;]{0,20}", 0..8)
        ) {
            let header = format!("{name}={value}; {}", attrs.join("; "));
            if let Some(c) = parse_set_cookie(&header) {
                prop_assert_eq!(c.name, name.trim());
            }
        }
    }
}
