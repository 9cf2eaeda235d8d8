//! The `/__sandbox/*` fault-control API (loopback only) and its typed client.

pub mod client;
pub mod routes;
pub mod types;

pub use client::ControlClient;
