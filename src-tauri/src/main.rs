//! DevHive Desktop entry point.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    devhive_desktop_lib::run();
}
