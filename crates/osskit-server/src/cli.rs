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
//! ]);
//! let config = cmd.server.into_config().unwrap();
//! assert_eq!(config.data_dir, None);
//! assert_eq!(config.credentials, [("id".to_string(), "secret".to_string())]);
//! assert_eq!(config.sts_credentials[0].2, "token");
//! ```

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

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
        config.sts_min_duration_secs = self.sts_min_duration;
        config.metadata = self.metadata_listen.map(|listen| {
            let mut m = crate::metadata::MetadataConfig::new(listen);
            m.role_name = self.metadata_role;
            m.credentials_duration_secs = self.metadata_credentials_duration;
            m.require_token = self.metadata_require_token;
            m
        });
        Ok(config)
    }
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
