//! Server configuration.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

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
    /// Shortest `DurationSeconds` the STS actions accept (STS: 900; tests lower it to see
    /// credentials expire).
    pub sts_min_duration_secs: i64,
    /// The ECS instance metadata service, on a listener of its own, if wanted.
    pub metadata: Option<crate::metadata::MetadataConfig>,
    /// Seconds the server's clock runs ahead of the machine's (negative: behind). Signatures,
    /// presigned URLs and credential expiry are judged by the shifted clock, and
    /// `RequestTimeTooSkewed` reports it: a way to test clients' clock-skew correction.
    pub clock_offset_secs: i64,
}

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
            sts_min_duration_secs: 900,
            metadata: None,
            clock_offset_secs: 0,
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
