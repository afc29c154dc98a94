//! The proxy variables are honoured by default. One test in its own binary, because it
//! changes the process environment.

#[path = "support/net.rs"]
mod net;

mod common;

use common::{bucket_name, Signer};
use osskit::{Bucket, Session};
use osskit_server::testing::TestServer;

async fn put_through(session: Session, endpoint: &str) {
    let b = Bucket::builder(Signer::V1.auth(), endpoint, &bucket_name("env"))
        .session(session)
        .build()
        .unwrap();
    b.create_bucket().await.unwrap();
    b.put_object("k", "v").await.unwrap();
}

#[tokio::test]
async fn http_proxy_and_no_proxy_from_the_environment() {
    let server = TestServer::start().await;
    let proxy = net::start_proxy(None).await;
    for name in [
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
    ] {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTP_PROXY", proxy.url());
    std::env::set_var("http_proxy", proxy.url());

    // By default: through the proxy.
    put_through(Session::new(), &server.endpoint()).await;
    let through = proxy.seen().len();
    assert!(through > 0);

    // Unless told not to read the variables.
    put_through(
        Session::builder().env_proxy(false).build().unwrap(),
        &server.endpoint(),
    )
    .await;
    assert_eq!(proxy.seen().len(), through);

    // Or the host is excluded by NO_PROXY.
    std::env::set_var("NO_PROXY", "127.0.0.1");
    std::env::set_var("no_proxy", "127.0.0.1");
    put_through(Session::new(), &server.endpoint()).await;
    assert_eq!(proxy.seen().len(), through);
}
