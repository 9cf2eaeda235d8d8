//! "While you were away" (design.md §6b): at start-up and after every resync, the fresh REST
//! snapshot of a project is compared with the stored one, and what changed becomes "missed"
//! items (marked catch-up, not live), inside the request budget.

mod budget;
mod diff;
mod fetch;
mod missed;

pub use budget::{RequestBudget, PER_MINUTE};
pub use diff::diff;
pub use fetch::{
    catch_up, exchange, fetch_snapshot, snapshot_of, CatchUp, CatchUpError, MESSAGE_PAGE,
};
pub use missed::{status_name, Missed, MissedAction, MissedResource};
