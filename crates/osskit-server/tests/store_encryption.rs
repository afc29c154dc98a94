//! Encryption at rest on the extent store, and deletes checked in their transaction.
//!
//! Each behavioural test runs against both `FsStore` and `MemoryStore`: encrypted blobs are
//! shared by copies, become the extents of completed multipart objects, read back in any
//! range and take appends at their offset; an object that reports server-side encryption is
//! made of encrypted extents only (copies of plain bytes get encrypted bytes of their own,
//! plain parts are refused); checked deletes refuse as a whole. Persistent-store tests
//! follow: no plain text in the blob files, garbage collection of encrypted blobs shared by
//! copies, the store key across restarts, and fsck.

use std::io::Read;
use std::path::Path;

use md5::Digest;
use osskit_proto::crc64::crc64;
use osskit_server::store::fsck::{fsck, FsckOptions};
use osskit_server::store::{
    BucketMeta, FsStore, MemoryStore, ObjectCheck, ObjectEncryption, ObjectMeta, ObjectType,
    PendingBlob, Store, StoreError,
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

fn sse() -> Option<Box<ObjectEncryption>> {
    Some(Box::new(ObjectEncryption {
        algorithm: "AES256".into(),
        key_id: None,
        data_algorithm: None,
    }))
}

fn meta(key: &str, encrypted: bool) -> ObjectMeta {
    let mut m = ObjectMeta::new(key, ObjectType::Normal);
    m.last_modified_ms = 1_700_000_000_000;
    if encrypted {
        m.encryption = sse();
    }
    m
}

/// Bytes that are easy to find in a file.
fn marked(tag: &str, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 32);
    let mut i = 0u64;
    while out.len() < size {
        out.extend_from_slice(format!("PLAIN-{tag}-{i:08}|").as_bytes());
        i += 1;
    }
    out.truncate(size);
    out
}

fn blob(store: &dyn Store, data: &[u8], encrypted: bool) -> PendingBlob {
    let mut w = store.new_blob().unwrap();
    if encrypted {
        w.encrypt(None).unwrap();
    }
    for chunk in data.chunks(7000) {
        w.write(chunk).unwrap();
    }
    w.finish().unwrap()
}

fn put(store: &dyn Store, key: &str, data: &[u8], encrypted: bool) {
    store
        .put_object(
            "b",
            meta(key, encrypted),
            blob(store, data, encrypted),
            false,
        )
        .unwrap();
}

fn read(store: &dyn Store, key: &str, start: u64, len: u64) -> Vec<u8> {
    let (_, data) = store.open_object("b", key).unwrap();
    let mut out = Vec::new();
    data.reader(start, len).read_to_end(&mut out).unwrap();
    out
}

fn whole(store: &dyn Store, key: &str) -> Vec<u8> {
    read(store, key, 0, u64::MAX)
}

fn setup(store: &dyn Store) {
    store.create_bucket(bucket_meta("b")).unwrap();
}

// ---------------------------------------------------------------- behaviour suite

fn encrypted_objects_read_in_any_range(store: &dyn Store) {
    setup(store);
    let data = marked("range", 300_000);
    let pending = blob(store, &data, true);
    assert!(pending.is_encrypted());
    // The digests are those of the plain bytes.
    assert_eq!(pending.crc64, crc64(&data));
    store
        .put_object("b", meta("k", true), pending, false)
        .unwrap();
    let m = store.object("b", "k").unwrap();
    assert!(m.data.all_encrypted() && m.encryption.is_some());
    assert!(whole(store, "k") == data);
    for (start, len) in [
        (0u64, 1u64),
        (15, 17),
        (16, 16),
        (4095, 70_000),
        (299_990, 10),
    ] {
        assert!(
            read(store, "k", start, len) == data[start as usize..(start + len) as usize],
            "{start}+{len}"
        );
    }
}

