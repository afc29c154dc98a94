//! Server configuration.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// How often lifecycle rules are applied unless configured otherwise.
pub const DEFAULT_LIFECYCLE_INTERVAL: Duration = Duration::from_secs(60);

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
}

impl ServerConfig {
    /// Listens on `127.0.0.1:0`, region `cn-hangzhou`, no keys.
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
