//! Shared helpers: a local server and clients under each kind of signature.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use osskit::{Auth, AuthConfig, AuthV4, Bucket, Service, StsAuth};
use osskit_server::testing::{
    TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, TEST_STS_ACCESS_KEY_ID,
    TEST_STS_ACCESS_KEY_SECRET, TEST_STS_TOKEN,
};

pub const REGION: &str = "cn-hangzhou";

/// The signing setups every operation is tested under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    V1,
    V4,
    Sts,
    StsV4,
}

pub const SIGNERS: [Signer; 3] = [Signer::V1, Signer::V4, Signer::Sts];

impl Signer {
    pub fn auth(self) -> AuthConfig {
        match self {
            Signer::V1 => Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET).into(),
            Signer::V4 => AuthV4::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET).into(),
            Signer::Sts => StsAuth::new(
                TEST_STS_ACCESS_KEY_ID,
                TEST_STS_ACCESS_KEY_SECRET,
                TEST_STS_TOKEN,
            )
            .into(),
            Signer::StsV4 => StsAuth::new(
                TEST_STS_ACCESS_KEY_ID,
                TEST_STS_ACCESS_KEY_SECRET,
                TEST_STS_TOKEN,
            )
            .v4()
            .into(),
        }
    }
}

/// A unique, valid bucket name.
pub fn bucket_name(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "b-{}-{}-{}",
        tag,
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A client of a new (not yet created) bucket.
pub fn bucket(server: &TestServer, signer: Signer, name: &str) -> Bucket {
    Bucket::builder(signer.auth(), &server.endpoint(), name)
        .region(REGION)
        .build()
        .unwrap()
}

/// A client of a freshly created bucket.
pub async fn new_bucket(server: &TestServer, signer: Signer, tag: &str) -> Bucket {
    let b = bucket(server, signer, &bucket_name(tag));
    b.create_bucket().await.unwrap();
    b
}

pub fn service(server: &TestServer, signer: Signer) -> Service {
    Service::builder(signer.auth(), &server.endpoint())
        .region(REGION)
        .build()
        .unwrap()
}

pub async fn server() -> TestServer {
    TestServer::start().await
}

/// A server on a runtime of its own (one worker thread), for tests whose thread blocks.
/// Keep the runtime alive as long as the server is used.
pub fn server_on_own_runtime() -> (tokio::runtime::Runtime, TestServer) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(TestServer::start());
    (rt, server)
}
