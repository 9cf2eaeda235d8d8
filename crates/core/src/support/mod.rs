//! Support tooling: the verdict table (server messages → meaning and remedy), the doctor's
//! report model, the redacted diagnostics bundle, the repro scenario catalogue and timeline
//! rendering. Pure logic; the CLI and the app do the I/O.

pub mod bundle;
pub mod check;
pub mod render;
pub mod scenario;
pub mod verdict;

pub use check::{Check, Status, Step, Verdict};
pub use verdict::Problem;
