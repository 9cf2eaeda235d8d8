//! JSON the way Go's `encoding/json` writes and strictly reads it.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter};
use serde_json::Value;
use std::io;

/// A serde_json formatter that escapes like Go: `<`, `>`, `&`, U+2028, U+2029 and `\b`/`\f` as `\u00XX`.
struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let esc = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(esc.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        let s: String = match char_escape {
            CharEscape::Quote => "\\\"".into(),
            CharEscape::ReverseSolidus => "\\\\".into(),
            CharEscape::LineFeed => "\\n".into(),
            CharEscape::CarriageReturn => "\\r".into(),
            CharEscape::Tab => "\\t".into(),
            CharEscape::Backspace => "\\u0008".into(),
            CharEscape::FormFeed => "\\u000c".into(),
            CharEscape::Solidus => "/".into(),
            CharEscape::AsciiControl(b) => format!("\\u{b:04x}"),
        };
        writer.write_all(s.as_bytes())
    }
}

/// `json.Marshal`: compact, Go escaping, no trailing newline (WebSocket frames).
pub fn marshal<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    if value.serialize(&mut ser).is_err() {
        return "null".to_string();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// `json.NewEncoder(w).Encode`: like [`marshal`] plus the trailing `\n` (REST bodies).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> String {
    let mut s = marshal(value);
    s.push('\n');
    s
}

/// Rebuilds every object of a value with its keys in alphabetical order (a Go map's order).
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The JSON kind a Go struct field has, for Go's type-mismatch messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Go `string` or `*string`.
    Str,
    /// Go `bool`.
    Bool,
    /// Go `int`.
    Int,
}

impl Kind {
    fn go_name(self) -> &'static str {
        match self {
            Kind::Str => "string",
            Kind::Bool => "bool",
            Kind::Int => "int",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            Kind::Str => v.is_string(),
            Kind::Bool => v.is_boolean(),
            Kind::Int => v.as_i64().is_some(),
        }
    }
}

/// A request body type decoded like Go's `Decoder` with `DisallowUnknownFields`.
pub trait GoStruct: DeserializeOwned {
    /// The Go type name used in error messages, e.g. `handlers.LoginRequest`.
    const GO_NAME: &'static str;
    /// JSON field names and kinds, as the Go struct tags spell them.
    fn fields(version: crate::ApiVersion) -> &'static [(&'static str, Kind)];
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Decodes a body with Go's rules and returns Go's error text on failure.
pub fn decode<T: GoStruct>(body: &[u8], version: crate::ApiVersion) -> Result<T, String> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("EOF".to_string());
    }
    let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    let value = match stream.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(syntax_error(body, &e)),
        None => return Err("EOF".to_string()),
    };
    let short = T::GO_NAME.rsplit('.').next().unwrap_or(T::GO_NAME);
    let map = match value {
        Value::Object(map) => map,
        Value::Null => serde_json::Map::new(),
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type {}",
                kind_of(&other),
                T::GO_NAME
            ))
        }
    };
    let fields = T::fields(version);
    let mut normalised = serde_json::Map::new();
    for (key, v) in map {
        let field = fields.iter().find(|(name, _)| *name == key).or_else(|| {
            fields
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&key))
        });
        let Some((name, kind)) = field else {
            return Err(format!("json: unknown field \"{key}\""));
        };
        if v.is_null() {
            continue;
        }
        if !kind.accepts(&v) {
            return Err(format!(
                "json: cannot unmarshal {} into Go struct field {}.{} of type {}",
                kind_of(&v),
                short,
                name,
                kind.go_name()
            ));
        }
        normalised.insert((*name).to_string(), v);
    }
    serde_json::from_value(Value::Object(normalised)).map_err(|e| e.to_string())
}

fn syntax_error(body: &[u8], e: &serde_json::Error) -> String {
    if e.is_eof() {
        return "unexpected EOF".to_string();
    }
    // Locate the offending byte from serde's line/column to name it the way Go does.
    let mut line = 1;
    let mut col = 0;
    for &b in body {
        if line == e.line() {
            col += 1;
            if col == e.column() {
                let c = b as char;
                return format!("invalid character '{}' looking for beginning of value", c);
            }
        }
        if b == b'\n' {
            line += 1;
        }
    }
    "unexpected EOF".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marshal_escapes_html_characters_like_go() {
        assert_eq!(marshal(&"<a&b>"), r#""\u003ca\u0026b\u003e""#);
        assert_eq!(marshal(&"\u{8}\u{c}\n"), r#""\u0008\u000c\n""#);
        assert_eq!(encode(&1), "1\n");
    }

    #[test]
    fn sorted_orders_keys_alphabetically() {
        let v = sorted(serde_json::json!({"b":1,"a":{"d":1,"c":2}}));
        assert_eq!(marshal(&v), r#"{"a":{"c":2,"d":1},"b":1}"#);
    }
}
