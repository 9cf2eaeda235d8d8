//! The dialer seam: given where to go (host and port) and the proxy decision, open a byte
//! stream (TCP, or a `CONNECT` tunnel through a proxy). TLS and the WebSocket handshake run on top of whatever stream the dialer returns,
//! so a test can substitute an in-memory pipe for the network.

use super::error::NetError;
use super::route::Route;
use futures_util::future::BoxFuture;
use std::fmt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::Url;

/// A bidirectional byte stream: a TCP socket, a proxy tunnel, a TLS session, a test pipe.
pub trait ByteStream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> ByteStream for T {}

/// A boxed [`ByteStream`], what a dialer hands back.
pub type BoxStream = Box<dyn ByteStream>;

/// Where a stream should lead: the server's host (a name or an IP literal) and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The host as the URL spells it (IPv6 without brackets).
    pub host: String,
    /// The port (the scheme's default when the URL names none).
    pub port: u16,
}

impl Target {
    /// The host and port of `url` (`ws`/`http` default to 80, `wss`/`https` to 443).
    pub fn of(url: &Url) -> Result<Self, NetError> {
        let no_host = || NetError::NoHost {
            url: format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()),
        };
        let host = url.host_str().ok_or_else(no_host)?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = url
            .port_or_known_default()
            .or(match url.scheme() {
                "ws" => Some(80),
                "wss" => Some(443),
                _ => None,
            })
            .ok_or_else(no_host)?;
        Ok(Self { host, port })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Opens byte streams to servers. The realtime driver gets every socket's stream from one.
pub trait Dial: fmt::Debug + Send + Sync + 'static {
    /// Opens a stream to `target`, through `route`'s proxy when it names one.
    ///
    /// Dropping the future abandons the attempt; nothing it opened stays open.
    fn dial<'a>(
        &'a self,
        target: &'a Target,
        route: &'a Route,
    ) -> BoxFuture<'a, Result<BoxStream, NetError>>;
}

/// The real dialer: resolves the host and connects over TCP with `TCP_NODELAY` (a frame
/// queued behind an unacknowledged one must not wait for the peer's delayed ACK).
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpDialer;

impl Dial for TcpDialer {
    fn dial<'a>(
        &'a self,
        target: &'a Target,
        route: &'a Route,
    ) -> BoxFuture<'a, Result<BoxStream, NetError>> {
        Box::pin(async move {
            match route {
                Route::Direct(_) => {
                    let stream = tcp_connect(target).await?;
                    Ok(Box::new(stream) as BoxStream)
                }
                Route::Proxy(hop) => {
                    let stream = tcp_connect(&hop.address).await.map_err(|source| {
                        NetError::ProxyUnreachable {
                            proxy: hop.address.to_string(),
                            source: Box::new(source),
                        }
                    })?;
                    super::tunnel::open(stream, hop, target).await
                }
            }
        })
    }
}

/// Resolves `target` and connects to its addresses in turn; the last failure is reported.
pub(crate) async fn tcp_connect(target: &Target) -> Result<TcpStream, NetError> {
    let addrs: Vec<_> = tokio::net::lookup_host((target.host.as_str(), target.port))
        .await
        .map_err(|source| NetError::Dns {
            host: target.host.clone(),
            source,
        })?
        .collect();
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Best effort: a socket that refuses the option still works, only slower.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(error) => last = Some(error),
        }
    }
    Err(NetError::Connect {
        target: target.to_string(),
        source: last.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "the name has no address")
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_take_the_scheme_default_port_and_bracket_ipv6_when_shown() {
        let t = Target::of(&Url::parse("wss://example.test/ws").unwrap()).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("example.test", 443));
        let t = Target::of(&Url::parse("ws://[::1]:8080/ws").unwrap()).unwrap();
        assert_eq!(
            t.host, "::1",
            "the host is kept without brackets for resolving"
        );
        assert_eq!(t.to_string(), "[::1]:8080");
    }
}
