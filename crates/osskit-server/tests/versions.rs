//! Object versions in the storage engine: every behavioural test runs against `&dyn Store`
//! for both `FsStore` and `MemoryStore`; then the persistent store across reopens, and
//! the real binary killed with `kill -9` while versioned writes and deletes run.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use osskit_server::store::version::CONFIG_NAME;
use osskit_server::store::{
    BucketMeta, FsStore, MemoryStore, ObjectMeta, ObjectType, Store, StoreError, VersionEntry,
    VersionId,
};

// ---------------------------------------------------------------- helpers

fn bucket_meta(name: &str) -> BucketMeta {
    BucketMeta {
        name: name.into(),
        created_ms: 1_700_000_000_000,
        acl: "private".into(),
        storage_class: "Standard".into(),
        data_redundancy_type: "LRS".into(),
        region: "cn-hangzhou".into(),
    }
}

fn set_versioning(store: &dyn Store, bucket: &str, status: &str) {
    let doc =
        format!("<VersioningConfiguration><Status>{status}</Status></VersioningConfiguration>");
    store
        .set_bucket_config(bucket, CONFIG_NAME, Some(doc.into_bytes()))
        .unwrap();
}

/// Puts `data` at `key`; returns the version id written.
fn put(store: &dyn Store, bucket: &str, key: &str, data: &[u8]) -> VersionId {
    let mut w = store.new_blob().unwrap();
    w.write(data).unwrap();
    let mut meta = ObjectMeta::new(key, ObjectType::Normal);
    meta.last_modified_ms = 1_700_000_000_000;
    store
        .put_object(bucket, meta, w.finish().unwrap(), false)
        .unwrap()
        .id()
}

fn read(store: &dyn Store, bucket: &str, key: &str, version: Option<VersionId>) -> Vec<u8> {
    let (meta, data) = store.open_object_version(bucket, key, version).unwrap();
    data.read_range(0, meta.size).unwrap()
}

fn no_check() -> osskit_server::store::ObjectCheck {
    Box::new(|_| Ok(()))
}

/// Every version of the bucket, page by page with `max` entries a page: (key, id, is
/// latest, is a delete marker).
fn all_versions(
    store: &dyn Store,
    bucket: &str,
    prefix: &str,
    max: usize,
) -> Vec<(String, String, bool, bool)> {
    let mut out = Vec::new();
    let (mut key_marker, mut version_marker) = (String::new(), None);
    loop {
        let page = store
            .list_versions(bucket, prefix, "", &key_marker, version_marker, max)
            .unwrap();
        assert!(page.entries.len() <= max);
        for e in &page.entries {
            let VersionEntry::Version { meta, is_latest } = e else {
                panic!("no prefixes without a delimiter");
            };
            out.push((
                meta.key.clone(),
                meta.version.id().to_string(),
                *is_latest,
                meta.version.delete_marker,
            ));
        }
        if !page.truncated {
            return out;
        }
        key_marker = page.next_key_marker.unwrap();
        version_marker = Some(VersionId::parse(&page.next_version_id_marker.unwrap()).unwrap());
    }
}

fn both(test: impl Fn(&dyn Store)) {
    let dir = tempfile::tempdir().unwrap();
    let fs = FsStore::open(dir.path()).unwrap();
    test(&fs);
    drop(fs);
    let mem = MemoryStore::new().unwrap();
    test(&mem);
}

// ---------------------------------------------------------------- behaviour

