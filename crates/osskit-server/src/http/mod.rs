//! The hyper shell: listening, one task per connection with its limits and timeouts (see
//! [`conn`]), graceful shutdown.

pub mod base64;
pub mod body;
pub mod conn;
pub mod guard;
pub mod log;
pub mod mapped;
pub mod response;

use crate::config::{Limits, ServerConfig};
use crate::dispatch::{self, AppState};
use crate::error::ServerStartError;
use crate::keys::Keys;
use crate::rpc::sts::StsSettings;
use crate::store::fs::FsOptions;
use crate::store::{FsStore, MemoryStore, Store, StoreError};
use conn::{Activity, TrackedBody, TrackedIo};
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
        let options = FsOptions {
            reserve: config.limits.disk_reserve,
            ..FsOptions::default()
        };
        let store: Arc<dyn Store> = match config.data_dir.clone() {
            Some(dir) => {
                let store = tokio::task::spawn_blocking(move || FsStore::open_with(&dir, options))
                    .await
                    .map_err(|e| {
                        StoreError::Internal(format!("store opening task failed: {e}"))
                    })??;
                Arc::new(store)
            }
            None => Arc::new(MemoryStore::new()?),
        };
        let kms = match &config.data_dir {
            Some(dir) => {
                let dir = dir.join("kms");
                tokio::task::spawn_blocking(move || crate::rpc::kms::KmsKeys::open(&dir))
                    .await
                    .map_err(|e| StoreError::Internal(format!("KMS key loading task failed: {e}")))?
                    .map_err(StoreError::Internal)?
            }
            None => crate::rpc::kms::KmsKeys::in_memory(),
        };
        // The key SSE-KMS uses when no key id is given exists in the local KMS too, as the
        // account's default key does in Alibaba Cloud: clients may use it for their own
        // envelopes (oss2's tests read it from an object's headers and encrypt with it).
        let default_key = crate::handlers::encryption::default_kms_key_id(&config.region);
        for id in config
            .kms_keys
            .iter()
            .map(|k| k.trim())
            .chain([default_key.as_str()])
        {
            if kms
                .ensure(id, &config.region)
                .map_err(StoreError::Internal)?
            {
                tracing::info!(key_id = %id, "made a KMS key");
            }
        }
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
        let fds = conn::raise_fd_limit();
        let max_connections = conn::connection_cap(config.limits.max_connections, fds);
        // Other users' keys are long-term keys with an identity of their own.
        let users = crate::users::Users::new(config.account_id.clone());
        let mut long_term = config.credentials.clone();
        for user in &config.users {
            let id = user.access_key_id.trim().to_string();
            long_term.push((id.clone(), user.access_key_secret.clone()));
            users.register(id, user.identity.clone());
        }
        let base_domains = config.base_domain_list();
        // The address the server's own outgoing requests reach it at.
        let own_addr = authority.parse().unwrap_or(local_addr);
        let state = Arc::new(AppState {
            store,
            region: config.region.clone(),
            base_domains: base_domains.clone(),
            keys: Keys::new(&long_term, &config.sts_credentials),
            sts: StsSettings {
                min_duration_secs: config.sts_min_duration_secs.max(1),
                ..StsSettings::default()
            },
            clock_offset_secs: config.clock_offset_secs,
            authority: authority.clone(),
            echo_operation: config.echo_operation,
            kms: Arc::new(kms),
            web: crate::handlers::web::WebState::new(config.access_log_interval),
            limits: config.limits.clone(),
            users,
            replicator: crate::replicator::Replicator::new(config.replication_interval),
            access_cache: crate::access::Cache::default(),
            account: crate::account::Account::new(config.account.clone())
                .with_own_hosts(own_addr, &base_domains),
            clock: config.clock.clone(),
            restore_delay: config.restore_delay,
        });
        let (stop, stopped) = watch::channel(false);
        let flusher = tokio::spawn(crate::handlers::logging::run_flusher(
            state.clone(),
            stopped.clone(),
        ));
        // Background work: replication, inventory reports and lifecycle rules.
        let mut background = vec![
            tokio::spawn(crate::replicator::run(state.clone(), stopped.clone())),
            tokio::spawn(crate::inventory_reports::run(
                state.clone(),
                config.inventory_check_interval,
                crate::inventory_reports::Schedule {
                    period: config.inventory_period,
                },
                stopped.clone(),
            )),
        ];
        if let Some(every) = config.lifecycle_interval {
            background.push(crate::lifecycle::spawn(
                state.clone(),
                every,
                stopped.clone(),
            ));
        }
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
        let served = state.clone();
        let task = tokio::spawn(async move {
            accept_loop(listener, served, stopped, max_connections).await;
            for task in background {
                let _ = task.await;
            }
        });
        tracing::info!(%local_addr, max_connections, "oss-server listening");
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
            flusher,
            metadata_task,
            state,
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
    /// Writes access logs; ends after a last flush once the server stops.
    flusher: tokio::task::JoinHandle<()>,
    metadata_task: Option<tokio::task::JoinHandle<()>>,
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

    /// `http://127.0.0.1:PORT` of the instance metadata service, when it runs.
    pub fn metadata_endpoint(&self) -> Option<String> {
        self.metadata_addr.map(|a| format!("http://{a}"))
    }

    /// The clock of lifecycle rules, retention periods, access times and statistics: move
    /// it forward with [`Clock::advance`](crate::clock::Clock::advance).
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
        if let Err(e) = self.flusher.await {
            tracing::warn!(error = %e, "access log task ended abnormally");
        }
        if let Some(task) = self.metadata_task {
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "metadata task ended abnormally");
            }
        }
    }
}

