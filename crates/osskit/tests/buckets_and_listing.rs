//! Buckets, ListBuckets and object listings (v1, v2, paginators) against the local server.

mod common;

use common::{bucket, bucket_name, new_bucket, server, service, Signer, SIGNERS};
use futures_util::{StreamExt, TryStreamExt};
use osskit::{BucketAcl, ListItem, StorageClass};

#[tokio::test]
async fn bucket_lifecycle_info_location_acl() {
    let srv = server().await;
    for signer in SIGNERS {
        let name = bucket_name("life");
        let b = bucket(&srv, signer, &name);
        b.create_bucket()
            .acl(BucketAcl::PublicRead)
            .storage_class(StorageClass::IA)
            .await
            .unwrap();
        let info = b.get_bucket_info().await.unwrap();
        assert_eq!(info.bucket.name, name);
        assert_eq!(info.bucket.storage_class, "IA");
        assert_eq!(info.bucket.access_control_list.grant, "public-read");
        let loc = b.get_bucket_location().await.unwrap();
        assert_eq!(loc.location, "oss-cn-hangzhou", "{signer:?}");
        assert_eq!(b.get_bucket_acl().await.unwrap().acl, BucketAcl::PublicRead);
        b.put_bucket_acl(BucketAcl::Private).await.unwrap();
        assert_eq!(b.get_bucket_acl().await.unwrap().acl, BucketAcl::Private);

        // Created again by its owner: OSS answers 200 and applies the request's ACL.
        b.create_bucket().acl(BucketAcl::PublicRead).await.unwrap();
        assert_eq!(b.get_bucket_acl().await.unwrap().acl, BucketAcl::PublicRead);
        b.create_bucket().await.unwrap();
        assert_eq!(b.get_bucket_acl().await.unwrap().acl, BucketAcl::PublicRead);
        b.put_object("x", "1").await.unwrap();
        let e = b.delete_bucket().await.unwrap_err();
        assert_eq!(e.code(), Some("BucketNotEmpty"), "{e}");
        assert_eq!(e.status(), Some(409));
        b.delete_object("x").await.unwrap();
        b.delete_bucket().await.unwrap();
        let e = b.get_bucket_info().await.unwrap_err();
        assert_eq!(e.code(), Some("NoSuchBucket"), "{e}");
    }
}

#[tokio::test]
async fn creating_a_bucket_of_another_account_fails_with_its_name() {
    let srv = server().await;
    let name = bucket_name("taken");
    bucket(&srv, Signer::V1, &name)
        .create_bucket()
        .await
        .unwrap();
    // The owner may create it again (OSS answers 200); another account may not.
    bucket(&srv, Signer::V4, &name)
        .create_bucket()
        .await
        .unwrap();
    let other = osskit::Bucket::builder(
        osskit::Auth::new(
            osskit_server::testing::TEST_OTHER_ACCESS_KEY_ID,
            osskit_server::testing::TEST_OTHER_ACCESS_KEY_SECRET,
        ),
        &srv.endpoint(),
        &name,
    )
    .build()
    .unwrap();
    let e = other.create_bucket().await.unwrap_err();
    assert_eq!(e.code(), Some("BucketAlreadyExists"), "{e}");
    assert_eq!(
        e.as_server().and_then(|s| s.detail("BucketName")),
        Some(name.as_str())
    );
}

#[tokio::test]
async fn list_buckets_pages_across_markers() {
    let srv = server().await;
    let prefix = format!("lb-{}-", std::process::id());
    for i in 0..7 {
        bucket(&srv, Signer::V1, &format!("{prefix}{i}"))
            .create_bucket()
            .await
            .unwrap();
    }
    for signer in SIGNERS {
        let svc = service(&srv, signer);
        let page = svc
            .list_buckets()
            .prefix(prefix.clone())
            .max_keys(3)
            .await
            .unwrap();
        assert_eq!(page.buckets.len(), 3, "{signer:?}");
        assert!(page.is_truncated);
        let names: Vec<String> = svc
            .list_buckets()
            .prefix(prefix.clone())
            .max_keys(3)
            .into_paginator()
            .map_ok(|b| b.name)
            .try_collect()
            .await
            .unwrap();
        let expected: Vec<String> = (0..7).map(|i| format!("{prefix}{i}")).collect();
        assert_eq!(names, expected);
    }
}

