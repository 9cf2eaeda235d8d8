//! The TypeScript declarations of every type that crosses IPC, written to `ui/src/generated/`
//! by the test below; CI runs `git diff --exit-code ui/src/generated` after the tests, so the
//! Rust types and the UI cannot drift apart.

#[cfg(test)]
mod tests {
    use super::super::*;
    use std::path::PathBuf;
    use ts_rs::TS;

    fn out_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/generated")
    }

    #[test]
    fn typescript_bindings_are_regenerated_from_rust_types() {
        let dir = out_dir();
        // Start clean so a type that was removed in Rust disappears here too.
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|e| e == "ts") {
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
        AppError::export_all_to(&dir).unwrap();
        Snapshot::export_all_to(&dir).unwrap();
        UiEvent::export_all_to(&dir).unwrap();
        ResourceKind::export_all_to(&dir).unwrap();
        ResourceData::export_all_to(&dir).unwrap();
        SignInRequest::export_all_to(&dir).unwrap();
        SettingsPatch::export_all_to(&dir).unwrap();
        NotifyItem::export_all_to(&dir).unwrap();
        StoredFeedView::export_all_to(&dir).unwrap();
        MessageView::export_all_to(&dir).unwrap();
        let written = std::fs::read_to_string(dir.join("SessionView.ts")).unwrap();
        assert!(
            !written.to_lowercase().contains("token:"),
            "no IPC payload may carry a token field: {written}"
        );
    }
}
