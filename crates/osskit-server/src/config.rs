//! Server configuration: where to listen and keep data, which keys to accept, and the
//! [`Limits`] granted to clients.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// How often lifecycle rules are applied unless configured otherwise.
pub const DEFAULT_LIFECYCLE_INTERVAL: Duration = Duration::from_secs(60);
/// What the server grants each client, so that slow, stalled or oversized requests cost a
/// bounded amount of memory and time and never a shared thread.
///
/// ```
/// use std::time::Duration;
/// let mut limits = osskit_server::config::Limits::default();
/// assert_eq!(limits.max_user_metadata, 8 * 1024);
/// limits.idle_timeout = Duration::from_secs(5);
/// let mut config = osskit_server::ServerConfig::new(None);
/// config.limits = limits;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Limits {
    /// Most connections open at once (default 10,000, and never more than the process may
    /// open files for). At the limit, idle keep-alive connections are closed to make room;
    /// when none is idle, new connections wait in the listen queue.
    pub max_connections: usize,
    /// How long a client may take to send a request's head, from its first byte (default
    /// 30 s). The connection is then closed.
    pub header_read_timeout: Duration,
    /// How long a keep-alive connection may stay idle between requests (default 60 s).
    pub idle_timeout: Duration,
    /// How long a request body may stop arriving before the request fails with
    /// `RequestTimeout`, and how long a client may stop reading a response before its
    /// connection is closed (default 60 s).
    pub stall_timeout: Duration,
    /// Largest request head (request line and headers) in bytes (default 64 KiB); larger
    /// ones get `431 Request Header Fields Too Large`.
    pub max_header_bytes: usize,
    /// Most request headers (default 256).
    pub max_headers: usize,
    /// Largest total size of the `x-oss-meta-*` names and values of a request (default
    /// 8 KiB, as OSS): larger gets `MetadataTooLarge`.
    pub max_user_metadata: usize,
    /// Largest object or part (default 5 GiB, as OSS), checked while the body streams in.
    pub max_object_size: u64,
    /// Free disk space (bytes) kept back from new object data for metadata commits, so that
    /// deletes work on a full disk (default 64 MiB; a persistent store only).
    pub disk_reserve: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            stall_timeout: Duration::from_secs(60),
            max_header_bytes: 64 * 1024,
            max_headers: 256,
            max_user_metadata: 8 * 1024,
            max_object_size: 5 * 1024 * 1024 * 1024,
            disk_reserve: crate::store::fs::DEFAULT_RESERVE,
        }
    }
}
use crate::users::{UserConfig, DEFAULT_ACCOUNT_ID};

