//! A disk-backed server in a temporary directory, for tests of this crate and of its
//! clients.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let server = osskit_server::testing::TestServer::start().await;
//! assert!(server.endpoint().starts_with("http://127.0.0.1:"));
//! server.server.shutdown().await;
//! # }
//! ```

use crate::{RunningServer, Server, ServerConfig};

/// Access key id registered by [`TestServer::start`].
pub const TEST_ACCESS_KEY_ID: &str = "LTAI-local-test";
/// Its secret.
pub const TEST_ACCESS_KEY_SECRET: &str = "local-test-secret";
/// STS access key id registered by [`TestServer::start`].
pub const TEST_STS_ACCESS_KEY_ID: &str = "STS.local-test";
/// Its secret.
pub const TEST_STS_ACCESS_KEY_SECRET: &str = "local-sts-secret";
/// Its security token.
pub const TEST_STS_TOKEN: &str = "local-sts-token";
/// A KMS key (CMK) id the local KMS of [`TestServer::start`] holds.
pub const TEST_KMS_KEY_ID: &str = "local-test-cmk";

/// A running server and the temporary directory holding its data (removed on drop).
#[derive(Debug)]
pub struct TestServer {
    /// The server.
    pub server: RunningServer,
    /// Its data directory.
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// The configuration [`TestServer::start`] uses for a data directory.
    pub fn config(data_dir: &std::path::Path) -> ServerConfig {
        let mut config = ServerConfig::new(Some(data_dir.to_path_buf()));
        config.echo_operation = true;
        config.credentials.push((
            TEST_ACCESS_KEY_ID.to_string(),
            TEST_ACCESS_KEY_SECRET.to_string(),
        ));
        config.sts_credentials.push((
            TEST_STS_ACCESS_KEY_ID.to_string(),
            TEST_STS_ACCESS_KEY_SECRET.to_string(),
            TEST_STS_TOKEN.to_string(),
        ));
        config.kms_keys.push(TEST_KMS_KEY_ID.to_string());
        config
    }

    /// Starts a disk-backed server on `127.0.0.1:0` with the test keys. Panics on failure.
    pub async fn start() -> TestServer {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("cannot create a temporary directory for the test server: {e}"),
        };
        let server = match Server::start(Self::config(dir.path())).await {
            Ok(s) => s,
            Err(e) => panic!("cannot start the test server: {e}"),
        };
        TestServer { server, dir }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        self.server.endpoint()
    }
}