fn an_encrypted_object_needs_encrypted_bytes(store: &dyn Store) {
    setup(store);
    let err = store
        .put_object("b", meta("k", true), blob(store, b"plain", false), false)
        .unwrap_err();
    assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
    assert!(matches!(store.object("b", "k"), Err(StoreError::NoSuchKey)));
    // Encrypted bytes under an object that reports nothing are fine (and read back).
    put(store, "quiet", b"still encrypted", true);
    assert_eq!(whole(store, "quiet"), b"still encrypted");
    // A metadata update cannot claim encryption of plain bytes.
    put(store, "plain", b"plain bytes", false);
    let after = store
        .update_object_meta(
            "b",
            "plain",
            Box::new(|m| {
                m.encryption = sse();
                Ok(())
            }),
        )
        .unwrap();
    assert!(after.encryption.is_none());
}

fn copies_share_encrypted_blobs_or_get_their_own(store: &dyn Store) {
    setup(store);
    let secret = marked("secret", 50_000);
    let plain = marked("plain", 40_000);
    put(store, "secret", &secret, true);
    put(store, "plain", &plain, false);
    let source = store.object("b", "secret").unwrap();

    // Out of encryption, or into it from encrypted bytes: the extents are shared.
    let out = store
        .copy_object("b", "secret", None, "b", meta("out", false), false)
        .unwrap();
    assert_eq!(out.data, source.data);
    assert!(out.encryption.is_none());
    let same = store
        .copy_object("b", "secret", None, "b", meta("same", true), false)
        .unwrap();
    assert_eq!(same.data, source.data);
    assert!(whole(store, "out") == secret && whole(store, "same") == secret);

    // Into encryption from plain bytes: bytes of its own, encrypted; the source stays.
    let plain_meta = store.object("b", "plain").unwrap();
    let sealed = store
        .copy_object("b", "plain", None, "b", meta("sealed", true), false)
        .unwrap();
    assert_ne!(sealed.data, plain_meta.data);
    assert!(sealed.data.all_encrypted());
    assert_eq!(
        (sealed.etag.as_str(), sealed.crc64),
        (plain_meta.etag.as_str(), plain_meta.crc64)
    );
    assert_eq!(store.object("b", "sealed").unwrap(), sealed);
    assert!(whole(store, "sealed") == plain);
    assert_eq!(store.object("b", "plain").unwrap(), plain_meta);
    // forbid_overwrite still applies on that path.
    assert!(matches!(
        store.copy_object("b", "plain", None, "b", meta("sealed", true), true),
        Err(StoreError::ObjectAlreadyExists)
    ));

    // Onto itself: asking for encryption of plain bytes rewrites them, keeping the type.
    let mut appendable = meta("log", false);
    appendable.object_type = ObjectType::Appendable;
    store
        .append_object(
            "b",
            "log",
            0,
            blob(store, b"first ", false),
            appendable.clone(),
        )
        .unwrap();
    let rewritten = store
        .copy_object("b", "log", None, "b", meta("log", true), false)
        .unwrap();
    assert!(rewritten.data.all_encrypted() && rewritten.encryption.is_some());
    assert_eq!(rewritten.object_type, ObjectType::Appendable);
    assert_eq!(whole(store, "log"), b"first ");
    // ... and it can still be appended to, under its new blob's key stream.
    let target = rewritten.data.sole_blob().unwrap().to_string();
    let mut w = store.new_blob().unwrap();
    w.encrypt(Some((&target, 6))).unwrap();
    w.write(b"second").unwrap();
    let done = store
        .append_object("b", "log", 6, w.finish().unwrap(), appendable)
        .unwrap();
    assert!(done.data.all_encrypted());
    assert_eq!(whole(store, "log"), b"first second");
    assert_eq!(done.crc64, crc64(b"first second"));
}

