//! What the account has beyond its buckets, as the server is configured to present it
//! ([`AccountSettings`]: QoS limits, resource pools and groups, verified domains, the pace
//! of redundancy transitions), and the server's runtime state for the families that run in
//! the background or keep caches ([`Account`]: async fetch tasks, access-tracking states,
//! metadata indexes).
//!
//! ```
//! use osskit_server::account::{AccountSettings, ResourcePool};
//! let mut settings = AccountSettings::default();
//! settings.verified_domains.push("static.example.com".into());
//! settings.resource_pools.push(ResourcePool::new("pool-1", ["logs", "media"]));
//! assert!(settings.domain_verified("STATIC.example.com"));
//! assert!(settings.resource_group_known(osskit_server::account::DEFAULT_RESOURCE_GROUP));
//! assert_eq!(settings.pool_of("media").unwrap().name, "pool-1");
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use osskit_proto::xml::qos::QoSConfiguration;

/// The resource group buckets belong to unless told otherwise.
pub const DEFAULT_RESOURCE_GROUP: &str = "rg-default";

/// The account as the server presents it (everything OSS keeps outside buckets).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AccountSettings {
    /// The account's QoS limits (`GetUserQosInfo`); bucket limits must stay within them.
    pub user_qos: QoSConfiguration,
    /// Resource pools (`ListResourcePools`, …), none by default.
    pub resource_pools: Vec<ResourcePool>,
    /// Resource group ids buckets can be put in, besides [`DEFAULT_RESOURCE_GROUP`].
    pub resource_groups: Vec<String>,
    /// Domains whose ownership counts as proven (`PutCname` attaches only these, as OSS
    /// attaches only domains whose TXT record carries the CNAME token).
    pub verified_domains: Vec<String>,
    /// How long a redundancy transition waits in `Queueing` before it starts.
    pub redundancy_transition_queue: Duration,
    /// How long a redundancy transition is `Processing` before it finishes and the bucket
    /// becomes zone-redundant.
    pub redundancy_transition_run: Duration,
    /// How old a metadata index may grow before a query rebuilds it from the store (changes
    /// made through the server's own requests are applied at once; this catches the rest,
    /// such as lifecycle expirations).
    pub meta_index_refresh: Duration,
    /// Within this time after an object's last access, further reads do not move its last
    /// access time (24 hours, as OSS; tests shorten it).
    pub access_time_granularity: Duration,
}

impl Default for AccountSettings {
    /// Upload 10 Gbit/s, download 100 Gbit/s, 10000 requests per second in total; no
    /// resource pools; transitions queue 10 s and run 60 s; indexes refresh every 30 s;
    /// last access times move at most once a day.
    fn default() -> Self {
        AccountSettings {
            user_qos: QoSConfiguration::new()
                .total_upload_bandwidth(10)
                .total_download_bandwidth(100)
                .total_qps(10_000)
                .filled(),
            resource_pools: Vec::new(),
            resource_groups: Vec::new(),
            verified_domains: Vec::new(),
            redundancy_transition_queue: Duration::from_secs(10),
            redundancy_transition_run: Duration::from_secs(60),
            meta_index_refresh: Duration::from_secs(30),
            access_time_granularity: Duration::from_secs(24 * 3600),
        }
    }
}

impl AccountSettings {
    /// Whether `domain`'s ownership counts as proven (names compared ignoring case and a
    /// trailing dot).
    pub fn domain_verified(&self, domain: &str) -> bool {
        let d = normalize_domain(domain);
        self.verified_domains
            .iter()
            .any(|v| normalize_domain(v) == d)
    }

    /// Whether buckets can be put in resource group `id`.
    pub fn resource_group_known(&self, id: &str) -> bool {
        id == DEFAULT_RESOURCE_GROUP || self.resource_groups.iter().any(|g| g == id)
    }

    /// The resource pool named `name`.
    pub fn pool(&self, name: &str) -> Option<&ResourcePool> {
        self.resource_pools.iter().find(|p| p.name == name)
    }

    /// The resource pool `bucket` belongs to.
    pub fn pool_of(&self, bucket: &str) -> Option<&ResourcePool> {
        self.resource_pools
            .iter()
            .find(|p| p.buckets.iter().any(|b| b == bucket))
    }
}

