//! `oss-server`: serves the OSS protocol on a local port, or checks a store directory
//! (`oss-server fsck`).

use clap::{Parser, Subcommand};
use osskit_server::cli::{FsckArgs, ServerArgs};

/// A local Alibaba Cloud OSS server.
#[derive(Debug, Parser)]
#[command(
    name = "oss-server",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a store directory against its metadata: missing or short blob files, reference
    /// counts, leftovers of interrupted writes (and repair what can be repaired).
    Fsck(FsckArgs),
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    osskit_server::cli::init_logging();
    if let Some(Command::Fsck(fsck)) = args.command {
        return osskit_server::cli::fsck(fsck, "oss-server fsck");
    }
    match osskit_server::cli::runtime() {
        Ok(rt) => rt.block_on(osskit_server::cli::serve(args.server, "oss-server")),
        Err(e) => {
            eprintln!("oss-server: cannot start the runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