fn appends_encrypt_at_their_offset(store: &dyn Store) {
    setup(store);
    let data = marked("append", 100_000);
    let mut new = meta("log", true);
    new.object_type = ObjectType::Appendable;
    let first = store
        .append_object("b", "log", 0, blob(store, &data[..333], true), new.clone())
        .unwrap();
    let target = first.data.sole_blob().unwrap().to_string();
    let mut at = 333usize;
    for step in [1usize, 15, 16, 17, 4096, 50_000] {
        let end = (at + step).min(data.len());
        // Plain bytes, or bytes keyed for the wrong place, are refused without a change.
        let err = store
            .append_object(
                "b",
                "log",
                at as u64,
                blob(store, &data[at..end], false),
                new.clone(),
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
        let mut w = store.new_blob().unwrap();
        w.encrypt(Some((&target, at as u64))).unwrap();
        w.write(&data[at..end]).unwrap();
        let done = store
            .append_object("b", "log", at as u64, w.finish().unwrap(), new.clone())
            .unwrap();
        at = end;
        assert_eq!(done.size, at as u64);
        assert!(done.data.all_encrypted());
    }
    assert!(whole(store, "log") == data[..at]);
    assert!(read(store, "log", 300, 100) == data[300..400]);
}

fn multipart_objects_are_made_of_encrypted_parts(store: &dyn Store) {
    setup(store);
    let upload = store.create_upload("b", "mp", meta("mp", true)).unwrap();
    let id = upload.upload_id.as_str();
    let p1 = marked("part1", 150 * 1024);
    let p2 = marked("part2", 110 * 1024);
    let p3 = marked("part3", 5000);
    // Plain bytes cannot be a part of an encrypted upload, from a body or shared.
    let err = store
        .put_part("b", "mp", id, 1, blob(store, &p1, false))
        .unwrap_err();
    assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
    put(store, "plain-src", &p2, false);
    let plain_src = store.object("b", "plain-src").unwrap();
    let err = store
        .put_part_copy(
            "b",
            "mp",
            id,
            2,
            plain_src.data.clone(),
            [0; 16],
            plain_src.crc64,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Internal(_)), "{err:?}");

    store
        .put_part("b", "mp", id, 1, blob(store, &p1, true))
        .unwrap();
    store
        .put_part("b", "mp", id, 2, blob(store, &p2, true))
        .unwrap();
    // A part shared with an encrypted object.
    put(store, "enc-src", &p3, true);
    let enc_src = store.object("b", "enc-src").unwrap();
    let md5: [u8; 16] = md5::Md5::digest(&p3).into();
    store
        .put_part_copy("b", "mp", id, 3, enc_src.data.clone(), md5, enc_src.crc64)
        .unwrap();
    let done = store.complete_upload("b", "mp", id, None).unwrap();
    assert!(done.data.all_encrypted() && done.encryption.is_some());
    assert_eq!(done.data.count(), 3, "the parts' blobs, not a copy");
    let expected = [p1.as_slice(), &p2, &p3].concat();
    assert!(whole(store, "mp") == expected);
    assert_eq!(done.crc64, crc64(&expected));
    // A range across the part boundaries.
    let (start, len) = (150 * 1024 - 10, 110 * 1024 + 20);
    assert!(read(store, "mp", start, len) == expected[start as usize..(start + len) as usize]);
    // The shared blob outlives the object it came from.
    store.delete_object("b", "enc-src").unwrap();
    assert!(whole(store, "mp") == expected);
}

