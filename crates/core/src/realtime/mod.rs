//! The realtime manager: one reconnecting WebSocket per watched project, a tolerant message
//! parser, and a feed of connection states, events and resyncs (design.md §3).

pub mod backoff;
pub mod connection;
mod lenient;
pub mod message;

pub use backoff::BackoffPolicy;
pub use connection::{Action, ConnState, Connection, Input, ResyncReason};
pub use message::{parse, EventKind, FeedEvent, ParseError, Resource, ServerEvent};