#[test]
fn enabled_writes_keep_every_version_and_reads_name_them() {
    both(|s| {
        s.create_bucket(bucket_meta("b")).unwrap();
        // Written before versioning: the null version.
        assert_eq!(put(s, "b", "k", b"zero"), VersionId::Null);
        assert!(s.object("b", "k").unwrap().version.header().is_none());
        set_versioning(s, "b", "Enabled");
        let v1 = put(s, "b", "k", b"one");
        let v2 = put(s, "b", "k", b"two");
        assert!(matches!(v1, VersionId::Seq(_)));
        assert_ne!(v1, v2);
        assert_eq!(read(s, "b", "k", None), b"two");
        assert_eq!(read(s, "b", "k", Some(v1)), b"one");
        assert_eq!(read(s, "b", "k", Some(VersionId::Null)), b"zero");
        assert!(matches!(
            s.object_version("b", "k", Some(VersionId::Seq(999_999))),
            Err(StoreError::NoSuchVersion)
        ));
        let listed = all_versions(s, "b", "", 1000);
        let ids: Vec<&str> = listed.iter().map(|v| v.1.as_str()).collect();
        assert_eq!(ids, [v2.to_string(), v1.to_string(), "null".into()]);
        assert_eq!(
            listed.iter().map(|v| v.2).collect::<Vec<_>>(),
            [true, false, false]
        );
        // Plain listings see the current object only.
        assert_eq!(
            s.list_objects("b", "", "", "", 100).unwrap().entries.len(),
            1
        );
    });
}

#[test]
fn delete_markers_hide_and_deleting_them_shows_the_object_again() {
    both(|s| {
        s.create_bucket(bucket_meta("b")).unwrap();
        set_versioning(s, "b", "Enabled");
        let v1 = put(s, "b", "k", b"one");
        let done = s.delete_version("b", "k", None, no_check()).unwrap();
        let marker = done.marker.expect("a delete marker");
        assert!(done.was_current && done.removed.is_none());
        assert!(matches!(s.object("b", "k"), Err(StoreError::NoSuchKey)));
        let latest = s.object_version("b", "k", None).unwrap();
        assert!(latest.version.delete_marker);
        assert!(matches!(
            s.open_object_version("b", "k", Some(marker.id())),
            Err(StoreError::DeleteMarker(_))
        ));
        assert_eq!(read(s, "b", "k", Some(v1)), b"one");
        assert!(s
            .list_objects("b", "", "", "", 100)
            .unwrap()
            .entries
            .is_empty());
        // The bucket still holds versions.
        assert!(matches!(
            s.delete_bucket("b"),
            Err(StoreError::BucketNotEmpty)
        ));
        // Removing the marker makes v1 current again.
        let gone = s
            .delete_version("b", "k", Some(marker.id()), no_check())
            .unwrap();
        assert!(gone.is_delete_marker());
        assert_eq!(read(s, "b", "k", None), b"one");
        // Deleting the current version by id promotes nothing (none left), and the bucket
        // empties.
        s.delete_version("b", "k", Some(v1), no_check()).unwrap();
        assert!(matches!(
            s.object_version("b", "k", None),
            Err(StoreError::NoSuchKey)
        ));
        s.delete_bucket("b").unwrap();
    });
}

#[test]
fn deleting_the_current_version_promotes_the_previous_one() {
    both(|s| {
        s.create_bucket(bucket_meta("b")).unwrap();
        set_versioning(s, "b", "Enabled");
        let v1 = put(s, "b", "k", b"one");
        let v2 = put(s, "b", "k", b"two");
        let done = s.delete_version("b", "k", Some(v2), no_check()).unwrap();
        assert!(done.was_current);
        assert_eq!(read(s, "b", "k", None), b"one");
        assert_eq!(s.object("b", "k").unwrap().version.id(), v1);
        // A version that does not exist: nothing happens.
        let none = s.delete_version("b", "k", Some(v2), no_check()).unwrap();
        assert!(none.removed.is_none() && none.marker.is_none());
    });
}

#[test]
fn suspended_writes_replace_the_null_version_only() {
    both(|s| {
        s.create_bucket(bucket_meta("b")).unwrap();
        put(s, "b", "k", b"plain");
        set_versioning(s, "b", "Enabled");
        let v1 = put(s, "b", "k", b"one");
        set_versioning(s, "b", "Suspended");
        assert_eq!(put(s, "b", "k", b"s1"), VersionId::Null);
        assert_eq!(put(s, "b", "k", b"s2"), VersionId::Null);
        let listed = all_versions(s, "b", "", 1000);
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert_eq!(read(s, "b", "k", Some(VersionId::Null)), b"s2");
        assert_eq!(read(s, "b", "k", Some(v1)), b"one");
        // A delete while suspended: a null delete marker replaces the null version.
        let done = s.delete_version("b", "k", None, no_check()).unwrap();
        assert_eq!(done.marker.unwrap().id(), VersionId::Null);
        assert!(done.removed.is_some());
        let listed = all_versions(s, "b", "", 1000);
        assert_eq!(
            listed,
            [
                ("k".into(), "null".into(), true, true),
                ("k".into(), v1.to_string(), false, false)
            ]
        );
    });
}

