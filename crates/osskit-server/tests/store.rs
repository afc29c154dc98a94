//! Behaviour of the storage engine. Every behavioural test is written once against
//! `&dyn Store` and run for both `FsStore` and `MemoryStore`; tests specific to the
//! persistent store (reopen, crash leftovers) follow.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use md5::{Digest, Md5};
use osskit_proto::crc64::crc64;
use osskit_server::store::{
    BucketMeta, FsStore, ListEntry, MemoryStore, ObjectMeta, ObjectType, PartMeta, Store,
    StoreError, UploadEntry, UploadMeta,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

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

fn blob(store: &dyn Store, data: &[u8]) -> osskit_server::store::PendingBlob {
    let mut w = store.new_blob().unwrap();
    for chunk in data.chunks(1000) {
        w.write(chunk).unwrap();
    }
    w.finish().unwrap()
}

fn put(store: &dyn Store, bucket: &str, key: &str, data: &[u8]) -> Result<(), StoreError> {
    store
        .put_object(bucket, object_meta(key), blob(store, data), false)
        .map(|_| ())
}

fn append(
    store: &dyn Store,
    bucket: &str,
    key: &str,
    pos: u64,
    data: &[u8],
) -> Result<ObjectMeta, StoreError> {
    store.append_object(bucket, key, pos, blob(store, data), object_meta(key))
}

fn content(store: &dyn Store, bucket: &str, key: &str) -> Vec<u8> {
    let meta = store.object(bucket, key).unwrap();
    read_meta(store, &meta)
}

fn read_meta(store: &dyn Store, meta: &ObjectMeta) -> Vec<u8> {
    let data = store.open(meta).unwrap();
    let mut out = Vec::new();
    data.reader(0, meta.size).read_to_end(&mut out).unwrap();
    assert_eq!(out.len() as u64, meta.size);
    out
}

fn md5_etag(data: &[u8]) -> String {
    let d = Md5::digest(data);
    let hex: String = d.iter().map(|b| format!("{b:02X}")).collect();
    format!("\"{hex}\"")
}

fn with_bucket(store: &dyn Store, name: &str) {
    store.create_bucket(bucket_meta(name)).unwrap();
}

// ---------------------------------------------------------------- behaviour suite

fn buckets(store: &dyn Store) {
    assert!(matches!(store.bucket("b1"), Err(StoreError::NoSuchBucket)));
    with_bucket(store, "b1");
    assert!(matches!(
        store.create_bucket(bucket_meta("b1")),
        Err(StoreError::BucketAlreadyExists)
    ));
    assert_eq!(store.bucket("b1").unwrap(), bucket_meta("b1"));

    let mut changed = bucket_meta("b1");
    changed.acl = "public-read".into();
    store.update_bucket(changed.clone()).unwrap();
    assert_eq!(store.bucket("b1").unwrap().acl, "public-read");
    assert!(matches!(
        store.update_bucket(bucket_meta("nope")),
        Err(StoreError::NoSuchBucket)
    ));

    for name in ["b2", "b3", "c1", "a-b", "a"] {
        with_bucket(store, name);
    }
    let names = |v: Vec<BucketMeta>| v.into_iter().map(|b| b.name).collect::<Vec<_>>();
    let (all, more) = store.list_buckets("", "", 100).unwrap();
    assert_eq!(names(all), ["a", "a-b", "b1", "b2", "b3", "c1"]);
    assert!(!more);
    let (page, more) = store.list_buckets("b", "", 2).unwrap();
    assert_eq!(names(page), ["b1", "b2"]);
    assert!(more);
    let (page, more) = store.list_buckets("b", "b2", 2).unwrap();
    assert_eq!(names(page), ["b3"]);
    assert!(!more);
    let (page, more) = store.list_buckets("b", "b3", 2).unwrap();
    assert!(page.is_empty() && !more);
    let (page, _) = store.list_buckets("", "a", 1).unwrap();
    assert_eq!(names(page), ["a-b"]);
    let (page, more) = store.list_buckets("c", "a", 1).unwrap();
    assert_eq!(names(page), ["c1"]);
    assert!(!more);

    assert!(matches!(
        store.delete_bucket("zz"),
        Err(StoreError::NoSuchBucket)
    ));
    put(store, "b2", "k", b"x").unwrap();
    assert!(matches!(
        store.delete_bucket("b2"),
        Err(StoreError::BucketNotEmpty)
    ));
    // An object in a bucket whose name extends another does not keep the shorter one alive.
    put(store, "a-b", "k", b"x").unwrap();
    store.delete_bucket("a").unwrap();
    assert!(store.delete_object("b2", "k").unwrap());
    store.delete_bucket("b2").unwrap();
    assert!(matches!(store.bucket("b2"), Err(StoreError::NoSuchBucket)));
    assert!(matches!(
        put(store, "b2", "k", b"x"),
        Err(StoreError::NoSuchBucket)
    ));
}

fn put_get_delete(store: &dyn Store) {
    with_bucket(store, "b");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    put(store, "b", "dir/key é", &data).unwrap();
    let meta = store.object("b", "dir/key é").unwrap();
    assert_eq!(meta.key, "dir/key é");
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(meta.crc64, crc64(&data));
    assert_eq!(meta.etag, md5_etag(&data));
    assert_eq!(meta.object_type, ObjectType::Normal);
    assert_eq!(meta.headers, object_meta("x").headers);
    assert_eq!(meta.user_meta, object_meta("x").user_meta);
    assert_eq!(content(store, "b", "dir/key é"), data);

    // Overwrite replaces the bytes; a reader opened before keeps the old ones (its lease
    // keeps the old blob in place until it is dropped).
    let old_data = store.open(&meta).unwrap();
    put(store, "b", "dir/key é", b"new").unwrap();
    assert_eq!(content(store, "b", "dir/key é"), b"new");
    let mut old = Vec::new();
    old_data.reader(0, meta.size).read_to_end(&mut old).unwrap();
    assert_eq!(old, data);
    drop(old_data);
    // Stale metadata no longer opens; open_object pairs fresh metadata with its bytes.
    assert!(matches!(store.open(&meta), Err(StoreError::NoSuchKey)));
    let (fresh, fresh_data) = store.open_object("b", "dir/key é").unwrap();
    assert_eq!(fresh.size, 3);
    assert_eq!(fresh_data.read_range(0, 3).unwrap(), b"new");

    // A caller-supplied ETag is kept.
    let mut m = object_meta("etag");
    m.etag = "\"ABC-2\"".into();
    store.put_object("b", m, blob(store, b"zz"), false).unwrap();
    assert_eq!(store.object("b", "etag").unwrap().etag, "\"ABC-2\"");

    // forbid_overwrite
    let err = store
        .put_object("b", object_meta("dir/key é"), blob(store, b"other"), true)
        .unwrap_err();
    assert!(matches!(err, StoreError::ObjectAlreadyExists), "{err:?}");
    assert_eq!(content(store, "b", "dir/key é"), b"new");
    store
        .put_object("b", object_meta("fresh"), blob(store, b"f"), true)
        .unwrap();
    assert_eq!(content(store, "b", "fresh"), b"f");

    // empty object
    put(store, "b", "empty", b"").unwrap();
    let e = store.object("b", "empty").unwrap();
    assert_eq!((e.size, e.crc64), (0, 0));
    assert_eq!(e.etag, "\"D41D8CD98F00B204E9800998ECF8427E\"");
    assert!(content(store, "b", "empty").is_empty());

    // delete
    assert!(store.delete_object("b", "dir/key é").unwrap());
    assert!(!store.delete_object("b", "dir/key é").unwrap());
    assert!(matches!(
        store.object("b", "dir/key é"),
        Err(StoreError::NoSuchKey)
    ));
    assert!(matches!(
        store.delete_object("nob", "k"),
        Err(StoreError::NoSuchBucket)
    ));
    assert!(matches!(
        store.object("nob", "k"),
        Err(StoreError::NoSuchBucket)
    ));
    assert!(matches!(
        store.list_objects("nob", "", "", "", 10),
        Err(StoreError::NoSuchBucket)
    ));
}

fn failed_put_removes_temp_file(store: &dyn Store) {
    let pending = blob(store, b"data");
    let tmp = pending.temp_path.clone();
    assert!(tmp.exists());
    let err = store
        .put_object("missing", object_meta("k"), pending, false)
        .unwrap_err();
    assert!(matches!(err, StoreError::NoSuchBucket));
    assert!(!tmp.exists());

    let mut w = store.new_blob().unwrap();
    w.write(b"partial").unwrap();
    drop(w);
    let pending = blob(store, b"dropped");
    let tmp = pending.temp_path.clone();
    drop(pending);
    assert!(!tmp.exists());
}

fn append_semantics(store: &dyn Store) {
    with_bucket(store, "b");
    assert!(matches!(
        append(store, "b", "log", 5, b"x"),
        Err(StoreError::PositionNotEqualToLength(0))
    ));
    assert!(matches!(
        store.object("b", "log"),
        Err(StoreError::NoSuchKey)
    ));

    let m1 = append(store, "b", "log", 0, b"hello ").unwrap();
    assert_eq!(m1.object_type, ObjectType::Appendable);
    assert_eq!(m1.size, 6);
    assert_eq!(m1.crc64, crc64(b"hello "));
    assert!(m1.etag.starts_with('"') && m1.etag.ends_with('"'));
    assert_eq!(m1.etag, m1.etag.to_uppercase());
    assert_eq!(store.object("b", "log").unwrap(), m1);

    let before = store.open(&m1).unwrap();
    assert!(matches!(
        append(store, "b", "log", 0, b"x"),
        Err(StoreError::PositionNotEqualToLength(6))
    ));
    assert!(matches!(
        append(store, "b", "log", 7, b"x"),
        Err(StoreError::PositionNotEqualToLength(6))
    ));
    let mut later = object_meta("log");
    later.last_modified_ms += 5000;
    later.headers = vec![("content-type".into(), "x/changed".into())];
    let m2 = store
        .append_object("b", "log", 6, blob(store, b"world"), later)
        .unwrap();
    assert_eq!(m2.size, 11);
    assert_eq!(m2.crc64, crc64(b"hello world"));
    assert_ne!(m2.etag, m1.etag);
    assert_eq!(m2.last_modified_ms, m1.last_modified_ms + 5000);
    assert_eq!(
        m2.headers, m1.headers,
        "later appends keep the object's headers"
    );
    assert_eq!(content(store, "b", "log"), b"hello world");
    // A reader opened before the append sees the old bytes.
    assert_eq!(before.read_range(0, 6).unwrap(), b"hello ");

    // Appending nothing keeps the content and the ETag.
    let m3 = append(store, "b", "log", 11, b"").unwrap();
    assert_eq!(
        (m3.size, m3.crc64, m3.etag.clone()),
        (11, m2.crc64, m2.etag.clone())
    );

    // A normal object is not appendable, whatever the position.
    put(store, "b", "normal", b"abc").unwrap();
    assert!(matches!(
        append(store, "b", "normal", 3, b"x"),
        Err(StoreError::ObjectNotAppendable)
    ));
    assert!(matches!(
        append(store, "b", "normal", 0, b"x"),
        Err(StoreError::ObjectNotAppendable)
    ));
    assert_eq!(content(store, "b", "normal"), b"abc");

    // Position 0 on an existing empty appendable object is allowed.
    let e = append(store, "b", "empty", 0, b"").unwrap();
    assert_eq!((e.size, e.object_type), (0, ObjectType::Appendable));
    let e = append(store, "b", "empty", 0, b"data").unwrap();
    assert_eq!(e.size, 4);
    assert_eq!(content(store, "b", "empty"), b"data");

    // PutObject over an appendable object makes it Normal.
    put(store, "b", "log", b"replaced").unwrap();
    assert_eq!(
        store.object("b", "log").unwrap().object_type,
        ObjectType::Normal
    );
    assert!(matches!(
        append(store, "b", "log", 8, b"x"),
        Err(StoreError::ObjectNotAppendable)
    ));
    assert!(matches!(
        append(store, "nob", "log", 0, b"x"),
        Err(StoreError::NoSuchBucket)
    ));
}

fn append_many_chunks_crc(store: &dyn Store) {
    with_bucket(store, "b");
    let mut rng = StdRng::seed_from_u64(7);
    let mut all = Vec::new();
    for _ in 0..20 {
        let len = rng.gen_range(0..5000);
        let chunk: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        let m = append(store, "b", "k", all.len() as u64, &chunk).unwrap();
        all.extend_from_slice(&chunk);
        assert_eq!(m.crc64, crc64(&all));
        assert_eq!(m.size, all.len() as u64);
    }
    assert_eq!(content(store, "b", "k"), all);
}

fn copy_semantics(store: &dyn Store) {
    with_bucket(store, "src");
    with_bucket(store, "dst");
    put(store, "src", "a", b"source bytes").unwrap();
    let src = store.object("src", "a").unwrap();

    let mut m = object_meta("copy");
    m.headers = vec![("content-type".into(), "image/png".into())];
    let c = store
        .copy_object("src", "a", None, "dst", m, false)
        .unwrap();
    assert_eq!(c.key, "copy");
    assert_eq!(
        (c.size, c.crc64, c.etag.clone()),
        (src.size, src.crc64, src.etag.clone())
    );
    assert_eq!(c.data, src.data, "the copy shares the source's bytes");
    assert_eq!(
        c.headers,
        vec![("content-type".to_string(), "image/png".to_string())]
    );
    assert_eq!(store.object("dst", "copy").unwrap(), c);
    assert_eq!(content(store, "dst", "copy"), b"source bytes");

    // Same bucket, other key; overwriting an existing destination.
    put(store, "src", "b", b"old b").unwrap();
    store
        .copy_object("src", "a", None, "src", object_meta("b"), false)
        .unwrap();
    assert_eq!(content(store, "src", "b"), b"source bytes");

    // The copy is independent of its source.
    put(store, "src", "a", b"changed").unwrap();
    assert!(store.delete_object("src", "a").unwrap());
    assert_eq!(content(store, "dst", "copy"), b"source bytes");

    // Onto itself: metadata only.
    put(store, "src", "self", b"self bytes").unwrap();
    let before = store.object("src", "self").unwrap();
    let mut m = object_meta("self");
    m.user_meta = vec![("x-oss-meta-new".into(), "v".into())];
    m.last_modified_ms += 1;
    let after = store
        .copy_object("src", "self", None, "src", m, false)
        .unwrap();
    assert_eq!(after.data, before.data);
    assert_eq!(after.etag, before.etag);
    assert_eq!(
        after.user_meta,
        vec![("x-oss-meta-new".to_string(), "v".into())]
    );
    assert_eq!(store.object("src", "self").unwrap(), after);
    assert_eq!(content(store, "src", "self"), b"self bytes");

    // A copy of an appendable object is a normal object with the source's ETag, sharing
    // its bytes; appending to the source afterwards leaves the copy as it was.
    let app = append(store, "src", "app", 0, b"appended").unwrap();
    let c = store
        .copy_object("src", "app", None, "dst", object_meta("app2"), false)
        .unwrap();
    assert_eq!(c.object_type, ObjectType::Normal);
    assert_eq!(c.etag, app.etag);
    append(store, "src", "app", 8, b" more").unwrap();
    assert_eq!(content(store, "src", "app"), b"appended more");
    assert_eq!(c.crc64, crc64(b"appended"));
    assert_eq!(content(store, "dst", "app2"), b"appended");

    // Errors
    assert!(matches!(
        store.copy_object("src", "missing", None, "dst", object_meta("x"), false),
        Err(StoreError::NoSuchKey)
    ));
    assert!(matches!(
        store.copy_object("nob", "a", None, "dst", object_meta("x"), false),
        Err(StoreError::NoSuchBucket)
    ));
    assert!(matches!(
        store.copy_object("src", "b", None, "nob", object_meta("x"), false),
        Err(StoreError::NoSuchBucket)
    ));
}

fn listing_basics(store: &dyn Store) {
    with_bucket(store, "b");
    with_bucket(store, "b-other");
    for k in ["a/1", "a/2", "a/b/3", "b", "c/", "c/d", "é/x", "z"] {
        put(store, "b", k, k.as_bytes()).unwrap();
    }
    put(store, "b-other", "a/9", b"x").unwrap();
    let names = |p: &osskit_server::store::ListPage| {
        p.entries
            .iter()
            .map(|e| match e {
                ListEntry::Object(o) => o.key.clone(),
                ListEntry::Prefix(p) => format!("P:{p}"),
            })
            .collect::<Vec<_>>()
    };
    let p = store.list_objects("b", "", "/", "", 100).unwrap();
    assert_eq!(names(&p), ["P:a/", "b", "P:c/", "z", "P:é/"]);
    assert!(!p.truncated && p.next_marker.is_none());
    let p = store.list_objects("b", "a/", "/", "", 100).unwrap();
    assert_eq!(names(&p), ["a/1", "a/2", "P:a/b/"]);
    let p = store.list_objects("b", "", "/", "", 2).unwrap();
    assert_eq!(names(&p), ["P:a/", "b"]);
    assert!(p.truncated);
    assert_eq!(p.next_marker.as_deref(), Some("b"));
    let p = store.list_objects("b", "", "/", "", 1).unwrap();
    assert_eq!(p.next_marker.as_deref(), Some("a/"));
    let p = store.list_objects("b", "", "/", "a/", 100).unwrap();
    assert_eq!(names(&p), ["b", "P:c/", "z", "P:é/"]);
    let p = store.list_objects("b", "", "", "", 100).unwrap();
    assert_eq!(p.entries.len(), 8);
    match &p.entries[0] {
        ListEntry::Object(o) => {
            assert_eq!(o.size, 3);
            assert_eq!(o.etag, md5_etag(b"a/1"));
        }
        other => panic!("expected an object, got {other:?}"),
    }
    let p = store.list_objects("b", "", "", "", 0).unwrap();
    assert!(p.entries.is_empty() && !p.truncated);
    let p = store.list_objects("b-other", "", "", "", 100).unwrap();
    assert_eq!(names(&p), ["a/9"]);
}

/// Reference listing: every entry (object or folded prefix), in byte order, named after
/// `after`.
fn model_listing(
    keys: &BTreeMap<String, ()>,
    prefix: &str,
    delimiter: &str,
    after: &str,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in keys.keys().filter(|k| k.starts_with(prefix)) {
        let rest = &k[prefix.len()..];
        let name = match (delimiter.is_empty(), rest.find(delimiter)) {
            (false, Some(i)) => format!("P:{}", &k[..prefix.len() + i + delimiter.len()]),
            _ => k.clone(),
        };
        if out.last() != Some(&name) {
            out.push(name);
        }
    }
    out.retain(|n| n.strip_prefix("P:").unwrap_or(n) > after);
    out
}

fn random_key(rng: &mut StdRng) -> String {
    const PARTS: &[&str] = &[
        "a",
        "b",
        "/",
        "é",
        "日本",
        "-",
        "a/",
        "z",
        "~",
        "ab",
        "/b",
        "0",
        " ",
        "%2F",
        "\u{10FFFF}",
    ];
    let n = rng.gen_range(1..=4);
    (0..n)
        .map(|_| PARTS[rng.gen_range(0..PARTS.len())])
        .collect()
}

fn listing_matches_model(store: &dyn Store) {
    with_bucket(store, "m");
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut keys = BTreeMap::new();
    for k in [
        "a",
        "a/",
        "a/b",
        "a/b/",
        "a//b",
        "ab",
        "é/x",
        "日本/語",
        "/lead",
        "a/b/c/d",
        "é",
    ] {
        keys.insert(k.to_string(), ());
    }
    while keys.len() < 160 {
        keys.insert(random_key(&mut rng), ());
    }
    for k in keys.keys() {
        put(store, "m", k, b"").unwrap();
    }
    // A neighbouring bucket must never leak into the listing.
    with_bucket(store, "m-");
    put(store, "m-", "a", b"").unwrap();

    let prefixes = ["", "a", "a/", "é", "b/", "zz", "日", "a/b/"];
    let delimiters = ["", "/", "a/", "é"];
    let mut afters: Vec<String> = [
        "",
        "a",
        "a/",
        "a/b",
        "a/b/",
        "é/",
        "zzz",
        "\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for _ in 0..4 {
        afters.push(random_key(&mut rng));
    }
    let mut checked = 0;
    for prefix in prefixes {
        for delimiter in delimiters {
            for after in &afters {
                let expected = model_listing(&keys, prefix, delimiter, after);
                for max in [1, 2, 3, 7, 1000] {
                    let mut got = Vec::new();
                    let mut marker = after.clone();
                    loop {
                        let page = store
                            .list_objects("m", prefix, delimiter, &marker, max)
                            .unwrap();
                        assert!(page.entries.len() <= max);
                        for e in &page.entries {
                            got.push(match e {
                                ListEntry::Object(o) => o.key.clone(),
                                ListEntry::Prefix(p) => format!("P:{p}"),
                            });
                        }
                        if !page.truncated {
                            assert!(page.next_marker.is_none());
                            break;
                        }
                        assert_eq!(page.entries.len(), max, "a truncated page is full");
                        let next = page.next_marker.clone().unwrap();
                        let last = got.last().unwrap();
                        assert_eq!(last.strip_prefix("P:").unwrap_or(last), next);
                        marker = next;
                        assert!(got.len() <= expected.len() + 1, "runaway paging");
                    }
                    assert_eq!(
                        got, expected,
                        "prefix={prefix:?} delimiter={delimiter:?} after={after:?} max={max}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(
        checked,
        prefixes.len() * delimiters.len() * afters.len() * 5
    );
}

fn concurrent_writers(store: Arc<dyn Store>) {
    store.create_bucket(bucket_meta("c")).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for i in 0..10 {
                    let key = format!("t{t}/k{i}");
                    put(&*store, "c", &key, key.as_bytes()).unwrap();
                    // Appends from every thread to one object: retry at the reported length.
                    let chunk = [t as u8; 3];
                    let mut pos = store.object("c", "shared").map(|m| m.size).unwrap_or(0);
                    loop {
                        match append(&*store, "c", "shared", pos, &chunk) {
                            Ok(_) => break,
                            Err(StoreError::PositionNotEqualToLength(len)) => pos = len,
                            Err(e) => panic!("append failed: {e}"),
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    for t in 0..4 {
        for i in 0..10 {
            let key = format!("t{t}/k{i}");
            assert_eq!(content(&*store, "c", &key), key.as_bytes());
        }
    }
    let shared = store.object("c", "shared").unwrap();
    assert_eq!(shared.size, 4 * 10 * 3);
    let bytes = content(&*store, "c", "shared");
    assert_eq!(shared.crc64, crc64(&bytes));
    for t in 0..4u8 {
        assert_eq!(bytes.iter().filter(|&&b| b == t).count(), 30);
    }
    let page = store.list_objects("c", "", "/", "", 1000).unwrap();
    assert_eq!(page.entries.len(), 5);
}

// ---------------------------------------------------------------- multipart uploads

/// The smallest size of a part that is not the last.
const MIN_PART: usize = 102_400;

fn part(
    store: &dyn Store,
    bucket: &str,
    key: &str,
    id: &str,
    n: u32,
    data: &[u8],
) -> Result<PartMeta, StoreError> {
    store.put_part(bucket, key, id, n, blob(store, data))
}

fn template(key: &str) -> ObjectMeta {
    let mut m = object_meta(key);
    m.headers = vec![("content-type".into(), "video/mp4".into())];
    m.user_meta = vec![("x-oss-meta-origin".into(), "multipart".into())];
    m.acl = "public-read".into();
    m.storage_class = "IA".into();
    m
}

/// Bytes that differ from part to part.
fn part_bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

/// The expected ETag of an object assembled from parts with these contents.
fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut md5s = Vec::new();
    for p in parts {
        md5s.extend_from_slice(&Md5::digest(p));
    }
    let hex: String = Md5::digest(&md5s)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    format!("\"{hex}-{}\"", parts.len())
}

fn etag_list(parts: &[&PartMeta]) -> Vec<(u32, String)> {
    parts
        .iter()
        .map(|p| (p.part_number, p.etag.clone()))
        .collect()
}

fn is_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
}

fn multipart_lifecycle(store: &dyn Store) {
    with_bucket(store, "b");
    assert!(matches!(
        store.create_upload("nob", "k", template("k")),
        Err(StoreError::NoSuchBucket)
    ));
    let up = store
        .create_upload("b", "video", template("video"))
        .unwrap();
    assert!(is_upload_id(&up.upload_id), "{}", up.upload_id);
    assert_eq!(up.key, "video");
    assert_eq!(up.initiated_ms, template("video").last_modified_ms);
    assert_eq!(store.upload("b", "video", &up.upload_id).unwrap(), up);
    let id = up.upload_id.as_str();

    // Lookups that name the upload wrongly.
    assert!(matches!(
        store.upload("b", "other", id),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        store.upload("b", "video", "0123456789ABCDEF0123456789ABCDEF"),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        store.upload("nob", "video", id),
        Err(StoreError::NoSuchBucket)
    ));

    // Part numbers outside 1..=10000.
    for bad in [0, 10_001] {
        match part(store, "b", "video", id, bad, b"x") {
            Err(StoreError::InvalidArgument(m)) => assert!(m.contains(&bad.to_string()), "{m}"),
            other => panic!("part {bad}: {other:?}"),
        }
    }
    assert!(matches!(
        part(store, "b", "video", "NOPE", 1, b"x"),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        part(store, "b", "other", id, 1, b"x"),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        part(store, "nob", "video", id, 1, b"x"),
        Err(StoreError::NoSuchBucket)
    ));

    // Parts 1, 3 and 10000 (gaps are fine); 3 is uploaded twice.
    let one = part_bytes(1, MIN_PART);
    let three_old = part_bytes(2, MIN_PART + 7);
    let three = part_bytes(3, MIN_PART + 1);
    let last = b"tail".to_vec();
    let p1 = part(store, "b", "video", id, 1, &one).unwrap();
    assert_eq!(p1.part_number, 1);
    assert_eq!(p1.size, one.len() as u64);
    assert_eq!(p1.etag, md5_etag(&one));
    assert_eq!(p1.crc64, crc64(&one));
    let p3_old = part(store, "b", "video", id, 3, &three_old).unwrap();
    let p_last = part(store, "b", "video", id, 10_000, &last).unwrap();
    let p3 = part(store, "b", "video", id, 3, &three).unwrap();
    assert_eq!(p3.etag, md5_etag(&three));
    assert_ne!(p3.etag, p3_old.etag);
    assert_ne!(p3.data, p3_old.data);

    // ListParts pages by part number.
    let (all, more) = store.list_parts("b", "video", id, 0, 1000).unwrap();
    assert!(!more);
    assert_eq!(all, vec![p1.clone(), p3.clone(), p_last.clone()]);
    let (page, more) = store.list_parts("b", "video", id, 0, 2).unwrap();
    assert_eq!(page, vec![p1.clone(), p3.clone()]);
    assert!(more);
    let (page, more) = store.list_parts("b", "video", id, 3, 2).unwrap();
    assert_eq!(page, vec![p_last.clone()]);
    assert!(!more);
    let (page, more) = store.list_parts("b", "video", id, 1, 1).unwrap();
    assert_eq!(page, vec![p3.clone()]);
    assert!(more);
    let (page, more) = store.list_parts("b", "video", id, 10_000, 5).unwrap();
    assert!(page.is_empty() && !more);
    let (page, more) = store.list_parts("b", "video", id, u32::MAX, 5).unwrap();
    assert!(page.is_empty() && !more);
    assert!(matches!(
        store.list_parts("b", "video", "NOPE", 0, 5),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        store.list_parts("nob", "video", id, 0, 5),
        Err(StoreError::NoSuchBucket)
    ));

    // The replaced object is overwritten by the completed one.
    put(store, "b", "video", b"previous object").unwrap();
    // Client list: the ETags are compared ignoring quotes and case.
    let list = vec![
        (1, p1.etag.trim_matches('"').to_lowercase()),
        (3, p3.etag.clone()),
        (10_000, p_last.etag.to_lowercase()),
    ];
    let done = store
        .complete_upload("b", "video", id, Some(&list))
        .unwrap();
    let mut expected = one.clone();
    expected.extend_from_slice(&three);
    expected.extend_from_slice(&last);
    assert_eq!(done.key, "video");
    assert_eq!(done.object_type, ObjectType::Multipart);
    assert_eq!(done.size, expected.len() as u64);
    assert_eq!(done.crc64, crc64(&expected));
    assert_eq!(
        done.crc64,
        osskit_proto::crc64::combine_parts(
            [p1.clone(), p3.clone(), p_last.clone()].map(|p| (p.crc64, p.size))
        )
    );
    assert_eq!(done.etag, multipart_etag(&[&one, &three, &last]));
    assert!(done.etag.ends_with("-3\""));
    let t = template("video");
    assert_eq!(
        (
            &done.headers,
            &done.user_meta,
            &done.acl,
            &done.storage_class
        ),
        (&t.headers, &t.user_meta, &t.acl, &t.storage_class)
    );
    assert_eq!(store.object("b", "video").unwrap(), done);
    assert_eq!(content(store, "b", "video"), expected);

    // The upload is gone.
    assert!(matches!(
        store.upload("b", "video", id),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        store.list_parts("b", "video", id, 0, 10),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        part(store, "b", "video", id, 1, b"late"),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        store.complete_upload("b", "video", id, None),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        store.abort_upload("b", "video", id),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(store
        .list_uploads("b", "", "", "", "", 100)
        .unwrap()
        .entries
        .is_empty());
    assert!(matches!(
        store.complete_upload("nob", "video", id, None),
        Err(StoreError::NoSuchBucket)
    ));
}

fn multipart_complete_errors(store: &dyn Store) {
    with_bucket(store, "b");
    let id = store
        .create_upload("b", "k", template("k"))
        .unwrap()
        .upload_id;
    let small = part_bytes(9, MIN_PART - 1);
    let big = part_bytes(8, MIN_PART);
    let p1 = part(store, "b", "k", &id, 1, &big).unwrap();
    let p2 = part(store, "b", "k", &id, 2, &small).unwrap();
    let p5 = part(store, "b", "k", &id, 5, b"five").unwrap();
    let complete = |list: &[(u32, String)]| store.complete_upload("b", "k", &id, Some(list));

    // Order: strictly ascending part numbers.
    assert!(matches!(
        complete(&etag_list(&[&p2, &p1])),
        Err(StoreError::InvalidPartOrder)
    ));
    assert!(matches!(
        complete(&etag_list(&[&p1, &p1])),
        Err(StoreError::InvalidPartOrder)
    ));
    // A part that was never uploaded, or with another ETag.
    assert!(matches!(
        complete(&[(1, p1.etag.clone()), (3, p5.etag.clone())]),
        Err(StoreError::InvalidPart)
    ));
    assert!(matches!(
        complete(&[(1, p2.etag.clone())]),
        Err(StoreError::InvalidPart)
    ));
    // Every part but the last holds at least 100 KiB.
    assert!(matches!(
        complete(&etag_list(&[&p2, &p5])),
        Err(StoreError::EntityTooSmall)
    ));
    assert!(matches!(
        complete(&etag_list(&[&p1, &p2, &p5])),
        Err(StoreError::EntityTooSmall)
    ));
    assert!(matches!(
        store.complete_upload("b", "k", &id, None),
        Err(StoreError::EntityTooSmall)
    ));
    // An empty list.
    assert!(matches!(complete(&[]), Err(StoreError::InvalidArgument(_))));
    // Nothing changed: the upload and its parts are intact, no object was made.
    assert!(matches!(store.object("b", "k"), Err(StoreError::NoSuchKey)));
    let (parts, _) = store.list_parts("b", "k", &id, 0, 100).unwrap();
    assert_eq!(parts, vec![p1.clone(), p2.clone(), p5.clone()]);

    // A small last part is fine, and parts left out of the list are dropped.
    let done = complete(&etag_list(&[&p1, &p2])).unwrap();
    let mut expected = big.clone();
    expected.extend_from_slice(&small);
    assert_eq!(content(store, "b", "k"), expected);
    assert_eq!(done.etag, multipart_etag(&[&big, &small]));
    assert_eq!(done.crc64, crc64(&expected));

    // A single small part completes too.
    let id = store
        .create_upload("b", "one", template("one"))
        .unwrap()
        .upload_id;
    let p = part(store, "b", "one", &id, 7, b"only").unwrap();
    let done = store
        .complete_upload("b", "one", &id, Some(&etag_list(&[&p])))
        .unwrap();
    assert_eq!(done.etag, multipart_etag(&[b"only"]));
    assert_eq!(content(store, "b", "one"), b"only");

    // Complete-all with no part.
    let id = store
        .create_upload("b", "none", template("none"))
        .unwrap()
        .upload_id;
    assert!(matches!(
        store.complete_upload("b", "none", &id, None),
        Err(StoreError::InvalidArgument(_))
    ));
    assert!(store.upload("b", "none", &id).is_ok());
}

fn multipart_complete_all(store: &dyn Store) {
    with_bucket(store, "b");
    let id = store
        .create_upload("b", "all", template("all"))
        .unwrap()
        .upload_id;
    let a = part_bytes(1, MIN_PART + 3);
    let b = part_bytes(2, MIN_PART);
    let c = part_bytes(3, 10);
    // Uploaded out of order, with a gap and a re-upload.
    part(store, "b", "all", &id, 9, &c).unwrap();
    part(store, "b", "all", &id, 2, b"replaced").unwrap();
    part(store, "b", "all", &id, 1, &a).unwrap();
    part(store, "b", "all", &id, 2, &b).unwrap();
    let done = store.complete_upload("b", "all", &id, None).unwrap();
    let expected = [a.clone(), b.clone(), c.clone()].concat();
    assert_eq!(content(store, "b", "all"), expected);
    assert_eq!(done.etag, multipart_etag(&[&a, &b, &c]));
    assert_eq!(done.crc64, crc64(&expected));
    assert_eq!(done.object_type, ObjectType::Multipart);
    assert!(matches!(
        store.upload("b", "all", &id),
        Err(StoreError::NoSuchUpload)
    ));
}

fn multipart_uploads_of_one_key(store: &dyn Store) {
    with_bucket(store, "b");
    let first = store.create_upload("b", "k", template("k")).unwrap();
    let second = store.create_upload("b", "k", template("k")).unwrap();
    assert_ne!(first.upload_id, second.upload_id);
    assert!(
        first.upload_id < second.upload_id,
        "ids sort in initiation order"
    );
    part(store, "b", "k", &first.upload_id, 1, b"first").unwrap();
    part(store, "b", "k", &second.upload_id, 1, b"second").unwrap();
    let (parts, _) = store.list_parts("b", "k", &first.upload_id, 0, 10).unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].etag, md5_etag(b"first"));

    store
        .complete_upload("b", "k", &second.upload_id, None)
        .unwrap();
    assert_eq!(content(store, "b", "k"), b"second");
    // The other upload of the key is untouched and completes later, replacing the object.
    assert_eq!(store.upload("b", "k", &first.upload_id).unwrap(), first);
    let (parts, _) = store.list_parts("b", "k", &first.upload_id, 0, 10).unwrap();
    assert_eq!(parts[0].etag, md5_etag(b"first"));
    store
        .complete_upload("b", "k", &first.upload_id, None)
        .unwrap();
    assert_eq!(content(store, "b", "k"), b"first");
}

fn multipart_abort_and_bucket_not_empty(store: &dyn Store) {
    with_bucket(store, "b");
    with_bucket(store, "b-x");
    let id = store
        .create_upload("b", "k", template("k"))
        .unwrap()
        .upload_id;
    part(store, "b", "k", &id, 1, b"data").unwrap();
    // An upload in a bucket whose name extends this one does not count.
    let other = store
        .create_upload("b-x", "k", template("k"))
        .unwrap()
        .upload_id;
    assert!(matches!(
        store.delete_bucket("b"),
        Err(StoreError::BucketNotEmpty)
    ));
    assert!(matches!(
        store.abort_upload("b", "k", "NOPE"),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        store.abort_upload("nob", "k", &id),
        Err(StoreError::NoSuchBucket)
    ));
    store.abort_upload("b", "k", &id).unwrap();
    assert!(matches!(
        store.upload("b", "k", &id),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        store.list_parts("b", "k", &id, 0, 10),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        part(store, "b", "k", &id, 2, b"x"),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(
        store.complete_upload("b", "k", &id, None),
        Err(StoreError::NoSuchUpload)
    ));
    assert!(matches!(store.object("b", "k"), Err(StoreError::NoSuchKey)));
    store.delete_bucket("b").unwrap();
    assert!(matches!(
        store.delete_bucket("b-x"),
        Err(StoreError::BucketNotEmpty)
    ));
    store.abort_upload("b-x", "k", &other).unwrap();
    store.delete_bucket("b-x").unwrap();
}

fn multipart_large_complete(store: &dyn Store) {
    with_bucket(store, "b");
    let id = store
        .create_upload("b", "big", template("big"))
        .unwrap()
        .upload_id;
    let mut rng = StdRng::seed_from_u64(42);
    let parts: Vec<Vec<u8>> = (0..3)
        .map(|_| (0..1 << 20).map(|_| rng.gen()).collect())
        .collect();
    let mut metas = Vec::new();
    for (i, data) in parts.iter().enumerate() {
        metas.push(part(store, "b", "big", &id, i as u32 + 1, data).unwrap());
    }
    let refs: Vec<&PartMeta> = metas.iter().collect();
    let done = store
        .complete_upload("b", "big", &id, Some(&etag_list(&refs)))
        .unwrap();
    let all = parts.concat();
    assert_eq!(done.size, 3 << 20);
    assert_eq!(done.crc64, crc64(&all));
    let slices: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    assert_eq!(done.etag, multipart_etag(&slices));
    assert!(content(store, "b", "big") == all, "content differs");
}

fn uploads_listing_basics(store: &dyn Store) {
    with_bucket(store, "b");
    assert!(matches!(
        store.list_uploads("nob", "", "", "", "", 10),
        Err(StoreError::NoSuchBucket)
    ));
    let mut ids = BTreeMap::new();
    for k in ["a/1", "a/2", "b", "b", "c/d", "z"] {
        let u = store.create_upload("b", k, template(k)).unwrap();
        ids.entry(k).or_insert_with(Vec::new).push(u.upload_id);
    }
    let names = |p: &osskit_server::store::UploadPage| {
        p.entries
            .iter()
            .map(|e| match e {
                UploadEntry::Upload(u) => format!("{}#{}", u.key, u.upload_id),
                UploadEntry::Prefix(p) => format!("P:{p}"),
            })
            .collect::<Vec<_>>()
    };
    let b0 = format!("b#{}", ids["b"][0]);
    let b1 = format!("b#{}", ids["b"][1]);
    let z = format!("z#{}", ids["z"][0]);
    let p = store.list_uploads("b", "", "/", "", "", 100).unwrap();
    assert_eq!(
        names(&p),
        ["P:a/", b0.as_str(), b1.as_str(), "P:c/", z.as_str()]
    );
    assert!(!p.truncated && p.next_key_marker.is_none() && p.next_upload_id_marker.is_none());
    match &p.entries[1] {
        UploadEntry::Upload(u) => {
            assert_eq!(u.template, template("b"));
            assert_eq!(u.initiated_ms, template("b").last_modified_ms);
        }
        other => panic!("expected an upload, got {other:?}"),
    }

    let p = store.list_uploads("b", "", "/", "", "", 2).unwrap();
    assert_eq!(names(&p), ["P:a/", b0.as_str()]);
    assert!(p.truncated);
    assert_eq!(p.next_key_marker.as_deref(), Some("b"));
    assert_eq!(
        p.next_upload_id_marker.as_deref(),
        Some(ids["b"][0].as_str())
    );
    let p = store
        .list_uploads("b", "", "/", "b", &ids["b"][0], 2)
        .unwrap();
    assert_eq!(names(&p), [b1.as_str(), "P:c/"]);
    assert_eq!(p.next_key_marker.as_deref(), Some("c/"));
    assert_eq!(p.next_upload_id_marker.as_deref(), Some(""));
    let p = store.list_uploads("b", "", "/", "c/", "", 2).unwrap();
    assert_eq!(names(&p), [z.as_str()]);
    assert!(!p.truncated);
    // A key marker alone skips every upload of that key.
    let p = store.list_uploads("b", "", "", "b", "", 100).unwrap();
    assert_eq!(p.entries.len(), 2);
    // Prefix without delimiter.
    let p = store.list_uploads("b", "a/", "", "", "", 100).unwrap();
    assert_eq!(p.entries.len(), 2);
    let p = store.list_uploads("b", "", "", "", "", 0).unwrap();
    assert!(p.entries.is_empty() && !p.truncated);
}

/// Reference listing of uploads: `(key, upload id)` pairs in order, folded, after the
/// markers.
fn model_uploads(
    uploads: &[(String, String)],
    prefix: &str,
    delimiter: &str,
    key_marker: &str,
    id_marker: &str,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (k, id) in uploads.iter().filter(|(k, _)| k.starts_with(prefix)) {
        let rest = &k[prefix.len()..];
        let folded = match (delimiter.is_empty(), rest.find(delimiter)) {
            (false, Some(i)) => Some(&k[..prefix.len() + i + delimiter.len()]),
            _ => None,
        };
        let (name, keep) = match folded {
            Some(p) => (format!("P:{p}"), key_marker.is_empty() || p > key_marker),
            None => (
                format!("{k}#{id}"),
                key_marker.is_empty()
                    || k.as_str() > key_marker
                    || (k == key_marker && !id_marker.is_empty() && id.as_str() > id_marker),
            ),
        };
        if keep && out.last() != Some(&name) {
            out.push(name);
        }
    }
    out
}

fn uploads_listing_matches_model(store: &dyn Store) {
    with_bucket(store, "m");
    let mut rng = StdRng::seed_from_u64(0xabcd);
    let mut keys: BTreeMap<String, ()> = BTreeMap::new();
    for k in ["a", "a/", "a/b", "a//b", "é/x", "日本/語", "a/b/c"] {
        keys.insert(k.to_string(), ());
    }
    while keys.len() < 60 {
        keys.insert(random_key(&mut rng), ());
    }
    let mut uploads = Vec::new();
    for k in keys.keys() {
        for _ in 0..rng.gen_range(1..=3) {
            let u = store.create_upload("m", k, template(k)).unwrap();
            uploads.push((k.clone(), u.upload_id));
        }
    }
    uploads.sort_by(|a, b| (a.0.as_bytes(), &a.1).cmp(&(b.0.as_bytes(), &b.1)));
    // Neighbouring buckets never leak into the listing.
    with_bucket(store, "m-");
    store.create_upload("m-", "a", template("a")).unwrap();
    with_bucket(store, "l");
    store.create_upload("l", "z", template("z")).unwrap();

    let mut markers: Vec<(String, String)> = vec![
        (String::new(), String::new()),
        (String::new(), "ZZ".into()),
        ("a".into(), String::new()),
        ("a/".into(), String::new()),
        ("a/b".into(), "0".into()),
        ("é/".into(), String::new()),
        ("\u{10FFFF}".into(), String::new()),
    ];
    for _ in 0..4 {
        let (k, id) = uploads[rng.gen_range(0..uploads.len())].clone();
        markers.push((k.clone(), id));
        markers.push((k, String::new()));
    }
    for prefix in ["", "a", "a/", "é", "日"] {
        for delimiter in ["", "/", "a/"] {
            for (key_marker, id_marker) in &markers {
                let expected = model_uploads(&uploads, prefix, delimiter, key_marker, id_marker);
                for max in [1, 3, 1000] {
                    let mut got = Vec::new();
                    let (mut km, mut im) = (key_marker.clone(), id_marker.clone());
                    loop {
                        let page = store
                            .list_uploads("m", prefix, delimiter, &km, &im, max)
                            .unwrap();
                        assert!(page.entries.len() <= max);
                        for e in &page.entries {
                            got.push(match e {
                                UploadEntry::Upload(u) => format!("{}#{}", u.key, u.upload_id),
                                UploadEntry::Prefix(p) => format!("P:{p}"),
                            });
                        }
                        if !page.truncated {
                            assert!(page.next_key_marker.is_none());
                            break;
                        }
                        assert_eq!(page.entries.len(), max, "a truncated page is full");
                        km = page.next_key_marker.clone().unwrap();
                        im = page.next_upload_id_marker.clone().unwrap();
                        assert!(got.len() <= expected.len() + 1, "runaway paging");
                    }
                    assert_eq!(
                        got, expected,
                        "prefix={prefix:?} delimiter={delimiter:?} markers={key_marker:?}/{id_marker:?} max={max}"
                    );
                }
            }
        }
    }
}

fn concurrent_parts(store: Arc<dyn Store>) {
    store.create_bucket(bucket_meta("c")).unwrap();
    let ids: Vec<String> = (0..2)
        .map(|_| {
            store
                .create_upload("c", "k", template("k"))
                .unwrap()
                .upload_id
        })
        .collect();
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            let store = Arc::clone(&store);
            let ids = ids.clone();
            std::thread::spawn(move || {
                for i in 0..5u32 {
                    let n = t * 5 + i + 1;
                    for (u, id) in ids.iter().enumerate() {
                        let data = part_bytes((n as u8) ^ (u as u8 * 100), MIN_PART);
                        part(&*store, "c", "k", id, n, &data).unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    for (u, id) in ids.iter().enumerate() {
        let (parts, more) = store.list_parts("c", "k", id, 0, 100).unwrap();
        assert!(!more);
        assert_eq!(
            parts.iter().map(|p| p.part_number).collect::<Vec<_>>(),
            (1..=20).collect::<Vec<_>>()
        );
        let done = store.complete_upload("c", "k", id, None).unwrap();
        let expected: Vec<u8> = (1..=20u32)
            .flat_map(|n| part_bytes((n as u8) ^ (u as u8 * 100), MIN_PART))
            .collect();
        assert_eq!(done.crc64, crc64(&expected));
        assert!(content(&*store, "c", "k") == expected);
    }
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod fs_store {
            $(
                #[test]
                fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = super::FsStore::open(dir.path()).unwrap();
                    super::$name(&store);
                }
            )*
        }
        mod memory_store {
            $(
                #[test]
                fn $name() {
                    let store = super::MemoryStore::new().unwrap();
                    super::$name(&store);
                }
            )*
        }
    };
}

suite!(
    buckets,
    put_get_delete,
    failed_put_removes_temp_file,
    append_semantics,
    append_many_chunks_crc,
    copy_semantics,
    listing_basics,
    listing_matches_model,
    multipart_lifecycle,
    multipart_complete_errors,
    multipart_complete_all,
    multipart_uploads_of_one_key,
    multipart_abort_and_bucket_not_empty,
    multipart_large_complete,
    uploads_listing_basics,
    uploads_listing_matches_model,
);

#[test]
fn fs_store_concurrent_writers() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_writers(Arc::new(FsStore::open(dir.path()).unwrap()));
}

#[test]
fn memory_store_concurrent_writers() {
    concurrent_writers(Arc::new(MemoryStore::new().unwrap()));
}

#[test]
fn fs_store_concurrent_parts() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_parts(Arc::new(FsStore::open(dir.path()).unwrap()));
}

#[test]
fn memory_store_concurrent_parts() {
    concurrent_parts(Arc::new(MemoryStore::new().unwrap()));
}

// ---------------------------------------------------------------- persistent store only

fn blob_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for fan in std::fs::read_dir(dir.join("blobs")).unwrap() {
        for f in std::fs::read_dir(fan.unwrap().path()).unwrap() {
            out.push(f.unwrap().path());
        }
    }
    out.sort();
    out
}

#[test]
fn fs_layout_and_reopen_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = FsStore::open(dir.path()).unwrap();
        with_bucket(&store, "b");
        put(&store, "b", "k", b"persisted").unwrap();
        append(&store, "b", "log", 0, b"one").unwrap();
        // A second open of the same directory while the first is alive is refused.
        assert!(matches!(
            FsStore::open(dir.path()),
            Err(StoreError::Internal(_))
        ));
    }
    assert!(dir.path().join("meta.redb").is_file());
    assert!(dir.path().join("tmp").is_dir());
    let files = blob_files(dir.path());
    assert_eq!(files.len(), 2);
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        let fan = f.parent().unwrap().file_name().unwrap().to_str().unwrap();
        assert_eq!(name.len(), 32);
        assert_eq!(&name[..2], fan);
    }

    let store = FsStore::open(dir.path()).unwrap();
    assert_eq!(store.bucket("b").unwrap(), bucket_meta("b"));
    assert_eq!(content(&store, "b", "k"), b"persisted");
    let log = append(&store, "b", "log", 3, b"two").unwrap();
    assert_eq!(log.crc64, crc64(b"onetwo"));
    assert_eq!(content(&store, "b", "log"), b"onetwo");
    assert_eq!(
        blob_files(dir.path()).len(),
        2,
        "reopen removed nothing in use"
    );
}

#[test]
fn fs_open_removes_temp_files_and_orphans() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = FsStore::open(dir.path()).unwrap();
        with_bucket(&store, "b");
        put(&store, "b", "k", b"kept").unwrap();
    }
    let tmp_junk = dir
        .path()
        .join("tmp")
        .join("0123456789abcdef0123456789abcdef");
    std::fs::write(&tmp_junk, b"half written").unwrap();
    let orphan = dir
        .path()
        .join("blobs")
        .join("ab")
        .join("ab000000000000000000000000000000");
    std::fs::write(&orphan, b"never committed").unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    assert!(!tmp_junk.exists());
    assert!(!orphan.exists());
    assert_eq!(content(&store, "b", "k"), b"kept");
    assert_eq!(blob_files(dir.path()).len(), 1);
}

#[test]
fn fs_crash_between_rename_and_commit_keeps_old_object() {
    let dir = tempfile::tempdir().unwrap();
    let orphan;
    {
        let store = FsStore::open(dir.path()).unwrap();
        with_bucket(&store, "b");
        put(&store, "b", "k", b"old").unwrap();
        // The first half of a put of new bytes: blob written, fsynced, renamed into place;
        // then the process "dies" before the metadata commit.
        let pending = blob(&store, b"new");
        orphan = dir
            .path()
            .join("blobs")
            .join(&pending.id[..2])
            .join(&pending.id);
        std::fs::rename(&pending.temp_path, &orphan).unwrap();
        drop(pending);
        assert!(orphan.exists());
        // And an unfinished upload in tmp/.
        let mut w = store.new_blob().unwrap();
        w.write(b"partial").unwrap();
        std::mem::forget(w);
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        1
    );
    let store = FsStore::open(dir.path()).unwrap();
    assert_eq!(content(&store, "b", "k"), b"old");
    assert!(!orphan.exists());
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
    assert_eq!(blob_files(dir.path()).len(), 1);
}

#[test]
fn fs_append_discards_bytes_of_an_interrupted_append() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    with_bucket(&store, "b");
    let m = append(&store, "b", "log", 0, b"abc").unwrap();
    // An append that wrote its bytes but crashed before committing.
    let id = m.data.sole_blob().unwrap().to_string();
    let path = dir.path().join("blobs").join(&id[..2]).join(&id);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, b"GARBAGE").unwrap();
    drop(f);
    assert_eq!(content(&store, "b", "log"), b"abc");
    let m = append(&store, "b", "log", 3, b"def").unwrap();
    assert_eq!(m.size, 6);
    assert_eq!(m.crc64, crc64(b"abcdef"));
    assert_eq!(std::fs::read(&path).unwrap(), b"abcdef");
}

