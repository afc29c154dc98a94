//! oss2 2.19.1 and the Rust SDK exchange the bucket configurations that govern data —
//! lifecycle, versioning, retention (WORM), default encryption, tags, storage capacity —
//! and read each other's encrypted objects and statistics, under V1 and V4.
//!
//! The Python interpreter comes from `OSS2_PYTHON` (set by `scripts/test.sh`) or, failing
//! that, `target/oss2-venv/bin/python`.

use std::collections::BTreeMap;
use std::process::Command;

use osskit::proto::date::Date;
use osskit::proto::xml::access_monitor::AccessMonitorConfiguration;
use osskit::proto::xml::encryption::ServerSideEncryptionRule;
use osskit::proto::xml::lifecycle::{
    AbortMultipartUpload, LifecycleConfiguration, LifecycleExpiration, LifecycleFilter,
    LifecycleRule, LifecycleTransition, NoncurrentVersionTransition,
};
use osskit::proto::xml::stat::BucketUserQos;
use osskit::proto::xml::tagging::{Tag, Tagging};
use osskit::proto::xml::versioning::VersioningConfiguration;
use osskit::{AuthConfig, Bucket, StorageClass};
use osskit_interop::pattern;
use osskit_interop::{python, workspace_root};
use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).unwrap()
}

fn rust_rules() -> LifecycleConfiguration {
    LifecycleConfiguration::new(vec![
        LifecycleRule::new("logs", "logs/")
            .expiration(LifecycleExpiration::days(30))
            .transition(LifecycleTransition::days(7, "IA").access_time(true))
            .transition(LifecycleTransition::days(14, "Archive"))
            .abort_multipart_upload(AbortMultipartUpload::days(3))
            .filter(
                LifecycleFilter::size(Some(1), Some(1 << 30))
                    .not("logs/keep/", Some(Tag::new("k", "v"))),
            ),
        LifecycleRule::new("old", "old/")
            .expiration(LifecycleExpiration::created_before(date(2020, 1, 1)))
            .transition(LifecycleTransition::created_before(date(2020, 6, 1), "IA"))
            .tag("team", "storage"),
        LifecycleRule::new("versions", "versions/")
            .expiration(LifecycleExpiration::expired_object_delete_marker())
            .noncurrent_version_expiration(30)
            .noncurrent_version_transition(NoncurrentVersionTransition::new(10, "IA"))
            .enabled(false),
    ])
}