/// Keys that need URL encoding in listings.
fn odd_keys() -> Vec<String> {
    let mut keys: Vec<String> = vec![
        "a b/c d.txt".into(),
        "a b/plus+sign".into(),
        "a b/percent%20literal".into(),
        "a b/中文/文件.txt".into(),
        "a b/tab\there".into(),
        "a b/amp&lt;".into(),
        "emoji-😀".into(),
        "z/last".into(),
    ];
    for i in 0..25 {
        keys.push(format!("many/{i:03} +%"));
    }
    keys.sort();
    keys
}

#[tokio::test]
async fn v1_and_v2_paginators_decode_keys_across_pages() {
    let srv = server().await;
    for signer in SIGNERS {
        let b = new_bucket(&srv, signer, "list").await;
        let keys = odd_keys();
        for k in &keys {
            b.put_object(k.clone(), "v").await.unwrap();
        }

        let v1: Vec<String> = b
            .list_objects()
            .max_keys(4)
            .into_items()
            .map_ok(|i| i.key().to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(v1, keys, "{signer:?}");

        let pages: Vec<_> = b
            .list_objects_v2()
            .max_keys(4)
            .into_paginator()
            .collect()
            .await;
        assert_eq!(pages.len(), keys.len().div_ceil(4));
        let v2: Vec<String> = pages
            .into_iter()
            .flat_map(|p| p.unwrap().objects.into_iter().map(|o| o.key))
            .collect();
        assert_eq!(v2, keys, "{signer:?}");

        let items: Vec<ListItem> = b
            .list_objects_v2()
            .delimiter("/")
            .max_keys(2)
            .into_items()
            .try_collect()
            .await
            .unwrap();
        let shown: Vec<(bool, &str)> = items.iter().map(|i| (i.is_prefix(), i.key())).collect();
        assert_eq!(
            shown,
            vec![
                (true, "a b/"),
                (false, "emoji-😀"),
                (true, "many/"),
                (true, "z/")
            ]
        );

        let page = b
            .list_objects()
            .prefix("a b/")
            .delimiter("/")
            .await
            .unwrap();
        assert_eq!(page.common_prefixes, vec!["a b/中文/".to_string()]);
        assert_eq!(page.objects.len(), 5);
        assert!(page
            .objects
            .iter()
            .all(|o| o.size == 1 && !o.etag.contains('"') && o.last_modified.is_some()));

        let after: Vec<String> = b
            .list_objects_v2()
            .start_after("many/020 +%")
            .into_items()
            .map_ok(|i| i.key().to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(after.first().map(String::as_str), Some("many/021 +%"));

        let marker: Vec<String> = b
            .list_objects()
            .marker("many/023 +%")
            .into_items()
            .map_ok(|i| i.key().to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            marker,
            vec!["many/024 +%".to_string(), "z/last".to_string()]
        );

        let owned = b
            .list_objects_v2()
            .fetch_owner(true)
            .max_keys(1)
            .await
            .unwrap();
        assert!(owned.objects[0].owner.is_some());
        assert!(owned.next_continuation_token.is_some());
    }
}

#[tokio::test]
async fn listing_a_missing_bucket_fails_in_the_stream() {
    let srv = server().await;
    let b = bucket(&srv, Signer::V1, &bucket_name("missing"));
    let mut s = b.list_objects_v2().into_items();
    let first = s.next().await.unwrap().unwrap_err();
    assert_eq!(first.code(), Some("NoSuchBucket"));
    assert!(s.next().await.is_none());
}