#[test]
fn fs_replaced_and_deleted_blobs_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    with_bucket(&store, "b");
    put(&store, "b", "k", b"1").unwrap();
    put(&store, "b", "k", b"2").unwrap();
    assert_eq!(blob_files(dir.path()).len(), 1);
    // A copy shares the blob: no new file; the blob goes with its last reference.
    store
        .copy_object("b", "k", None, "b", object_meta("k2"), false)
        .unwrap();
    assert_eq!(blob_files(dir.path()).len(), 1);
    store.delete_object("b", "k").unwrap();
    assert_eq!(blob_files(dir.path()).len(), 1, "the copy still names it");
    assert_eq!(content(&store, "b", "k2"), b"2");
    store.delete_object("b", "k2").unwrap();
    assert!(blob_files(dir.path()).is_empty());
    assert!(matches!(
        store
            .put_object("b", object_meta("k"), blob(&store, b"x"), false)
            .map(|_| ()),
        Ok(())
    ));
    assert!(matches!(
        store.put_object("b", object_meta("k"), blob(&store, b"y"), true),
        Err(StoreError::ObjectAlreadyExists)
    ));
    assert_eq!(
        blob_files(dir.path()).len(),
        1,
        "a refused put leaves no blob"
    );
}

#[test]
fn stores_are_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<FsStore>();
    check::<MemoryStore>();
}