async fn exchange(server: &TestServer, label: &str, auth: AuthConfig) {
    let endpoint = server.endpoint();
    let rust_name = format!("families-rust-{label}");
    let oss2_name = format!("families-oss2-{label}");
    let bucket = Bucket::builder(auth.clone(), &endpoint, &rust_name)
        .region("cn-hangzhou")
        .build()
        .unwrap();
    bucket.create_bucket().await.unwrap();
    // A rule on the last access time needs access tracking.
    bucket
        .put_bucket_access_monitor(AccessMonitorConfiguration::new(true))
        .await
        .unwrap();
    bucket.put_bucket_lifecycle(rust_rules()).await.unwrap();
    bucket
        .put_bucket_versioning(VersioningConfiguration::enabled())
        .await
        .unwrap();
    bucket
        .put_bucket_encryption(
            ServerSideEncryptionRule::kms(Some("rust-key".into())).kms_data_encryption("SM4"),
        )
        .await
        .unwrap();
    bucket
        .put_bucket_tagging(Tagging::from_pairs([
            ("owner", format!("rust-{label}")),
            ("env", "interop".to_string()),
        ]))
        .await
        .unwrap();
    bucket
        .set_bucket_storage_capacity(BucketUserQos::new(50))
        .await
        .unwrap();
    bucket.put_object("plain", "content").await.unwrap();
    bucket
        .put_object("sealed", pattern(1, 1000))
        .storage_class(StorageClass::IA)
        .await
        .unwrap();
    let worm = bucket.init_bucket_worm(3).await.unwrap();
    bucket.complete_bucket_worm(&worm.worm_id).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let manifest_path = dir.path().join("manifest.json");
    let output = Command::new(python())
        .arg(workspace_root().join("interop/oss2_data_families.py"))
        .env("OSS_ENDPOINT", &endpoint)
        .env("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET)
        .env("OSS_REGION", "cn-hangzhou")
        .env("INTEROP_AUTH", label)
        .env("INTEROP_RUST_BUCKET", &rust_name)
        .env("INTEROP_OSS2_BUCKET", &oss2_name)
        .env("INTEROP_OUT", &manifest_path)
        .output()
        .expect("failed to run the oss2 script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{label}: oss2 failed:\n{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    let manifest: BTreeMap<String, String> =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();

    // The SDK reads what oss2 configured.
    let theirs = Bucket::builder(auth, &endpoint, &oss2_name)
        .region("cn-hangzhou")
        .build()
        .unwrap();
    let rules = theirs.get_bucket_lifecycle().await.unwrap().config.rules;
    let ids: Vec<&str> = rules.iter().filter_map(|r| r.id.as_deref()).collect();
    assert_eq!(ids, ["logs", "old", "versions"], "{label}");
    let logs = &rules[0];
    assert_eq!(logs.expiration.as_ref().unwrap().days, Some(30));
    let classes: Vec<(Option<u32>, &str)> = logs
        .transitions
        .iter()
        .map(|t| (t.days, t.storage_class.as_str()))
        .collect();
    assert_eq!(classes, [(Some(7), "IA"), (Some(14), "Archive")]);
    assert_eq!(logs.abort_multipart_upload.as_ref().unwrap().days, Some(3));
    let filter = logs.filter.as_ref().unwrap();
    assert_eq!(
        (
            filter.object_size_greater_than,
            filter.object_size_less_than
        ),
        (Some(203), Some(311))
    );
    assert_eq!(filter.not[0].prefix, "logs/keep/");
    assert_eq!(filter.not[0].tag, Some(Tag::new("k", "v")));
    assert_eq!(
        rules[1]
            .expiration
            .as_ref()
            .unwrap()
            .created_before_date
            .as_deref(),
        Some("2020-01-01T00:00:00.000Z")
    );
    assert_eq!(rules[1].tags, [Tag::new("team", "storage")]);
    assert!(!rules[2].is_enabled());
    assert_eq!(
        rules[2]
            .expiration
            .as_ref()
            .unwrap()
            .expired_object_delete_marker,
        Some(true)
    );
    assert_eq!(rules[2].noncurrent_version_transitions.len(), 2);
    assert_eq!(
        theirs.get_bucket_versioning().await.unwrap().config,
        VersioningConfiguration::enabled()
    );
    assert_eq!(
        theirs.get_bucket_encryption().await.unwrap().config,
        ServerSideEncryptionRule::aes256()
    );
    assert_eq!(
        theirs.get_bucket_tagging().await.unwrap().config,
        Tagging::from_pairs([("owner", "oss2")])
    );
    assert_eq!(
        theirs
            .get_bucket_storage_capacity()
            .await
            .unwrap()
            .config
            .storage_capacity,
        7
    );
    // oss2's objects, encrypted under the bucket's rule and by its append headers.
    let sealed = theirs.get_object("sealed").await.unwrap();
    assert_eq!(
        sealed.meta.header("x-oss-server-side-encryption"),
        Some("AES256")
    );
    assert!(sealed.body.collect_bytes().await.unwrap()[..] == pattern(2, 5000)[..]);
    let log = theirs.get_object("log").await.unwrap();
    assert_eq!(log.meta.header("x-oss-server-side-encryption"), Some("SM4"));
    let mut expected = pattern(3, 100);
    expected.extend_from_slice(&pattern(4, 50));
    assert!(log.body.collect_bytes().await.unwrap()[..] == expected[..]);
    let stat = theirs.get_bucket_stat().await.unwrap().config;
    assert_eq!((stat.object_count, stat.storage), (2, 5150));
    // The SDK locks the policy oss2 started.
    let worm_id = &manifest["worm_id"];
    let got = theirs.get_bucket_worm().await.unwrap().config;
    assert_eq!(
        (got.worm_id.as_str(), got.state.as_str()),
        (worm_id.as_str(), "InProgress")
    );
    theirs.complete_bucket_worm(worm_id).await.unwrap();
    assert!(theirs.get_bucket_worm().await.unwrap().config.is_locked());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss2_and_the_sdk_exchange_the_data_families() {
    let server = TestServer::start().await;
    exchange(
        &server,
        "v1",
        osskit::Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET).into(),
    )
    .await;
    exchange(
        &server,
        "v4",
        osskit::AuthV4::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET).into(),
    )
    .await;
}
