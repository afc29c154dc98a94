//! Bucket settings kept as one document each, through the SDK against the local server:
//! transfer acceleration, access tracking (with the last access time of objects), resource
//! groups, the HTTPS configuration, archive direct read, callback policies and bucket QoS.
//! Round trips with the model and with raw XML, OSS's errors, malformed and oversized
//! documents that store nothing, and what each setting changes elsewhere.

mod common;

use common::{bucket, bucket_name, new_bucket, server, server_on_own_runtime, service, Signer};
use osskit::proto::xml::access_monitor::AccessMonitorConfiguration;
use osskit::proto::xml::archive_direct_read::ArchiveDirectReadConfiguration;
use osskit::proto::xml::callback_policy::{BucketCallbackPolicy, CallbackPolicyItem};
use osskit::proto::xml::https_config::{CipherSuite, HttpsConfiguration};
use osskit::proto::xml::qos::QoSConfiguration;
use osskit::proto::xml::resource_group::BucketResourceGroupConfiguration;
use osskit::proto::xml::transfer_acceleration::TransferAccelerationConfiguration;
use osskit::Body;
use osskit_server::testing::TestServer;
use osskit_server::{Server, ServerConfig};

/// A server whose account knows `groups` and moves last access times on every read.
async fn server_with(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestServer::config(dir.path());
    configure(&mut config);
    let server = Server::start(config).await.unwrap();
    TestServer { server, dir }
}

fn oversized(root: &str) -> String {
    format!("<{root}><Pad>{}</Pad></{root}>", "x".repeat(70 * 1024))
}

#[tokio::test]
async fn transfer_acceleration_round_trip_and_bucket_info() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let b = new_bucket(&server, signer, "accel").await;
        let missing = b.get_bucket_transfer_acceleration().await.unwrap_err();
        assert_eq!(
            missing.code(),
            Some("NoSuchTransferAccelerationConfiguration")
        );
        assert_eq!(missing.status(), Some(404));
        let info = b.get_bucket_info().await.unwrap();
        assert_eq!(
            info.bucket.transfer_acceleration.as_deref(),
            Some("Disabled")
        );

        b.put_bucket_transfer_acceleration(TransferAccelerationConfiguration::new(true))
            .await
            .unwrap();
        let got = b.get_bucket_transfer_acceleration().await.unwrap();
        assert!(got.config.enabled);
        assert!(String::from_utf8_lossy(got.raw_body()).contains("<Enabled>true</Enabled>"));
        let info = b.get_bucket_info().await.unwrap();
        assert_eq!(
            info.bucket.transfer_acceleration.as_deref(),
            Some("Enabled")
        );

        // oss2 writes Python's str(False); the stored form is lower case.
        b.put_bucket_transfer_acceleration(
            "<TransferAccelerationConfiguration><Enabled>False</Enabled></TransferAccelerationConfiguration>",
        )
        .await
        .unwrap();
        let got = b.get_bucket_transfer_acceleration().await.unwrap();
        assert!(!got.config.enabled);
        assert!(String::from_utf8_lossy(got.raw_body()).contains("<Enabled>false</Enabled>"));

        for bad in [
            "<TransferAccelerationConfiguration><Enabled>maybe</Enabled></TransferAccelerationConfiguration>",
            "<TransferAccelerationConfiguration>",
            "<Other><Enabled>true</Enabled></Other>",
        ] {
            let e = b.put_bucket_transfer_acceleration(bad).await.unwrap_err();
            assert_eq!(e.code(), Some("MalformedXML"), "{bad}");
        }
        let e = b
            .put_bucket_transfer_acceleration(oversized("TransferAccelerationConfiguration"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("EntityTooLarge"));
        // Nothing of the failed puts was stored.
        assert!(
            !b.get_bucket_transfer_acceleration()
                .await
                .unwrap()
                .config
                .enabled
        );

        let gone = bucket(&server, signer, &bucket_name("nobucket"));
        let e = gone.get_bucket_transfer_acceleration().await.unwrap_err();
        assert_eq!(e.code(), Some("NoSuchBucket"));
    }
}

