//! Command-line options of the server, shared by the `oss-server` binary and `oss serve`.
//!
//! [`ServerArgs`] is a `clap` argument group: flatten it into a command, turn it into a
//! [`ServerConfig`] with [`ServerArgs::into_config`], or hand it to [`serve`], which starts
//! the server, prints one line `oss-server listening on http://HOST:PORT` on stdout and runs
//! until Ctrl-C or SIGTERM.
//!
//! ```
//! use clap::Parser;
//! use osskit_server::cli::ServerArgs;
//!
//! #[derive(Parser)]
//! struct Cmd {
//!     #[command(flatten)]
//!     server: ServerArgs,
//! }
//!
//! let cmd = Cmd::parse_from([
//!     "serve", "--memory", "--access-key-id", "id", "--access-key-secret", "secret",
//!     "--sts", "STS.id:sts-secret:token",
//!     "--user", "other-id:other-secret:2000000000000000",
//!     "--verified-domain", "static.example.com", "--resource-pool", "pool-1=logs,media",
//! ]);
//! let config = cmd.server.into_config().unwrap();
//! assert_eq!(config.account.verified_domains, ["static.example.com"]);
//! assert_eq!(config.account.resource_pools[0].buckets, ["logs", "media"]);
//! assert_eq!(config.data_dir, None);
//! assert_eq!(config.credentials, [("id".to_string(), "secret".to_string())]);
//! assert_eq!(config.sts_credentials[0].2, "token");
//! assert_eq!(config.users[0].identity.account_id, "2000000000000000");
//! ```

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Limits;
use crate::{Server, ServerConfig};