// ---------------------------------------------------------------- multipart, persistent store

fn blob_path(dir: &Path, id: &str) -> std::path::PathBuf {
    dir.join("blobs").join(&id[..2]).join(id)
}

fn blob_of(data: &osskit_server::store::Extents) -> String {
    data.sole_blob().unwrap().to_string()
}

#[test]
fn fs_multipart_blobs_are_removed_when_no_longer_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    with_bucket(&store, "b");
    let id = store
        .create_upload("b", "k", template("k"))
        .unwrap()
        .upload_id;
    let old = part(&store, "b", "k", &id, 1, &part_bytes(1, MIN_PART)).unwrap();
    let new = part(&store, "b", "k", &id, 1, &part_bytes(2, MIN_PART)).unwrap();
    assert!(
        !blob_path(dir.path(), &blob_of(&old.data)).exists(),
        "a replaced part's blob is removed"
    );
    let end = part(&store, "b", "k", &id, 2, b"end").unwrap();
    let left_out = part(&store, "b", "k", &id, 3, b"left out").unwrap();
    assert_eq!(blob_files(dir.path()).len(), 3);
    put(&store, "b", "k", b"replaced by the completion").unwrap();
    assert_eq!(blob_files(dir.path()).len(), 4);
    let (parts, _) = store.list_parts("b", "k", &id, 0, 10).unwrap();
    let done = store
        .complete_upload("b", "k", &id, Some(&etag_list(&[&parts[0], &parts[1]])))
        .unwrap();
    assert_eq!(parts[0], new);
    // The object is made of the listed parts' blobs (nothing was copied); the part left
    // out and the replaced object are gone.
    let mut want = vec![
        blob_path(dir.path(), &blob_of(&new.data)),
        blob_path(dir.path(), &blob_of(&end.data)),
    ];
    want.sort();
    assert_eq!(blob_files(dir.path()), want);
    assert!(!blob_path(dir.path(), &blob_of(&left_out.data)).exists());
    assert_eq!(done.data.count(), 2);
    assert_eq!(
        content(&store, "b", "k"),
        [part_bytes(2, MIN_PART), b"end".to_vec()].concat()
    );

    let id = store
        .create_upload("b", "k2", template("k2"))
        .unwrap()
        .upload_id;
    part(&store, "b", "k2", &id, 1, b"x").unwrap();
    part(&store, "b", "k2", &id, 2, b"y").unwrap();
    assert_eq!(blob_files(dir.path()).len(), 4);
    store.abort_upload("b", "k2", &id).unwrap();
    assert_eq!(blob_files(dir.path()).len(), 2);
    // A part refused for a missing upload leaves no blob behind.
    assert!(matches!(
        part(&store, "b", "k2", &id, 1, b"x"),
        Err(StoreError::NoSuchUpload)
    ));
    assert_eq!(blob_files(dir.path()).len(), 2);
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
    // Deleting the object releases its parts' blobs.
    store.delete_object("b", "k").unwrap();
    assert!(blob_files(dir.path()).is_empty());
}

