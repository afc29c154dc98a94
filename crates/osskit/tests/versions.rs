//! Object versions through the SDK against the local server: version ids on writes, reads,
//! deletes and every call that names a version, delete markers, ListObjectVersions with its
//! paginators (async and blocking) and the batch delete of versions.

mod common;

use common::{new_bucket, server, server_on_own_runtime, Signer};
use futures_util::TryStreamExt;
use osskit::proto::xml::tagging::Tagging;
use osskit::proto::xml::versioning::VersioningConfiguration;
use osskit::{ByteRange, ObjectAcl, VersionItem};

async fn body(b: &osskit::Bucket, key: &str, version: &str) -> Vec<u8> {
    let got = b.get_object(key).version_id(version).await.unwrap();
    assert_eq!(got.version_id.as_deref(), Some(version));
    got.body.collect_bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn versions_are_written_read_and_deleted_by_id() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let b = new_bucket(&server, signer, "ver").await;
        // Before versioning: no version id.
        let plain = b.put_object("k", "plain").await.unwrap();
        assert_eq!(plain.version_id, None);
        b.put_bucket_versioning(VersioningConfiguration::enabled())
            .await
            .unwrap();
        let v1 = b.put_object("k", "one").await.unwrap().version_id.unwrap();
        let v2 = b.put_object("k", "two").await.unwrap().version_id.unwrap();
        assert!(v1.starts_with("CAEQ") && v1 != v2, "{v1} {v2}");
        assert_eq!(body(&b, "k", &v1).await, b"one");
        assert_eq!(body(&b, "k", "null").await, b"plain");
        let head = b.head_object("k").version_id(&v1).await.unwrap();
        assert_eq!(
            (head.content_length, head.version_id.clone()),
            (Some(3), Some(v1.clone()))
        );
        let meta = b.get_object_meta("k").version_id(&v2).await.unwrap();
        assert_eq!(meta.version_id.as_deref(), Some(v2.as_str()));

        // Malformed and unknown ids.
        for bad in ["", "IllegalVersion", "234"] {
            let e = b.head_object("k").version_id(bad).await.unwrap_err();
            assert_eq!(e.status(), Some(400), "{bad}: {e}");
            let e = b.get_object("k").version_id(bad).await.unwrap_err();
            assert_eq!(e.code(), Some("InvalidArgument"), "{bad}: {e}");
        }
        let unknown = osskit_server::store::VersionId::Seq(999_999).to_string();
        let e = b.get_object("k").version_id(&unknown).await.unwrap_err();
        assert_eq!(e.code(), Some("NoSuchVersion"), "{e}");

        // A delete writes a delete marker; plain reads then fail, the versions stay.
        let del = b.delete_object("k").await.unwrap();
        assert!(del.delete_marker);
        let marker = del.version_id.unwrap();
        let e = b.get_object("k").await.unwrap_err();
        assert_eq!(e.code(), Some("NoSuchKey"));
        let e = b.get_object("k").version_id(&marker).await.unwrap_err();
        assert_eq!(e.code(), Some("MethodNotAllowed"), "{e}");
        assert_eq!(body(&b, "k", &v2).await, b"two");
        // Bucket not empty while versions remain.
        let e = b.delete_bucket().await.unwrap_err();
        assert_eq!(e.code(), Some("BucketNotEmpty"));

        // Deleting the marker brings v2 back; deleting v2 for good makes v1 current.
        let gone = b.delete_object("k").version_id(&marker).await.unwrap();
        assert!(gone.delete_marker);
        assert_eq!(gone.version_id.as_deref(), Some(marker.as_str()));
        b.delete_object("k").version_id(&v2).await.unwrap();
        let got = b.get_object("k").await.unwrap();
        assert_eq!(got.version_id.as_deref(), Some(v1.as_str()));

        // Batch delete of every version empties the bucket.
        let page = b.list_object_versions().await.unwrap();
        let entries: Vec<(String, Option<String>)> = page
            .versions
            .iter()
            .map(|v| (v.key.clone(), Some(v.version_id.clone())))
            .collect();
        assert_eq!(entries.len(), 2);
        let out = b.delete_object_versions(entries).await.unwrap();
        assert_eq!(out.deleted.len(), 2);
        assert!(out.deleted.iter().all(|d| d.version_id.is_some()));
        b.delete_bucket().await.unwrap();
    }
}

