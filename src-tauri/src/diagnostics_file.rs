//! Writing the diagnostics bundle to a file with a timestamped name.

use std::path::Path;
use std::time::SystemTime;

use devhive_core::app::{AppError, ErrorCode};

/// The file name for a bundle made at `at`: `devhive-diagnostics-20261126T150000Z.json`.
pub fn file_name(at: SystemTime) -> String {
    let t = time::OffsetDateTime::from(at);
    format!(
        "devhive-diagnostics-{:04}{:02}{:02}T{:02}{:02}{:02}Z.json",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Writes `text` into `dir` (created if needed); returns the full path.
pub fn write(dir: &Path, text: &str, at: SystemTime) -> Result<String, AppError> {
    let fail = |e: std::io::Error| {
        AppError::new(
            ErrorCode::Internal,
            format!("could not save diagnostics: {e}"),
        )
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let path = dir.join(file_name(at));
    std::fs::write(&path, text).map_err(fail)?;
    Ok(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn file_name_is_a_utc_timestamp() {
        let at = UNIX_EPOCH + Duration::from_secs(1_795_705_200); // 2026-11-26T15:00:00Z
        assert_eq!(file_name(at), "devhive-diagnostics-20261126T150000Z.json");
    }

    #[test]
    fn bundle_is_written_where_asked() {
        let dir = std::env::temp_dir().join(format!("devhive-diag-{}", std::process::id()));
        let path = write(&dir, "{}", SystemTime::now()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
