//! Finds secrets in bytes: any 20-character window of a token (or the whole secret, when it
//! is shorter) counts as a leak, so a truncated or split token is caught too.

/// The shortest piece of a secret that counts as a leak.
pub const WINDOW: usize = 20;

/// One place a secret was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// Where the bytes came from (a file path, `stderr`, `ipc:SessionView` …).
    pub source: String,
    /// Which secret (its label, never its value).
    pub secret: String,
    /// Byte offset in the source.
    pub offset: usize,
    /// Up to 100 bytes before the secret (never the secret itself), to show who wrote it.
    pub before: String,
}

/// A set of secrets to look for, each with a label for reports.
#[derive(Debug, Default, Clone)]
pub struct Scanner {
    /// Every `WINDOW`-byte window of every long secret, to its label.
    windows: std::collections::HashMap<Vec<u8>, String>,
    /// Secrets shorter than `WINDOW`, searched whole.
    short: Vec<(String, Vec<u8>)>,
}

impl Scanner {
    /// An empty scanner.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a secret: every `WINDOW`-byte window of it (the whole value when shorter).
    pub fn add(&mut self, label: &str, secret: &str) {
        let bytes = secret.as_bytes();
        if bytes.is_empty() {
            return;
        }
        if bytes.len() < WINDOW {
            self.short.push((label.to_owned(), bytes.to_vec()));
            return;
        }
        for window in bytes.windows(WINDOW) {
            self.windows
                .entry(window.to_vec())
                .or_insert_with(|| label.to_owned());
        }
    }

    /// How many windows and short secrets are loaded.
    pub fn len(&self) -> usize {
        self.windows.len() + self.short.len()
    }

    /// True when nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every secret found in `haystack` (one report per secret and source).
    pub fn scan(&self, source: &str, haystack: &[u8]) -> Vec<Leak> {
        let mut found: Vec<Leak> = Vec::new();
        let mut report = |label: &str, offset: usize| {
            if !found.iter().any(|l| l.secret == label) {
                let from = offset.saturating_sub(100);
                found.push(Leak {
                    source: source.to_owned(),
                    secret: label.to_owned(),
                    offset,
                    before: String::from_utf8_lossy(&haystack[from..offset]).into_owned(),
                });
            }
        };
        if !self.windows.is_empty() {
            for (offset, window) in haystack.windows(WINDOW).enumerate() {
                if let Some(label) = self.windows.get(window) {
                    report(label, offset);
                }
            }
        }
        for (label, needle) in &self.short {
            if let Some(offset) = haystack
                .windows(needle.len())
                .position(|w| w == needle.as_slice())
            {
                report(label, offset);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_twenty_character_slice_of_a_token_is_a_leak() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhYmMifQ.signature-part";
        let mut s = Scanner::new();
        s.add("access", token);
        let text = format!("log: prefix {} suffix", &token[10..30]);
        assert_eq!(s.scan("log", text.as_bytes()).len(), 1);
        assert!(s
            .scan("log", format!("only {}", &token[10..29]).as_bytes())
            .is_empty());
    }

    #[test]
    fn short_secrets_are_searched_whole() {
        let mut s = Scanner::new();
        s.add("password", "hunter2");
        assert_eq!(s.scan("stdout", b"pw=hunter2").len(), 1);
    }
}