#[test]
fn copies_read_the_version_named_and_versions_share_bytes() {
    both(|s| {
        s.create_bucket(bucket_meta("b")).unwrap();
        set_versioning(s, "b", "Enabled");
        let v1 = put(s, "b", "src", b"first");
        put(s, "b", "src", b"second");
        let done = s
            .copy_object(
                "b",
                "src",
                Some(v1),
                "b",
                ObjectMeta::new("dst", ObjectType::Normal),
                false,
            )
            .unwrap();
        assert!(done.version.versioned);
        assert_eq!(read(s, "b", "dst", None), b"first");
        // Copying an old version onto its own key makes it current again, as a new version.
        let restored = s
            .copy_object(
                "b",
                "src",
                Some(v1),
                "b",
                ObjectMeta::new("src", ObjectType::Normal),
                false,
            )
            .unwrap();
        assert_eq!(read(s, "b", "src", None), b"first");
        assert_eq!(all_versions(s, "b", "src", 1000).len(), 3);
        // The bytes stay while any version names them.
        s.delete_version("b", "src", Some(v1), no_check()).unwrap();
        s.delete_version("b", "dst", Some(done.version.id()), no_check())
            .unwrap();
        assert_eq!(read(s, "b", "src", Some(restored.version.id())), b"first");
        // Copy from a delete marker or an unknown version.
        let marker = s.delete_version("b", "src", None, no_check()).unwrap();
        assert!(matches!(
            s.copy_object(
                "b",
                "src",
                Some(marker.marker.unwrap().id()),
                "b",
                ObjectMeta::new("x", ObjectType::Normal),
                false
            ),
            Err(StoreError::DeleteMarker(_))
        ));
        assert!(matches!(
            s.copy_object(
                "b",
                "src",
                Some(VersionId::Seq(123_456)),
                "b",
                ObjectMeta::new("x", ObjectType::Normal),
                false
            ),
            Err(StoreError::NoSuchVersion)
        ));
    });
}

#[test]
fn metadata_of_a_version_changes_in_place() {
    both(|s| {
        s.create_bucket(bucket_meta("b")).unwrap();
        set_versioning(s, "b", "Enabled");
        let v1 = put(s, "b", "k", b"one");
        let v2 = put(s, "b", "k", b"two");
        let done = s
            .update_version_meta(
                "b",
                "k",
                Some(v1),
                Box::new(|m| {
                    m.acl = "public-read".into();
                    Ok(())
                }),
            )
            .unwrap();
        assert_eq!(done.version.id(), v1);
        assert_eq!(
            s.object_version("b", "k", Some(v1)).unwrap().acl,
            "public-read"
        );
        assert_eq!(s.object("b", "k").unwrap().acl, "default");
        assert_eq!(s.object("b", "k").unwrap().version.id(), v2);
        assert_eq!(all_versions(s, "b", "", 1000).len(), 2);
    });
}

#[test]
fn batch_deletes_act_on_versions_all_or_nothing() {
    both(|s| {
        s.create_bucket(bucket_meta("b")).unwrap();
        set_versioning(s, "b", "Enabled");
        let a1 = put(s, "b", "a", b"a1");
        let b1 = put(s, "b", "b", b"b1");
        let refuse: osskit_server::store::ObjectCheck =
            Box::new(|m| Err(StoreError::Immutable(m.key.clone())));
        // A refusal of any version that would go cancels every entry.
        let entries = vec![("a".to_string(), None), ("b".to_string(), Some(b1))];
        assert!(matches!(
            s.delete_versions("b", &entries, refuse),
            Err(StoreError::Immutable(k)) if k == "b"
        ));
        assert_eq!(all_versions(s, "b", "", 1000).len(), 2);
        let done = s.delete_versions("b", &entries, no_check()).unwrap();
        assert!(done[0].marker.is_some());
        assert!(done[1].removed.is_some());
        let listed = all_versions(s, "b", "", 1000);
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[1], ("a".into(), a1.to_string(), false, false));
    });
}

