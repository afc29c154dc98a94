//! Against a server whose clock is an hour off: the first request is refused with
//! `RequestTimeTooSkewed`, the client learns the offset and signs again, and from then on
//! its requests and presigned URLs use the server's time.

mod common;

use std::time::Duration;

use common::{bucket_name, Signer, REGION};
use osskit::{Bucket, RetryPolicy};
use osskit_server::testing::TestServer;

#[tokio::test]
async fn requests_and_presigned_urls_follow_the_servers_clock() {
    for offset in [3600, -3600] {
        let server = TestServer::start_with(|c| c.clock_offset_secs = offset).await;
        for signer in [Signer::V1, Signer::V4, Signer::StsV4] {
            let b = Bucket::builder(signer.auth(), &server.endpoint(), &bucket_name("skew"))
                .region(REGION)
                .retry(RetryPolicy::none())
                .build()
                .unwrap();
            b.create_bucket().await.unwrap();
            b.put_object("k", "on time").await.unwrap();
            let got = b.get_object("k").await.unwrap();
            assert_eq!(got.body.collect_bytes().await.unwrap(), "on time");
            // A presigned URL valid for a minute of the server's time.
            let url = b
                .sign_url(http::Method::GET, "k", Duration::from_secs(60))
                .build()
                .await
                .unwrap();
            let resp = reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .get(&url)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{signer:?} {offset}: {url}");
        }
    }
}
