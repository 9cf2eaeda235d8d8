//! Proof under load, faults and attack: the harness shared by the herd, soak and hygiene
//! suites and by the `herd` / `soak` bench binaries. Every number here is measured against a
//! real sandbox on loopback with the real `Session` and `Feed` from devhive-core.

pub mod capture;
pub mod cli;
pub mod client;
pub mod herd;
pub mod histogram;
pub mod keyring_ctl;
pub mod leak;
pub mod procstat;
pub mod proxy;
pub mod soak;
pub mod tempdir;
