//! Lifecycle rules through the SDK against the local server: the round trip with the model
//! and with raw XML, OSS's validation errors (nothing stored on failure), and the rules
//! applied by the server on its clock: expirations, transitions (by modification and by
//! access time), aborted uploads, filters, and retention policies holding expirations back.

mod common;

use std::time::Duration;

use common::{new_bucket, server, server_on_own_runtime, Signer};
use osskit::proto::date::Date;
use osskit::proto::xml::access_monitor::AccessMonitorConfiguration;
use osskit::proto::xml::lifecycle::{
    AbortMultipartUpload, LifecycleConfiguration, LifecycleExpiration, LifecycleFilter,
    LifecycleRule, LifecycleTransition, NoncurrentVersionTransition,
};
use osskit::Body;

const DAY: Duration = Duration::from_secs(86_400);

fn message(err: &osskit::Error) -> String {
    err.as_server()
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).unwrap()
}

fn full_rules() -> LifecycleConfiguration {
    LifecycleConfiguration::new(vec![
        LifecycleRule::new("logs", "logs/")
            .expiration(LifecycleExpiration::days(30))
            .transition(LifecycleTransition::days(7, "IA"))
            .transition(LifecycleTransition::days(14, "Archive"))
            .abort_multipart_upload(AbortMultipartUpload::days(3))
            .filter(LifecycleFilter::size(Some(1), Some(1 << 30)).not("logs/keep/", None)),
        LifecycleRule::new("old", "old/")
            .expiration(LifecycleExpiration::created_before(date(2020, 1, 1)))
            .transition(LifecycleTransition::created_before(date(2020, 6, 1), "IA")),
        LifecycleRule::new("tagged", "tagged/")
            .tag("team", "storage")
            .transition(LifecycleTransition::days(10, "IA").access_time(true)),
        LifecycleRule::new("versions", "versions/")
            .expiration(LifecycleExpiration::expired_object_delete_marker())
            .noncurrent_version_expiration(30)
            .noncurrent_version_transition(NoncurrentVersionTransition::new(10, "IA"))
            .enabled(false),
    ])
}

#[tokio::test]
async fn round_trip_with_the_model_and_with_xml() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let bucket = new_bucket(&server, signer, "lc").await;
        let missing = bucket.get_bucket_lifecycle().await.unwrap_err();
        assert_eq!(missing.code(), Some("NoSuchLifecycle"));
        assert_eq!(missing.status(), Some(404));

        // Rules on the last access time need access tracking, as in OSS; once they exist,
        // tracking cannot be turned off.
        let err = bucket.put_bucket_lifecycle(full_rules()).await.unwrap_err();
        assert_eq!(
            (err.code(), err.status(), err.ec()),
            (Some("InvalidArgument"), Some(400), Some("0014-00000016"))
        );
        bucket
            .put_bucket_access_monitor(AccessMonitorConfiguration::new(true))
            .await
            .unwrap();
        bucket.put_bucket_lifecycle(full_rules()).await.unwrap();
        let err = bucket
            .put_bucket_access_monitor(AccessMonitorConfiguration::new(false))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidArgument"));
        let got = bucket.get_bucket_lifecycle().await.unwrap();
        assert_eq!(got.config, full_rules());
        let raw = String::from_utf8(got.raw.to_vec()).unwrap();
        assert!(
            raw.contains("<Not><Prefix>logs/keep/</Prefix></Not>"),
            "{raw}"
        );
        assert!(
            raw.contains("<CreatedBeforeDate>2020-01-01T00:00:00.000Z</CreatedBeforeDate>"),
            "{raw}"
        );

        // The document as oss2 writes it (ExpiredObjectDeleteMarker as "True"), as text,
        // bytes, a stream of unknown length and a file; a rule without an ID gets one.
        let doc = "<LifecycleConfiguration><Rule><Prefix>a/</Prefix><Status>Enabled</Status>\
                   <Expiration><ExpiredObjectDeleteMarker>True</ExpiredObjectDeleteMarker></Expiration>\
                   </Rule></LifecycleConfiguration>";
        bucket.put_bucket_lifecycle(doc).await.unwrap();
        let got = bucket.get_bucket_lifecycle().await.unwrap().config;
        assert!(got.rules[0].id.as_deref().is_some_and(|id| !id.is_empty()));
        assert_eq!(
            got.rules[0]
                .expiration
                .as_ref()
                .unwrap()
                .expired_object_delete_marker,
            Some(true)
        );
        bucket
            .put_bucket_lifecycle(doc.as_bytes().to_vec())
            .await
            .unwrap();
        let chunks = vec![
            Ok::<_, std::io::Error>(bytes::Bytes::from(&doc[..50])),
            Ok(bytes::Bytes::from(&doc[50..])),
        ];
        bucket
            .put_bucket_lifecycle(Body::from_stream(futures_util::stream::iter(chunks)))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lifecycle.xml");
        std::fs::write(&path, doc).unwrap();
        bucket
            .put_bucket_lifecycle(Body::from_file(&path).await.unwrap())
            .await
            .unwrap();

        bucket.delete_bucket_lifecycle().await.unwrap();
        bucket.delete_bucket_lifecycle().await.unwrap();
        assert_eq!(
            bucket.get_bucket_lifecycle().await.unwrap_err().code(),
            Some("NoSuchLifecycle")
        );
    }
}