/// Pages of every size list the same versions as a model, with delimiters folding.
#[test]
fn version_pages_match_a_model_at_every_page_size() {
    both(|s| {
        s.create_bucket(bucket_meta("b")).unwrap();
        put(s, "b", "d/old", b"x");
        set_versioning(s, "b", "Enabled");
        let mut model: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
        model
            .entry("d/old".into())
            .or_default()
            .push(("null".into(), false));
        let keys = ["a", "b/1", "b/2", "c", "d/old", "é"];
        for round in 0..4 {
            for (i, k) in keys.iter().enumerate() {
                if (round + i) % 3 == 0 {
                    let d = s.delete_version("b", k, None, no_check()).unwrap();
                    let id = d.marker.unwrap().id().to_string();
                    model.entry(k.to_string()).or_default().push((id, true));
                } else {
                    let id = put(s, "b", k, format!("{k}{round}").as_bytes());
                    model
                        .entry(k.to_string())
                        .or_default()
                        .push((id.to_string(), false));
                }
            }
        }
        let expected: Vec<(String, String, bool, bool)> = model
            .iter()
            .flat_map(|(k, vs)| {
                vs.iter()
                    .rev()
                    .enumerate()
                    .map(move |(i, (id, marker))| (k.clone(), id.clone(), i == 0, *marker))
            })
            .collect();
        for max in [1, 2, 3, 5, 7, 1000] {
            assert_eq!(all_versions(s, "b", "", max), expected, "max {max}");
        }
        let only_b: Vec<_> = expected
            .iter()
            .filter(|v| v.0.starts_with("b/"))
            .cloned()
            .collect();
        assert_eq!(all_versions(s, "b", "b/", 2), only_b);
        // With a delimiter, `b/` and `d/` fold into one entry each.
        let page = s.list_versions("b", "", "/", "", None, 1000).unwrap();
        let prefixes: Vec<&str> = page
            .entries
            .iter()
            .filter_map(|e| match e {
                VersionEntry::Prefix(p) => Some(p.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(prefixes, ["b/", "d/"]);
        let page = s.list_versions("b", "", "/", "b/", None, 1000).unwrap();
        assert!(
            !page
                .entries
                .iter()
                .any(|e| matches!(e, VersionEntry::Prefix(p) if p == "b/")),
            "a page after the prefix marker starts past its run"
        );
    });
}

// ---------------------------------------------------------------- persistence

fn blob_files(dir: &std::path::Path) -> usize {
    walk(&dir.join("blobs"))
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn versions_survive_reopen_and_their_bytes_go_with_the_last_version() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2);
    {
        let s = FsStore::open(dir.path()).unwrap();
        s.create_bucket(bucket_meta("b")).unwrap();
        put(&s, "b", "k", b"plain");
        set_versioning(&s, "b", "Enabled");
        v1 = put(&s, "b", "k", b"one");
        v2 = put(&s, "b", "k", b"two");
        s.delete_version("b", "k", None, no_check()).unwrap();
        assert_eq!(blob_files(dir.path()), 3);
    }
    let s = FsStore::open(dir.path()).unwrap();
    assert_eq!(read(&s, "b", "k", Some(VersionId::Null)), b"plain");
    assert_eq!(read(&s, "b", "k", Some(v1)), b"one");
    assert_eq!(read(&s, "b", "k", Some(v2)), b"two");
    assert_eq!(all_versions(&s, "b", "", 2).len(), 4);
    // Sequence numbers keep growing across reopens.
    let v3 = put(&s, "b", "k", b"three");
    assert!(matches!((v2, v3), (VersionId::Seq(a), VersionId::Seq(b)) if b > a));
    s.delete_version("b", "k", Some(v1), no_check()).unwrap();
    assert_eq!(blob_files(dir.path()), 3, "the bytes of v1 went");
    drop(s);
    let report = osskit_server::store::fsck::fsck(dir.path(), &Default::default()).unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.objects, 4, "{report}");
}

// ---------------------------------------------------------------- kill -9

const VERSIONING_ON: &str =
    "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_versioned_writes_and_deletes_keeps_every_acknowledged_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), &[]);
    let c = Client::new(&server.endpoint);
    c.create_bucket("vers").await;
    let r = c
        .send(
            "PUT",
            Some("vers"),
            "",
            &[("versioning", "")],
            &[],
            VERSIONING_ON.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status(), 200);

    // Writers overwrite a few keys (each write a new version) and delete now and then (a
    // delete marker, or a version for good); every acknowledged version is remembered.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..4u32 {
        let (c, stop) = (c.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut acked: Vec<(String, String, Vec<u8>)> = Vec::new();
            let mut gone: Vec<(String, String)> = Vec::new();
            let mut i = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let key = format!("k{}", (w * 7 + i) % 5);
                let body = pattern(w * 100_000 + i, 10_000 + (i as usize % 7) * 1000);
                if i % 5 == 4 && !acked.is_empty() {
                    // Delete an acknowledged version of this writer's own for good.
                    let (k, v, _) = acked.remove(0);
                    let r = c
                        .try_send(
                            "DELETE",
                            Some("vers"),
                            &k,
                            &[("versionId", &v)],
                            &[],
                            Vec::new(),
                        )
                        .await;
                    match r {
                        Some(r) if r.status() == 204 => gone.push((k, v)),
                        // Unacknowledged: it may or may not have happened.
                        _ => {
                            acked.insert(0, (k, v, Vec::new()));
                            break;
                        }
                    }
                } else {
                    let r = c
                        .try_send("PUT", Some("vers"), &key, &[], &[], body.clone())
                        .await;
                    match r {
                        Some(r) if r.status() == 200 => {
                            let v = header(&r, "x-oss-version-id").to_string();
                            acked.push((key, v, body));
                        }
                        _ => break,
                    }
                }
                i += 1;
            }
            (acked, gone)
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill9();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acked = Vec::new();
    let mut gone = Vec::new();
    for t in tasks {
        let (a, g) = t.await.unwrap();
        acked.extend(a);
        gone.extend(g);
    }
    assert!(
        acked.len() > 10,
        "too few writes acknowledged: {}",
        acked.len()
    );

    let (code, out) = run_fsck(dir.path());
    assert!(
        code == 0 || !out.contains("DAMAGE"),
        "fsck after kill: {out}"
    );
    let mut server = ServerProcess::start(dir.path(), &[]);
    let c = Client::new(&server.endpoint);
    for (k, v, body) in &acked {
        if body.is_empty() {
            continue; // a delete of it may have happened
        }
        let r = c
            .send("GET", Some("vers"), k, &[("versionId", v)], &[], Vec::new())
            .await;
        assert_eq!(r.status(), 200, "version {v} of {k}");
        assert_eq!(
            &r.bytes().await.unwrap()[..],
            &body[..],
            "version {v} of {k}"
        );
    }
    for (k, v) in &gone {
        let r = c
            .send(
                "HEAD",
                Some("vers"),
                k,
                &[("versionId", v)],
                &[],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status(), 404, "deleted version {v} of {k}");
    }
    // The listing agrees with the reads: every listed version reads back.
    let r = c
        .send(
            "GET",
            Some("vers"),
            "",
            &[("versions", ""), ("max-keys", "1000")],
            &[],
            Vec::new(),
        )
        .await;
    let doc = r.text().await.unwrap();
    let listed = tags(&doc, "VersionId");
    let keys = tags(&doc, "Key");
    assert_eq!(tag(&doc, "IsTruncated"), Some("false"));
    for (k, v) in keys.iter().zip(&listed) {
        let r = c
            .send(
                "HEAD",
                Some("vers"),
                k,
                &[("versionId", v)],
                &[],
                Vec::new(),
            )
            .await;
        assert!(
            r.status() == 200 || r.status() == 405,
            "listed version {v} of {k}: {}",
            r.status()
        );
    }
    server.stop();
    let (code, out) = run_fsck(dir.path());
    assert_eq!(code, 0, "fsck after a clean stop: {out}");
}

