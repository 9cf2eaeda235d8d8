//! DevHive Desktop entry point.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKitGTK's accelerated compositing mode, under software rendering (Xvfb, machines with
    // no usable GPU), repainted the whole page each second: it was most of the demo's idle
    // cost (scripts/app-cost: the WebKitWebProcess went from ~11 % CPU and ~195 MB PSS to
    // ~2 % and ~86 MB without it). The UI uses no 3D transforms, WebGL or animations, which
    // are what that mode is for. Set before GTK or WebKit start, while there is one thread;
    // a value the user set wins.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    devhive_desktop_lib::run();
}