/// How to run a server: where to listen, where to keep data, which keys to accept.
///
/// ```
/// let mut config = osskit_server::ServerConfig::new(None);
/// config.credentials.push(("id".into(), "secret".into()));
/// assert_eq!(config.listen.to_string(), "127.0.0.1:0");
/// assert_eq!(config.region, "cn-hangzhou");
/// assert!(config.base_domain_list().contains(&"oss-cn-hangzhou.aliyuncs.com".to_string()));
/// ```
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Directory of the persistent store; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// Long-term keys: (access key id, secret).
    pub credentials: Vec<(String, String)>,
    /// Temporary keys: (access key id, secret, security token).
    pub sts_credentials: Vec<(String, String, String)>,
    /// Region the server stands for (default `cn-hangzhou`).
    pub region: String,
    /// Extra base domains for virtual-hosted addressing (`<bucket>.<domain>`).
    pub base_domains: Vec<String>,
    /// Name each answer's operation in an `x-osskit-operation` header (off by default: OSS
    /// sends no such header; tests turn it on to check routing).
    pub echo_operation: bool,
    /// The clock of lifecycle rules, retention periods and bucket statistics (the system
    /// clock by default). Keep a clone to move it forward while the server runs.
    pub clock: crate::clock::Clock,
    /// How often the background task applies lifecycle rules (default one minute); `None`
    /// runs no background task ([`RunningServer::run_lifecycle`](crate::RunningServer::run_lifecycle)
    /// still applies them on demand).
    pub lifecycle_interval: Option<Duration>,
    /// Ids of KMS customer master keys to keep (made at start-up when missing).
    pub kms_keys: Vec<String>,
    /// Time between two writes of the access logs of logged buckets (also written when
    /// much is waiting and at shutdown). Default 5 minutes; tests make it short.
    pub access_log_interval: std::time::Duration,
    /// Connection, timeout and size limits.
    pub limits: Limits,
    /// The uid of the account that [`ServerConfig::credentials`] and
    /// [`ServerConfig::sts_credentials`] belong to (default `1000000000000000`).
    pub account_id: String,
    /// More keys, each of another account or of a RAM user (see [`crate::users`]).
    pub users: Vec<UserConfig>,
    /// How often the replicator starts historical replication of new rules, retires deleted
    /// ones and checks every rule again (new writes are replicated as they happen).
    pub replication_interval: Duration,
    /// How often inventories are checked for a report that is due.
    pub inventory_check_interval: Duration,
    /// Produce every enabled inventory at this interval instead of its `Daily`/`Weekly`
    /// frequency (for tests and demonstrations).
    pub inventory_period: Option<Duration>,
    /// The account beyond its buckets: QoS limits, resource pools and groups, verified
    /// domains, the pace of redundancy transitions.
    pub account: crate::account::AccountSettings,
    /// Shortest `DurationSeconds` the STS actions accept (STS: 900; tests lower it to see
    /// credentials expire).
    pub sts_min_duration_secs: i64,
    /// The ECS instance metadata service, on a listener of its own, if wanted.
    pub metadata: Option<crate::metadata::MetadataConfig>,
    /// Seconds the server's clock runs ahead of the machine's (negative: behind). Signatures,
    /// presigned URLs and credential expiry are judged by the shifted clock, and
    /// `RequestTimeTooSkewed` reports it: a way to test clients' clock-skew correction.
    pub clock_offset_secs: i64,
    /// How long a RestoreObject of an Archive, Cold Archive or Deep Cold Archive object
    /// takes before the object can be read (OSS takes minutes to hours; default 60 seconds,
    /// tests make it short).
    pub restore_delay: Duration,
}

/// The default [`ServerConfig::restore_delay`].
pub const DEFAULT_RESTORE_DELAY: Duration = Duration::from_secs(60);

impl ServerConfig {
    /// Listens on `127.0.0.1:0`, region `cn-hangzhou`, no keys, STS durations from 900
    /// seconds, no metadata service, no clock offset.
    pub fn new(data_dir: Option<PathBuf>) -> Self {
        ServerConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data_dir,
            credentials: Vec::new(),
            sts_credentials: Vec::new(),
            region: "cn-hangzhou".to_string(),
            base_domains: Vec::new(),
            echo_operation: false,
            clock: crate::clock::Clock::system(),
            lifecycle_interval: Some(DEFAULT_LIFECYCLE_INTERVAL),
            kms_keys: Vec::new(),
            access_log_interval: crate::handlers::logging::DEFAULT_INTERVAL,
            limits: Limits::default(),
            account_id: DEFAULT_ACCOUNT_ID.to_string(),
            users: Vec::new(),
            replication_interval: Duration::from_secs(5),
            inventory_check_interval: Duration::from_secs(60),
            inventory_period: None,
            account: crate::account::AccountSettings::default(),
            sts_min_duration_secs: 900,
            metadata: None,
            clock_offset_secs: 0,
            restore_delay: DEFAULT_RESTORE_DELAY,
        }
    }

    /// Every base domain, lower case: `localhost`, `127.0.0.1`, `oss-<region>.aliyuncs.com`,
    /// `oss-<region>-internal.aliyuncs.com`, then the configured ones.
    pub fn base_domain_list(&self) -> Vec<String> {
        let mut all = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            format!("oss-{}.aliyuncs.com", self.region),
            format!("oss-{}-internal.aliyuncs.com", self.region),
        ];
        for d in &self.base_domains {
            let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
            if !d.is_empty() && !all.contains(&d) {
                all.push(d);
            }
        }
        all
    }
}
