//! `oss-bench serve`: the local OSS server in its own process, stopped by closing its stdin.

use std::io::{Read, Write};

use oss_server::{Server, ServerConfig};

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
        // The parent holds our stdin: its end (or the parent's exit) stops the server.
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = [0u8; 64];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        })
        .await;
        server.shutdown().await;
        Ok(())
    })
}