#[tokio::test]
async fn calls_that_name_a_version_act_on_it() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "vercalls").await;
    b.put_bucket_versioning(VersioningConfiguration::enabled())
        .await
        .unwrap();
    let content1 = vec![1u8; 200 * 1024];
    let content2 = vec![2u8; 200 * 1024];
    let v1 = b
        .put_object("src", content1.clone())
        .await
        .unwrap()
        .version_id
        .unwrap();
    let v2 = b
        .put_object("src", content2.clone())
        .await
        .unwrap()
        .version_id
        .unwrap();

    // Copy of an old version.
    let copy = b
        .copy_object(b.name(), "src", "copy")
        .source_version_id(&v1)
        .await
        .unwrap();
    assert!(copy.version_id.is_some());
    assert_eq!(
        b.get_object("copy")
            .await
            .unwrap()
            .body
            .collect_bytes()
            .await
            .unwrap()
            .as_ref(),
        &content1[..]
    );
    let e = b
        .copy_object(b.name(), "src", "bad")
        .source_version_id("NotExistVersionID")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"), "{e}");

    // UploadPartCopy of an old version.
    let init = b.init_multipart_upload("mp").await.unwrap();
    let part = b
        .upload_part_copy(
            b.name(),
            "src",
            Some(ByteRange::new(Some(0), Some(102_399))),
            "mp",
            &init.upload_id,
            1,
        )
        .source_version_id(&v1)
        .await
        .unwrap();
    let part2 = b
        .upload_part_copy(
            b.name(),
            "src",
            Some(ByteRange::new(Some(102_400), None)),
            "mp",
            &init.upload_id,
            2,
        )
        .await
        .unwrap();
    let done = b
        .complete_multipart_upload(
            "mp",
            &init.upload_id,
            vec![
                osskit::PartInfo::new(1, part.etag),
                osskit::PartInfo::new(2, part2.etag),
            ],
        )
        .await
        .unwrap();
    assert!(done.version_id.is_some());
    let got = b
        .get_object("mp")
        .await
        .unwrap()
        .body
        .collect_bytes()
        .await
        .unwrap();
    assert_eq!(&got[..102_400], &content1[..102_400]);
    assert_eq!(&got[102_400..], &content2[102_400..]);

    // ACL and tags of one version.
    b.put_object_acl("src", ObjectAcl::PublicRead)
        .version_id(&v1)
        .await
        .unwrap();
    assert_eq!(
        b.get_object_acl("src").version_id(&v1).await.unwrap().acl,
        ObjectAcl::PublicRead
    );
    assert_eq!(
        b.get_object_acl("src").await.unwrap().acl,
        ObjectAcl::Default
    );
    b.put_object_tagging("src", Tagging::new().tag("k", "v"))
        .version_id(&v2)
        .await
        .unwrap();
    assert_eq!(
        b.get_object_tagging("src")
            .version_id(&v2)
            .await
            .unwrap()
            .tagging,
        Tagging::new().tag("k", "v")
    );
    assert!(b
        .get_object_tagging("src")
        .version_id(&v1)
        .await
        .unwrap()
        .tagging
        .tags()
        .is_empty());

    // Symlinks are versions too.
    let link = b.put_symlink("src", "link").await.unwrap();
    let link_version = link.version_id.unwrap();
    b.delete_object("link").await.unwrap();
    assert_eq!(
        b.get_symlink("link")
            .version_id(&link_version)
            .await
            .unwrap()
            .target_key,
        "src"
    );
    assert!(b.get_symlink("link").await.unwrap_err().is_not_found());

    // Statistics count every version and delete marker.
    let stat = b.get_bucket_stat().await.unwrap().config;
    assert_eq!(stat.delete_marker_count, 1);
    assert_eq!(stat.object_count, 5, "{stat:?}");
}

