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
//! ]);
//! let config = cmd.server.into_config().unwrap();
//! assert_eq!(config.data_dir, None);
//! assert_eq!(config.credentials, [("id".to_string(), "secret".to_string())]);
//! assert_eq!(config.sts_credentials[0].2, "token");
//! assert_eq!(config.users[0].identity.account_id, "2000000000000000");
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