#[tokio::test]
async fn invalid_rules_are_refused_and_nothing_is_stored() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "lcbad").await;
    bucket
        .put_bucket_access_monitor(AccessMonitorConfiguration::new(true))
        .await
        .unwrap();
    bucket.put_bucket_lifecycle(full_rules()).await.unwrap();
    let rule = |body: &str| {
        format!(
            "<LifecycleConfiguration><Rule><ID>r</ID><Prefix>p/</Prefix><Status>Enabled</Status>{body}</Rule></LifecycleConfiguration>"
        )
    };
    let cases: Vec<(String, &str, &str)> = vec![
        ("<This is a bad xml></bad as I am>".into(), "MalformedXML", ""),
        ("<CORSConfiguration/>".into(), "MalformedXML", "expected <LifecycleConfiguration>"),
        ("<LifecycleConfiguration></LifecycleConfiguration>".into(), "MalformedXML", "at least one Rule"),
        (rule(""), "InvalidArgument", "at least one of Expiration"),
        (rule("<Expiration><Days>0</Days></Expiration>"), "InvalidArgument", "positive"),
        (rule("<Expiration><Days>3</Days></Expiration><Transition><Days>4</Days><StorageClass>IA</StorageClass></Transition>"), "InvalidArgument", "later than every transition"),
        (rule("<Expiration><CreatedBeforeDate>2016-12-25T00:00:00.000Z</CreatedBeforeDate></Expiration><Transition><Days>4</Days><StorageClass>IA</StorageClass></Transition>"), "InvalidRequest", "cannot be mixed"),
        (rule("<Transition><Days>5</Days><StorageClass>IA</StorageClass></Transition><Transition><Days>2</Days><StorageClass>Archive</StorageClass></Transition>"), "InvalidArgument", "colder storage class"),
        (rule("<Transition><Days>5</Days><StorageClass>Standard</StorageClass></Transition>"), "InvalidArgument", "StorageClass"),
        (rule("<Expiration><Date>2016-12-25T08:00:00.000Z</Date></Expiration>"), "InvalidArgument", "midnight"),
        (rule("<Expiration><Date>25 December 2016</Date></Expiration>"), "InvalidArgument", "ISO8601"),
        (rule("<Expiration><Days>1</Days></Expiration><Tag><Key>%&amp;</Key><Value>v</Value></Tag>"), "InvalidArgument", "tag key"),
        (rule("<Expiration><Days>1</Days></Expiration><Filter><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter>"), "InvalidArgument", "ObjectSizeGreaterThan"),
        (rule("<Expiration><Days>1</Days></Expiration><Filter><Not><Prefix>q/</Prefix></Not></Filter>"), "InvalidArgument", "Not prefix"),
        (rule("<Expiration><Days>1</Days><Date>2016-12-25T00:00:00.000Z</Date></Expiration>"), "MalformedXML", "exactly one"),
        (rule("<Expiration><Days>x</Days></Expiration>"), "MalformedXML", ""),
    ];
    for (doc, code, words) in cases {
        let err = bucket.put_bucket_lifecycle(doc.clone()).await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{doc}: {err}");
        assert!(message(&err).contains(words), "{doc}: {}", message(&err));
    }
    // Overlapping prefixes with an action of the same type, unless the header allows it.
    let overlap = LifecycleConfiguration::new(vec![
        LifecycleRule::new("a", "前缀/").expiration(LifecycleExpiration::days(5)),
        LifecycleRule::new("b", "前缀/2").expiration(LifecycleExpiration::days(9)),
    ]);
    let err = bucket
        .put_bucket_lifecycle(overlap.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArgument"));
    assert_eq!(message(&err), "Overlap for same action type Expiration");
    // Too many rules, a repeated id, an oversized body.
    let many = LifecycleConfiguration::new(
        (0..1001)
            .map(|i| {
                LifecycleRule::new(format!("r{i}"), format!("p{i}/"))
                    .expiration(LifecycleExpiration::days(1))
            })
            .collect(),
    );
    let err = bucket.put_bucket_lifecycle(many).await.unwrap_err();
    assert!(
        matches!(err.code(), Some("InvalidArgument") | Some("EntityTooLarge")),
        "{err}"
    );
    let twice = LifecycleConfiguration::new(vec![
        LifecycleRule::new("same", "x/").expiration(LifecycleExpiration::days(1)),
        LifecycleRule::new("same", "y/").expiration(LifecycleExpiration::days(1)),
    ]);
    assert_eq!(
        bucket.put_bucket_lifecycle(twice).await.unwrap_err().code(),
        Some("InvalidArgument")
    );
    let huge = format!(
        "<LifecycleConfiguration>{}</LifecycleConfiguration>",
        " ".repeat(2 * 1024 * 1024)
    );
    assert_eq!(
        bucket.put_bucket_lifecycle(huge).await.unwrap_err().code(),
        Some("EntityTooLarge")
    );
    // Nothing of the above replaced the stored rules.
    assert_eq!(
        bucket.get_bucket_lifecycle().await.unwrap().config,
        full_rules()
    );
    // The header lets the overlap in.
    bucket
        .put_bucket_lifecycle(overlap.clone())
        .allow_same_action_overlap(true)
        .await
        .unwrap();
    assert_eq!(bucket.get_bucket_lifecycle().await.unwrap().config, overlap);
}

