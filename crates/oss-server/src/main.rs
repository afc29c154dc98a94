//! `oss-server`: serves the OSS protocol on a local port.

use clap::Parser;
use oss_server::{Server, ServerConfig};
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

/// A local Alibaba Cloud OSS server.
#[derive(Debug, Parser)]
#[command(name = "oss-server", version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Directory holding the data.
    #[arg(long, default_value = "./oss-data", conflicts_with = "memory")]
    data_dir: PathBuf,
    /// Keep everything in memory (nothing survives the process).
    #[arg(long)]
    memory: bool,
    /// Access key id accepted by the server.
    #[arg(long, env = "OSS_ACCESS_KEY_ID")]
    access_key_id: Option<String>,
    /// Secret of that key.
    #[arg(long, env = "OSS_ACCESS_KEY_SECRET", hide_env_values = true)]
    access_key_secret: Option<String>,
    /// Region the server stands for.
    #[arg(long, default_value = "cn-hangzhou")]
    region: String,
    /// Temporary credentials `ID:SECRET:TOKEN` (repeatable).
    #[arg(long = "sts", value_name = "ID:SECRET:TOKEN", value_parser = parse_sts)]
    sts: Vec<(String, String, String)>,
    /// Extra base domain for virtual-hosted addressing (repeatable).
    #[arg(long = "base-domain", value_name = "DOMAIN")]
    base_domains: Vec<String>,
}

fn parse_sts(s: &str) -> Result<(String, String, String), String> {
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

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let args = Args::parse();
    let (id, secret) = match (args.access_key_id, args.access_key_secret) {
        (Some(id), Some(secret)) if !id.trim().is_empty() && !secret.trim().is_empty() => {
            (id, secret)
        }
        _ => {
            eprintln!(
                "oss-server: an access key is required: pass --access-key-id and --access-key-secret, \
                 or set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET"
            );
            return std::process::ExitCode::from(2);
        }
    };
    let mut config = ServerConfig::new(if args.memory {
        None
    } else {
        Some(args.data_dir)
    });
    config.listen = args.listen;
    config.credentials.push((id, secret));
    config.sts_credentials = args.sts;
    config.region = args.region;
    config.base_domains = args.base_domains;
    let server = match Server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("oss-server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "oss-server listening on {}", server.endpoint());
    let _ = out.flush();
    wait_for_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    std::process::ExitCode::SUCCESS
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
