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

/// Account of the second user [`TestServer::start`] registers (another account).
pub const TEST_OTHER_ACCOUNT_ID: &str = "2000000000000000";
/// Access key id of that account.
pub const TEST_OTHER_ACCESS_KEY_ID: &str = "LTAI-local-other";
/// Its secret.
pub const TEST_OTHER_ACCESS_KEY_SECRET: &str = "local-other-secret";
/// RAM user id of the third user [`TestServer::start`] registers: a RAM user of the
/// server's own account, with no RAM policy.
pub const TEST_RAM_USER_ID: &str = "2030000000000001";
/// Access key id of that RAM user.
pub const TEST_RAM_ACCESS_KEY_ID: &str = "LTAI-local-ram";
/// Its secret.
pub const TEST_RAM_ACCESS_KEY_SECRET: &str = "local-ram-secret";

/// A running server and the temporary directory holding its data (removed on drop).
#[derive(Debug)]
pub struct TestServer {
    /// The server.
    pub server: RunningServer,
    /// Its data directory.
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// The configuration [`TestServer::start`] uses for a data directory: the test keys, and
    /// STS durations from 1 second (so that tests can watch credentials expire).
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
        config.users.push(crate::users::UserConfig::new(
            TEST_OTHER_ACCESS_KEY_ID,
            TEST_OTHER_ACCESS_KEY_SECRET,
            crate::users::Identity::account(TEST_OTHER_ACCOUNT_ID),
        ));
        config.users.push(crate::users::UserConfig::new(
            TEST_RAM_ACCESS_KEY_ID,
            TEST_RAM_ACCESS_KEY_SECRET,
            crate::users::Identity::ram_user(config.account_id.clone(), TEST_RAM_USER_ID, "tester"),
        ));
        config.sts_min_duration_secs = 1;
        config
    }

    /// Starts a disk-backed server on `127.0.0.1:0` with the test keys (the server's
    /// account, an STS key of it, another account, a RAM user). Panics on failure.
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    /// Like [`TestServer::start`], with the configuration changed by `adjust` first (to add
    /// the metadata service, shift the clock, …).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use osskit_server::metadata::MetadataConfig;
    /// let server = osskit_server::testing::TestServer::start_with(|c| {
    ///     c.metadata = Some(MetadataConfig::new("127.0.0.1:0".parse().unwrap()));
    /// })
    /// .await;
    /// assert!(server.server.metadata_endpoint().is_some());
    /// # }
    /// ```
    pub async fn start_with(adjust: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("cannot create a temporary directory for the test server: {e}"),
        };
        let mut config = Self::config(dir.path());
        adjust(&mut config);
        let server = match Server::start(config).await {
            Ok(s) => s,
            Err(e) => panic!("cannot start the test server: {e}"),
        };
        TestServer { server, dir }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        self.server.endpoint()
    }

    /// `http://127.0.0.1:PORT` of the instance metadata service, if configured.
    pub fn metadata_endpoint(&self) -> Option<String> {
        self.server.metadata_endpoint()
    }
}
