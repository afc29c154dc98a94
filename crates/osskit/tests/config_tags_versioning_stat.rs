//! Bucket tags (with ListBuckets' tag filter), the versioning state, GetBucketStat and the
//! storage capacity through the SDK against the local server.

mod common;

use common::{new_bucket, server, server_on_own_runtime, service, Signer};
use osskit::proto::xml::stat::BucketUserQos;
use osskit::proto::xml::tagging::Tagging;
use osskit::proto::xml::versioning::VersioningConfiguration;
use osskit::StorageClass;

#[tokio::test]
async fn tags_round_trip_with_limits_and_filter_listings() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let bucket = new_bucket(&server, signer, "tags").await;
        // Untagged: an empty tag set.
        let got = bucket.get_bucket_tagging().await.unwrap();
        assert!(got.config.tags().is_empty());

        let tags = Tagging::from_pairs([("%@abc", "abc"), ("123++", "++123%"), ("test", "")]);
        bucket.put_bucket_tagging(tags.clone()).await.unwrap();
        assert_eq!(bucket.get_bucket_tagging().await.unwrap().config, tags);

        // Limits: nothing stored on failure.
        let too_many = Tagging::from_pairs((0..21).map(|i| (format!("k{i}"), "v")));
        for bad in [
            too_many,
            Tagging::from_pairs([("k".repeat(65), "v".to_string())]),
            Tagging::from_pairs([("k".to_string(), "v".repeat(129))]),
            Tagging::from_pairs([("Aliyun-team", "v")]),
        ] {
            let err = bucket.put_bucket_tagging(bad).await.unwrap_err();
            assert_eq!(err.code(), Some("InvalidTag"), "{err}");
        }
        let err = bucket
            .put_bucket_tagging("<Tagging><TagSet>")
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("MalformedXML"));
        assert_eq!(bucket.get_bucket_tagging().await.unwrap().config, tags);

        // Deleting named keys keeps the others.
        bucket
            .delete_bucket_tagging_keys(["%@abc", "test"])
            .await
            .unwrap();
        let left = bucket.get_bucket_tagging().await.unwrap().config;
        assert_eq!(left, Tagging::from_pairs([("123++", "++123%")]));
        let deleted = bucket.delete_bucket_tagging().await.unwrap();
        assert_eq!(deleted.status(), 204);
        assert!(bucket
            .get_bucket_tagging()
            .await
            .unwrap()
            .config
            .tags()
            .is_empty());
    }

    // ListBuckets by tag.
    let a = new_bucket(&server, Signer::V4, "taga").await;
    let b = new_bucket(&server, Signer::V4, "tagb").await;
    a.put_bucket_tagging(Tagging::from_pairs([("team", "red"), ("env", "prod")]))
        .await
        .unwrap();
    b.put_bucket_tagging(Tagging::from_pairs([("team", "blue")]))
        .await
        .unwrap();
    let svc = service(&server, Signer::V4);
    let names = |out: osskit::ListBucketsOutput| -> Vec<String> {
        out.buckets.into_iter().map(|b| b.name).collect()
    };
    let red = svc
        .list_buckets()
        .tag("team", Some("red".into()))
        .await
        .unwrap();
    assert_eq!(names(red), [a.name().to_string()]);
    let teams = svc
        .list_buckets()
        .tag("team", None)
        .max_keys(1)
        .await
        .unwrap();
    assert!(teams.is_truncated);
    assert_eq!(teams.buckets.len(), 1);
    let none = svc
        .list_buckets()
        .tag("team", Some("green".into()))
        .await
        .unwrap();
    assert!(none.buckets.is_empty());
    let all = svc.list_buckets().await.unwrap();
    assert!(all.buckets.len() > 2);
    assert!(all
        .buckets
        .iter()
        .all(|b| b.resource_group_id.as_deref() == Some("rg-default")));
}

#[tokio::test]
async fn versioning_state_is_kept_as_oss_does() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "ver").await;
    let got = bucket.get_bucket_versioning().await.unwrap();
    assert_eq!(got.config.status, None);
    assert_eq!(
        bucket.get_bucket_info().await.unwrap().bucket.versioning,
        None
    );
    bucket
        .put_bucket_versioning(VersioningConfiguration::enabled())
        .await
        .unwrap();
    assert_eq!(
        bucket.get_bucket_versioning().await.unwrap().config,
        VersioningConfiguration::enabled()
    );
    assert_eq!(
        bucket
            .get_bucket_info()
            .await
            .unwrap()
            .bucket
            .versioning
            .as_deref(),
        Some("Enabled")
    );
    // Never back to unversioned.
    for bad in [
        "<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>",
        "<VersioningConfiguration></VersioningConfiguration>",
        "<Versioning/>",
    ] {
        let err = bucket.put_bucket_versioning(bad).await.unwrap_err();
        assert_eq!(err.code(), Some("MalformedXML"), "{bad}");
    }
    bucket
        .put_bucket_versioning(VersioningConfiguration::suspended())
        .await
        .unwrap();
    assert_eq!(
        bucket
            .get_bucket_info()
            .await
            .unwrap()
            .bucket
            .versioning
            .as_deref(),
        Some("Suspended")
    );
    // A retention policy cannot be created while versioning is suspended, and versioning
    // cannot be suspended under one.
    assert_eq!(
        bucket.init_bucket_worm(1).await.unwrap_err().code(),
        Some("InvalidRequest")
    );
    bucket
        .put_bucket_versioning(VersioningConfiguration::enabled())
        .await
        .unwrap();
    bucket.init_bucket_worm(1).await.unwrap();
    assert_eq!(
        bucket
            .put_bucket_versioning(VersioningConfiguration::suspended())
            .await
            .unwrap_err()
            .code(),
        Some("InvalidRequest")
    );
}

