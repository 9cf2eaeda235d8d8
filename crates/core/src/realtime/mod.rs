//! The realtime manager: one reconnecting WebSocket per watched project, a tolerant message
//! parser, and a feed of connection states, events and resyncs (design.md §3).

pub mod backoff;
pub mod connection;
mod driver;
pub mod feed;
pub mod handshake;
mod lenient;
pub mod message;
mod open;
pub mod probe;
pub mod update;

pub use backoff::BackoffPolicy;
pub use connection::{Action, ConnState, Connection, Input, ResyncReason};
pub use feed::Feed;
pub use message::{
    parse, Action as RowAction, EventKind, FeedEvent, ParseError, Resource, ServerEvent,
};
pub use update::{CounterSnapshot, FeedConfig, FeedUpdate};
