//! `oss`: an ossutil-style command-line tool for Alibaba Cloud OSS, with an embedded local
//! OSS server (`oss serve`). See the crate's README for the commands and configuration.

#![deny(unsafe_code)]

mod args;
mod client;
mod commands;
mod config;
mod error;
mod format;
mod location;
mod progress;
mod transfer;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("oss: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        match cli.command {
            Command::Serve(server) => {
                osskit_server::cli::init_logging();
                osskit_server::cli::serve(*server, "oss serve").await
            }
            command => {
                let result = tokio::select! {
                    r = commands::run(command) => r,
                    _ = tokio::signal::ctrl_c() => Err(CliError::interrupted()),
                };
                match result {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("oss: {e}");
                        ExitCode::from(e.status())
                    }
                }
            }
        }
    })
}