#[tokio::test]
async fn stat_counts_objects_classes_and_uploads() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V1, "stat").await;
    let empty = bucket.get_bucket_stat().await.unwrap().config;
    assert_eq!((empty.storage, empty.object_count), (0, 0));
    assert!(empty.last_modified_time > 0);

    bucket.put_object("a", "content").await.unwrap();
    bucket
        .put_object("ia", vec![1u8; 1000])
        .storage_class(StorageClass::IA)
        .await
        .unwrap();
    bucket
        .put_object("cold", vec![2u8; 70_000])
        .storage_class(StorageClass::ColdArchive)
        .await
        .unwrap();
    let up = bucket.init_multipart_upload("mp").await.unwrap().upload_id;
    bucket
        .upload_part("mp", up.as_str(), 1, vec![3u8; 500])
        .await
        .unwrap();
    bucket
        .upload_part("mp", up.as_str(), 2, vec![3u8; 250])
        .await
        .unwrap();
    bucket.init_multipart_upload("mp2").await.unwrap();

    let got = bucket.get_bucket_stat().await.unwrap();
    let s = got.config;
    assert_eq!(s.object_count, 3);
    assert_eq!(s.storage, 7 + 1000 + 70_000 + 750);
    assert_eq!((s.standard_storage, s.standard_object_count), (7, 1));
    assert_eq!(s.infrequent_access_storage, 64 * 1024);
    assert_eq!(
        (
            s.infrequent_access_real_storage,
            s.infrequent_access_object_count
        ),
        (1000, 1)
    );
    assert_eq!(
        (
            s.cold_archive_storage,
            s.cold_archive_real_storage,
            s.cold_archive_object_count
        ),
        (70_000, 70_000, 1)
    );
    assert_eq!(
        (s.archive_object_count, s.deep_cold_archive_object_count),
        (0, 0)
    );
    assert_eq!(s.multipart_upload_count, 2);
    assert_eq!((s.multipart_part_count, s.multipart_part_storage), (2, 750));
    assert_eq!(s.live_channel_count, 0);
    let raw = String::from_utf8(got.raw.to_vec()).unwrap();
    assert!(
        raw.contains("<StandardStorage>7</StandardStorage>"),
        "{raw}"
    );
}

#[tokio::test]
async fn capacity_is_kept_and_enforced() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "cap").await;
    assert_eq!(
        bucket
            .get_bucket_storage_capacity()
            .await
            .unwrap()
            .config
            .storage_capacity,
        -1
    );
    let err = bucket
        .set_bucket_storage_capacity(BucketUserQos::new(-2))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArgument"));
    bucket
        .set_bucket_storage_capacity(BucketUserQos::new(100))
        .await
        .unwrap();
    assert_eq!(
        bucket
            .get_bucket_storage_capacity()
            .await
            .unwrap()
            .config
            .storage_capacity,
        100
    );
    bucket.put_object("fits", "x").await.unwrap();

    // A capacity of 0 GB: no more bytes, whatever the way they come.
    bucket
        .set_bucket_storage_capacity(BucketUserQos::new(0))
        .await
        .unwrap();
    let full = |r: Result<(), osskit::Error>| {
        let e = r.unwrap_err();
        assert_eq!(
            (e.code(), e.status()),
            (Some("InsufficientStorageSpace"), Some(403))
        );
    };
    let err = bucket.put_object("more", "y").await.unwrap_err();
    assert_eq!(err.code(), Some("InsufficientStorageSpace"));
    full(bucket.append_object("log", 0, "z").await.map(|_| ()));
    full(
        bucket
            .copy_object(bucket.name(), "fits", "fits-copy")
            .await
            .map(|_| ()),
    );
    let up = bucket.init_multipart_upload("mp").await.unwrap().upload_id;
    full(
        bucket
            .upload_part("mp", up.as_str(), 1, "part")
            .await
            .map(|_| ()),
    );
    // Nothing was stored; an empty object and a same-size overwrite still fit.
    assert!(!bucket.object_exists("more").await.unwrap());
    assert!(!bucket.object_exists("log").await.unwrap());
    bucket.put_object("empty", "").await.unwrap();
    bucket
        .set_bucket_storage_capacity(BucketUserQos::new(-1))
        .await
        .unwrap();
    bucket.put_object("more", "y").await.unwrap();
}

#[test]
fn blocking_calls() {
    let (_rt, server) = server_on_own_runtime();
    let bucket = osskit::blocking::Bucket::builder(
        Signer::V1.auth(),
        &server.endpoint(),
        &common::bucket_name("statblk"),
    )
    .region(common::REGION)
    .build()
    .unwrap();
    bucket.create_bucket().send().unwrap();
    bucket.put_object("a", "content").send().unwrap();
    assert_eq!(bucket.get_bucket_stat().send().unwrap().config.storage, 7);
    bucket
        .put_bucket_tagging(Tagging::from_pairs([("k", "v")]))
        .send()
        .unwrap();
    assert_eq!(
        bucket.get_bucket_tagging().send().unwrap().config.get("k"),
        Some("v")
    );
    bucket
        .put_bucket_versioning(VersioningConfiguration::enabled())
        .send()
        .unwrap();
}