/// Options of a local server.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Directory holding the data.
    #[arg(long, default_value = "./oss-data", conflicts_with = "memory")]
    pub data_dir: PathBuf,
    /// Keep everything in memory (nothing survives the process).
    #[arg(long)]
    pub memory: bool,
    /// Access key id accepted by the server.
    #[arg(long, env = "OSS_ACCESS_KEY_ID")]
    pub access_key_id: Option<String>,
    /// Secret of that key.
    #[arg(long, env = "OSS_ACCESS_KEY_SECRET", hide_env_values = true)]
    pub access_key_secret: Option<String>,
    /// Region the server stands for.
    #[arg(long, default_value = "cn-hangzhou")]
    pub region: String,
    /// Temporary credentials `ID:SECRET:TOKEN` (repeatable).
    #[arg(long = "sts", value_name = "ID:SECRET:TOKEN", value_parser = parse_sts)]
    pub sts: Vec<(String, String, String)>,
    /// Extra base domain for virtual-hosted addressing (repeatable).
    #[arg(long = "base-domain", value_name = "DOMAIN")]
    pub base_domains: Vec<String>,
    /// How often lifecycle rules are applied (`90s`, `15m`, `1h`; `0` turns the background
    /// task off).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::clock::parse_duration)]
    pub lifecycle_interval: std::time::Duration,
    /// Run the clock of lifecycle rules and retention periods this far ahead of the system
    /// clock (`30d`, `12h`), to see time-based rules act without waiting.
    #[arg(long, value_name = "DURATION", value_parser = crate::clock::parse_duration)]
    pub clock_offset: Option<std::time::Duration>,
    /// A KMS key (CMK) id the local KMS keeps, made when missing (repeatable).
    #[arg(long = "kms-key", value_name = "KEY_ID")]
    pub kms_keys: Vec<String>,
    /// Seconds between two writes of the access logs of logged buckets.
    #[arg(
        long = "access-log-interval",
        value_name = "SECONDS",
        default_value_t = 300.0
    )]
    pub access_log_interval: f64,
    /// Seconds a RestoreObject of an archived object takes before the object can be read.
    #[arg(long = "restore-delay", value_name = "SECS", default_value = "60", value_parser = parse_delay)]
    pub restore_delay: Duration,
    /// Most connections open at once (idle ones are closed to make room).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Seconds a client may take to send a request head.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    pub header_timeout: Duration,
    /// Seconds a keep-alive connection may stay idle.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_secs)]
    pub idle_timeout: Duration,
    /// Seconds a request body may stop arriving (RequestTimeout) or a response stay unread
    /// (the connection is closed).
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_secs)]
    pub stall_timeout: Duration,
    /// Largest request head (e.g. 64K).
    #[arg(long, value_name = "SIZE", default_value = "64K", value_parser = parse_size)]
    pub max_header_bytes: u64,
    /// Largest total size of the x-oss-meta-* headers of a request.
    #[arg(long, value_name = "SIZE", default_value = "8K", value_parser = parse_size)]
    pub max_user_metadata: u64,
    /// Free disk space kept back from object data, so that deletes work on a full disk.
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub disk_reserve: u64,
    /// Account uid of the main key and of the `--sts` keys.
    #[arg(long, default_value = crate::users::DEFAULT_ACCOUNT_ID, value_name = "UID")]
    pub account_id: String,
    /// Another user: `ID:SECRET:ACCOUNT` (the key of another account) or
    /// `ID:SECRET:ACCOUNT:RAM_USER_ID` (a RAM user of an account); repeatable.
    #[arg(long = "user", value_name = "ID:SECRET:ACCOUNT[:RAM_USER_ID]", value_parser = crate::users::UserConfig::parse)]
    pub users: Vec<crate::users::UserConfig>,
    /// A RAM policy (JSON file) for the user of key ID; repeatable (several policies of one
    /// user add up).
    #[arg(long = "user-policy", value_name = "ID=FILE")]
    pub user_policies: Vec<String>,
    /// Seconds between replicator passes (historical replication of new rules, retiring
    /// deleted rules); new writes are replicated as they happen.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    pub replication_interval: f64,
    /// Produce every enabled inventory every SECONDS instead of daily or weekly.
    #[arg(long, value_name = "SECONDS")]
    pub inventory_period: Option<f64>,
    /// A domain whose ownership counts as proven, so PutCname attaches it (repeatable).
    #[arg(long = "verified-domain", value_name = "DOMAIN")]
    pub verified_domains: Vec<String>,
    /// A resource group id buckets can be put in, besides `rg-default` (repeatable).
    #[arg(long = "resource-group", value_name = "ID")]
    pub resource_groups: Vec<String>,
    /// A resource pool and its buckets, `NAME=BUCKET,BUCKET` (repeatable).
    #[arg(long = "resource-pool", value_name = "NAME=BUCKETS", value_parser = parse_pool)]
    pub resource_pools: Vec<crate::account::ResourcePool>,
    /// Seconds a data redundancy transition waits in `Queueing`.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub redundancy_transition_queue_secs: u64,
    /// Seconds a data redundancy transition is `Processing` before the bucket becomes ZRS.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub redundancy_transition_run_secs: u64,
    /// Also serve the ECS instance metadata service (RAM role credentials, IMDSv2 tokens)
    /// on this address.
    #[arg(long, value_name = "ADDR")]
    pub metadata_listen: Option<SocketAddr>,
    /// RAM role name of the metadata service.
    #[arg(long, value_name = "NAME", default_value = "OssInstanceRole")]
    pub metadata_role: String,
    /// Lifetime of the metadata service's credentials, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 21600)]
    pub metadata_credentials_duration: i64,
    /// Refuse metadata requests without an IMDSv2 token.
    #[arg(long)]
    pub metadata_require_token: bool,
    /// Shortest DurationSeconds accepted by STS AssumeRole / AssumeRoleWithOIDC.
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub sts_min_duration: i64,
}

/// Parses a number of seconds (`30`, `0.5`).
pub fn parse_secs(s: &str) -> Result<Duration, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("expected a positive number of seconds, got {s:?}"))
}

/// Parses a number of seconds that may be zero (`0`, `0.5`, `60`).
pub fn parse_delay(s: &str) -> Result<Duration, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("expected a number of seconds (0 or more), got {s:?}"))
}

/// Parses a size in bytes with an optional binary suffix: `8192`, `8K`, `64M`, `1G` (`KiB`,
/// `MiB`, `GiB` too).
///
/// ```
/// use osskit_server::cli::parse_size;
/// assert_eq!(parse_size("8K"), Ok(8192));
/// assert_eq!(parse_size("64MiB"), Ok(64 << 20));
/// assert_eq!(parse_size("100"), Ok(100));
/// assert!(parse_size("lots").is_err());
/// ```
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &t[digits.len()..];
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("unknown size unit in {s:?} (use K, M or G)")),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1u64 << shift))
        .ok_or_else(|| format!("expected a size such as 8192, 8K or 64M, got {s:?}"))
}

impl ServerArgs {
    /// The limits these options set.
    pub fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections.max(1),
            header_read_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            stall_timeout: self.stall_timeout,
            max_header_bytes: usize::try_from(self.max_header_bytes).unwrap_or(usize::MAX),
            max_user_metadata: usize::try_from(self.max_user_metadata).unwrap_or(usize::MAX),
            disk_reserve: self.disk_reserve,
            ..Limits::default()
        }
    }
}