fn checked_deletes_refuse_as_a_whole(store: &dyn Store) {
    setup(store);
    put(store, "a", b"a", false);
    put(store, "keep", b"keep", true);
    put(store, "c", b"c", false);
    let protect_keep: fn() -> ObjectCheck = || {
        Box::new(|m: &ObjectMeta| {
            if m.key == "keep" {
                Err(StoreError::Immutable(m.key.clone()))
            } else {
                Ok(())
            }
        })
    };
    let keys: Vec<String> = ["a", "keep", "c", "missing"].map(String::from).to_vec();
    let err = store
        .delete_objects_checked("b", &keys, protect_keep())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Immutable(ref k) if k == "keep"),
        "{err:?}"
    );
    for key in ["a", "keep", "c"] {
        assert!(store.object("b", key).is_ok(), "{key} is still there");
    }
    let done = store
        .delete_objects_checked("b", &["a".into(), "missing".into()], protect_keep())
        .unwrap();
    assert_eq!(done, [true, false]);
    assert!(matches!(
        store.delete_object_checked("b", "keep", protect_keep()),
        Err(StoreError::Immutable(_))
    ));
    assert_eq!(whole(store, "keep"), b"keep");
    assert!(!store
        .delete_object_checked("b", "missing", protect_keep())
        .unwrap());
    // A check that the object is still the one read before.
    let listed = store.object("b", "c").unwrap();
    put(store, "c", b"c again", false);
    let data = listed.data.clone();
    let err = store
        .delete_object_checked(
            "b",
            "c",
            Box::new(move |m| {
                if m.data == data {
                    Ok(())
                } else {
                    Err(StoreError::Changed)
                }
            }),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Changed));
    assert_eq!(whole(store, "c"), b"c again");
    assert!(store
        .delete_object_checked("b", "c", Box::new(|_| Ok(())))
        .unwrap());
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
    encrypted_objects_read_in_any_range,
    an_encrypted_object_needs_encrypted_bytes,
    copies_share_encrypted_blobs_or_get_their_own,
    appends_encrypt_at_their_offset,
    multipart_objects_are_made_of_encrypted_parts,
    checked_deletes_refuse_as_a_whole,
);

// ---------------------------------------------------------------- persistent store

/// Whether any file under `dir` contains `needle`.
fn stored_in_clear(dir: &Path, needle: &[u8]) -> bool {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    return true;
                }
            }
        }
    }
    false
}

fn blob_path(dir: &Path, id: &str) -> std::path::PathBuf {
    dir.join("blobs").join(&id[..2]).join(id)
}

#[test]
fn no_plain_text_at_rest_and_shared_encrypted_blobs_go_with_their_last_object() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsStore::open(dir.path()).unwrap();
    assert!(
        !dir.path().join("sse.key").exists(),
        "a store without encrypted objects has no key"
    );
    setup(&store);
    let data = marked("atrest", 200_000);
    put(&store, "k", &data, true);
    assert!(dir.path().join("sse.key").exists());
    let id = store
        .object("b", "k")
        .unwrap()
        .data
        .sole_blob()
        .unwrap()
        .to_string();
    assert!(!stored_in_clear(dir.path(), b"PLAIN-atrest-00000001|"));
    store
        .copy_object("b", "k", None, "b", meta("copy", false), false)
        .unwrap();
    store.delete_object("b", "k").unwrap();
    assert!(
        blob_path(dir.path(), &id).exists(),
        "the copy still names it"
    );
    assert!(whole(&store, "copy") == data);
    store.delete_object("b", "copy").unwrap();
    assert!(
        !blob_path(dir.path(), &id).exists(),
        "collected with its last object"
    );
    drop(store);
    let report = fsck(dir.path(), &FsckOptions::default()).unwrap();
    assert!(report.is_clean(), "{report}");
}