#[tokio::test]
async fn access_tracking_records_reads_and_answers_the_last_access_time() {
    let server =
        server_with(|c| c.account.access_time_granularity = std::time::Duration::ZERO).await;
    let b = new_bucket(&server, Signer::V4, "atime").await;
    b.put_object("before.txt", "written before tracking")
        .await
        .unwrap();

    assert!(!b
        .get_bucket_access_monitor()
        .await
        .unwrap()
        .config
        .is_enabled());
    let info = b.get_bucket_info().await.unwrap();
    assert_eq!(info.bucket.access_monitor.as_deref(), Some("Disabled"));
    // Without tracking, no last access time.
    let head = b.head_object("before.txt").await.unwrap();
    assert!(head.headers().get("x-oss-last-access-time").is_none());

    b.put_bucket_access_monitor(AccessMonitorConfiguration::new(true))
        .await
        .unwrap();
    assert!(b
        .get_bucket_access_monitor()
        .await
        .unwrap()
        .config
        .is_enabled());
    let info = b.get_bucket_info().await.unwrap();
    assert_eq!(info.bucket.access_monitor.as_deref(), Some("Enabled"));

    // An object that existed before tracking starts at the time tracking was turned on.
    let meta = b.get_object_meta("before.txt").await.unwrap();
    let first = meta
        .headers()
        .get("x-oss-last-access-time")
        .expect("x-oss-last-access-time")
        .to_str()
        .unwrap()
        .to_string();
    let first_secs = osskit::utils::http_to_unixtime(&first).unwrap();
    let modified = osskit::utils::http_to_unixtime(
        meta.headers()
            .get("last-modified")
            .unwrap()
            .to_str()
            .unwrap(),
    )
    .unwrap();
    assert!(first_secs >= modified);

    // A read one second later moves it (the server was told to count every read).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let got = b.get_object("before.txt").await.unwrap();
    let read_at = got
        .headers()
        .get("x-oss-last-access-time")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    got.body.collect_bytes().await.unwrap();
    assert!(osskit::utils::http_to_unixtime(&read_at).unwrap() > first_secs);
    let head = b.head_object("before.txt").await.unwrap();
    assert_eq!(
        head.headers()
            .get("x-oss-last-access-time")
            .unwrap()
            .to_str()
            .unwrap(),
        read_at
    );

    // Turning tracking off hides it again; the values it held are errors.
    b.put_bucket_access_monitor(
        "<AccessMonitorConfiguration><Status>Disabled</Status></AccessMonitorConfiguration>",
    )
    .await
    .unwrap();
    let head = b.head_object("before.txt").await.unwrap();
    assert!(head.headers().get("x-oss-last-access-time").is_none());
    let e = b
        .put_bucket_access_monitor(
            "<AccessMonitorConfiguration><Status>aa</Status></AccessMonitorConfiguration>",
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MalformedXML"));
    assert!(!b
        .get_bucket_access_monitor()
        .await
        .unwrap()
        .config
        .is_enabled());
}

#[tokio::test]
async fn access_tracking_cannot_be_turned_off_under_access_time_lifecycle_rules() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V1, "atlc").await;
    b.put_bucket_access_monitor(AccessMonitorConfiguration::new(true))
        .await
        .unwrap();
    // A lifecycle document with an access-time transition, stored as the lifecycle family
    // stores it (the family itself is not needed for this check).
    let store_lifecycle = b
        .call(osskit::proto::ops::OpId::PutBucketLifecycle)
        .body(
            "<LifecycleConfiguration><Rule><ID>r</ID><Prefix>log/</Prefix><Status>Enabled</Status>\
             <Transition><Days>30</Days><StorageClass>IA</StorageClass><IsAccessTime>true</IsAccessTime>\
             </Transition></Rule></LifecycleConfiguration>",
        )
        .send()
        .await;
    if store_lifecycle.is_err() {
        // The server of this build has no lifecycle family: nothing to check.
        return;
    }
    let e = b
        .put_bucket_access_monitor(AccessMonitorConfiguration::new(false))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    assert_eq!(e.ec(), Some("0036-00000005"));
    assert!(b
        .get_bucket_access_monitor()
        .await
        .unwrap()
        .config
        .is_enabled());
}