#[test]
fn delete_markers_carry_the_time_they_are_given() {
    both(|store| {
        store.create_bucket(bucket_meta("dm")).unwrap();
        set_versioning(store, "dm", "Enabled");
        put(store, "dm", "k", b"one");
        let done = store
            .delete_version_at("dm", "k", None, no_check(), 1_800_000_000_123)
            .unwrap();
        let marker = done.marker.unwrap();
        let listed = store.object_version("dm", "k", None).unwrap();
        assert_eq!(listed.version, marker);
        assert_eq!(listed.last_modified_ms, 1_800_000_000_123);
        let done = store
            .delete_versions_at("dm", &[("k".into(), None)], no_check(), 1_900_000_000_000)
            .unwrap();
        let listed = store.object_version("dm", "k", None).unwrap();
        assert_eq!(Some(listed.version), done[0].marker);
        assert_eq!(listed.last_modified_ms, 1_900_000_000_000);
    });
}

#[test]
fn lifecycle_expiration_in_a_versioned_bucket_writes_a_marker_at_its_time() {
    const DAY: i64 = 86_400;
    both(|store| {
        store.create_bucket(bucket_meta("lc")).unwrap();
        set_versioning(store, "lc", "Enabled");
        let v = put(store, "lc", "k", b"one");
        let rules = "<LifecycleConfiguration><Rule><ID>r</ID><Prefix></Prefix>\
            <Status>Enabled</Status><Expiration><Days>1</Days></Expiration>\
            <NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays>\
            </NoncurrentVersionExpiration></Rule></LifecycleConfiguration>";
        store
            .set_bucket_config("lc", "lifecycle", Some(rules.as_bytes().to_vec()))
            .unwrap();
        // Written at 1_700_000_000 (see `put`); two days later it expires.
        let now = 1_700_000_000 + 2 * DAY;
        let report = osskit_server::lifecycle::apply(store, now).unwrap();
        assert_eq!(report.expired, 1);
        let marker = store.object_version("lc", "k", None).unwrap();
        assert!(marker.version.delete_marker);
        assert_eq!(marker.last_modified_ms, now * 1000);
        // Noncurrent from the marker's time: kept for a day from then, not from its write.
        osskit_server::lifecycle::apply(store, now + DAY - 1).unwrap();
        assert_eq!(read(store, "lc", "k", Some(v)), b"one");
        osskit_server::lifecycle::apply(store, now + DAY).unwrap();
        assert!(matches!(
            store.object_version("lc", "k", Some(v)),
            Err(StoreError::NoSuchVersion)
        ));
        let left = all_versions(store, "lc", "", 10);
        assert_eq!(left.len(), 1);
        assert!(left[0].3, "{left:?}");
    });
}