#[test]
fn the_key_survives_a_restart_and_fsck_reads_encrypted_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = marked("fsck", 120_000);
    {
        let store = FsStore::open(dir.path()).unwrap();
        setup(&store);
        put(&store, "enc", &data, true);
        put(&store, "plain", b"plain", false);
        let upload = store.create_upload("b", "mp", meta("mp", true)).unwrap();
        store
            .put_part("b", "mp", &upload.upload_id, 1, blob(&store, &data, true))
            .unwrap();
    }
    let options = FsckOptions {
        verify_data: true,
        ..Default::default()
    };
    let report = fsck(dir.path(), &options).unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.encrypted_blobs, 2);
    assert!(report.verified_bytes >= data.len() as u64);
    let store = FsStore::open(dir.path()).unwrap();
    assert!(whole(&store, "enc") == data);
    drop(store);

    // Without its key, encrypted bytes are damage, never read as garbage, and fsck makes
    // no new key.
    let key = std::fs::read(dir.path().join("sse.key")).unwrap();
    std::fs::remove_file(dir.path().join("sse.key")).unwrap();
    let report = fsck(dir.path(), &options).unwrap();
    let damage: Vec<String> = report.damage().map(|f| f.what.clone()).collect();
    assert!(
        damage
            .iter()
            .any(|d| d.contains("2 encrypted blobs") && d.contains("sse.key")),
        "{report}"
    );
    assert!(!dir.path().join("sse.key").exists());
    let store = FsStore::open(dir.path()).unwrap();
    let (_, data_now) = store.open_object("b", "enc").unwrap();
    let err = data_now.read_range(0, 10).unwrap_err();
    assert!(err.to_string().contains("sse.key"), "{err}");
    assert_eq!(whole(&store, "plain"), b"plain");
    drop(data_now);
    drop(store);

    // Back with its key, and with a blob whose extents disagree, fsck sees that damage.
    std::fs::write(dir.path().join("sse.key"), &key).unwrap();
    let report = fsck(dir.path(), &options).unwrap();
    assert!(report.is_clean(), "{report}");
    // A wrong key reads bytes that do not match their CRC-64.
    std::fs::write(dir.path().join("sse.key"), [7u8; 32]).unwrap();
    let report = fsck(dir.path(), &options).unwrap();
    assert!(
        report
            .damage()
            .any(|f| f.what.contains("\"enc\"") && f.what.contains("CRC-64")),
        "{report}"
    );
}

#[test]
fn fsck_reports_extents_that_disagree_and_encryption_claimed_over_plain_bytes() {
    use osskit_server::store::meta::MetaDb;
    use osskit_server::store::{Extent, Extents};
    let dir = tempfile::tempdir().unwrap();
    {
        let store = FsStore::open(dir.path()).unwrap();
        setup(&store);
        put(&store, "plain", b"plain bytes", false);
    }
    // Records only a broken writer could leave: a second object calling the plain blob
    // encrypted, and an object that reports encryption over plain bytes.
    {
        let db = MetaDb::open(
            &dir.path().join("meta.redb"),
            std::time::Duration::ZERO,
            None,
        )
        .unwrap();
        db.write(|tx| {
            let plain = tx.object("b", "plain")?.unwrap();
            let id = plain.data.sole_blob().unwrap().to_string();
            let mut liar = plain.clone();
            liar.key = "liar".into();
            liar.data = Extents::from_extents([Extent::new(id, 0, plain.size).encrypted(true)]);
            tx.put_object("b", &liar)?;
            let mut claims = plain.clone();
            claims.key = "claims".into();
            claims.encryption = sse();
            tx.put_object("b", &claims)?;
            Ok(())
        })
        .unwrap();
    }
    let report = fsck(dir.path(), &FsckOptions::default()).unwrap();
    let damage: Vec<String> = report.damage().map(|f| f.what.clone()).collect();
    assert!(
        damage
            .iter()
            .any(|d| d.contains("encrypted by some extents and as plain")),
        "{report}"
    );
    assert!(
        damage
            .iter()
            .any(|d| d.contains("\"claims\"") && d.contains("reports server-side encryption")),
        "{report}"
    );
    assert!(
        damage
            .iter()
            .any(|d| d.contains("1 encrypted blobs cannot be read")),
        "no key was ever made: {report}"
    );
}

#[test]
fn encrypted_bytes_are_counted_in_plain_sizes() {
    let store = MemoryStore::new().unwrap();
    setup(&store);
    put(&store, "k", &marked("size", 12_345), true);
    let m = store.object("b", "k").unwrap();
    assert_eq!((m.size, m.data.len()), (12_345, 12_345));
}