#[test]
fn fs_reopen_keeps_uploads_and_their_parts() {
    let dir = tempfile::tempdir().unwrap();
    let (upload, p1, p2);
    {
        let store = FsStore::open(dir.path()).unwrap();
        with_bucket(&store, "b");
        upload = store.create_upload("b", "k", template("k")).unwrap();
        p1 = part(
            &store,
            "b",
            "k",
            &upload.upload_id,
            1,
            &part_bytes(1, MIN_PART),
        )
        .unwrap();
        p2 = part(&store, "b", "k", &upload.upload_id, 2, b"end").unwrap();
    }
    let store = FsStore::open(dir.path()).unwrap();
    assert_eq!(blob_files(dir.path()).len(), 2, "part blobs are referenced");
    assert_eq!(store.upload("b", "k", &upload.upload_id).unwrap(), upload);
    let (parts, _) = store
        .list_parts("b", "k", &upload.upload_id, 0, 10)
        .unwrap();
    assert_eq!(parts, vec![p1, p2]);
    let page = store.list_uploads("b", "", "", "", "", 10).unwrap();
    assert_eq!(page.entries, vec![UploadEntry::Upload(upload.clone())]);
    assert!(matches!(
        store.delete_bucket("b"),
        Err(StoreError::BucketNotEmpty)
    ));
    // Ids made after a restart still sort after earlier ones.
    let later: UploadMeta = store.create_upload("b", "k", template("k")).unwrap();
    assert!(later.upload_id > upload.upload_id);
    let done = store
        .complete_upload("b", "k", &upload.upload_id, None)
        .unwrap();
    let expected = [part_bytes(1, MIN_PART), b"end".to_vec()].concat();
    assert_eq!(content(&store, "b", "k"), expected);
    assert_eq!(done.crc64, crc64(&expected));
}