#[tokio::test]
async fn resource_groups_are_checked_stored_shown_and_filter_listings() {
    let server = server_with(|c| c.account.resource_groups.push("rg-analytics".into())).await;
    let b = new_bucket(&server, Signer::V4, "rg").await;
    let got = b.get_bucket_resource_group().await.unwrap();
    assert_eq!(got.config.resource_group_id, "rg-default");
    assert_eq!(
        b.get_bucket_info()
            .await
            .unwrap()
            .bucket
            .resource_group_id
            .as_deref(),
        Some("rg-default")
    );

    let e = b
        .put_bucket_resource_group(BucketResourceGroupConfiguration::new("rg-xxxxxx"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceGroupIdPreCheckError"));
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.ec(), Some("0039-00000003"));
    assert_eq!(
        b.get_bucket_resource_group()
            .await
            .unwrap()
            .config
            .resource_group_id,
        "rg-default"
    );

    b.put_bucket_resource_group(BucketResourceGroupConfiguration::new("rg-analytics"))
        .await
        .unwrap();
    assert_eq!(
        b.get_bucket_resource_group()
            .await
            .unwrap()
            .config
            .resource_group_id,
        "rg-analytics"
    );

    // create_bucket with x-oss-resource-group-id: checked before the bucket exists.
    let other = bucket(&server, Signer::V4, &bucket_name("rgcreate"));
    let e = other
        .create_bucket()
        .header("x-oss-resource-group-id", "rg-unknown")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceGroupIdPreCheckError"));
    assert_eq!(
        other.get_bucket_info().await.unwrap_err().code(),
        Some("NoSuchBucket")
    );
    other
        .create_bucket()
        .header("x-oss-resource-group-id", "rg-analytics")
        .await
        .unwrap();

    // ListBuckets shows each bucket's group and filters by x-oss-resource-group-id.
    let svc = service(&server, Signer::V4);
    let all = svc.list_buckets().await.unwrap();
    assert_eq!(all.buckets.len(), 2);
    let in_group = svc
        .list_buckets()
        .header("x-oss-resource-group-id", "rg-analytics")
        .max_keys(1)
        .await
        .unwrap();
    assert_eq!(in_group.buckets.len(), 1);
    assert!(in_group.is_truncated);
    assert_eq!(
        in_group.buckets[0].resource_group_id.as_deref(),
        Some("rg-analytics")
    );
    let default_group = svc
        .list_buckets()
        .header("x-oss-resource-group-id", "rg-default")
        .await
        .unwrap();
    assert!(default_group.buckets.is_empty());
}

#[tokio::test]
async fn https_config_round_trip_and_validation() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V1, "https").await;
    // Off until set.
    let got = b.get_bucket_https_config().await.unwrap();
    assert!(!got.config.tls.enable);
    assert!(got.config.tls.tls_versions.is_empty());

    b.put_bucket_https_config(HttpsConfiguration::new(
        true,
        ["TLSv1.2", "TLSv1.3", "TLSv1.2"],
    ))
    .await
    .unwrap();
    let got = b.get_bucket_https_config().await.unwrap();
    assert!(got.config.tls.enable);
    assert_eq!(got.config.tls.tls_versions, ["TLSv1.2", "TLSv1.3"]);

    let with_suites = HttpsConfiguration::new(true, ["TLSv1.3"]).cipher_suite(
        CipherSuite::new(true, false).tls13_custom_cipher_suites(["TLS_AES_256_GCM_SHA384"]),
    );
    b.put_bucket_https_config(with_suites.clone())
        .await
        .unwrap();
    assert_eq!(
        b.get_bucket_https_config().await.unwrap().config,
        with_suites
    );

    for bad in [
        HttpsConfiguration::new(true, Vec::<String>::new()),
        HttpsConfiguration::new(true, ["aaa", "bbb"]),
    ] {
        let e = b.put_bucket_https_config(bad).await.unwrap_err();
        assert_eq!(e.code(), Some("MalformedXML"));
    }
    assert_eq!(
        b.get_bucket_https_config().await.unwrap().config,
        with_suites
    );
}

#[tokio::test]
async fn archive_direct_read_round_trip() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "adr").await;
    assert!(
        !b.get_bucket_archive_direct_read()
            .await
            .unwrap()
            .config
            .enabled
    );
    b.put_bucket_archive_direct_read(ArchiveDirectReadConfiguration::new(true))
        .await
        .unwrap();
    assert!(
        b.get_bucket_archive_direct_read()
            .await
            .unwrap()
            .config
            .enabled
    );
    let e = b
        .put_bucket_archive_direct_read(
            "<ArchiveDirectReadConfiguration><Enabled>aa</Enabled></ArchiveDirectReadConfiguration>",
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MalformedXML"));
    assert!(
        b.get_bucket_archive_direct_read()
            .await
            .unwrap()
            .config
            .enabled
    );
}

#[tokio::test]
async fn callback_policies_round_trip_and_errors() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "cbp").await;
    let e = b.get_bucket_callback_policy().await.unwrap_err();
    assert_eq!(e.code(), Some("BucketCallbackPolicyNotExist"));
    assert_eq!(e.status(), Some(404));

    let policy = BucketCallbackPolicy::new(vec![
        CallbackPolicyItem::new("first", "eyJjYWxsYmFja1VybCI6Ind3dy5hYmMuY29tIn0="),
        CallbackPolicyItem::new("second", "eyJjYWxsYmFja1VybCI6Ind3dy5iYmMuY29tIn0=")
            .callback_var("eyJ4OnZhcjEiOiJ2YWx1ZTEifQ=="),
    ]);
    b.put_bucket_callback_policy(policy.clone()).await.unwrap();
    let got = b.get_bucket_callback_policy().await.unwrap();
    assert_eq!(got.config, policy);

    let twice = BucketCallbackPolicy::new(vec![
        CallbackPolicyItem::new("a", "e30="),
        CallbackPolicyItem::new("a", "e30="),
    ]);
    let e = b.put_bucket_callback_policy(twice).await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    let e = b
        .put_bucket_callback_policy("<BucketCallbackPolicy><PolicyItem><PolicyName>x</PolicyName><Callback>***</Callback></PolicyItem></BucketCallbackPolicy>")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    assert_eq!(b.get_bucket_callback_policy().await.unwrap().config, policy);

    // An empty policy list is accepted, as oss2 sends it for None.
    b.put_bucket_callback_policy("<BucketCallbackPolicy />")
        .await
        .unwrap();
    assert!(b
        .get_bucket_callback_policy()
        .await
        .unwrap()
        .config
        .policy_items
        .is_empty());

    let deleted = b.delete_bucket_callback_policy().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        b.get_bucket_callback_policy().await.unwrap_err().code(),
        Some("BucketCallbackPolicyNotExist")
    );
}

