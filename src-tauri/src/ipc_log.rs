//! An opt-in recorder of every IPC payload (events to the WebView and command responses),
//! used by the app end-to-end test to prove no token crosses into the WebView. Enabled only
//! when `DEVHIVE_IPC_LOG=<path>` is set; each payload is appended as one JSON line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Mutex, OnceLock};

use serde::Serialize;

/// The environment variable naming the log file.
pub const ENV: &str = "DEVHIVE_IPC_LOG";

fn sink() -> Option<&'static Mutex<File>> {
    static SINK: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    SINK.get_or_init(|| {
        let path = std::env::var_os(ENV)?;
        match OpenOptions::new().create(true).append(true).open(&path) {
            Ok(file) => Some(Mutex::new(file)),
            Err(error) => {
                tracing::warn!(%error, "IPC log not opened");
                None
            }
        }
    })
    .as_ref()
}

/// Whether recording is on (`DEVHIVE_IPC_LOG` is set and the file opened).
pub fn enabled() -> bool {
    sink().is_some()
}

/// Appends one payload (`kind` is "event" or "command", `name` its name) when recording is on.
pub fn record<T: Serialize + ?Sized>(kind: &str, name: &str, payload: &T) {
    let Some(sink) = sink() else {
        return;
    };
    let line = serde_json::json!({ "kind": kind, "name": name, "payload": payload });
    let mut file = sink.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(error) = writeln!(file, "{line}") {
        tracing::warn!(%error, "IPC log write failed");
    }
}

/// Records a command's response (value or error) and passes it through unchanged.
pub fn reply<T: Serialize, E: Serialize>(name: &str, result: Result<T, E>) -> Result<T, E> {
    match &result {
        Ok(value) => record("command", name, value),
        Err(error) => record("command", name, error),
    }
    result
}

/// Records an infallible command's response and passes it through unchanged.
pub fn value<T: Serialize>(name: &str, value: T) -> T {
    record("command", name, &value);
    value
}