#[tokio::test]
async fn version_listings_page_with_markers_prefixes_and_encoding() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V1, "verlist").await;
    b.put_bucket_versioning(VersioningConfiguration::enabled())
        .await
        .unwrap();
    let keys = ["a b+%.txt", "dir/x", "dir/y", "é"];
    let mut written = Vec::new();
    for round in 0..3 {
        for k in keys {
            let v = b
                .put_object(k, format!("{round}"))
                .await
                .unwrap()
                .version_id
                .unwrap();
            written.push((k.to_string(), v));
        }
    }
    b.delete_object("é").await.unwrap();
    // Every version, three at a time: each key's versions newest first, the marker latest.
    let pages: Vec<_> = b
        .list_object_versions()
        .max_keys(3)
        .into_paginator()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 5, "13 entries, 3 a page");
    let listed: Vec<_> = pages.iter().flat_map(|p| p.versions.clone()).collect();
    assert_eq!(listed.len(), 13);
    for k in keys {
        let mine: Vec<_> = listed.iter().filter(|v| v.key == k).collect();
        let mut expected: Vec<&str> = written
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect();
        expected.reverse();
        let got: Vec<&str> = mine
            .iter()
            .filter(|v| !v.is_delete_marker)
            .map(|v| v.version_id.as_str())
            .collect();
        assert_eq!(got, expected, "{k}");
        assert_eq!(mine.iter().filter(|v| v.is_latest).count(), 1, "{k}");
    }
    let marker = listed.iter().find(|v| v.is_delete_marker).unwrap();
    assert!(marker.is_latest && marker.key == "é");

    // A delimiter folds `dir/`.
    let items: Vec<VersionItem> = b
        .list_object_versions()
        .delimiter("/")
        .max_keys(2)
        .into_items()
        .try_collect()
        .await
        .unwrap();
    assert!(items.contains(&VersionItem::CommonPrefix("dir/".into())));
    assert_eq!(items.len(), 3 + 1 + 4);
    // A prefix, and a start in the middle of a key's versions.
    let page = b
        .list_object_versions()
        .prefix("dir/")
        .key_marker("dir/x")
        .version_id_marker(&written[5].1)
        .await
        .unwrap();
    let ids: Vec<&str> = page
        .versions
        .iter()
        .map(|v| v.version_id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            written[1].1.as_str(),
            written[10].1.as_str(),
            written[6].1.as_str(),
            written[2].1.as_str()
        ]
    );
    // Argument checks.
    // (the SDK refuses a page size above 1000 itself)
    let e = b.list_object_versions().max_keys(1001).await.unwrap_err();
    assert!(e.to_string().contains("max-keys"), "{e}");
    let e = b
        .list_object_versions()
        .prefix("a".repeat(1025))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
}

#[test]
fn blocking_paginators_and_batch_deletes_of_versions() {
    let (_rt, server) = server_on_own_runtime();
    let b = osskit::blocking::Bucket::builder(
        Signer::V4.auth(),
        &server.endpoint(),
        &common::bucket_name("verblk"),
    )
    .region(common::REGION)
    .build()
    .unwrap();
    b.create_bucket().send().unwrap();
    b.put_bucket_versioning(VersioningConfiguration::enabled())
        .send()
        .unwrap();
    for i in 0..5 {
        b.put_object("k", format!("{i}")).send().unwrap();
    }
    b.delete_object("k").send().unwrap();
    let pages: Vec<_> = b
        .list_object_versions()
        .max_keys(2)
        .into_paginator()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(pages.len(), 3);
    let all: Vec<_> = b
        .list_object_versions()
        .max_keys(4)
        .into_items()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(all.len(), 6);
    let entries: Vec<(String, Option<String>)> = all
        .iter()
        .map(|i| match i {
            VersionItem::Version(v) => (v.key.clone(), Some(v.version_id.clone())),
            VersionItem::CommonPrefix(p) => panic!("no delimiter, yet {p}"),
        })
        .collect();
    let out = b.delete_object_versions(entries).send().unwrap();
    assert_eq!(out.deleted.len(), 6);
    assert_eq!(out.deleted.iter().filter(|d| d.delete_marker).count(), 1);
    // Without version ids the batch writes delete markers.
    b.put_object("j", "x").send().unwrap();
    let out = b
        .delete_object_versions([("j", None::<String>)])
        .send()
        .unwrap();
    assert!(out.deleted[0].delete_marker);
    assert!(out.deleted[0].delete_marker_version_id.is_some());
    assert_eq!(
        b.list_object_versions().send().unwrap().versions.len(),
        2,
        "the version and its marker"
    );
}

const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);

/// The versions of `key` as (version id, is delete marker, storage class), newest first.
async fn versions_of(b: &osskit::Bucket, key: &str) -> Vec<(String, bool, String)> {
    b.list_object_versions()
        .prefix(key)
        .await
        .unwrap()
        .versions
        .into_iter()
        .filter(|v| v.key == key)
        .map(|v| (v.version_id, v.is_delete_marker, v.storage_class))
        .collect()
}

