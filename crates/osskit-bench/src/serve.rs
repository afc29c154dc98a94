//! `oss-bench serve`: the local OSS server in its own process, stopped by closing its stdin
//! (or by SIGTERM / Ctrl-C).

use std::io::{Read, Write};

use osskit_server::{Server, ServerConfig};

use crate::cli::{ServeArgs, ACCESS_KEY_ID, ACCESS_KEY_SECRET};

/// The line printed once the server accepts connections, followed by its endpoint.
pub const READY_PREFIX: &str = "oss-server listening on ";

/// Runs the server until standard input reaches end of file.
pub fn serve(args: ServeArgs) -> Result<(), String> {
    let data_dir = match (args.memory, args.data_dir) {
        (true, _) => None,
        (false, Some(dir)) => Some(dir),
        (false, None) => return Err("serve needs --memory or --data-dir DIR".to_string()),
    };
    let mut config = ServerConfig::new(data_dir);
    config.listen = args.listen;
    config
        .credentials
        .push((ACCESS_KEY_ID.to_string(), ACCESS_KEY_SECRET.to_string()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    runtime.block_on(async {
        let server = Server::start(config)
            .await
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let mut out = std::io::stdout();
        writeln!(out, "{READY_PREFIX}{}", server.endpoint())
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"))?;
        // The parent holds our stdin: its end (or the parent's exit) stops the server, and so
        // do SIGTERM and Ctrl-C, so that the store is dropped (an in-memory store removes its
        // directory then).
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let mut sink = [0u8; 64];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        });
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
        tokio::select! {
            _ = stdin_closed => {}
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        server.shutdown().await;
        Ok(())
    })
}
