//! `oss-server`: serves the OSS protocol on a local port.

use clap::Parser;
use oss_server::cli::ServerArgs;

/// A local Alibaba Cloud OSS server.
#[derive(Debug, Parser)]
#[command(name = "oss-server", version, about)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    oss_server::cli::init_logging();
    oss_server::cli::serve(Args::parse().server, "oss-server").await
}
