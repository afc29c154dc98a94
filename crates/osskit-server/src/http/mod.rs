//! The hyper shell: listening, one task per connection, graceful shutdown.

pub mod base64;
pub mod body;
pub mod mapped;
pub mod response;

use crate::config::ServerConfig;
use crate::dispatch::{self, AppState};
use crate::error::ServerStartError;
use crate::keys::Keys;
use crate::rpc::sts::StsSettings;
use crate::store::{FsStore, MemoryStore, Store, StoreError};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long a graceful shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Starts servers.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut config = osskit_server::ServerConfig::new(None);
/// config.credentials.push(("id".into(), "secret".into()));
/// let server = osskit_server::Server::start(config).await.unwrap();
/// assert!(server.endpoint().starts_with("http://127.0.0.1:"));
/// server.shutdown().await;
/// # }
/// ```
#[derive(Debug)]
pub struct Server;

impl Server {
    /// Opens the store (on disk, or in memory when `data_dir` is `None`), binds the socket
    /// and serves in the background until [`RunningServer::shutdown`] (or until the
    /// [`RunningServer`] is dropped).
    pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerStartError> {
        let store: Arc<dyn Store> = match config.data_dir.clone() {
            Some(dir) => {
                let store = tokio::task::spawn_blocking(move || FsStore::open(&dir))
                    .await
                    .map_err(|e| {
                        StoreError::Internal(format!("store opening task failed: {e}"))
                    })??;
                Arc::new(store)
            }
            None => Arc::new(MemoryStore::new()?),
        };
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerStartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| ServerStartError::Bind {
                addr: config.listen,
                source,
            })?;
        let authority = if local_addr.ip().is_unspecified() {
            if local_addr.is_ipv4() {
                format!("127.0.0.1:{}", local_addr.port())
            } else {
                format!("[::1]:{}", local_addr.port())
            }
        } else {
            local_addr.to_string()
        };
        let state = Arc::new(AppState {
            store,
            region: config.region.clone(),
            base_domains: config.base_domain_list(),
            keys: Keys::new(&config.credentials, &config.sts_credentials),
            sts: StsSettings {
                min_duration_secs: config.sts_min_duration_secs.max(1),
                ..StsSettings::default()
            },
            clock_offset_secs: config.clock_offset_secs,
            authority: authority.clone(),
        });
        let (stop, stopped) = watch::channel(false);
        let metadata = match config.metadata.clone() {
            Some(m) => {
                let addr = m.listen;
                Some(
                    crate::metadata::start(state.clone(), m, stopped.clone())
                        .await
                        .map_err(|source| ServerStartError::Bind { addr, source })?,
                )
            }
            None => None,
        };
        let task = tokio::spawn(accept_loop(listener, state, stopped));
        tracing::info!(%local_addr, "oss-server listening");
        let (metadata_addr, metadata_task) = match metadata {
            Some((addr, task)) => (Some(addr), Some(task)),
            None => (None, None),
        };
        Ok(RunningServer {
            local_addr,
            authority,
            metadata_addr,
            stop,
            task,
            metadata_task,
        })
    }
}

/// A server serving in the background.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    authority: String,
    metadata_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    metadata_task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningServer {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.authority)
    }

    /// `http://127.0.0.1:PORT` of the instance metadata service, when it runs.
    pub fn metadata_endpoint(&self) -> Option<String> {
        self.metadata_addr.map(|a| format!("http://{a}"))
    }

    /// Stops accepting connections, lets requests in flight finish (up to 10 s), then returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "server task ended abnormally");
        }
        if let Some(task) = self.metadata_task {
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "metadata task ended abnormally");
            }
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<AppState>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(stream, peer, state.clone(), stopped.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("requests still running after the grace period; closing their connections");
        conns.abort_all();
    }
    tracing::info!("oss-server stopped");
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    state: Arc<AppState>,
    mut stopped: watch::Receiver<bool>,
) {
    let service = service_fn(move |req| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(dispatch::serve(state, req).await) }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    if *stopped.borrow() {
        conn.as_mut().graceful_shutdown();
    }
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            return;
        }
        _ = stopped.changed() => {}
    }
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