#[test]
fn lifecycle_expiration_in_a_suspended_bucket_replaces_the_null_version_with_a_marker() {
    const DAY: i64 = 86_400;
    both(|store| {
        store.create_bucket(bucket_meta("ls")).unwrap();
        set_versioning(store, "ls", "Enabled");
        let kept = put(store, "ls", "old", b"versioned");
        set_versioning(store, "ls", "Suspended");
        put(store, "ls", "null", b"null version");
        let rules = "<LifecycleConfiguration><Rule><ID>r</ID><Prefix></Prefix>\
            <Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
            </LifecycleConfiguration>";
        store
            .set_bucket_config("ls", "lifecycle", Some(rules.as_bytes().to_vec()))
            .unwrap();
        let now = 1_700_000_000 + 2 * DAY;
        let report = osskit_server::lifecycle::apply(store, now).unwrap();
        assert_eq!(report.expired, 2);
        // The null version is gone for good, replaced by a null delete marker.
        let versions = all_versions(store, "ls", "null", 10);
        assert_eq!(
            versions,
            [("null".into(), "null".into(), true, true)],
            "{versions:?}"
        );
        // A version with an id stays, noncurrent, under a null delete marker.
        let versions = all_versions(store, "ls", "old", 10);
        assert_eq!(versions.len(), 2, "{versions:?}");
        assert_eq!((versions[0].1.as_str(), versions[0].3), ("null", true));
        assert_eq!(read(store, "ls", "old", Some(kept)), b"versioned");
        let marker = store.object_version("ls", "old", None).unwrap();
        assert_eq!(marker.last_modified_ms, now * 1000);
    });
}
