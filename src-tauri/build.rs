//! Points tauri-build at the workspace-level `tauri.conf.json` and declares our commands so
//! the capability file can allow exactly them.

use std::path::Path;

/// Every command the shell registers; the capability file allows this list and nothing else.
const COMMANDS: &[&str] = &[
    "app_info",
    "snapshot",
    "sign_in",
    "sign_out",
    "retry_now",
    "watch_projects",
    "reconnect_now",
    "refresh_session_now",
    "fetch_resource",
    "post_message",
    "stored_feed",
    "mark_all_read",
    "export_diagnostics",
    "save_diagnostics",
    "update_settings",
    "notify",
];

/// A page embedded when the UI has not been built, so `cargo build --workspace` (and clippy)
/// works without Node; the real bundle comes from `npm --prefix ui run build`.
const PLACEHOLDER: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>DevHive</title></head>\
<body><p>The web UI was not built. Run <code>npm --prefix ui ci &amp;&amp; npm --prefix ui run build</code>, \
then rebuild the app.</p></body></html>\n";

fn main() {
    let dist = Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        std::fs::create_dir_all(dist).expect("create ui/dist");
        std::fs::write(dist.join("index.html"), PLACEHOLDER).expect("write placeholder UI");
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri-build failed for ../tauri.conf.json");
}
