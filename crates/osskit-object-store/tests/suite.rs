//! `object_store`'s own integration suite (the test functions of its `integration`
//! feature) against the local OSS server, over real HTTP.
//!
//! Left out: `response_extensions` (it needs a store built on `object_store`'s HTTP
//! connector; this one sends its requests through the SDK). `put_opts` runs with
//! `supports_update = false`: OSS has no write conditional on an ETag, and the suite then
//! checks that `PutMode::Update` answers `NotImplemented`.

use object_store::integration::*;
use object_store::ObjectStore;
use osskit_object_store::{OssBuilder, OssStore};
use osskit_server::testing::{
    TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, TEST_STS_ACCESS_KEY_ID,
    TEST_STS_ACCESS_KEY_SECRET, TEST_STS_TOKEN,
};

const REGION: &str = "cn-hangzhou";

/// A running server with an empty bucket, and a store over it signing with V4.
struct Fixture {
    store: OssStore,
    _server: TestServer,
}

async fn fixture() -> Fixture {
    fixture_with(|b| b).await
}

async fn fixture_with(adjust: impl FnOnce(OssBuilder) -> OssBuilder) -> Fixture {
    let server = TestServer::start().await;
    let builder = OssBuilder::new()
        .with_endpoint(server.endpoint())
        .with_region(REGION)
        .with_bucket("object-store-suite")
        .with_access_key_id(TEST_ACCESS_KEY_ID)
        .with_access_key_secret(TEST_ACCESS_KEY_SECRET);
    let store = adjust(builder).build().unwrap();
    store.bucket().create_bucket().await.unwrap();
    Fixture {
        store,
        _server: server,
    }
}

#[tokio::test]
async fn suite_put_get_delete_list() {
    let f = fixture().await;
    put_get_delete_list(&f.store).await;
}

#[tokio::test]
async fn suite_put_get_delete_list_v1_sts() {
    let f = fixture_with(|b| {
        b.with_access_key_id(TEST_STS_ACCESS_KEY_ID)
            .with_access_key_secret(TEST_STS_ACCESS_KEY_SECRET)
            .with_session_token(TEST_STS_TOKEN)
            .with_signature_v1(true)
    })
    .await;
    put_get_delete_list(&f.store).await;
}

#[tokio::test]
async fn suite_put_get_attributes() {
    let f = fixture().await;
    put_get_attributes(&f.store).await;
}

#[tokio::test]
async fn suite_get_opts() {
    let f = fixture().await;
    get_opts(&f.store).await;
}

#[tokio::test]
async fn suite_put_opts() {
    let f = fixture().await;
    put_opts(&f.store, false).await;
}

#[tokio::test]
async fn suite_stream_get() {
    let f = fixture().await;
    stream_get(&f.store).await;
}

#[tokio::test]
async fn suite_list_uses_directories_correctly() {
    let f = fixture().await;
    list_uses_directories_correctly(&f.store).await;
}

#[tokio::test]
async fn suite_list_with_delimiter() {
    let f = fixture().await;
    list_with_delimiter(&f.store).await;
}

#[tokio::test]
async fn suite_list_with_offset_exclusivity() {
    let f = fixture().await;
    list_with_offset_exclusivity(&f.store).await;
}

#[tokio::test]
async fn suite_list_paginated() {
    let f = fixture().await;
    list_paginated(&f.store, &f.store).await;
}

#[tokio::test]
async fn suite_get_nonexistent_object() {
    let f = fixture().await;
    let err = get_nonexistent_object(&f.store, None).await.unwrap_err();
    assert!(matches!(err, object_store::Error::NotFound { .. }), "{err}");
}

#[tokio::test]
async fn suite_rename_and_copy() {
    let f = fixture().await;
    rename_and_copy(&f.store).await;
}

#[tokio::test]
async fn suite_copy_if_not_exists() {
    let f = fixture().await;
    copy_if_not_exists(&f.store).await;
}

#[tokio::test]
async fn suite_copy_rename_nonexistent_object() {
    let f = fixture().await;
    copy_rename_nonexistent_object(&f.store).await;
}

/// The same copy functions with every copy made of UploadPartCopy parts.
#[tokio::test]
async fn suite_copies_by_parts() {
    let f = fixture_with(|b| {
        b.with_copy_multipart_threshold(0)
            .with_copy_part_size(100 * 1024)
    })
    .await;
    rename_and_copy(&f.store).await;
    copy_if_not_exists(&f.store).await;
    copy_rename_nonexistent_object(&f.store).await;
}

#[tokio::test]
async fn suite_multipart() {
    let f = fixture().await;
    multipart(&f.store, &f.store).await;
}

#[tokio::test]
async fn suite_multipart_with_opts() {
    let f = fixture().await;
    multipart_with_opts(&f.store, &f.store).await;
}

#[tokio::test]
async fn suite_multipart_put_part_out_of_order() {
    let f = fixture().await;
    multipart_put_part_out_of_order(&f.store, &f.store).await;
}

#[tokio::test]
async fn suite_multipart_out_of_order() {
    let f = fixture().await;
    multipart_out_of_order(&f.store).await;
}

/// Two uploads of one key: OSS completes both, the last completion wins.
#[tokio::test]
async fn suite_multipart_race_condition() {
    let f = fixture().await;
    multipart_race_condition(&f.store, true).await;
}

#[tokio::test]
async fn store_names_its_bucket() {
    let f = fixture().await;
    let store: &dyn ObjectStore = &f.store;
    assert_eq!(store.to_string(), "OssStore(object-store-suite)");
}