#[test]
fn fs_completion_writes_no_bytes_and_a_crash_leaves_upload_or_object() {
    let dir = tempfile::tempdir().unwrap();
    let id;
    let one = part_bytes(5, MIN_PART);
    {
        let store = FsStore::open(dir.path()).unwrap();
        with_bucket(&store, "b");
        put(&store, "b", "k", b"old object").unwrap();
        id = store
            .create_upload("b", "k", template("k"))
            .unwrap()
            .upload_id;
        part(&store, "b", "k", &id, 1, &one).unwrap();
        part(&store, "b", "k", &id, 2, b"two").unwrap();
        // A completion that did not commit leaves nothing to clean: it writes no file.
    }
    assert_eq!(blob_files(dir.path()).len(), 3);
    let store = FsStore::open(dir.path()).unwrap();
    assert_eq!(content(&store, "b", "k"), b"old object");
    let (parts, _) = store.list_parts("b", "k", &id, 0, 10).unwrap();
    assert_eq!(parts.len(), 2);
    let tmp_before = std::fs::read_dir(dir.path().join("tmp")).unwrap().count();
    store.complete_upload("b", "k", &id, None).unwrap();
    assert_eq!(content(&store, "b", "k"), [one.as_slice(), b"two"].concat());
    // The part files became the object's: two files, the old object's gone, tmp untouched.
    assert_eq!(blob_files(dir.path()).len(), 2);
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        tmp_before
    );
    drop(store);
    let report = osskit_server::store::fsck::fsck(dir.path(), &Default::default()).unwrap();
    assert!(report.is_clean(), "{report}");
}