fn seconds(name: &str, v: f64) -> Result<std::time::Duration, String> {
    if v.is_finite() && v > 0.0 {
        Ok(std::time::Duration::from_secs_f64(v))
    } else {
        Err(format!(
            "{name} must be a positive number of seconds, not {v}"
        ))
    }
}

/// Attaches the RAM policies of `--user-policy ID=FILE` to the users they name.
fn attach_policies(users: &mut [crate::users::UserConfig], specs: &[String]) -> Result<(), String> {
    for spec in specs {
        let Some((id, file)) = spec.split_once('=') else {
            return Err(format!("expected --user-policy ID=FILE, got {spec:?}"));
        };
        let text = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
        let policy = osskit_proto::policy::Policy::parse(&text)
            .map_err(|e| format!("{file} is not a valid policy: {e}"))?;
        let Some(user) = users.iter_mut().find(|u| u.access_key_id == id) else {
            return Err(format!("--user-policy names {id:?}, which no --user has"));
        };
        let mut all: Vec<_> = user
            .identity
            .policies
            .as_deref()
            .cloned()
            .unwrap_or_default();
        all.push(policy);
        user.identity = user.identity.clone().with_policies(all);
    }
    Ok(())
}

/// Parses `NAME=BUCKET,BUCKET` (the bucket list may be empty).
pub fn parse_pool(s: &str) -> Result<crate::account::ResourcePool, String> {
    let (name, buckets) = s.split_once('=').unwrap_or((s, ""));
    if name.trim().is_empty() {
        return Err(format!("expected NAME=BUCKET,BUCKET, got {s:?}"));
    }
    Ok(crate::account::ResourcePool::new(
        name.trim(),
        buckets.split(',').map(str::trim).filter(|b| !b.is_empty()),
    ))
}

/// Parses `ID:SECRET:TOKEN` (the token may itself contain `:`).
pub fn parse_sts(s: &str) -> Result<(String, String, String), String> {
    let mut parts = s.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(id), Some(secret), Some(token))
            if !id.is_empty() && !secret.is_empty() && !token.is_empty() =>
        {
            Ok((id.to_string(), secret.to_string(), token.to_string()))
        }
        _ => Err(format!("expected ID:SECRET:TOKEN, got {s:?}")),
    }
}

/// The message given when no access key was configured.
pub const MISSING_KEY: &str = "an access key is required: pass --access-key-id and \
     --access-key-secret, or set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET";

impl ServerArgs {
    /// The server configuration these options describe; fails (with [`MISSING_KEY`]) when
    /// no non-blank access key id and secret were given.
    pub fn into_config(self) -> Result<ServerConfig, String> {
        let limits = self.limits();
        let (id, secret) = match (self.access_key_id, self.access_key_secret) {
            (Some(id), Some(secret)) if !id.trim().is_empty() && !secret.trim().is_empty() => {
                (id, secret)
            }
            _ => return Err(MISSING_KEY.to_string()),
        };
        let mut config = ServerConfig::new(if self.memory {
            None
        } else {
            Some(self.data_dir)
        });
        config.listen = self.listen;
        config.credentials.push((id, secret));
        config.sts_credentials = self.sts;
        config.region = self.region;
        config.base_domains = self.base_domains;
        config.kms_keys = self.kms_keys;
        if !(self.access_log_interval.is_finite() && self.access_log_interval > 0.0) {
            return Err(format!(
                "--access-log-interval must be a positive number of seconds, got {}",
                self.access_log_interval
            ));
        }
        config.access_log_interval = std::time::Duration::from_secs_f64(self.access_log_interval);
        config.restore_delay = self.restore_delay;
        config.limits = limits;
        if self.account_id.is_empty() || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "--account-id must be a numeric uid, not {:?}",
                self.account_id
            ));
        }
        config.account_id = self.account_id;
        config.users = self.users;
        attach_policies(&mut config.users, &self.user_policies)?;
        config.replication_interval = seconds("--replication-interval", self.replication_interval)?;
        if let Some(p) = self.inventory_period {
            config.inventory_period = Some(seconds("--inventory-period", p)?);
        }
        config.account.verified_domains = self.verified_domains;
        config.account.resource_groups = self.resource_groups;
        config.account.resource_pools = self.resource_pools;
        config.account.redundancy_transition_queue =
            std::time::Duration::from_secs(self.redundancy_transition_queue_secs);
        config.account.redundancy_transition_run =
            std::time::Duration::from_secs(self.redundancy_transition_run_secs);
        config.sts_min_duration_secs = self.sts_min_duration;
        config.metadata = self.metadata_listen.map(|listen| {
            let mut m = crate::metadata::MetadataConfig::new(listen);
            m.role_name = self.metadata_role;
            m.credentials_duration_secs = self.metadata_credentials_duration;
            m.require_token = self.metadata_require_token;
            m
        });
        config.lifecycle_interval =
            (!self.lifecycle_interval.is_zero()).then_some(self.lifecycle_interval);
        if let Some(offset) = self.clock_offset {
            config.clock = crate::clock::Clock::with_offset(offset);
        }
        Ok(config)
    }
}

