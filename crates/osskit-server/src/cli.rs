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
    /// How often lifecycle rules are applied (`90s`, `15m`, `1h`; `0` turns the background
    /// task off).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::clock::parse_duration)]
    pub lifecycle_interval: std::time::Duration,
    /// Run the clock of lifecycle rules and retention periods this far ahead of the system
    /// clock (`30d`, `12h`), to see time-based rules act without waiting.
    #[arg(long, value_name = "DURATION", value_parser = crate::clock::parse_duration)]
    pub clock_offset: Option<std::time::Duration>,
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
        config.lifecycle_interval =
            (!self.lifecycle_interval.is_zero()).then_some(self.lifecycle_interval);
        if let Some(offset) = self.clock_offset {
            config.clock = crate::clock::Clock::with_offset(offset);
        }
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