/// A domain lower case, without a trailing dot.
pub fn normalize_domain(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A resource pool: buckets sharing QoS limits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourcePool {
    /// Name.
    pub name: String,
    /// The pool's limits (`-1` everywhere by default).
    pub qos: QoSConfiguration,
    /// Its buckets (they need not exist).
    pub buckets: Vec<String>,
    /// When it was created, Unix seconds.
    pub created_secs: i64,
}

impl ResourcePool {
    /// A pool of `buckets` without limits of its own.
    pub fn new<B>(name: impl Into<String>, buckets: B) -> Self
    where
        B: IntoIterator,
        B::Item: Into<String>,
    {
        ResourcePool {
            name: name.into(),
            qos: QoSConfiguration::new().filled(),
            buckets: buckets.into_iter().map(Into::into).collect(),
            created_secs: 1_700_000_000,
        }
    }

    /// Sets the pool's limits (unset ones become `-1`).
    pub fn qos(mut self, qos: QoSConfiguration) -> Self {
        self.qos = qos.filled();
        self
    }
}

/// The state of one async fetch task, as `GetAsyncFetchTask` reports it.
#[derive(Debug, Clone)]
pub struct FetchTaskRecord {
    /// The bucket the task writes into.
    pub bucket: String,
    /// `Running`, `Success`, `Failed`, `FetchSuccessCallbackFailed`.
    pub state: String,
    /// Why it failed.
    pub error: String,
    /// The task as submitted.
    pub task: osskit_proto::xml::async_fetch::AsyncFetchTaskConfiguration,
    /// When it was submitted, Unix ms.
    pub created_ms: i64,
}

/// Running async fetch tasks and finished ones, by task id.
pub type FetchTasks = Arc<Mutex<HashMap<String, FetchTaskRecord>>>;

/// The metadata indexes of the buckets that have one, by bucket.
pub type MetaIndexes = Arc<Mutex<HashMap<String, crate::handlers::meta_query::MetaIndex>>>;

/// The server's runtime state for the account: background jobs (aborted when the server
/// stops), fetch tasks, caches.
pub struct Account {
    /// The settings.
    pub settings: AccountSettings,
    /// Serialises read-modify-write changes of the documents that hold several entries
    /// (styles, CNAMEs, requester QoS, transitions), so concurrent changes are not lost.
    pub edit_lock: tokio::sync::Mutex<()>,
    /// Async fetch tasks by id (kept in memory; a task does not outlive the process).
    pub fetch_tasks: FetchTasks,
    /// Access tracking per bucket: `Some(since)` (Unix ms) when on, `None` when off; a
    /// bucket not in the map has not been looked up yet.
    pub tracking: RwLock<HashMap<String, Option<i64>>>,
    /// Metadata indexes of the buckets that have one turned on.
    pub meta_indexes: MetaIndexes,
    /// Attached domains (lower case) → their bucket, loaded from the store on first use and
    /// dropped whenever a domain is attached or detached or a bucket deleted.
    pub cname_hosts: RwLock<Option<HashMap<String, String>>>,
    /// Requesters' QoS limits in resource pools: pool → requester → stored document.
    pub pool_requesters: Mutex<BTreeMap<String, BTreeMap<String, String>>>,
    jobs: Mutex<tokio::task::JoinSet<()>>,
    http: std::sync::OnceLock<Result<reqwest::Client, String>>,
    own_hosts: Option<Arc<OwnHosts>>,
}

/// Name resolution of the server's outgoing requests: the hosts the server serves resolve
/// to its listener, every other name as the system resolves it.
#[derive(Debug)]
struct OwnHosts {
    addr: std::net::SocketAddr,
    /// Base domains, lower case, without `localhost` and IP literals.
    domains: Vec<String>,
}

impl OwnHosts {
    fn serves(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.domains.iter().any(|d| {
            name == *d
                || name
                    .strip_suffix(d.as_str())
                    .is_some_and(|label| label.ends_with('.'))
        })
    }
}

impl reqwest::dns::Resolve for OwnHosts {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let own = self.serves(name.as_str()).then_some(self.addr);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: reqwest::dns::Addrs = match own {
                Some(addr) => Box::new(std::iter::once(addr)),
                None => {
                    let found: Vec<std::net::SocketAddr> =
                        tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
                    Box::new(found.into_iter())
                }
            };
            Ok(addrs)
        })
    }
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// The runtime state of an account with `settings`.
    pub fn new(settings: AccountSettings) -> Self {
        Account {
            settings,
            edit_lock: tokio::sync::Mutex::new(()),
            fetch_tasks: Arc::new(Mutex::new(HashMap::new())),
            tracking: RwLock::new(HashMap::new()),
            meta_indexes: Arc::new(Mutex::new(HashMap::new())),
            cname_hosts: RwLock::new(None),
            pool_requesters: Mutex::new(BTreeMap::new()),
            jobs: Mutex::new(tokio::task::JoinSet::new()),
            http: std::sync::OnceLock::new(),
            own_hosts: None,
        }
    }

    /// Makes the server's own outgoing requests (async fetch tasks, callbacks) reach the
    /// hosts it serves — `<base domain>` and `<bucket>.<base domain>`, named without a port
    /// — at `addr`, its own listener, as the names of OSS's endpoints reach OSS: a task
    /// fetching a presigned URL of this server works whatever the DNS says. `localhost` and
    /// IP literals are left to the resolver.
    pub fn with_own_hosts(mut self, addr: std::net::SocketAddr, base_domains: &[String]) -> Self {
        let domains = base_domains
            .iter()
            .filter(|d| *d != "localhost" && d.parse::<std::net::IpAddr>().is_err())
            .cloned()
            .collect();
        self.own_hosts = Some(Arc::new(OwnHosts { addr, domains }));
        self
    }

    /// Runs `job` in the background until it ends or the server stops (jobs are aborted
    /// when the server's state is dropped). Jobs must not hold the server's state.
    pub fn spawn<F>(&self, job: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        while jobs.try_join_next().is_some() {}
        jobs.spawn(job);
    }

    /// The HTTP client of fetch tasks and callbacks (no proxy from the environment, 30 s
    /// to connect, redirects followed; the server's own hosts reach the server, see
    /// [`Account::with_own_hosts`]).
    pub fn http(&self) -> Result<reqwest::Client, String> {
        self.http
            .get_or_init(|| {
                let mut builder = reqwest::Client::builder()
                    .no_proxy()
                    .connect_timeout(Duration::from_secs(30))
                    .timeout(Duration::from_secs(600));
                if let Some(own) = &self.own_hosts {
                    builder = builder.dns_resolver(own.clone());
                }
                builder
                    .build()
                    .map_err(|e| format!("cannot create an HTTP client: {e}"))
            })
            .clone()
    }

    /// Forgets what is cached about `bucket` (after it is created or deleted).
    pub fn forget_bucket(&self, bucket: &str) {
        self.forget_cname_hosts();
        self.tracking
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(bucket);
        self.meta_indexes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(bucket);
    }

    /// Forgets the attached domains (after one is attached or detached).
    pub fn forget_cname_hosts(&self) {
        *self.cname_hosts.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