#[test]
fn fs_blobs_released_just_before_a_crash_are_collected_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let saved;
    {
        let store = FsStore::open(dir.path()).unwrap();
        with_bucket(&store, "b");
        let id = store
            .create_upload("b", "k", template("k"))
            .unwrap()
            .upload_id;
        let p = part(&store, "b", "k", &id, 1, b"part").unwrap();
        part(&store, "b", "k", &id, 2, b"left out").unwrap();
        let left = store.list_parts("b", "k", &id, 1, 1).unwrap().0.remove(0);
        let path = blob_path(dir.path(), &blob_of(&left.data));
        let bytes = std::fs::read(&path).unwrap();
        store
            .complete_upload("b", "k", &id, Some(&etag_list(&[&p])))
            .unwrap();
        assert!(!path.exists());
        // A crash between the commit and the removal of the released blob leaves it
        // behind, recorded as garbage.
        std::fs::write(&path, bytes).unwrap();
        saved = path;
    }
    let report = osskit_server::store::fsck::fsck(dir.path(), &Default::default()).unwrap();
    assert_eq!(report.damage().count(), 0, "{report}");
    assert_eq!(report.findings.len(), 1, "{report}");
    let store = FsStore::open(dir.path()).unwrap();
    assert!(!saved.exists());
    assert_eq!(blob_files(dir.path()).len(), 1);
    assert_eq!(content(&store, "b", "k"), b"part");
    drop(store);
    let report = osskit_server::store::fsck::fsck(dir.path(), &Default::default()).unwrap();
    assert!(report.is_clean(), "{report}");
}

