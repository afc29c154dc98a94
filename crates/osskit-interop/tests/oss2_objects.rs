//! Object tags, symbolic links, restores of archived objects and V2 signatures cross between
//! the SDKs through the server, under V1, V2 and V4: the Rust SDK writes them and oss2 2.19.1
//! reads them, oss2 writes its own and the Rust SDK reads them (`interop/oss2_objects.py`).

use std::process::Command;
use std::time::Duration;

use osskit::{Auth, AuthConfig, AuthV2, AuthV4, Bucket, ObjectAcl, StorageClass, Tagging};
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
        .put_object("tagged.txt", "x")
        .tagging(Tagging::new().tag("project", "alpha").tag("中文", "值 +/"))
        .acl(ObjectAcl::PublicRead)
        .await
        .unwrap();
    bucket
        .put_object("dir/target 1.txt", "target bytes")
        .await
        .unwrap();
    bucket
        .put_symlink("dir/target 1.txt", "link")
        .metadata("by", "rust")
        .await
        .unwrap();
    bucket
        .put_object("cold.bin", "cold")
        .storage_class(StorageClass::ColdArchive)
        .await
        .unwrap();
    let restore = bucket
        .restore_object("cold.bin")
        .days(1)
        .tier("Standard")
        .await
        .unwrap();
    assert!(restore.started());
}

/// What oss2 wrote (the script's set_for_rust).
async fn check_oss2_set(bucket: &Bucket) {
    let tags = bucket
        .get_object_tagging("tagged.txt")
        .await
        .unwrap()
        .tagging;
    assert_eq!(tags.get("team"), Some("ops"));
    assert_eq!(tags.get("+-/"), Some(":+:"));
    let retagged = bucket
        .get_object_tagging("retagged.txt")
        .await
        .unwrap()
        .tagging;
    assert_eq!(retagged.pairs(), vec![("k".to_string(), "v".to_string())]);
    assert_eq!(
        bucket.get_symlink("oss2-link").await.unwrap().target_key,
        "target.txt"
    );
    let body = bucket
        .get_object("oss2-link")
        .await
        .unwrap()
        .body
        .collect_bytes()
        .await
        .unwrap();
    assert_eq!(body, "from oss2");
    let head = bucket.head_object("cold.bin").await.unwrap();
    assert_eq!(
        head.meta.header("x-oss-restore"),
        Some("ongoing-request=\"true\"")
    );
    let e = bucket.restore_object("cold.bin").await.unwrap_err();
    assert_eq!(e.code(), Some("RestoreAlreadyInProgress"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss2_and_the_rust_sdk_exchange_tags_links_restores_and_v2_requests() {
    // Restores take longer than the test: both sides see them under way.
    let server = TestServer::start_with(|c| c.restore_delay = Duration::from_secs(600)).await;
    let endpoint = server.endpoint();
    let v1 = || Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let v2 = || AuthV2::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let v4 = || AuthV4::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    set_by_rust(&client(v1(), &endpoint, "objects-rust-v1")).await;
    set_by_rust(&client(v2(), &endpoint, "objects-rust-v2")).await;
    set_by_rust(&client(v4(), &endpoint, "objects-rust-v4")).await;

    let output = Command::new(python())
        .arg(workspace_root().join("interop/oss2_objects.py"))
        .env("OSS_ENDPOINT", &endpoint)
        .env("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET)
        .env("OSS_REGION", "cn-hangzhou")
        .env("RUST_BUCKET_V1", "objects-rust-v1")
        .env("RUST_BUCKET_V2", "objects-rust-v2")
        .env("RUST_BUCKET_V4", "objects-rust-v4")
        .env("OSS2_BUCKET_V1", "objects-oss2-v1")
        .env("OSS2_BUCKET_V2", "objects-oss2-v2")
        .env("OSS2_BUCKET_V4", "objects-oss2-v4")
        .output()
        .expect("failed to run the oss2 script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "oss2 checks failed:\n{stdout}");
    assert!(stdout.contains("25 passed, 0 failed"), "{stdout}");

    check_oss2_set(&client(v1(), &endpoint, "objects-oss2-v1")).await;
    check_oss2_set(&client(v2(), &endpoint, "objects-oss2-v2")).await;
    check_oss2_set(&client(v4(), &endpoint, "objects-oss2-v4")).await;
}
