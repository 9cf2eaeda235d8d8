//! A loopback TCP proxy that can lose one refresh response in transit: the request reaches
//! the sandbox (which rotates the token) but the answer is swallowed and the connection left
//! hanging, exactly what a client sees when the network dies at the wrong moment.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The running proxy; stops when dropped.
pub struct LossyProxy {
    addr: SocketAddr,
    lose: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl LossyProxy {
    /// Proxies `127.0.0.1:0` to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("bound address");
        let lose = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&lose);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let flag = Arc::clone(&flag);
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        pipe(client, server, flag).await;
                    }
                });
            }
        });
        Self { addr, lose, task }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next response that sets a refresh cookie is swallowed.
    pub fn lose_next_refresh_response(&self) {
        self.lose.store(true, Ordering::SeqCst);
    }
}

impl Drop for LossyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pipe(client: TcpStream, server: TcpStream, lose: Arc<AtomicBool>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    });
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match server_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buffer[..n];
        let sets_cookie = chunk
            .windows(b"refresh_token=".len())
            .any(|w| w == b"refresh_token=");
        if sets_cookie && lose.swap(false, Ordering::SeqCst) {
            // Swallow this answer and everything after it on this connection; keep the
            // connection open so the client waits until its own timeout.
            while let Ok(n) = server_read.read(&mut buffer).await {
                if n == 0 {
                    break;
                }
            }
            upstream.abort();
            return;
        }
        if client_write.write_all(chunk).await.is_err() {
            break;
        }
    }
    upstream.abort();
}
