//! Opening one project's socket: a byte stream from the feed's dialer (the seam tests replace),
//! TLS on it for `wss`, then the WebSocket upgrade over it.

use super::update::FeedConfig;
use crate::net::{BoxStream, NetError, Target};
use tokio_tungstenite::tungstenite::handshake::client::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// An open project socket.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<BoxStream>>;

/// Why a socket did not open.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// No stream to the server: DNS, TCP or the proxy failed.
    Dial(NetError),
    /// The stream opened but TLS or the upgrade failed (an HTTP refusal included).
    Upgrade(WsError),
}

/// Dials the server of `request`, then performs TLS (for `wss`) and the upgrade.
///
/// Dropping the future abandons the attempt and closes whatever it had opened.
pub(crate) async fn open(
    config: &FeedConfig,
    request: Request,
    ws_config: WebSocketConfig,
) -> Result<(Socket, Response), OpenError> {
    let url = url::Url::parse(&request.uri().to_string()).map_err(|_| {
        OpenError::Dial(NetError::NoHost {
            url: request.uri().scheme_str().unwrap_or("ws").to_owned(),
        })
    })?;
    let target = Target::of(&url).map_err(OpenError::Dial)?;
    let route = config.network.route(&url).map_err(OpenError::Dial)?;
    let stream = config
        .dialer
        .dial(&target, &route)
        .await
        .map_err(OpenError::Dial)?;
    tokio_tungstenite::client_async_tls_with_config(request, stream, Some(ws_config), None)
        .await
        .map_err(OpenError::Upgrade)
}