/// How long the accept loop waits, at the connection limit, before looking for an idle
/// connection to close again.
const AT_CAPACITY_RETRY: Duration = Duration::from_millis(100);

async fn accept_loop(
    listener: TcpListener,
    state: Arc<AppState>,
    mut stopped: watch::Receiver<bool>,
    max_connections: usize,
) {
    let mut conns = JoinSet::new();
    let mut open: HashMap<tokio::task::Id, Arc<Activity>> = HashMap::new();
    'serve: loop {
        // At the limit: close the longest-idle connection, or wait for one to end.
        while conns.len() >= max_connections {
            evict_idle(&open, 1);
            tokio::select! {
                _ = stopped.changed() => break 'serve,
                Some(done) = conns.join_next_with_id() => forget(&mut open, done),
                _ = tokio::time::sleep(AT_CAPACITY_RETRY) => {}
            }
        }
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let activity = Activity::new();
                    let handle = conns.spawn(serve_connection(
                        stream,
                        peer,
                        state.clone(),
                        stopped.clone(),
                        activity.clone(),
                    ));
                    open.insert(handle.id(), activity);
                }
                Err(e) => {
                    // Out of file descriptors: idle connections make room.
                    if matches!(e.raw_os_error(), Some(23 | 24)) {
                        evict_idle(&open, 8);
                    }
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(done) = conns.join_next_with_id(), if !conns.is_empty() => forget(&mut open, done),
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

/// Drops the record of a connection that ended.
fn forget(
    open: &mut HashMap<tokio::task::Id, Arc<Activity>>,
    done: Result<(tokio::task::Id, ()), tokio::task::JoinError>,
) {
    let id = match done {
        Ok((id, ())) => id,
        Err(e) => e.id(),
    };
    open.remove(&id);
}

/// Asks up to `n` of the longest-idle connections to close.
fn evict_idle(open: &HashMap<tokio::task::Id, Arc<Activity>>, n: usize) {
    let mut idle: Vec<&Arc<Activity>> = open.values().filter(|a| a.is_idle()).collect();
    idle.sort_by_key(|a| std::cmp::Reverse(a.idle_for()));
    for a in idle.into_iter().take(n) {
        a.evict();
    }
}

/// The HTTP/1 settings of a connection under `limits`.
fn http1_builder(limits: &Limits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        // A client that shuts down its sending side after the request still gets the answer.
        .half_close(true)
        // The read buffer bounds a request head; responses are queued as frames (no copy).
        .max_buf_size(limits.max_header_bytes.max(8192))
        .max_header_size(limits.max_header_bytes)
        .max_headers(limits.max_headers)
        .writev(true);
    builder
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    state: Arc<AppState>,
    mut stopped: watch::Receiver<bool>,
    activity: Arc<Activity>,
) {
    let limits = state.limits.clone();
    let stall = limits.stall_timeout;
    let service_activity = activity.clone();
    let service = service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
        let state = state.clone();
        let activity = service_activity.clone();
        activity.request_started();
        req.extensions_mut().insert(dispatch::PeerAddr(peer));
        async move {
            let response = crate::handlers::upload::STALL_TIMEOUT
                .scope(stall, dispatch::serve(state, req))
                .await;
            Ok::<_, Infallible>(response.map(|body| TrackedBody::new(body, activity)))
        }
    });
    let io = TokioIo::new(TrackedIo::new(stream, activity.clone()));
    let conn = http1_builder(&limits).serve_connection(io, service);
    tokio::pin!(conn);
    if *stopped.borrow() {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        let deadline = activity.deadline(&limits);
        let wake = deadline.map_or_else(
            || tokio::time::Instant::now() + limits.stall_timeout,
            |(at, _)| tokio::time::Instant::from_std(at),
        );
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            _ = stopped.changed() => break,
            _ = tokio::time::sleep_until(wake) => {
                if let Some((at, why)) = activity.deadline(&limits) {
                    if at <= std::time::Instant::now() {
                        tracing::debug!(%peer, reason = ?why, "closing the connection");
                        return;
                    }
                }
            }
            // A new phase may bring its deadline closer: compute it again.
            _ = activity.phase_changed() => {}
            _ = activity.evicted() => {
                if activity.is_idle() {
                    tracing::debug!(%peer, "closing an idle connection to make room");
                    return;
                }
            }
        }
    }
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
