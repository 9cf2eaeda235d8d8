//! The HTTP `CONNECT` exchange that turns a connection to a proxy into a tunnel to the server.
//!
//! Written here rather than taken from a crate because both candidates lose what the user
//! must be told: hyper-util's `Tunnel` (which reqwest uses for REST) reports every refusal
//! except 407 as "unsuccessful" without the proxy's status, and async-http-proxy (unchanged
//! since 2022) fails to parse a refusal with more than 16 headers. The exchange is one request
//! and one answer head (parsed by httparse); bytes the proxy sends after its head are kept,
//! never dropped.

use super::dial::{BoxStream, Target};
use super::error::NetError;
use super::route::{ProxyCredentials, ProxyHop};
use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A proxy's answer head longer than this is refused (real ones are a few hundred bytes).
const MAX_HEAD: usize = 16 * 1024;

/// Sends `CONNECT target` over `stream` (already connected to `hop`) and reads the answer.
pub(crate) async fn open(
    stream: TcpStream,
    hop: &ProxyHop,
    target: &Target,
) -> Result<BoxStream, NetError> {
    let proxy = hop.address.to_string();
    let io_error = |source| NetError::ProxyIo {
        proxy: proxy.clone(),
        source,
    };
    let mut reader = BufReader::new(stream);
    reader
        .get_mut()
        .write_all(request(target, hop.credentials.as_ref()).as_bytes())
        .await
        .map_err(io_error)?;
    let head = read_head(&mut reader).await.map_err(|e| match e {
        HeadError::Io(source) => io_error(source),
        HeadError::Closed => NetError::ProxyClosed {
            proxy: proxy.clone(),
        },
        HeadError::TooLong => NetError::ProxyGarbled {
            proxy: proxy.clone(),
        },
    })?;
    let answer = parse_head(&head).ok_or_else(|| NetError::ProxyGarbled {
        proxy: proxy.clone(),
    })?;
    match answer.status {
        200..=299 => {}
        407 => {
            return Err(NetError::ProxyAuthRequired {
                proxy,
                credentials_sent: hop.credentials.is_some(),
                scheme: answer.auth_scheme,
            })
        }
        status => {
            return Err(NetError::ProxyRefused {
                proxy,
                target: target.to_string(),
                status,
            })
        }
    }
    if reader.buffer().is_empty() {
        Ok(Box::new(reader.into_inner()))
    } else {
        // The proxy sent bytes of the tunnel along with its header: read them first.
        Ok(Box::new(reader))
    }
}

/// The request head: the target's authority (IPv6 in brackets), and Basic credentials if any.
fn request(target: &Target, credentials: Option<&ProxyCredentials>) -> String {
    let mut text = format!(
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: devhive-desktop/{}\r\n",
        env!("CARGO_PKG_VERSION")
    );
    if let Some(credentials) = credentials {
        text.push_str("Proxy-Authorization: ");
        text.push_str(&basic_authorization(credentials));
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text
}

/// `Basic base64(user:password)`, the value of `Proxy-Authorization`.
pub(crate) fn basic_authorization(credentials: &ProxyCredentials) -> String {
    let pair = format!("{}:{}", credentials.user, credentials.password.expose());
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

enum HeadError {
    Io(std::io::Error),
    Closed,
    TooLong,
}

/// Reads lines up to and including the empty line that ends the head.
async fn read_head(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, HeadError> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = reader
            .read_until(b'\n', &mut head)
            .await
            .map_err(HeadError::Io)?;
        if read == 0 {
            return Err(HeadError::Closed);
        }
        if head.len() > MAX_HEAD {
            return Err(HeadError::TooLong);
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            return Ok(head);
        }
    }
}

/// What the proxy answered.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    /// The first word of `Proxy-Authenticate` (`Basic`, `Negotiate`…), on a 407.
    auth_scheme: Option<String>,
}

/// Reads the status line (`HTTP/1.1 200 Connection established`) and `Proxy-Authenticate`,
/// with httparse (the parser hyper uses). At most 64 headers; more is garbled.
fn parse_head(head: &[u8]) -> Option<Answer> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return None,
    }
    let status = response.code?;
    let auth_scheme = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("proxy-authenticate"))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .and_then(|value| value.split_whitespace().next().map(str::to_owned));
    Some(Answer {
        status,
        auth_scheme,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn a_200_with_any_reason_phrase_opens_the_tunnel() {
        for head in [
            "HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n",
            "HTTP/1.1 200 OK\r\n\r\n",
        ] {
            assert_eq!(parse_head(head.as_bytes()).map(|a| a.status), Some(200));
        }
    }

    #[test]
    fn a_407_names_the_scheme_the_proxy_wants() {
        let head = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"tinyproxy\"\r\n\r\n";
        assert_eq!(
            parse_head(head.as_bytes()),
            Some(Answer {
                status: 407,
                auth_scheme: Some("Basic".into())
            })
        );
    }

    #[test]
    fn garbage_is_not_a_status() {
        assert_eq!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"), None);
        assert_eq!(parse_head(b"HTTP/1.1 2000 OK\r\n\r\n"), None);
    }

    #[test]
    fn the_request_brackets_ipv6_and_carries_basic_credentials() {
        let target = Target {
            host: "::1".into(),
            port: 8443,
        };
        let credentials = ProxyCredentials {
            user: "alice".into(),
            password: Secret::new("open sesame"),
        };
        let text = request(&target, Some(&credentials));
        assert!(text.starts_with("CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n"));
        assert!(text.contains("Proxy-Authorization: Basic YWxpY2U6b3BlbiBzZXNhbWU=\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }
}