#[test]
fn fsck_finds_and_repairs_what_a_store_can_lose() {
    use osskit_server::store::fsck::{fsck, FsckOptions, Severity};
    let dir = tempfile::tempdir().unwrap();
    let (gone, short);
    {
        let store = FsStore::open(dir.path()).unwrap();
        with_bucket(&store, "b");
        put(&store, "b", "whole", b"whole object").unwrap();
        put(&store, "b", "gone", b"to lose").unwrap();
        put(&store, "b", "short", b"to cut short").unwrap();
        store
            .copy_object("b", "whole", None, "b", object_meta("copy"), false)
            .unwrap();
        gone = blob_path(
            dir.path(),
            &blob_of(&store.object("b", "gone").unwrap().data),
        );
        short = blob_path(
            dir.path(),
            &blob_of(&store.object("b", "short").unwrap().data),
        );
    }
    let report = fsck(dir.path(), &FsckOptions::default()).unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.objects, 4);
    std::fs::remove_file(&gone).unwrap();
    std::fs::write(&short, b"cut").unwrap();
    std::fs::write(
        dir.path().join("blobs/ab/ab000000000000000000000000000001"),
        b"orphan",
    )
    .unwrap();
    std::fs::write(dir.path().join("tmp/leftover"), b"tmp").unwrap();
    let report = fsck(
        dir.path(),
        &FsckOptions {
            verify_data: true,
            ..Default::default()
        },
    )
    .unwrap();
    let damage: Vec<_> = report.damage().map(|f| f.what.clone()).collect();
    assert_eq!(damage.len(), 2, "{report}");
    assert!(damage
        .iter()
        .any(|d| d.contains("\"gone\"") && d.contains("missing")));
    assert!(damage.iter().any(|d| d.contains("\"short\"")));
    assert_eq!(
        report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Leftover)
            .count(),
        2
    );
    let repaired = fsck(
        dir.path(),
        &FsckOptions {
            repair: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        repaired.has_unrepaired(),
        "damage is reported, never hidden"
    );
    let after = fsck(dir.path(), &FsckOptions::default()).unwrap();
    assert_eq!(after.findings.len(), 2, "only the damage is left: {after}");
    assert!(after.damage().count() == 2);
    // The objects whose bytes are intact still read back.
    let store = FsStore::open(dir.path()).unwrap();
    assert_eq!(content(&store, "b", "copy"), b"whole object");
}

#[test]
fn memory_stores_remove_the_directories_of_ended_processes_only() {
    let probe = MemoryStore::new().unwrap();
    let base = probe.dir().parent().unwrap().to_path_buf();
    let name = probe
        .dir()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        name.starts_with(&format!("oss-server-mem-{}-", std::process::id())),
        "{name}"
    );
    // No process has this id (above any pid_max), so its directory is abandoned; pid 1 runs.
    let abandoned = base.join("oss-server-mem-4294967295-test");
    let alive = base.join("oss-server-mem-1-test-of-a-running-process");
    for dir in [&abandoned, &alive] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("blob"), b"x").unwrap();
    }
    let store = MemoryStore::new().unwrap();
    let abandoned_left = abandoned.exists();
    let alive_kept = alive.exists();
    let _ = std::fs::remove_dir_all(&alive);
    let _ = std::fs::remove_dir_all(&abandoned);
    assert!(
        !abandoned_left,
        "the directory of an ended process was kept"
    );
    assert!(alive_kept, "the directory of a running process was removed");
    assert!(
        probe.dir().exists(),
        "this process's other store was removed"
    );
    let dir = store.dir().to_path_buf();
    drop(store);
    assert!(!dir.exists(), "a dropped store keeps its directory");
}