async fn storage_class(bucket: &osskit::Bucket, key: &str) -> String {
    bucket
        .head_object(key)
        .await
        .unwrap()
        .meta
        .header("x-oss-storage-class")
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_server_applies_the_rules_on_its_clock() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "lcrun").await;
    for key in ["logs/a.log", "logs/keep/b.log", "other/c.log"] {
        bucket.put_object(key, "some bytes").await.unwrap();
    }
    bucket.put_object("logs/empty", "").await.unwrap();
    let upload = bucket
        .init_multipart_upload("logs/upload.bin")
        .await
        .unwrap()
        .upload_id;
    let elsewhere = bucket
        .init_multipart_upload("other/upload.bin")
        .await
        .unwrap()
        .upload_id;
    bucket
        .put_bucket_lifecycle(LifecycleConfiguration::new(vec![LifecycleRule::new(
            "logs", "logs/",
        )
        .expiration(LifecycleExpiration::days(30))
        .transition(LifecycleTransition::days(7, "IA"))
        .transition(LifecycleTransition::days(14, "Archive"))
        .abort_multipart_upload(AbortMultipartUpload::days(3))
        .filter(LifecycleFilter::size(Some(0), None).not("logs/keep/", None))]))
        .await
        .unwrap();

    // Nothing is due yet.
    let report = server.server.run_lifecycle().await;
    assert_eq!(
        (report.expired, report.transitioned, report.aborted),
        (0, 0, 0)
    );
    assert_eq!(storage_class(&bucket, "logs/a.log").await, "Standard");

    server.server.clock().advance(4 * DAY);
    let report = server.server.run_lifecycle().await;
    assert_eq!(report.aborted, 1);
    let uploads = bucket.list_multipart_uploads().await.unwrap();
    let ids: Vec<&str> = uploads
        .uploads
        .iter()
        .map(|u| u.upload_id.as_str())
        .collect();
    assert_eq!(ids, [elsewhere.as_str()], "{upload} should be gone");

    server.server.clock().advance(4 * DAY);
    assert_eq!(server.server.run_lifecycle().await.transitioned, 1);
    assert_eq!(storage_class(&bucket, "logs/a.log").await, "IA");
    // Excluded by the Not, by size (not greater than 0) and by prefix.
    assert_eq!(storage_class(&bucket, "logs/keep/b.log").await, "Standard");
    assert_eq!(storage_class(&bucket, "logs/empty").await, "Standard");
    assert_eq!(storage_class(&bucket, "other/c.log").await, "Standard");

    server.server.clock().advance(7 * DAY);
    server.server.run_lifecycle().await;
    assert_eq!(storage_class(&bucket, "logs/a.log").await, "Archive");
    let listed = bucket.list_objects_v2().prefix("logs/a").await.unwrap();
    assert_eq!(listed.objects[0].storage_class, "Archive");

    server.server.clock().advance(16 * DAY);
    let report = server.server.run_lifecycle().await;
    assert_eq!(report.expired, 1);
    assert!(!bucket.object_exists("logs/a.log").await.unwrap());
    for key in ["logs/keep/b.log", "logs/empty", "other/c.log"] {
        assert!(bucket.object_exists(key).await.unwrap(), "{key}");
    }
}

