//! Reads the desktop app needs beyond the auth and feed client (owned by the desktop shell's
//! engineer; additive). Kept apart from `api/` so the two can evolve independently.

pub mod tasks;

pub use tasks::{Task, TaskPerson, TaskReader};