#[tokio::test]
async fn lifecycle_rules_act_on_versions_on_the_servers_clock() {
    use osskit::proto::xml::lifecycle::{
        LifecycleConfiguration, LifecycleExpiration, LifecycleRule, NoncurrentVersionTransition,
    };
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "verlc").await;
    b.put_bucket_versioning(VersioningConfiguration::enabled())
        .await
        .unwrap();
    let tagged = Tagging::new().tag("team", "ops");
    let a1 = b
        .put_object("logs/a", "one")
        .await
        .unwrap()
        .version_id
        .unwrap();
    let a2 = b
        .put_object("logs/a", "two")
        .await
        .unwrap()
        .version_id
        .unwrap();
    // The tag filter reads the tags of the noncurrent version.
    let x1 = b
        .put_object("tagged/x", "x1")
        .tagging(tagged.clone())
        .await
        .unwrap()
        .version_id
        .unwrap();
    b.put_object("tagged/x", "x2").await.unwrap();
    let y1 = b
        .put_object("tagged/y", "y1")
        .await
        .unwrap()
        .version_id
        .unwrap();
    b.put_object("tagged/y", "y2")
        .tagging(tagged)
        .await
        .unwrap();
    // A delete marker alone (its version removed), and one with a version under it.
    let m1 = b
        .put_object("gone/m", "m")
        .await
        .unwrap()
        .version_id
        .unwrap();
    b.delete_object("gone/m").await.unwrap();
    b.delete_object("gone/m").version_id(&m1).await.unwrap();
    b.put_object("gone/n", "n").await.unwrap();
    b.delete_object("gone/n").await.unwrap();
    // Under no rule.
    b.put_object("other/z", "z1").await.unwrap();
    b.put_object("other/z", "z2").await.unwrap();
    b.put_bucket_lifecycle(LifecycleConfiguration::new(vec![
        LifecycleRule::new("logs", "logs/")
            .expiration(LifecycleExpiration::days(40))
            .noncurrent_version_transition(NoncurrentVersionTransition::new(10, "IA"))
            .noncurrent_version_expiration(30),
        LifecycleRule::new("tagged", "tagged/")
            .tag("team", "ops")
            .noncurrent_version_expiration(5),
        LifecycleRule::new("gone", "gone/")
            .expiration(LifecycleExpiration::expired_object_delete_marker()),
    ]))
    .await
    .unwrap();
    let run = || async { server.server.run_lifecycle().await };

    // Delete markers need no days: the lone one goes, the other stays.
    run().await;
    assert!(versions_of(&b, "gone/m").await.is_empty());
    assert_eq!(versions_of(&b, "gone/n").await.len(), 2);
    assert_eq!(versions_of(&b, "logs/a").await.len(), 2);

    server.server.clock().advance(6 * DAY);
    run().await;
    let x: Vec<String> = versions_of(&b, "tagged/x")
        .await
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert_eq!(x.len(), 1);
    assert!(!x.contains(&x1), "the tagged noncurrent version expired");
    let y: Vec<String> = versions_of(&b, "tagged/y")
        .await
        .into_iter()
        .map(|v| v.0)
        .collect();
    assert!(
        y.contains(&y1),
        "an untagged noncurrent version stays: {y:?}"
    );

    // Day 11: the noncurrent version moved to IA; the current one did not.
    server.server.clock().advance(5 * DAY);
    let report = run().await;
    assert_eq!(report.transitioned, 1);
    assert_eq!(
        versions_of(&b, "logs/a").await,
        [
            (a2.clone(), false, "Standard".to_string()),
            (a1.clone(), false, "IA".to_string())
        ]
    );
    assert_eq!(body(&b, "logs/a", &a1).await, b"one");

    // Day 31: thirty days noncurrent, it is gone.
    server.server.clock().advance(20 * DAY);
    run().await;
    assert_eq!(
        versions_of(&b, "logs/a").await,
        [(a2.clone(), false, "Standard".to_string())]
    );

    // Day 41: the current version expires: a delete marker, dated on the server's clock,
    // hides it; it is now noncurrent, from the marker's time.
    server.server.clock().advance(10 * DAY);
    let report = run().await;
    assert_eq!(report.expired, 1);
    let e = b.get_object("logs/a").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchKey"));
    let listed = b.list_object_versions().prefix("logs/a").await.unwrap();
    let marker = &listed.versions[0];
    assert!(marker.is_delete_marker && marker.is_latest, "{marker:?}");
    let clock_now = server.server.clock().now_secs();
    let dated = marker.last_modified.unwrap();
    assert!(
        (clock_now - 60..=clock_now).contains(&dated),
        "{dated} {clock_now}"
    );
    assert_eq!(
        versions_of(&b, "logs/a").await[1],
        (a2.clone(), false, "Standard".to_string())
    );

    // Day 52: ten days noncurrent (52 since it was written): moved, not removed.
    server.server.clock().advance(11 * DAY);
    run().await;
    assert_eq!(
        versions_of(&b, "logs/a").await[1],
        (a2.clone(), false, "IA".to_string())
    );
    assert_eq!(body(&b, "logs/a", &a2).await, b"two");

    // Day 72: thirty-one days noncurrent: removed; the marker stays (no rule removes it).
    server.server.clock().advance(20 * DAY);
    run().await;
    let left = versions_of(&b, "logs/a").await;
    assert_eq!(left.len(), 1);
    assert!(left[0].1, "{left:?}");
    assert_eq!(versions_of(&b, "other/z").await.len(), 2);
    assert_eq!(versions_of(&b, "gone/n").await.len(), 2);
}