#[tokio::test]
async fn dates_disabled_rules_and_retention() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V1, "lcdate").await;
    bucket.put_object("old/a", "x").await.unwrap();
    bucket.put_object("kept/a", "x").await.unwrap();
    let tomorrow = server.server.clock().now_secs() / 86_400 + 1;
    let midnight = Date::from_days_since_epoch(tomorrow);
    bucket
        .put_bucket_lifecycle(LifecycleConfiguration::new(vec![
            LifecycleRule::new("dated", "old/")
                .expiration(LifecycleExpiration::created_before(midnight)),
            LifecycleRule::new("off", "kept/")
                .expiration(LifecycleExpiration::days(1))
                .enabled(false),
        ]))
        .await
        .unwrap();
    // The date has not come yet.
    assert_eq!(server.server.run_lifecycle().await.expired, 0);
    // A retention policy holds the expiration back while it protects the object.
    let worm = bucket.init_bucket_worm(3).await.unwrap();
    bucket.complete_bucket_worm(&worm.worm_id).await.unwrap();
    server.server.clock().advance(2 * DAY);
    let report = server.server.run_lifecycle().await;
    assert_eq!((report.expired, report.retained), (0, 1));
    assert!(bucket.object_exists("old/a").await.unwrap());
    server.server.clock().advance(2 * DAY);
    assert_eq!(server.server.run_lifecycle().await.expired, 1);
    assert!(!bucket.object_exists("old/a").await.unwrap());
    // The disabled rule did nothing.
    assert!(bucket.object_exists("kept/a").await.unwrap());
}

#[tokio::test]
async fn access_time_transitions_and_return_to_standard() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "lcatime").await;
    bucket.put_object("hot/read", "x").await.unwrap();
    bucket.put_object("hot/unread", "x").await.unwrap();
    bucket
        .put_bucket_access_monitor(AccessMonitorConfiguration::new(true))
        .await
        .unwrap();
    bucket
        .put_bucket_lifecycle(LifecycleConfiguration::new(vec![LifecycleRule::new(
            "atime", "hot/",
        )
        .transition(LifecycleTransition::days(10, "IA").access_time(true))]))
        .await
        .unwrap();
    server.server.clock().advance(6 * DAY);
    // Read at day 6: counts from then.
    bucket.get_object("hot/read").await.unwrap();
    server.server.clock().advance(6 * DAY);
    server.server.run_lifecycle().await;
    assert_eq!(storage_class(&bucket, "hot/unread").await, "IA");
    assert_eq!(storage_class(&bucket, "hot/read").await, "Standard");
    server.server.clock().advance(5 * DAY);
    server.server.run_lifecycle().await;
    assert_eq!(storage_class(&bucket, "hot/read").await, "IA");
    // A read brings it back to Standard.
    bucket.get_object("hot/read").await.unwrap();
    assert_eq!(storage_class(&bucket, "hot/read").await, "Standard");
}

#[test]
fn the_background_task_runs_on_its_interval_and_blocking_calls_work() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = osskit_server::testing::TestServer::config(dir.path());
    config.lifecycle_interval = Some(Duration::from_millis(50));
    config.clock = osskit_server::clock::Clock::with_offset(2 * DAY);
    let server = rt.block_on(osskit_server::Server::start(config)).unwrap();
    let bucket = osskit::blocking::Bucket::builder(
        common::Signer::V1.auth(),
        &server.endpoint(),
        &common::bucket_name("lcbg"),
    )
    .region(common::REGION)
    .build()
    .unwrap();
    bucket.create_bucket().send().unwrap();
    bucket.put_object("tmp/a", "x").send().unwrap();
    bucket
        .put_bucket_lifecycle(LifecycleConfiguration::new(vec![LifecycleRule::new(
            "tmp", "tmp/",
        )
        .expiration(LifecycleExpiration::days(1))]))
        .send()
        .unwrap();
    // The object is two days old on the server's clock: the task deletes it soon.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while bucket.object_exists("tmp/a").send().unwrap() {
        assert!(std::time::Instant::now() < deadline, "never expired");
        std::thread::sleep(Duration::from_millis(20));
    }
    let got = bucket.get_bucket_lifecycle().send().unwrap();
    assert_eq!(got.config.rules[0].id.as_deref(), Some("tmp"));
    rt.block_on(server.shutdown());
    let _ = server_on_own_runtime;
}
