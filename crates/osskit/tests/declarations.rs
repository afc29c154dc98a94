//! Every declared operation, built by the SDK from its declaration and sent to the local
//! server over HTTP, is routed by the server to that same operation, under V1 and V4.

mod common;

use common::{new_bucket, server, service, Signer};
use osskit::proto::ops::{self, Level, Payload, Selector};
use osskit::Body;

/// The operation the server says it routed a response to.
fn routed(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get("x-osskit-operation")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[tokio::test]
async fn every_operation_the_sdk_builds_reaches_the_same_operation_on_the_server() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let bucket = new_bucket(&server, signer, "decl").await;
        let service = service(&server, signer);
        let mut checked = 0;
        for op in ops::all() {
            let mut call = match op.level {
                Level::Service => service.call(op.id),
                Level::Bucket => bucket.call(op.id),
                Level::Object | Level::BucketOrObject => bucket.call(op.id).key("decl/object"),
            };
            for s in op.select {
                match s {
                    Selector::Param(name) => call = call.param(*name, "1"),
                    Selector::OneOf(name, values) => call = call.param(*name, values[0]),
                    Selector::Flag(_) | Selector::Value(..) => {}
                }
            }
            for p in op.params.iter().filter(|p| p.required) {
                call = call.param(p.name, "1");
            }
            if let Some(h) = op.select_header {
                call = call.header(h, format!("/{}/decl%2Fsource", bucket.name()));
            }
            if op.id == ops::OpId::OptionObject {
                call = call
                    .header("Origin", "https://example.com")
                    .header("Access-Control-Request-Method", "GET");
            }
            call = match op.request {
                Payload::Xml(root) => call.body(Body::from(format!("<{root}></{root}>"))),
                Payload::Json => call.body(Body::from("{}")),
                Payload::Data | Payload::Text => call.body(Body::from("data")),
                Payload::None => call,
            };
            let headers = match call.send().await {
                Ok(out) => out.meta.headers,
                Err(e) => match e.as_server() {
                    Some(s) => s.headers.clone(),
                    None => panic!("{} under {signer:?}: {e}", op.name),
                },
            };
            assert_eq!(
                routed(&headers).as_deref(),
                Some(op.name),
                "{} ({} {:?}) under {signer:?} was routed elsewhere",
                op.name,
                op.method,
                op.level
            );
            checked += 1;
        }
        assert!(checked > 150, "only {checked} operations checked");
    }
}

#[tokio::test]
async fn requests_that_break_their_declaration_are_refused_before_sending() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "declcheck").await;
    // UploadPart without its upload id, and with a part number out of range.
    let err = bucket
        .call(ops::OpId::UploadPart)
        .key("k")
        .param("partNumber", "1")
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("uploadId"), "{err}");
    let err = bucket
        .call(ops::OpId::UploadPart)
        .key("k")
        .param("uploadId", "u")
        .param("partNumber", "10001")
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("between 1 and 10000"), "{err}");
    // An object-level operation without a key.
    let err = bucket
        .call(ops::OpId::GetObjectTagging)
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("a key is needed"), "{err}");
    assert!(err.status().is_none(), "nothing was sent");
}