#[tokio::test]
async fn expired_versions_take_their_lone_delete_marker_with_them() {
    use osskit::proto::xml::lifecycle::{
        LifecycleConfiguration, LifecycleExpiration, LifecycleRule,
    };
    let server = server().await;
    let b = new_bucket(&server, Signer::V1, "verlcdm").await;
    b.put_bucket_versioning(VersioningConfiguration::enabled())
        .await
        .unwrap();
    b.put_object("k", "one").await.unwrap();
    b.delete_object("k").await.unwrap();
    b.put_bucket_lifecycle(LifecycleConfiguration::new(vec![
        LifecycleRule::new("versions", "").noncurrent_version_expiration(3),
        LifecycleRule::new("markers", "")
            .expiration(LifecycleExpiration::expired_object_delete_marker()),
    ]))
    .await
    .unwrap();
    server.server.run_lifecycle().await;
    assert_eq!(versions_of(&b, "k").await.len(), 2);
    server.server.clock().advance(4 * DAY);
    server.server.run_lifecycle().await;
    assert!(versions_of(&b, "k").await.is_empty());
    b.delete_bucket().await.unwrap();
}

#[tokio::test]
async fn null_versions_answer_their_id_once_the_bucket_was_versioned() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "vernull").await;
    let plain = b.put_object("plain", "p").await.unwrap();
    assert_eq!(plain.version_id, None);
    assert_eq!(b.head_object("plain").await.unwrap().version_id, None);
    b.append_object("app", 0, "a").await.unwrap();

    b.put_bucket_versioning(VersioningConfiguration::suspended())
        .await
        .unwrap();
    let null = Some("null");
    // Reads of an object written before: its null version says so.
    assert_eq!(
        b.head_object("plain").await.unwrap().version_id.as_deref(),
        null
    );
    let got = b.get_object("plain").await.unwrap();
    assert_eq!(got.version_id.as_deref(), null);
    let meta = b.get_object_meta("plain").await.unwrap();
    assert_eq!(meta.version_id.as_deref(), null);
    // Writes while suspended write the null version.
    let put = b.put_object("k", "s").await.unwrap();
    assert_eq!(put.version_id.as_deref(), null);
    let copy = b.copy_object(b.name(), "k", "copy").await.unwrap();
    assert_eq!(copy.version_id.as_deref(), null);
    let appended = b.append_object("app", 1, "b").await.unwrap();
    assert_eq!(appended.meta.header("x-oss-version-id"), null);
    let upload = b.init_multipart_upload("mp").await.unwrap().upload_id;
    let part = b.upload_part("mp", &upload, 1, "part").await.unwrap();
    let done = b
        .complete_multipart_upload("mp", &upload, vec![osskit::PartInfo::new(1, part.etag)])
        .await
        .unwrap();
    assert_eq!(done.version_id.as_deref(), null);
    let del = b.delete_object("k").await.unwrap();
    assert_eq!((del.version_id.as_deref(), del.delete_marker), (null, true));

    b.put_bucket_versioning(VersioningConfiguration::enabled())
        .await
        .unwrap();
    assert_eq!(
        b.head_object("plain").await.unwrap().version_id.as_deref(),
        null
    );
    assert_eq!(
        b.head_object("copy").await.unwrap().version_id.as_deref(),
        null
    );
    let v = b
        .put_object("plain", "v")
        .await
        .unwrap()
        .version_id
        .unwrap();
    assert_ne!(v, "null");
    assert_eq!(body(&b, "plain", "null").await, b"p");
}
