//! A server whose clock is shifted (`clock_offset_secs`) judges request times by it and
//! reports its time in `RequestTimeTooSkewed`, so that clients' skew correction can be tested.

mod common;

use common::{error_of, Client};
use osskit_server::testing::TestServer;

#[tokio::test]
async fn a_shifted_clock_refuses_machine_time_and_reports_its_own() {
    let server = TestServer::start_with(|c| c.clock_offset_secs = 3600).await;
    let c = Client::new(&server.endpoint());
    let (status, body, headers) = error_of(c.get("any-bucket", "k").await).await;
    assert_eq!((status, body.code.as_str()), (403, "RequestTimeTooSkewed"));
    let server_time: i64 = headers["x-oss-server-time"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (server_time - common::now() - 3600).abs() <= 2,
        "{server_time}"
    );
    let detail = body
        .details
        .iter()
        .find(|(k, _)| k == "ServerTime")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(
        osskit_proto::date::iso8601_to_unixtime(&detail).unwrap(),
        server_time
    );

    // Signed at the server's time, the same request goes through (to a missing bucket).
    let mut shifted = Client::new(&server.endpoint());
    shifted.skew = 3600;
    let (status, body, _) = error_of(shifted.get("any-bucket", "k").await).await;
    assert_eq!((status, body.code.as_str()), (404, "NoSuchBucket"));
}
