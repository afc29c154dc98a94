//! Object versions cross between the SDKs through the server, under V1 and V4: the Rust
//! SDK writes versions and a delete marker that oss2 2.19.1 lists, reads and deletes by
//! version; oss2 writes versions, a delete marker and a batch delete of a version that the
//! Rust SDK lists, reads and deletes by version (`interop/oss2_versions.py`).

use std::process::Command;

use osskit::proto::xml::versioning::VersioningConfiguration;
use osskit::{Auth, AuthConfig, AuthV4, Bucket};
use osskit_interop::{python, workspace_root};
use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};

fn client(auth: impl Into<AuthConfig>, endpoint: &str, name: &str) -> Bucket {
    Bucket::builder(auth, endpoint, name)
        .region("cn-hangzhou")
        .build()
        .unwrap()
}

/// What the Rust SDK writes (the script's check_rust_set reads it).
async fn set_by_rust(bucket: &Bucket) {
    bucket.create_bucket().await.unwrap();
    bucket
        .put_bucket_versioning(VersioningConfiguration::enabled())
        .await
        .unwrap();
    bucket.put_object("k", "one").await.unwrap();
    bucket.put_object("k", "two").await.unwrap();
    assert!(bucket.delete_object("k").await.unwrap().delete_marker);
    bucket.put_object("dir/a b+c", "x").await.unwrap();
}

/// After the script: oss2 removed the delete marker, so "two" is current again.
async fn check_rust_set_after(bucket: &Bucket) {
    let got = bucket.get_object("k").await.unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), "two");
    let page = bucket.list_object_versions().prefix("k").await.unwrap();
    assert_eq!(page.versions.len(), 2);
    assert!(page.delete_markers().next().is_none());
}

/// What oss2 wrote (the script's set_for_rust): k = "a" (deleted by version), "b", "c",
/// then a delete marker; "x y+z" once.
async fn check_oss2_set(bucket: &Bucket) {
    let page = bucket.list_object_versions().await.unwrap();
    let k: Vec<_> = page.versions.iter().filter(|v| v.key == "k").collect();
    assert_eq!(k.len(), 3, "{k:?}");
    assert!(k[0].is_delete_marker && k[0].is_latest);
    let mut contents = Vec::new();
    for v in &k[1..] {
        let got = bucket
            .get_object("k")
            .version_id(&v.version_id)
            .await
            .unwrap();
        contents.push(got.body.collect_bytes().await.unwrap().to_vec());
    }
    assert_eq!(contents, [b"c".to_vec(), b"b".to_vec()]);
    assert!(page.versions.iter().any(|v| v.key == "x y+z"));
    // Deleting the marker by version brings "c" back; then every version goes.
    bucket
        .delete_object("k")
        .version_id(&k[0].version_id)
        .await
        .unwrap();
    let got = bucket.get_object("k").await.unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), "c");
    let all = bucket.list_object_versions().await.unwrap();
    let entries: Vec<(String, Option<String>)> = all
        .versions
        .iter()
        .map(|v| (v.key.clone(), Some(v.version_id.clone())))
        .collect();
    bucket.delete_object_versions(entries).await.unwrap();
    bucket.delete_bucket().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss2_and_the_rust_sdk_exchange_object_versions() {
    let server = TestServer::start().await;
    let endpoint = server.endpoint();
    let v1 = || Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let v4 = || AuthV4::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    set_by_rust(&client(v1(), &endpoint, "versions-rust-v1")).await;
    set_by_rust(&client(v4(), &endpoint, "versions-rust-v4")).await;

    let output = Command::new(python())
        .arg(workspace_root().join("interop/oss2_versions.py"))
        .env("OSS_ENDPOINT", &endpoint)
        .env("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET)
        .env("OSS_REGION", "cn-hangzhou")
        .env("RUST_BUCKET_V1", "versions-rust-v1")
        .env("RUST_BUCKET_V4", "versions-rust-v4")
        .env("OSS2_BUCKET_V1", "versions-oss2-v1")
        .env("OSS2_BUCKET_V4", "versions-oss2-v4")
        .output()
        .expect("failed to run the oss2 script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "oss2 checks failed:\n{stdout}");
    assert!(stdout.contains("10 passed, 0 failed"), "{stdout}");

    check_rust_set_after(&client(v1(), &endpoint, "versions-rust-v1")).await;
    check_rust_set_after(&client(v4(), &endpoint, "versions-rust-v4")).await;
    check_oss2_set(&client(v1(), &endpoint, "versions-oss2-v1")).await;
    check_oss2_set(&client(v4(), &endpoint, "versions-oss2-v4")).await;
}
