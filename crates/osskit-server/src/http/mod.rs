//! The hyper shell: listening, one task per connection, graceful shutdown.

pub mod base64;
pub mod body;
pub mod mapped;
pub mod response;

use crate::config::ServerConfig;
use crate::dispatch::{self, AppState};
use crate::error::ServerStartError;
use crate::store::{FsStore, MemoryStore, Store, StoreError};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
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
        let mut keys = HashMap::new();
        for (id, secret) in &config.credentials {
            keys.insert(id.trim().to_string(), (secret.trim().to_string(), None));
        }
        for (id, secret, token) in &config.sts_credentials {
            keys.insert(
                id.trim().to_string(),
                (secret.trim().to_string(), Some(token.clone())),
            );
        }
        let state = Arc::new(AppState {
            store,
            region: config.region.clone(),
            base_domains: config.base_domain_list(),
            keys,
            authority: authority.clone(),
            echo_operation: config.echo_operation,
            clock: config.clock.clone(),
            access: Arc::new(crate::lifecycle::AccessTimes::default()),
        });
        {
            let (store, access) = (state.store.clone(), state.access.clone());
            tokio::task::spawn_blocking(move || {
                crate::lifecycle::refresh_tracking(store.as_ref(), &access)
            })
            .await
            .map_err(|e| StoreError::Internal(format!("lifecycle start-up task failed: {e}")))??;
        }
        let (stop, stopped) = watch::channel(false);
        let lifecycle = config
            .lifecycle_interval
            .map(|every| crate::lifecycle::spawn(state.clone(), every, stopped.clone()));
        let task = tokio::spawn(accept_loop(listener, state.clone(), stopped));
        tracing::info!(%local_addr, "oss-server listening");
        Ok(RunningServer {
            local_addr,
            authority,
            stop,
            task,
            lifecycle,
            state,
        })
    }
}

/// A server serving in the background.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    authority: String,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    lifecycle: Option<tokio::task::JoinHandle<()>>,
    state: Arc<AppState>,
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

    /// The clock of lifecycle rules, retention periods and statistics: move it forward
    /// with [`Clock::advance`](crate::clock::Clock::advance).
    pub fn clock(&self) -> &crate::clock::Clock {
        &self.state.clock
    }

    /// Applies every bucket's lifecycle rules now (at the clock's time) and reports what
    /// was done; the background task does the same every
    /// [`ServerConfig::lifecycle_interval`](crate::ServerConfig::lifecycle_interval).
    pub async fn run_lifecycle(&self) -> crate::lifecycle::LifecycleReport {
        crate::lifecycle::run(&self.state).await
    }

    /// Stops accepting connections, lets requests in flight finish (up to 10 s), then returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "server task ended abnormally");
        }
        if let Some(lifecycle) = self.lifecycle {
            let _ = lifecycle.await;
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
