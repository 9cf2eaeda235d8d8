//! DevHive sandbox: a local server that reproduces the DevHive backend contract (API versions A
//! and B, fly and aws realtime flavours) from `spec/backend-contract.md`, with fault controls.

pub mod activity;
pub mod cli;
pub mod config;
pub mod control;
pub mod demo;
pub mod events;
pub mod faults;
pub mod gojson;
pub mod http;
pub mod jwt;
pub mod rate_limit;
pub mod server;
pub mod state;
pub mod stats;
pub mod timefmt;
pub mod tls;
pub mod views;
pub mod ws;

pub use cli::{run_from_args, Args};
pub use config::{ApiVersion, Config};
pub use control::types::{DropMode, EventRecord, Flavour, RefreshFaults, Stats};
pub use control::ControlClient;
pub use server::{spawn, spawn_on, Running};
pub use state::ops::OpError;
pub use state::Sandbox;
