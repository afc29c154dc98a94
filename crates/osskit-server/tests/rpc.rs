//! The RPC-style endpoint (STS, KMS): signed calls are recognised at the root, checked, and
//! answered with Alibaba Cloud's JSON documents.

use osskit_proto::encoding::form_query;
use osskit_proto::rpc::{sign_params, RpcContext};
use osskit_server::testing::*;
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn signed(action: &str, secret: &str) -> Vec<(String, String)> {
    let ctx = RpcContext {
        access_key_id: TEST_ACCESS_KEY_ID,
        access_key_secret: secret,
        security_token: None,
        version: "2015-04-01",
        time: now(),
        nonce: &format!("nonce-{}", now()),
    };
    sign_params("POST", action, &[], &ctx)
}

async fn call(endpoint: &str, params: &[(String, String)]) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{endpoint}/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_query(params))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn unknown_actions_and_bad_signatures_get_json_errors() {
    let server = TestServer::start().await;
    let (status, doc) = call(
        &server.endpoint(),
        &signed("NoSuchThing", TEST_ACCESS_KEY_SECRET),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(doc["Code"], "InvalidAction.NotFound");
    assert_eq!(doc["RequestId"].as_str().unwrap().len(), 24);

    let (status, doc) = call(&server.endpoint(), &signed("NoSuchThing", "wrong-secret")).await;
    assert_eq!(status, 400);
    assert_eq!(doc["Code"], "SignatureDoesNotMatch");

    let mut unknown_key = signed("NoSuchThing", TEST_ACCESS_KEY_SECRET);
    for (k, v) in unknown_key.iter_mut() {
        if k == "AccessKeyId" {
            *v = "nobody".into();
        }
    }
    let (status, doc) = call(&server.endpoint(), &unknown_key).await;
    assert_eq!(status, 404);
    assert_eq!(doc["Code"], "InvalidAccessKeyId.NotFound");
}