#[tokio::test]
async fn bucket_qos_is_checked_against_the_account() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V1, "qos").await;
    // Not limited until set.
    let got = b.get_bucket_qos_info().await.unwrap();
    assert_eq!(got.config, QoSConfiguration::new().filled());

    let user = service(&server, Signer::V1)
        .get_user_qos_info()
        .await
        .unwrap()
        .config;
    let account_upload = user.total_upload_bandwidth.unwrap();
    assert!(account_upload > 0);

    let qos = QoSConfiguration::new()
        .total_upload_bandwidth(-1)
        .intranet_upload_bandwidth(2)
        .extranet_upload_bandwidth(2);
    b.put_bucket_qos_info(qos.clone()).await.unwrap();
    let got = b.get_bucket_qos_info().await.unwrap();
    assert_eq!(got.config, qos.clone().filled());

    for bad in [
        QoSConfiguration::new().total_upload_bandwidth(account_upload + 1),
        QoSConfiguration::new()
            .total_upload_bandwidth(account_upload)
            .intranet_upload_bandwidth(account_upload + 1),
        QoSConfiguration::new().extranet_qps(user.total_qps.unwrap() + 1),
        QoSConfiguration::new().total_qps(-7),
    ] {
        let e = b.put_bucket_qos_info(bad).await.unwrap_err();
        assert_eq!(e.code(), Some("InvalidArgument"));
    }
    let e = b
        .put_bucket_qos_info("<QoSConfiguration><TotalQps>lots</TotalQps></QoSConfiguration>")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MalformedXML"));
    assert_eq!(b.get_bucket_qos_info().await.unwrap().config, qos.filled());

    assert_eq!(b.delete_bucket_qos_info().await.unwrap().status(), 204);
    assert_eq!(
        b.get_bucket_qos_info().await.unwrap().config,
        QoSConfiguration::new().filled()
    );
}

#[tokio::test]
async fn raw_documents_from_files_and_streams() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "rawdocs").await;
    let doc =
        "<ArchiveDirectReadConfiguration><Enabled>true</Enabled></ArchiveDirectReadConfiguration>";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("adr.xml");
    std::fs::write(&path, doc).unwrap();
    b.put_bucket_archive_direct_read(Body::from_file(&path).await.unwrap())
        .await
        .unwrap();
    assert!(
        b.get_bucket_archive_direct_read()
            .await
            .unwrap()
            .config
            .enabled
    );
    let chunks = vec![
        Ok::<_, std::io::Error>(bytes::Bytes::from(
            "<TransferAccelerationConfiguration><Enabled>",
        )),
        Ok(bytes::Bytes::from(
            "true</Enabled></TransferAccelerationConfiguration>",
        )),
    ];
    b.put_bucket_transfer_acceleration(Body::from_stream(futures_util::stream::iter(chunks)))
        .await
        .unwrap();
    assert!(
        b.get_bucket_transfer_acceleration()
            .await
            .unwrap()
            .config
            .enabled
    );
}

#[test]
fn the_blocking_facade_sets_and_reads_settings() {
    let (_rt, server) = server_on_own_runtime();
    let b = osskit::blocking::Bucket::builder(
        Signer::V1.auth(),
        &server.endpoint(),
        &bucket_name("blk"),
    )
    .region(common::REGION)
    .build()
    .unwrap();
    b.create_bucket().send().unwrap();
    b.put_bucket_access_monitor(AccessMonitorConfiguration::new(true))
        .send()
        .unwrap();
    assert!(b
        .get_bucket_access_monitor()
        .send()
        .unwrap()
        .config
        .is_enabled());
    b.put_bucket_style("thumb", "image/resize,w_100")
        .send()
        .unwrap();
    assert_eq!(
        b.get_bucket_style("thumb").send().unwrap().config.content,
        "image/resize,w_100"
    );
    let regions = osskit::blocking::Service::builder(Signer::V1.auth(), &server.endpoint())
        .build()
        .unwrap()
        .describe_regions()
        .region("oss-cn-hangzhou")
        .send()
        .unwrap();
    assert_eq!(regions.config.regions.len(), 1);
}
