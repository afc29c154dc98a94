//! Group commit of the persistent store, and in-place metadata updates and
//! forbid-overwrite copies of both stores.

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use osskit_server::store::fs::FsOptions;
use osskit_server::store::{
    BucketMeta, FsStore, MemoryStore, ObjectMeta, ObjectType, Store, StoreError,
};

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

fn object_meta(key: &str) -> ObjectMeta {
    ObjectMeta {
        key: key.into(),
        size: 0,
        etag: String::new(),
        crc64: 0,
        last_modified_ms: 1_700_000_000_000,
        object_type: ObjectType::Normal,
        storage_class: "Standard".into(),
        acl: "default".into(),
        headers: vec![("content-type".into(), "text/plain".into())],
        user_meta: vec![("x-oss-meta-a".into(), "1".into())],
        data: Default::default(),
        encryption: None,
        extras: Default::default(),
        version: Default::default(),
    }
}

fn put(store: &dyn Store, bucket: &str, key: &str, data: &[u8]) -> Result<(), StoreError> {
    put_with(store, bucket, key, data, false)
}

fn put_with(
    store: &dyn Store,
    bucket: &str,
    key: &str,
    data: &[u8],
    forbid: bool,
) -> Result<(), StoreError> {
    let mut w = store.new_blob().unwrap();
    w.write(data).unwrap();
    store
        .put_object(bucket, object_meta(key), w.finish().unwrap(), forbid)
        .map(|_| ())
}

fn content(store: &dyn Store, bucket: &str, key: &str) -> Vec<u8> {
    let (meta, data) = store.open_object(bucket, key).unwrap();
    let mut out = Vec::new();
    data.reader(0, meta.size).read_to_end(&mut out).unwrap();
    out
}

fn body(i: usize) -> Vec<u8> {
    format!("object number {i} ").repeat(50 + i).into_bytes()
}

fn blob_count(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("blobs"))
        .unwrap()
        .map(|fan| std::fs::read_dir(fan.unwrap().path()).unwrap().count())
        .sum()
}

