//! Running the server: `Sandbox::run`, `spawn`, `spawn_on` and the `Running` handle.

use crate::control::ControlClient;
use crate::{Config, Sandbox};
use axum::serve::ListenerExt;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

impl Sandbox {
    /// Serves on `listener` until `shutdown` resolves; sockets are then aborted with no close frame.
    pub async fn run(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app =
            crate::http::router(self.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let activity = crate::activity::start(self);
        // As the real backend (Go's net package sets TCP_NODELAY on every connection): with
        // Nagle on, a frame written while the previous one is unacknowledged waits for the
        // client's delayed ACK, up to 40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "TCP_NODELAY not set");
            }
        });
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        if let Some(a) = activity {
            a.abort();
        }
        self.drop_sockets(crate::DropMode::Abrupt, None, None);
        result
    }
}

/// A sandbox serving in the background.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    /// The state, reusable for a restart with [`spawn_on`].
    pub sandbox: Sandbox,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Starts a new sandbox on `127.0.0.1:0`.
pub async fn spawn(config: Config) -> Running {
    spawn_on(
        "127.0.0.1:0"
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0))),
        Sandbox::new(config),
    )
    .await
    .expect("bind 127.0.0.1:0")
}

/// Serves an existing sandbox on `addr` (e.g. the port of a stopped run, for restart tests).
pub async fn spawn_on(addr: SocketAddr, sandbox: Sandbox) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let sb = sandbox.clone();
    let task = tokio::spawn(async move {
        sb.run(listener, async move {
            let _ = rx.await;
        })
        .await
    });
    Ok(Running {
        addr,
        sandbox,
        stop: Some(tx),
        task,
    })
}

impl Running {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>/api/v1`.
    pub fn api_url(&self) -> String {
        format!("{}/api/v1", self.base_url())
    }

    /// `ws://127.0.0.1:<port>/api/v1/messages/ws` (fly flavour).
    pub fn ws_fly_url(&self) -> String {
        format!("ws://{}/api/v1/messages/ws", self.addr)
    }

    /// `ws://127.0.0.1:<port>/aws` (API Gateway flavour).
    pub fn ws_aws_url(&self) -> String {
        format!("ws://{}/aws", self.addr)
    }

    /// A control client for this sandbox.
    pub fn control(&self) -> ControlClient {
        ControlClient::new(self.base_url())
    }

    /// Graceful HTTP shutdown; every socket is dropped with no close frame (a process kill).
    pub async fn stop(mut self) {
        self.sandbox
            .drop_sockets(crate::DropMode::Abrupt, None, None);
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}