/// Options of `oss-server fsck`.
#[derive(Debug, Clone, clap::Args)]
pub struct FsckArgs {
    /// Directory holding the data (no server may be using it).
    #[arg(long, default_value = "./oss-data")]
    pub data_dir: PathBuf,
    /// Remove leftovers of interrupted writes and correct reference counts (damaged objects
    /// are reported, never changed).
    #[arg(long)]
    pub repair: bool,
    /// Also read every object and compare its CRC-64 with the recorded one.
    #[arg(long)]
    pub verify_data: bool,
}

/// Checks a store (see [`crate::store::fsck`]) and prints what it found. Exit status 0 when
/// nothing is wrong (any more), 1 when findings remain, 2 when the store cannot be checked
/// (for instance while a server uses it).
pub fn fsck(args: FsckArgs, program: &str) -> ExitCode {
    let options = crate::store::fsck::FsckOptions {
        repair: args.repair,
        verify_data: args.verify_data,
    };
    match crate::store::fsck::fsck(&args.data_dir, &options) {
        Ok(report) => {
            println!("{report}");
            if report.has_unrepaired() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("{program}: cannot check {}: {e}", args.data_dir.display());
            ExitCode::from(2)
        }
    }
}

/// The runtime a server runs on: one worker per core, and blocking threads that go after
/// 2 s without work (the store's short tasks come in bursts; idle threads should not stay).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_keep_alive(Duration::from_secs(2))
        .build()
}

/// Logs to stderr (`RUST_LOG` filter, `info` by default; colours only on a terminal).
/// Does nothing when a global subscriber is already set.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Runs a server with `args` until Ctrl-C or SIGTERM. Prints
/// `oss-server listening on http://HOST:PORT` on stdout once it accepts connections;
/// failures are reported on stderr prefixed with `program`. Exit status 2 for missing
/// credentials, 1 when the server cannot start.
pub async fn serve(args: ServerArgs, program: &str) -> ExitCode {
    let config = match args.into_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{program}: {e}");
            return ExitCode::from(2);
        }
    };
    let server = match Server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{program}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "oss-server listening on {}", server.endpoint());
    if let Some(metadata) = server.metadata_endpoint() {
        let _ = writeln!(out, "instance metadata service on {metadata}");
    }
    let _ = out.flush();
    wait_for_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch SIGTERM; only Ctrl-C stops the server");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        server: ServerArgs,
    }

    fn parse(extra: &[&str]) -> Result<ServerConfig, String> {
        let mut args = vec![
            "serve",
            "--memory",
            "--access-key-id",
            "id",
            "--access-key-secret",
            "sk",
        ];
        args.extend_from_slice(extra);
        Cmd::try_parse_from(args)
            .map_err(|e| e.to_string())?
            .server
            .into_config()
    }

    #[test]
    fn users_and_their_policies() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.json");
        std::fs::write(
            &file,
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}"#,
        )
        .unwrap();
        let policy = format!("AK2={}", file.display());
        let config = parse(&[
            "--account-id",
            "1234",
            "--user",
            "AK2:SK2:1234:5678",
            "--user-policy",
            &policy,
            "--replication-interval",
            "0.5",
        ])
        .unwrap();
        assert_eq!(config.account_id, "1234");
        let user = &config.users[0];
        assert_eq!(user.identity.principal_names()[0], "5678");
        assert_eq!(user.identity.policies.as_ref().unwrap().len(), 1);
        assert_eq!(
            config.replication_interval,
            std::time::Duration::from_millis(500)
        );

        let bad = format!("NOPE={}", file.display());
        assert!(parse(&["--user-policy", &bad])
            .unwrap_err()
            .contains("no --user"));
        assert!(parse(&["--user", "AK2:SK2:x"]).is_err());
        assert!(parse(&["--account-id", "abc"]).is_err());
        assert!(parse(&["--replication-interval", "0"]).is_err());
        std::fs::write(&file, "{}").unwrap();
        assert!(parse(&["--user", "AK2:SK2:1", "--user-policy", &policy])
            .unwrap_err()
            .contains("not a valid policy"));
    }
}