fn delayed(dir: &Path, delay_ms: u64) -> FsStore {
    FsStore::open_with(
        dir,
        FsOptions {
            commit_delay: Duration::from_millis(delay_ms),
            ..FsOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn concurrent_puts_share_commits_and_all_survive_a_reopen() {
    const WRITERS: usize = 32;
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Arc::new(delayed(dir.path(), 50));
        store.create_bucket(bucket_meta("b")).unwrap();
        let before = store.commit_stats();
        let barrier = Arc::new(Barrier::new(WRITERS));
        let threads: Vec<_> = (0..WRITERS)
            .map(|i| {
                let (store, barrier) = (store.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    put(store.as_ref(), "b", &format!("k{i}"), &body(i))
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        let after = store.commit_stats();
        let writes = after.writes - before.writes;
        let batches = after.batches - before.batches;
        assert_eq!(writes, WRITERS as u64);
        // Fewer metadata commits (and directory fsyncs) than writes: they were grouped.
        assert!(
            batches < WRITERS as u64 / 2,
            "{WRITERS} concurrent puts took {batches} commits"
        );
        assert!(after.dir_syncs - before.dir_syncs < WRITERS as u64 / 2);
    }
    // Dropped without any further commit: everything answered Ok must be there.
    let store = FsStore::open(dir.path()).unwrap();
    for i in 0..WRITERS {
        assert_eq!(content(&store, "b", &format!("k{i}")), body(i), "k{i}");
    }
    assert_eq!(blob_count(dir.path()), WRITERS);
}

#[test]
fn a_put_is_answered_and_visible_only_once_its_batch_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(delayed(dir.path(), 400));
    store.create_bucket(bucket_meta("b")).unwrap();
    let started = Instant::now();
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || put(store.as_ref(), "b", "k", b"payload"))
    };
    std::thread::sleep(Duration::from_millis(150));
    // The blob is written and renamed, but its batch has not committed yet.
    assert!(!writer.is_finished(), "answered before its commit");
    assert!(matches!(store.object("b", "k"), Err(StoreError::NoSuchKey)));
    writer.join().unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(content(store.as_ref(), "b", "k"), b"payload");
}

#[test]
fn failures_inside_a_batch_stay_with_their_write() {
    const OK_WRITERS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(delayed(dir.path(), 100));
    store.create_bucket(bucket_meta("b")).unwrap();
    let barrier = Arc::new(Barrier::new(OK_WRITERS + 3));
    let spawn = |bucket: &'static str, key: String, forbid: bool, data: Vec<u8>| {
        let (store, barrier) = (store.clone(), barrier.clone());
        std::thread::spawn(move || {
            barrier.wait();
            put_with(store.as_ref(), bucket, &key, &data, forbid)
        })
    };
    let good: Vec<_> = (0..OK_WRITERS)
        .map(|i| spawn("b", format!("ok{i}"), false, body(i)))
        .collect();
    let missing = spawn("nobucket", "x".into(), false, b"x".to_vec());
    // Two forbid-overwrite puts of one new key: the commit lets exactly one through.
    let first = spawn("b", "once".into(), true, b"one".to_vec());
    let second = spawn("b", "once".into(), true, b"two".to_vec());
    for t in good {
        t.join().unwrap().unwrap();
    }
    assert!(matches!(
        missing.join().unwrap(),
        Err(StoreError::NoSuchBucket)
    ));
    let outcomes = [first.join().unwrap(), second.join().unwrap()];
    let won = outcomes.iter().filter(|r| r.is_ok()).count();
    let refused = outcomes
        .iter()
        .filter(|r| matches!(r, Err(StoreError::ObjectAlreadyExists)))
        .count();
    assert_eq!((won, refused), (1, 1), "{outcomes:?}");
    let once = content(store.as_ref(), "b", "once");
    assert!(once == b"one" || once == b"two");
    for i in 0..OK_WRITERS {
        assert_eq!(content(store.as_ref(), "b", &format!("ok{i}")), body(i));
    }
    // The refused writes left no blob behind.
    assert_eq!(blob_count(dir.path()), OK_WRITERS + 1);
}

// ------------------------------------------------ update_object_meta and copy forbid

fn update_in_place(store: &dyn Store, blobs: impl Fn() -> usize) {
    store.create_bucket(bucket_meta("b")).unwrap();
    put(store, "b", "k", b"some bytes").unwrap();
    let before = store.object("b", "k").unwrap();
    let files = blobs();
    let after = store
        .update_object_meta(
            "b",
            "k",
            Box::new(|m| {
                m.acl = "public-read".into();
                m.user_meta = vec![("x-oss-meta-new".into(), "v".into())];
                // Fields describing the bytes cannot be changed this way.
                m.size = 1;
                m.data = osskit_server::store::Extents::whole("0".repeat(32), 1);
                m.etag = "\"X\"".into();
                m.key = "other".into();
                Ok(())
            }),
        )
        .unwrap();
    assert_eq!(after.acl, "public-read");
    assert_eq!(after.user_meta, [("x-oss-meta-new".into(), "v".into())]);
    assert_eq!(
        (
            &after.key,
            after.size,
            &after.data,
            &after.etag,
            after.crc64
        ),
        (
            &before.key,
            before.size,
            &before.data,
            &before.etag,
            before.crc64
        )
    );
    assert_eq!(store.object("b", "k").unwrap(), after);
    assert_eq!(blobs(), files, "no bytes were copied");
    assert_eq!(content(store, "b", "k"), b"some bytes");

    // An error from the update cancels it.
    let refused = store.update_object_meta(
        "b",
        "k",
        Box::new(|m| {
            m.acl = "private".into();
            Err(StoreError::InvalidArgument("no".into()))
        }),
    );
    assert!(matches!(refused, Err(StoreError::InvalidArgument(_))));
    assert_eq!(store.object("b", "k").unwrap().acl, "public-read");
    assert!(matches!(
        store.update_object_meta("b", "missing", Box::new(|_| Ok(()))),
        Err(StoreError::NoSuchKey)
    ));
    assert!(matches!(
        store.update_object_meta("nob", "k", Box::new(|_| Ok(()))),
        Err(StoreError::NoSuchBucket)
    ));

    // Copying an object onto itself changes its metadata in place, too.
    let mut replaced = object_meta("k");
    replaced.headers = vec![("content-type".into(), "image/png".into())];
    let copied = store
        .copy_object("b", "k", None, "b", replaced, true)
        .unwrap();
    assert_eq!(
        copied.headers,
        [("content-type".into(), "image/png".into())]
    );
    assert_eq!(copied.data, before.data);
    assert_eq!(blobs(), files);
}

fn copy_forbid_overwrite(store: &dyn Store, blobs: impl Fn() -> usize) {
    store.create_bucket(bucket_meta("b")).unwrap();
    put(store, "b", "src", b"source").unwrap();
    put(store, "b", "dst", b"existing").unwrap();
    let files = blobs();
    assert!(matches!(
        store.copy_object("b", "src", None, "b", object_meta("dst"), true),
        Err(StoreError::ObjectAlreadyExists)
    ));
    assert_eq!(content(store, "b", "dst"), b"existing");
    assert_eq!(blobs(), files, "the refused copy left no blob");
    let done = store
        .copy_object("b", "src", None, "b", object_meta("new"), true)
        .unwrap();
    assert_eq!(done.size, 6);
    assert_eq!(content(store, "b", "new"), b"source");
    store
        .copy_object("b", "src", None, "b", object_meta("dst"), false)
        .unwrap();
    assert_eq!(content(store, "b", "dst"), b"source");
}

#[test]
fn fs_update_object_meta_changes_metadata_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    update_in_place(&store, || blob_count(dir.path()));
    drop(store);
    let store = FsStore::open(dir.path()).unwrap();
    let kept = store.object("b", "k").unwrap();
    assert_eq!(kept.headers, [("content-type".into(), "image/png".into())]);
    assert_eq!(content(&store, "b", "k"), b"some bytes");
}

#[test]
fn memory_update_object_meta_changes_metadata_only() {
    let store = MemoryStore::new().unwrap();
    update_in_place(&store, || 0);
}

#[test]
fn fs_copy_forbid_overwrite_is_checked_in_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    copy_forbid_overwrite(&store, || blob_count(dir.path()));
}

#[test]
fn memory_copy_forbid_overwrite() {
    let store = MemoryStore::new().unwrap();
    copy_forbid_overwrite(&store, || 0);
}
