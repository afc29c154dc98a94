//! `oss`: an ossutil-style command-line tool for Alibaba Cloud OSS, with an embedded local
//! OSS server (`oss serve`). See the crate's README for the commands and configuration.

#![deny(unsafe_code)]

mod args;
mod client;
mod commands;
mod config;
mod confirm;
mod error;
mod filter;
mod format;
mod journal;
mod listing;
mod location;
mod output;
mod progress;
mod settings;
mod transfer;
mod xml;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};
use osskit_server::cli::ServerArgs;

use crate::args::{Cli, Command};
use crate::error::CliError;

/// `oss serve …`: the server's own options, after the word `serve`.
#[derive(Debug, Parser)]
#[command(name = "oss serve", about = "Run a local OSS server")]
struct ServeCli {
    #[command(flatten)]
    server: ServerArgs,
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    // The server has options of the same names as the client's global ones: everything
    // after `serve` is the server's.
    let serve_at = argv.iter().position(|a| a == "serve");
    let direct_serve = serve_at == Some(1);
    let mut cli = None;
    if !direct_serve {
        let matches = match Cli::command().try_get_matches_from(&argv) {
            Ok(m) => m,
            Err(e) => e.exit(),
        };
        let mut parsed = match Cli::from_arg_matches(&matches) {
            Ok(c) => c,
            Err(e) => e.exit(),
        };
        args::complete(&mut parsed, &matches);
        cli = Some(parsed);
    }
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
        let Some(cli) = cli else {
            return serve(&argv, serve_at).await;
        };
        match cli.command {
            Command::Serve(_) => serve(&argv, serve_at).await,
            command => {
                let result = tokio::select! {
                    r = commands::run(cli.global, command) => r,
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

/// Runs the server with the options after `serve`.
async fn serve(argv: &[OsString], serve_at: Option<usize>) -> ExitCode {
    let rest = serve_at.map(|i| argv[i + 1..].to_vec()).unwrap_or_default();
    let mut server_argv = vec![OsString::from("oss serve")];
    server_argv.extend(rest);
    let server = match ServeCli::try_parse_from(server_argv) {
        Ok(s) => s.server,
        Err(e) => e.exit(),
    };
    osskit_server::cli::init_logging();
    osskit_server::cli::serve(server, "oss serve").await
}
