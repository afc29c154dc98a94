//! Retention policies (WORM) through the SDK against the local server: the states
//! (InProgress, Locked, lapsed after 24 hours), OSS's errors, and the protection of objects
//! younger than the retention period from deletes and overwrites of every kind: requests,
//! lifecycle expirations (which, once the period is over, delete only the expired object and
//! leave the blobs its copies share) and the replicator writing into a protected bucket.

mod common;

use std::time::Duration;

use common::{new_bucket, server, server_on_own_runtime, Signer};

const DAY: Duration = Duration::from_secs(86_400);

fn code(r: Result<impl std::fmt::Debug, osskit::Error>) -> String {
    r.unwrap_err().code().unwrap_or_default().to_string()
}

#[tokio::test]
async fn states_and_errors() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let bucket = new_bucket(&server, signer, "worm").await;
        assert_eq!(
            code(bucket.get_bucket_worm().await),
            "NoSuchWORMConfiguration"
        );
        assert_eq!(
            code(bucket.abort_bucket_worm().await),
            "NoSuchWORMConfiguration"
        );
        assert_eq!(code(bucket.init_bucket_worm(0).await), "InvalidArgument");
        assert_eq!(
            code(bucket.init_bucket_worm(25_551).await),
            "InvalidArgument"
        );

        let init = bucket.init_bucket_worm(1).await.unwrap();
        assert_eq!(init.worm_id.len(), 32);
        let got = bucket.get_bucket_worm().await.unwrap();
        assert_eq!(got.config.worm_id, init.worm_id);
        assert_eq!(got.config.state, "InProgress");
        assert_eq!(got.config.retention_period_in_days, 1);
        assert!(got.config.creation_date.ends_with(".000Z"));
        // Only a locked policy can be extended; a second one cannot be created.
        assert_eq!(
            code(bucket.extend_bucket_worm(&init.worm_id, 2).await),
            "InvalidWORMConfiguration"
        );
        assert_eq!(
            code(bucket.init_bucket_worm(1).await),
            "InvalidWORMConfiguration"
        );
        // An unlocked policy can be aborted.
        bucket.abort_bucket_worm().await.unwrap();
        assert_eq!(
            code(bucket.get_bucket_worm().await),
            "NoSuchWORMConfiguration"
        );

        let init = bucket.init_bucket_worm(1).await.unwrap();
        assert_eq!(
            code(
                bucket
                    .complete_bucket_worm("0123456789ABCDEF0123456789ABCDEF")
                    .await
            ),
            "NoSuchWORMConfiguration"
        );
        bucket.complete_bucket_worm(&init.worm_id).await.unwrap();
        let got = bucket.get_bucket_worm().await.unwrap().config;
        assert_eq!(got.state, "Locked");
        let err = bucket.abort_bucket_worm().await.unwrap_err();
        assert_eq!(
            (err.code(), err.status()),
            (Some("WORMConfigurationLocked"), Some(403))
        );
        bucket.extend_bucket_worm(&init.worm_id, 2).await.unwrap();
        assert_eq!(
            bucket
                .get_bucket_worm()
                .await
                .unwrap()
                .config
                .retention_period_in_days,
            2
        );
        // Never shorter.
        assert_eq!(
            code(bucket.extend_bucket_worm(&init.worm_id, 1).await),
            "InvalidArgument"
        );
        assert_eq!(
            code(bucket.init_bucket_worm(5).await),
            "WORMConfigurationLocked"
        );
        // Malformed bodies.
        let err = bucket
            .call(osskit::proto::ops::OpId::InitiateBucketWorm)
            .body("<Nope/>")
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("MalformedXML"));
    }
}

#[tokio::test]
async fn an_unlocked_policy_lapses_after_a_day() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "wormlapse").await;
    let init = bucket.init_bucket_worm(30).await.unwrap();
    bucket.put_object("a", "x").await.unwrap();
    // While it is in progress it protects.
    assert_eq!(code(bucket.delete_object("a").await), "FileImmutable");
    server.server.clock().advance(DAY + Duration::from_secs(1));
    assert_eq!(
        code(bucket.get_bucket_worm().await),
        "NoSuchWORMConfiguration"
    );
    assert_eq!(
        code(bucket.complete_bucket_worm(&init.worm_id).await),
        "NoSuchWORMConfiguration"
    );
    bucket.delete_object("a").await.unwrap();
    // A new policy can be made.
    bucket.init_bucket_worm(1).await.unwrap();
}

#[tokio::test]
async fn a_locked_policy_protects_young_objects() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V1, "wormlock").await;
    bucket.put_object("old", "old bytes").await.unwrap();
    bucket.append_object("log", 0, "line 1\n").await.unwrap();
    let upload = bucket.init_multipart_upload("old").await.unwrap().upload_id;
    bucket
        .upload_part("old", upload.as_str(), 1, "part")
        .await
        .unwrap();
    let init = bucket.init_bucket_worm(1).await.unwrap();
    bucket.complete_bucket_worm(&init.worm_id).await.unwrap();

    let err = bucket.delete_object("old").await.unwrap_err();
    assert_eq!(
        (err.code(), err.status()),
        (Some("FileImmutable"), Some(409))
    );
    assert_eq!(code(bucket.put_object("old", "new").await), "FileImmutable");
    assert_eq!(
        code(bucket.copy_object(bucket.name(), "log", "old").await),
        "FileImmutable"
    );
    assert_eq!(
        code(bucket.append_object("log", 7, "line 2\n").await),
        "FileImmutable"
    );
    assert_eq!(
        code(
            bucket
                .complete_multipart_upload("old", upload.as_str(), vec![])
                .complete_all()
                .await
        ),
        "FileImmutable"
    );
    let batch = bucket
        .batch_delete_objects(["new-key-that-does-not-exist", "old"])
        .await;
    assert_eq!(code(batch), "FileImmutable");
    assert_eq!(code(bucket.delete_bucket().await), "BucketNotEmpty");
    // Nothing changed.
    let body = bucket.get_object("old").await.unwrap().body;
    assert_eq!(body.collect_bytes().await.unwrap(), "old bytes");
    // New objects can still be written and read; uploads can be aborted.
    bucket.put_object("new", "fresh").await.unwrap();
    bucket
        .abort_multipart_upload("old", upload.as_str())
        .await
        .unwrap();

    // Once the retention period has passed, everything can go.
    server.server.clock().advance(DAY + Duration::from_secs(1));
    bucket.put_object("old", "replaced").await.unwrap();
    server.server.clock().advance(DAY + Duration::from_secs(1));
    bucket.append_object("log", 7, "line 2\n").await.unwrap();
    server.server.clock().advance(DAY + Duration::from_secs(1));
    bucket
        .batch_delete_objects(["old", "new", "log"])
        .await
        .unwrap();
    bucket.delete_bucket().await.unwrap();
}

