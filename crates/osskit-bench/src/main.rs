//! `oss-bench`: measures this SDK (async and blocking), OpenDAL's OSS service and the Python
//! SDK oss2 side by side against the local OSS server, next to the machine's physical limits.
//!
//! `oss-bench run` is the entry point (see `docs/benchmarks.md`); it starts `oss-bench serve`
//! and one `oss-bench client` process per client and workload, so that each peak memory
//! figure belongs to one client alone.
#![deny(unsafe_code)]

mod cli;
mod clients;
mod limits;
mod measure;
mod pattern;
mod report;
mod run;
mod serve;
mod targets;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Run(args) => run::run(args),
        cli::Command::Serve(args) => serve::serve(args),
        cli::Command::Client(args) => clients::run_client(args),
        cli::Command::LoopbackSend(args) => limits::loopback_send(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oss-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
