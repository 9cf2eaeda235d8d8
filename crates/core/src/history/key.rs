//! Whose history a file holds: one database per server + user, named by a hash of both, so
//! one account never opens another's (failure mode 11) and the name reveals neither.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The account a history belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryKey {
    /// The server's REST base, normalised (lowercase scheme and host, no trailing `/`).
    pub server: String,
    /// The user's id, lowercase.
    pub user_id: String,
}

impl HistoryKey {
    /// The key of `user_id` on the server whose REST base is `rest_base`.
    pub fn new(rest_base: &url::Url, user_id: &str) -> Self {
        // `Url` already lowercases scheme and host and drops default ports.
        let server = rest_base.as_str().trim_end_matches('/').to_owned();
        Self {
            server,
            user_id: user_id.trim().to_ascii_lowercase(),
        }
    }

    /// `history-<32 hex>.sqlite3`: the first 128 bits of SHA-256 over server and user.
    pub fn file_name(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(self.server.as_bytes());
        hash.update([0u8]);
        hash.update(self.user_id.as_bytes());
        let digest = hash.finalize();
        format!("history-{}.sqlite3", hex::encode(&digest[..16]))
    }

    /// The database's path under the data dir (`<data dir>/history/<file name>`).
    pub fn path_in(&self, data_dir: &Path) -> PathBuf {
        data_dir.join("history").join(self.file_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[test]
    fn another_user_or_server_gets_another_file_and_case_does_not_matter() {
        let base = url("https://devhive.example/api/v1");
        let alice = HistoryKey::new(&base, "A11CE-1");
        assert_eq!(
            alice.file_name(),
            HistoryKey::new(&url("HTTPS://DevHive.example/api/v1/"), "a11ce-1").file_name(),
            "the same account, spelt differently, is the same file"
        );
        assert_ne!(
            alice.file_name(),
            HistoryKey::new(&base, "b0b-2").file_name()
        );
        assert_ne!(
            alice.file_name(),
            HistoryKey::new(&url("https://other.example/api/v1"), "a11ce-1").file_name()
        );
        let name = alice.file_name();
        assert!(name.starts_with("history-") && name.ends_with(".sqlite3") && name.len() == 48);
        assert!(
            !name.contains("a11ce") && !name.contains("devhive"),
            "the name reveals neither user nor server: {name}"
        );
    }
}
