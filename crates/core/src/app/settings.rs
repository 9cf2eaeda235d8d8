//! User settings and what they mean: the server last signed in to (start-up resumes it), the
//! watched projects per server + user, pause, quiet mode and per-project notification
//! switches. Front ends never send a whole copy back: they send a [`SettingsPatch`] of what
//! the user changed, applied to the current settings, so a stale copy cannot undo a sign-in
//! or a watch-list change. Nothing here is a secret.

use super::signin::ServerSettings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use ts_rs::TS;

/// The settings kept across restarts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// The server last signed in to; the sign-in form starts from it and start-up resumes it.
    pub server: Option<ServerSettings>,
    /// Watched projects per account (`<server host>|<user id>`); an account with no entry
    /// watches every project it has, including ones added later.
    pub watched: BTreeMap<String, Vec<String>>,
    /// Notifications paused (the tray's check and the settings switch show this).
    pub paused: bool,
    /// Quiet mode: no notifications at all.
    pub quiet: bool,
    /// Per-project notification switch (missing = on).
    pub notify: BTreeMap<String, bool>,
    /// Start hidden in the tray.
    pub start_hidden: bool,
    /// The proxy for every server (`http://[user@]host:port`, never with a password);
    /// unset or empty: the proxy variables of the environment.
    pub proxy: Option<String>,
    /// A PEM file of CA certificates to trust besides the operating system's.
    pub ca_file: Option<String>,
    /// Start when the user logs in (the shell registers it with the OS: an XDG autostart
    /// entry on Linux, a launch agent on macOS, the Run key on Windows).
    pub start_at_login: bool,
}

/// What the user changed; fields left out keep their current value.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, TS)]
#[serde(default)]
pub struct SettingsPatch {
    /// Pause or resume notifications.
    #[ts(optional)]
    pub paused: Option<bool>,
    /// Quiet mode on or off.
    #[ts(optional)]
    pub quiet: Option<bool>,
    /// Start hidden in the tray.
    #[ts(optional)]
    pub start_hidden: Option<bool>,
    /// Start at login.
    #[ts(optional)]
    pub start_at_login: Option<bool>,
    /// Per-project notification switches to set (other projects keep theirs).
    #[ts(optional)]
    pub notify: Option<BTreeMap<String, bool>>,
    /// The proxy setting (an empty string: back to the environment's variables).
    #[ts(optional)]
    pub proxy: Option<String>,
    /// The extra CA file (an empty string: none).
    #[ts(optional)]
    pub ca_file: Option<String>,
}

impl Settings {
    /// Applies a patch to these settings.
    pub fn apply(&mut self, patch: SettingsPatch) {
        if let Some(paused) = patch.paused {
            self.paused = paused;
        }
        if let Some(quiet) = patch.quiet {
            self.quiet = quiet;
        }
        if let Some(start_hidden) = patch.start_hidden {
            self.start_hidden = start_hidden;
        }
        if let Some(proxy) = patch.proxy {
            self.proxy = Some(proxy.trim().to_owned()).filter(|p| !p.is_empty());
        }
        if let Some(ca_file) = patch.ca_file {
            self.ca_file = Some(ca_file.trim().to_owned()).filter(|p| !p.is_empty());
        }
        if let Some(start_at_login) = patch.start_at_login {
            self.start_at_login = start_at_login;
        }
        for (project, on) in patch.notify.unwrap_or_default() {
            self.notify.insert(project.to_ascii_lowercase(), on);
        }
    }

    /// The explicit watch list of an account; `None` means every project.
    pub fn watched_for(&self, account: &str) -> Option<&[String]> {
        self.watched.get(account).map(Vec::as_slice)
    }

    /// Whether notifications for `project` are switched on (the default).
    pub fn notifies(&self, project: &str) -> bool {
        self.notify.get(project).copied().unwrap_or(true)
    }

