//! A recording TCP proxy on loopback: clients talk to it instead of the server, and it keeps
//! every byte of every connection in both directions. The hygiene suite reads the request
//! lines (no token may be in a URL) and learns the tokens a separate process (the CLI) was
//! handed, from the server's responses.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The bytes of one proxied connection.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    /// Client → server.
    pub up: Vec<u8>,
    /// Server → client.
    pub down: Vec<u8>,
}

/// Everything the proxy has seen.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    conversations: Arc<Mutex<Vec<Arc<Mutex<Conversation>>>>>,
}

impl Recording {
    /// A copy of every conversation so far.
    pub fn conversations(&self) -> Vec<Conversation> {
        self.conversations
            .lock()
            .expect("recording")
            .iter()
            .map(|c| c.lock().expect("conversation").clone())
            .collect()
    }

    /// Every HTTP request line clients sent (`GET /path?query HTTP/1.1`).
    pub fn request_lines(&self) -> Vec<String> {
        let methods = [
            "GET ", "POST ", "PUT ", "PATCH ", "DELETE ", "HEAD ", "OPTIONS ",
        ];
        let mut out = Vec::new();
        for c in self.conversations() {
            for line in c.up.split(|b| *b == b'\n') {
                let line = String::from_utf8_lossy(line);
                let line = line.trim_end_matches('\r');
                if methods.iter().any(|m| line.starts_with(m)) && line.ends_with(" HTTP/1.1") {
                    out.push(line.to_owned());
                }
            }
        }
        out
    }

    /// Tokens the server handed out in responses: every JWT-shaped string and every
    /// `refresh_token=` cookie value.
    pub fn issued_tokens(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in self.conversations() {
            let text = String::from_utf8_lossy(&c.down);
            out.extend(jwts(&text));
            for (i, _) in text.match_indices("refresh_token=") {
                let value: String = text[i + "refresh_token=".len()..]
                    .chars()
                    .take_while(|ch| !matches!(ch, ';' | '\r' | '\n' | ' ' | '"'))
                    .collect();
                if value.len() >= 8 {
                    out.push(value);
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Every `xxx.yyy.zzz` run of base64url characters starting with `eyJ` (a JWT).
pub fn jwts(text: &str) -> Vec<String> {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut out = Vec::new();
    for (start, _) in text.match_indices("eyJ") {
        let candidate: String = text[start..]
            .chars()
            .take_while(|c| is_b64(*c) || *c == '.')
            .collect();
        if candidate.split('.').filter(|p| !p.is_empty()).count() == 3 {
            out.push(candidate.trim_end_matches('.').to_owned());
        }
    }
    out
}

/// Starts a proxy to `upstream`; returns its address and what it records.
pub async fn start(upstream: SocketAddr) -> std::io::Result<(SocketAddr, Recording)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let recording = Recording::default();
    let rec = recording.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let conversation = Arc::new(Mutex::new(Conversation::default()));
            rec.conversations
                .lock()
                .expect("recording")
                .push(Arc::clone(&conversation));
            tokio::spawn(async move {
                if let Ok(server) = TcpStream::connect(upstream).await {
                    relay(client, server, conversation).await;
                }
            });
        }
    });
    Ok((addr, recording))
}

async fn relay(client: TcpStream, server: TcpStream, conversation: Arc<Mutex<Conversation>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up_log = Arc::clone(&conversation);
    let up = async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = client_read.read(&mut buf).await {
            if n == 0 || server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
            up_log
                .lock()
                .expect("conversation")
                .up
                .extend_from_slice(&buf[..n]);
        }
        let _ = server_write.shutdown().await;
    };
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = server_read.read(&mut buf).await {
            if n == 0 || client_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
            conversation
                .lock()
                .expect("conversation")
                .down
                .extend_from_slice(&buf[..n]);
        }
        let _ = client_write.shutdown().await;
    };
    tokio::join!(up, down);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwts_are_found_inside_json() {
        let text = r#"{"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl","userId":"u"}"#;
        assert_eq!(
            jwts(text),
            vec!["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl".to_owned()]
        );
    }
}
