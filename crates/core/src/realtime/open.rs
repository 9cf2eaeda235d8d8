//! Opening one project's socket: a byte stream from the feed's dialer (the seam tests replace)
//! along the network's route, TLS on it for `wss` with the configuration REST uses too, then
//! the WebSocket upgrade over it.

use crate::net::{BoxStream, Dial, NetError, Network};
use tokio_tungstenite::tungstenite::handshake::client::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::WebSocketStream;

/// An open project socket.
pub type Socket = WebSocketStream<BoxStream>;

/// Why a socket did not open.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// No stream to the server: DNS, TCP, the proxy or TLS failed.
    Dial(NetError),
    /// The stream opened but the upgrade failed (an HTTP refusal included).
    Upgrade(WsError),
}

/// Opens the stream to the server of `request` through `dialer` along `network`'s route,
/// then performs the upgrade.
///
/// Dropping the future abandons the attempt and closes whatever it had opened.
pub(crate) async fn open(
    network: &Network,
    dialer: &dyn Dial,
    request: Request,
    ws_config: WebSocketConfig,
) -> Result<(Socket, Response), OpenError> {
    let url = url::Url::parse(&request.uri().to_string()).map_err(|_| {
        OpenError::Dial(NetError::NoHost {
            url: request.uri().scheme_str().unwrap_or("ws").to_owned(),
        })
    })?;
    let stream = network.open(dialer, &url).await.map_err(OpenError::Dial)?;
    tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config))
        .await
        .map_err(OpenError::Upgrade)
}
