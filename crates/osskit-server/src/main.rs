//! `oss-server`: serves the OSS protocol on a local port.

use clap::Parser;
use osskit_server::cli::ServerArgs;

/// A local Alibaba Cloud OSS server.
#[derive(Debug, Parser)]
#[command(name = "oss-server", version, about)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    osskit_server::cli::init_logging();
    osskit_server::cli::serve(Args::parse().server, "oss-server").await
}