    /// Reads settings written by any earlier version: fields that no longer parse (a changed
    /// shape) fall back to their defaults instead of losing everything else.
    pub fn from_json_lenient(value: serde_json::Value) -> Self {
        if let Ok(settings) = serde_json::from_value(value.clone()) {
            return settings;
        }
        let mut kept = serde_json::Map::new();
        for (key, field) in value.as_object().into_iter().flatten() {
            let mut candidate = kept.clone();
            candidate.insert(key.clone(), field.clone());
            if serde_json::from_value::<Self>(candidate.clone().into()).is_ok() {
                kept = candidate;
            }
        }
        serde_json::from_value(kept.into()).unwrap_or_default()
    }
}

/// Why settings could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read or written.
    #[error("settings file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The front end's own store refused (e.g. tauri-plugin-store).
    #[error("settings store unavailable: {reason}")]
    StoreUnavailable {
        /// The store's words.
        reason: String,
    },
}

/// Where settings live: a JSON file, the desktop's plugin store, or memory (tests, CLI).
pub trait SettingsStore: Send + Sync + 'static {
    /// The saved settings (defaults when there are none).
    fn load(&self) -> Settings;
    /// Saves the settings.
    fn save(&self, settings: &Settings) -> Result<(), SettingsError>;
}

/// Settings in memory only (the CLI, tests); lost with the process.
#[derive(Debug, Default)]
pub struct MemorySettings(Mutex<Settings>);

impl MemorySettings {
    /// A store starting from `settings`.
    pub fn new(settings: Settings) -> Self {
        Self(Mutex::new(settings))
    }
}

impl SettingsStore for MemorySettings {
    fn load(&self) -> Settings {
        self.0.lock().expect("settings lock").clone()
    }

    fn save(&self, settings: &Settings) -> Result<(), SettingsError> {
        *self.0.lock().expect("settings lock") = settings.clone();
        Ok(())
    }
}

/// Settings in a JSON file, replaced atomically (write a sibling, then rename).
#[derive(Debug, Clone)]
pub struct JsonFileSettings {
    path: PathBuf,
}

impl JsonFileSettings {
    /// A store at `path` (its directory is created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl SettingsStore for JsonFileSettings {
    fn load(&self) -> Settings {
        std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .map(Settings::from_json_lenient)
            .unwrap_or_default()
    }

    fn save(&self, settings: &Settings) -> Result<(), SettingsError> {
        let io = |source| SettingsError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_vec_pretty(settings).expect("settings serialise");
        let partial = self.path.with_extension("json.partial");
        std::fs::write(&partial, text).map_err(io)?;
        std::fs::rename(&partial, &self.path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let mut s = Settings {
            quiet: true,
            watched: BTreeMap::from([("h|u".into(), vec!["p1".into()])]),
            ..Settings::default()
        };
        s.apply(SettingsPatch {
            paused: Some(true),
            notify: Some(BTreeMap::from([("P2".into(), false)])),
            ..SettingsPatch::default()
        });
        assert!(
            s.paused && s.quiet,
            "quiet was not in the patch and stays on"
        );
        assert_eq!(s.watched_for("h|u"), Some(&["p1".to_owned()][..]));
        assert!(!s.notifies("p2") && s.notifies("p3"));
    }

    #[test]
    fn an_old_settings_file_keeps_the_fields_that_still_parse() {
        let old = serde_json::json!({
            "notify": {"p1": false}, "quiet": true, "start_hidden": false,
            "watched": ["p1"], "server": "custom", "custom_url": "http://x"
        });
        let s = Settings::from_json_lenient(old);
        assert!(s.quiet);
        assert!(!s.notifies("p1"));
        assert_eq!(s.server, None, "the old server shape does not parse");
    }

    #[test]
    fn a_json_file_round_trips() {
        let dir = std::env::temp_dir().join(format!("devhive-settings-{}", std::process::id()));
        let store = JsonFileSettings::new(dir.join("settings.json"));
        assert_eq!(
            store.load(),
            Settings::default(),
            "no file reads as defaults"
        );
        let s = Settings {
            paused: true,
            ..Settings::default()
        };
        store.save(&s).unwrap();
        assert_eq!(store.load(), s);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