#[tokio::test]
async fn lifecycle_and_replication_respect_retention() {
    use osskit::proto::xml::replication::{ReplicationRule, STATUS_DOING};
    use osskit::{LifecycleConfiguration, LifecycleExpiration, LifecycleRule};
    let server = osskit_server::testing::TestServer::start_with(|c| {
        c.replication_interval = Duration::from_millis(100);
    })
    .await;
    let bucket = new_bucket(&server, Signer::V4, "wormlc").await;
    bucket.put_object("tmp/a", "expires later").await.unwrap();
    // A copy in another bucket shares the object's bytes.
    let other = new_bucket(&server, Signer::V4, "wormcopy").await;
    other
        .copy_object(bucket.name(), "tmp/a", "copy-of-a")
        .await
        .unwrap();
    bucket
        .put_bucket_lifecycle(LifecycleConfiguration::new(vec![LifecycleRule::new(
            "tmp", "tmp/",
        )
        .expiration(LifecycleExpiration::days(1))]))
        .await
        .unwrap();
    let init = bucket.init_bucket_worm(3).await.unwrap();
    bucket.complete_bucket_worm(&init.worm_id).await.unwrap();

    server.server.clock().advance(2 * DAY);
    let report = server.server.run_lifecycle().await;
    assert_eq!((report.expired, report.retained), (0, 1), "{report:?}");
    assert!(bucket.object_exists("tmp/a").await.unwrap());
    server.server.clock().advance(2 * DAY);
    let report = server.server.run_lifecycle().await;
    assert_eq!((report.expired, report.retained), (1, 0), "{report:?}");
    assert!(!bucket.object_exists("tmp/a").await.unwrap());
    let copy = other.get_object("copy-of-a").await.unwrap().body;
    assert_eq!(copy.collect_bytes().await.unwrap(), "expires later");

    // Replication into a bucket under retention neither replaces nor deletes what it
    // protects.
    let src = new_bucket(&server, Signer::V4, "wormsrc").await;
    let dst = new_bucket(&server, Signer::V4, "wormdst").await;
    src.put_object("k", "first").await.unwrap();
    src.put_bucket_replication(ReplicationRule::new(dst.name(), "oss-cn-hangzhou").id("r"))
        .await
        .unwrap();
    let replicated = |b: osskit::Bucket, want: Option<&'static str>| async move {
        for _ in 0..400 {
            let now = match b.get_object("k").await {
                Ok(o) => Some(o.body.collect_bytes().await.unwrap()),
                Err(e) if e.is_not_found() => None,
                Err(e) => panic!("{e:?}"),
            };
            if now.as_deref() == want.map(str::as_bytes) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the target did not reach {want:?} within 20 s");
    };
    replicated(dst.clone(), Some("first")).await;
    for _ in 0..400 {
        let rule = src.get_bucket_replication_progress("r").await.unwrap();
        if rule.config.rule.status == STATUS_DOING {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Objects keep the system clock's times while the server's clock is 4 days ahead: they
    // look 4 days old, so the retention is longer than that.
    let init = dst.init_bucket_worm(10).await.unwrap();
    dst.complete_bucket_worm(&init.worm_id).await.unwrap();
    src.put_object("k", "second").await.unwrap();
    src.put_object("marker", "m").await.unwrap();
    // The marker is new in the target (nothing to protect) and arrives; "k" does not change.
    for _ in 0..400 {
        if dst.object_exists("marker").await.unwrap() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(dst.object_exists("marker").await.unwrap());
    let kept = dst.get_object("k").await.unwrap().body;
    assert_eq!(kept.collect_bytes().await.unwrap(), "first");
    src.delete_object("k").await.unwrap();
    src.delete_object("marker").await.unwrap();
    // Once the retention is over, the replicator catches up: the delete goes through.
    server.server.clock().advance(7 * DAY);
    replicated(dst.clone(), None).await;
}

#[test]
fn blocking_calls() {
    let (_rt, server) = server_on_own_runtime();
    let bucket = osskit::blocking::Bucket::builder(
        Signer::V4.auth(),
        &server.endpoint(),
        &common::bucket_name("wormblk"),
    )
    .region(common::REGION)
    .build()
    .unwrap();
    bucket.create_bucket().send().unwrap();
    let id = bucket.init_bucket_worm(7).send().unwrap().worm_id;
    bucket.complete_bucket_worm(&id).send().unwrap();
    let got = bucket.get_bucket_worm().send().unwrap();
    assert!(got.config.is_locked());
    assert_eq!(got.config.retention_period_in_days, 7);
}
