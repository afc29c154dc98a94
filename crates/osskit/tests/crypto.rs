//! Client-side encryption against the local server: the reference objects of the Go and C++
//! SDKs and of the legacy format, every body kind, ranges, multipart contexts, the transfer
//! managers, the KMS provider against the server's KMS endpoint, wrong keys and tampered
//! envelopes, refused operations and the blocking facade.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use common::{new_bucket, Signer};
use futures_util::future::BoxFuture;
use osskit::credentials::StaticCredentialsProvider;
use osskit::crypto::{
    CryptoBucket, KeyPart, KeyProvider, KmsProvider, LocalRsaProvider, MaterialDescription,
    MultipartUploadCryptoContext, RsaProvider, Zeroizing,
};
use osskit::{Bucket, Error, PartInfo};
use osskit_server::testing::{
    TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, TEST_KMS_KEY_ID,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/crypto");
const KIB: u64 = 1024;

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap()
}

fn vector_text(name: &str) -> String {
    std::fs::read_to_string(format!("{DATA}/{name}")).unwrap()
}

fn meta(name: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(&vector_text(name)).unwrap()
}

fn compact() -> RsaProvider {
    RsaProvider::new(
        &vector_text("compact.public_key.pem"),
        &vector_text("compact.private_key.pem"),
    )
    .unwrap()
}

fn local_rsa(dir: &Path, name: &str) -> LocalRsaProvider {
    LocalRsaProvider::builder()
        .dir(dir)
        .key_name(name)
        .bits(1024)
        .build()
        .unwrap()
}

/// Deterministic bytes.
fn data(len: u64, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + u64::from(seed) * 7 + (i >> 9)) % 251) as u8)
        .collect()
}

/// Stores `body` as is with the `x-oss-meta-*` headers of a reference meta file.
async fn put_raw(bucket: &Bucket, key: &str, body: Vec<u8>, meta_file: &str) {
    let mut b = bucket.put_object(key, body);
    for (k, v) in meta(meta_file) {
        if k.starts_with("x-oss-meta-") {
            b = b.header(k, v.as_str().unwrap().to_string());
        }
    }
    b.await.unwrap();
}

async fn get(crypto: &CryptoBucket, key: &str, range: Option<(u64, u64)>) -> Vec<u8> {
    let mut b = crypto.get_object(key);
    if let Some(r) = range {
        b = b.range(r);
    }
    b.await.unwrap().bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn go_and_cpp_objects_decrypt_whole_and_in_ranges() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V4, "cv").await;
    let plain = vector("example.jpg");
    let crypto = CryptoBucket::new(bucket.clone(), compact());
    for sdk in ["go", "cpp"] {
        let key = format!("{sdk}.jpg");
        put_raw(
            &bucket,
            &key,
            vector(&format!("encrypted_{sdk}_example.jpg")),
            &format!("encrypted_{sdk}_example_meta.json"),
        )
        .await;
        assert_eq!(get(&crypto, &key, None).await, plain, "{sdk}");
        for (a, b) in [(0, 0), (1, 17), (15, 16), (1000, 5000), (21830, 21838)] {
            assert_eq!(
                get(&crypto, &key, Some((a, b))).await,
                &plain[a as usize..=b as usize],
                "{sdk} {a}-{b}"
            );
        }
        let out = crypto.get_object(&key).range(1001u64..).await.unwrap();
        assert_eq!(out.content_length, Some(21839 - 1001));
        assert_eq!(out.content_range.as_deref(), Some("bytes 1001-21838/21839"));
        assert_eq!(out.bytes().await.unwrap(), &plain[1001..]);

        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jpg");
        let done = crypto.get_object_to_file(&key, &target).await.unwrap();
        assert_eq!(done.client_crc, done.server_crc);
        assert_eq!(std::fs::read(&target).unwrap(), plain);
    }
}

#[tokio::test]
async fn legacy_rsa_objects_decrypt() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V1, "lr").await;
    // The legacy RSA vector is OAEP under the compact pair: a LocalRsaProvider of those files.
    let keys = tempfile::tempdir().unwrap();
    for half in ["private", "public"] {
        std::fs::copy(
            format!("{DATA}/compact.{half}_key.pem"),
            keys.path().join(format!("rsa-test.{half}_key.pem")),
        )
        .unwrap();
    }
    let crypto = CryptoBucket::new(
        bucket.clone(),
        LocalRsaProvider::new(keys.path(), "rsa-test").unwrap(),
    );
    put_raw(
        &bucket,
        "legacy",
        vector("deprecated_encrypted_1MB_a_rsa"),
        "deprecated_encrypted_1MB_a_meta_rsa.json",
    )
    .await;
    assert_eq!(get(&crypto, "legacy", None).await, vec![b'a'; 1 << 20]);
    assert_eq!(
        get(&crypto, "legacy", Some((77, 1000))).await,
        vec![b'a'; 924]
    );
    // The PKCS#1 v1.5 provider of the same pair is another wrap algorithm.
    let other = CryptoBucket::new(bucket.clone(), compact());
    let err = other.get_object("legacy").await.unwrap_err();
    assert!(matches!(err, Error::Inconsistent { .. }), "{err}");
}

/// A provider standing in for KMS that knows the plain secrets of the legacy KMS vector.
#[derive(Debug)]
struct KnownKms {
    key: Vec<u8>,
    start: String,
    blob_key: String,
    description: MaterialDescription,
}

impl KeyProvider for KnownKms {
    fn wrap_algorithm(&self) -> &str {
        osskit::crypto::KMS_ALICLOUD
    }
    fn material_description(&self) -> &MaterialDescription {
        &self.description
    }
    fn wrap<'a>(&'a self, _: KeyPart, _: &'a [u8]) -> BoxFuture<'a, osskit::Result<Vec<u8>>> {
        Box::pin(async { Err(Error::client("read only")) })
    }
    fn unwrap<'a>(
        &'a self,
        part: KeyPart,
        wrapped: &'a [u8],
    ) -> BoxFuture<'a, osskit::Result<Zeroizing<Vec<u8>>>> {
        Box::pin(async move {
            match part {
                KeyPart::DataKey => {
                    assert_eq!(
                        wrapped,
                        self.blob_key.as_bytes(),
                        "the blob is passed as is"
                    );
                    Ok(Zeroizing::new(self.key.clone()))
                }
                KeyPart::LegacyStart => Ok(Zeroizing::new(self.start.clone().into_bytes())),
                _ => Err(Error::client("not a legacy IV")),
            }
        })
    }
}

#[tokio::test]
async fn legacy_kms_objects_decrypt_with_a_user_provider() {
    use base64::Engine as _;
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V1, "lk").await;
    let m = meta("deprecated_encrypted_1MB_a_meta_kms.json");
    let provider = KnownKms {
        key: base64::engine::general_purpose::STANDARD
            .decode(m["base64-plain-key"].as_str().unwrap())
            .unwrap(),
        start: m["plain-start"].as_str().unwrap().to_string(),
        blob_key: m["x-oss-meta-oss-crypto-key"].as_str().unwrap().to_string(),
        description: MaterialDescription::new(),
    };
    let crypto = CryptoBucket::new(bucket.clone(), provider);
    put_raw(
        &bucket,
        "legacy-kms",
        vector("deprecated_encrypted_1MB_a_kms"),
        "deprecated_encrypted_1MB_a_meta_kms.json",
    )
    .await;
    assert_eq!(get(&crypto, "legacy-kms", None).await, vec![b'a'; 1 << 20]);
    assert_eq!(get(&crypto, "legacy-kms", Some((17, 17))).await, b"a");
}

#[tokio::test]
async fn every_body_kind_round_trips_and_stores_ciphertext() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::Sts, "bk").await;
    let keys = tempfile::tempdir().unwrap();
    let crypto = CryptoBucket::new(bucket.clone(), local_rsa(keys.path(), "k"));
    let plain = data(300 * KIB + 5, 1);
    let file = keys.path().join("src.bin");
    std::fs::write(&file, &plain).unwrap();

    crypto.put_object("str", "hello world").await.unwrap();
    crypto.put_object("vec", plain.clone()).await.unwrap();
    crypto.put_object_from_file("file", &file).await.unwrap();
    let reader = tokio::fs::File::open(&file).await.unwrap();
    crypto
        .put_object(
            "reader",
            osskit::Body::from_reader(reader, Some(plain.len() as u64)),
        )
        .await
        .unwrap();
    let chunks: Vec<Result<Bytes, std::io::Error>> = plain
        .chunks(7777)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    crypto
        .put_object(
            "stream",
            osskit::Body::from_stream(futures_util::stream::iter(chunks)),
        )
        .await
        .unwrap();
    crypto.put_object("empty", "").await.unwrap();

    assert_eq!(get(&crypto, "str", None).await, b"hello world");
    assert_eq!(get(&crypto, "empty", None).await, b"");
    for key in ["vec", "file", "reader", "stream"] {
        let out = crypto.get_object(key).await.unwrap();
        let server_crc = out.server_crc;
        let mut body = out.body;
        let mut got = Vec::new();
        use futures_util::StreamExt;
        while let Some(c) = body.next().await {
            got.extend_from_slice(&c.unwrap());
        }
        assert_eq!(got, plain, "{key}");
        let raw = bucket.get_object(key).await.unwrap().bytes().await.unwrap();
        assert_eq!(raw.len(), plain.len());
        assert_ne!(&raw[..], &plain[..], "{key} is stored encrypted");
        assert_eq!(
            server_crc,
            Some(osskit::utils::crc64(&raw)),
            "the CRC is of the ciphertext"
        );
        let head = crypto.head_object(key).await.unwrap();
        assert_eq!(
            head.metadata["client-side-encryption-cek-alg"],
            "AES/CTR/NoPadding"
        );
        assert_eq!(
            head.metadata["client-side-encryption-wrap-alg"],
            "RSA/NONE/OAEPWithSHA-1AndMGF1Padding"
        );
    }
    // Two objects never share a data key.
    let a = crypto.head_object("vec").await.unwrap().metadata;
    let b = crypto.head_object("file").await.unwrap().metadata;
    assert_ne!(
        a["client-side-encryption-key"],
        b["client-side-encryption-key"]
    );

    let len = plain.len() as u64;
    for (start, last) in [
        (0, 0),
        (1, 1),
        (15, 31),
        (16, 16),
        (17, 100_000),
        (len - 20, len - 1),
    ] {
        let want = &plain[start as usize..=(last.min(len - 1)) as usize];
        assert_eq!(
            get(&crypto, "vec", Some((start, last))).await,
            want,
            "{start}-{last}"
        );
    }
    // A range OSS cannot serve gets the whole object (its lenient rule), as from a plain
    // bucket, decrypted.
    assert_eq!(get(&crypto, "vec", Some((len + 5, len + 50))).await, plain);
    assert_eq!(get(&crypto, "vec", Some((5, len + 100))).await, plain);
    let err = crypto
        .get_object("vec")
        .range((None, Some(10)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Client { .. }), "{err}");
    assert!(err.to_string().contains("start is none"), "{err}");
}

#[tokio::test]
async fn content_md5_moves_into_the_envelope() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V1, "md").await;
    let crypto = CryptoBucket::new(bucket.clone(), compact());
    let md5 = osskit::utils::content_md5(b"plain text");
    crypto
        .put_object("m", "plain text")
        .content_md5(md5.clone())
        .metadata("owner", "alice")
        .await
        .unwrap();
    let head = crypto.head_object("m").await.unwrap();
    assert_eq!(
        head.metadata["client-side-encryption-unencrypted-content-md5"],
        md5
    );
    assert_eq!(head.metadata["owner"], "alice");
    assert_eq!(get(&crypto, "m", None).await, b"plain text");
}

#[tokio::test]
async fn multipart_uploads_with_a_context() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V4, "mp").await;
    let crypto = CryptoBucket::new(
        bucket.clone(),
        RsaProvider::builder()
            .public_key_pem(vector_text("compact.public_key.pem"))
            .private_key_pem(vector_text("compact.private_key.pem"))
            .material_description(MaterialDescription::new().with("desc", "mp"))
            .build()
            .unwrap(),
    );
    let part = 100 * KIB;
    let plain = data(2 * part + 77, 3);
    let ctx = MultipartUploadCryptoContext::new(plain.len() as u64).with_part_size(part);

    // Parts need an initialised context.
    let err = crypto
        .upload_part("mp", "id", 1, vec![0u8; 10], &ctx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not initialised"), "{err}");

    let init = crypto.init_multipart_upload("mp", &ctx).await.unwrap();
    assert!(ctx.envelope().is_some());
    let saved = ctx.to_json().unwrap();
    assert!(saved.contains("encrypted_key") && !saved.contains("\"key\""));
    let p = part as usize;
    let first = crypto
        .upload_part("mp", &init.upload_id, 1, plain[..p].to_vec(), &ctx)
        .await
        .unwrap();
    // A part of the wrong length would shift the counters: refused before sending.
    let err = crypto
        .upload_part("mp", &init.upload_id, 2, plain[p..2 * p - 1].to_vec(), &ctx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must have 102400"), "{err}");
    let err = crypto
        .upload_part("mp", &init.upload_id, 4, vec![1u8], &ctx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("beyond"), "{err}");
    // Another process continues from the saved context.
    let restored = MultipartUploadCryptoContext::from_json(&saved).unwrap();
    let second = crypto
        .upload_part(
            "mp",
            &init.upload_id,
            2,
            plain[p..2 * p].to_vec(),
            &restored,
        )
        .await
        .unwrap();
    let third = crypto
        .upload_part("mp", &init.upload_id, 3, plain[2 * p..].to_vec(), &restored)
        // The MD5 of the plaintext moves out of the way of the ciphertext.
        .with_content_md5()
        .await
        .unwrap();
    let parts = vec![
        PartInfo::from(&first),
        PartInfo::from(&second),
        PartInfo::from(&third),
    ];
    crypto
        .complete_multipart_upload("mp", &init.upload_id, parts)
        .await
        .unwrap();

    assert_eq!(get(&crypto, "mp", None).await, plain);
    assert_eq!(
        get(&crypto, "mp", Some((part - 3, part + 20))).await,
        &plain[p - 3..=p + 20]
    );
    let head = crypto.head_object("mp").await.unwrap();
    assert_eq!(
        head.metadata["client-side-encryption-data-size"],
        plain.len().to_string()
    );
    assert_eq!(
        head.metadata["client-side-encryption-part-size"],
        part.to_string()
    );
    assert_eq!(
        head.metadata["client-side-encryption-matdesc"],
        r#"{"desc": "mp"}"#
    );

    for bad in [part + 1, 50 * KIB] {
        let ctx = MultipartUploadCryptoContext::new(10 * part).with_part_size(bad);
        let err = crypto.init_multipart_upload("bad", &ctx).await.unwrap_err();
        assert!(err.to_string().contains("part_size is invalid"), "{err}");
    }
    let err = crypto
        .init_multipart_upload("bad", &MultipartUploadCryptoContext::new(0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("data_size"), "{err}");
    let auto = MultipartUploadCryptoContext::new(3 * KIB);
    crypto.init_multipart_upload("auto", &auto).await.unwrap();
    assert_eq!(auto.part_size(), Some(10 << 20));
}

#[tokio::test]
async fn wrong_keys_descriptions_and_tampering_are_errors_that_leave_no_file() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V1, "wk").await;
    let keys = tempfile::tempdir().unwrap();
    let desc = |v: &str| MaterialDescription::new().with("desc", v);
    let writer = LocalRsaProvider::builder()
        .dir(keys.path())
        .key_name("a")
        .bits(1024)
        .material_description(desc("a"))
        .build()
        .unwrap();
    let crypto = CryptoBucket::new(bucket.clone(), writer.clone());
    let plain = data(50 * KIB, 4);
    crypto.put_object("o", plain.clone()).await.unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("o.bin");
    let empty = |p: &Path| std::fs::read_dir(p).unwrap().count() == 0;

    // Another key pair with the same description: the key does not unwrap.
    let stranger = LocalRsaProvider::builder()
        .dir(keys.path())
        .key_name("b")
        .bits(1024)
        .material_description(desc("a"))
        .build()
        .unwrap();
    let wrong = CryptoBucket::new(bucket.clone(), stranger);
    let err = wrong.get_object("o").await.unwrap_err();
    assert!(matches!(err, Error::Client { .. }), "{err}");
    assert!(err.to_string().contains("another key pair"), "{err}");
    assert!(wrong.get_object_to_file("o", &target).await.is_err());
    assert!(empty(out_dir.path()), "nothing is written");

    // Another description: no materials, unless added.
    let other = CryptoBucket::new(bucket.clone(), local_rsa(keys.path(), "c"));
    let err = other.get_object("o").await.unwrap_err();
    assert!(
        err.to_string().contains("no encryption materials match"),
        "{err}"
    );
    let with = other.clone().add_encryption_materials(writer.clone());
    assert_eq!(get(&with, "o", Some((3, 999))).await, &plain[3..1000]);
    // The extra materials read but never write.
    with.put_object("new", "x").await.unwrap();
    let m = with.head_object("new").await.unwrap().metadata;
    assert!(!m.contains_key("client-side-encryption-matdesc"));

    // Tampered envelopes, written with the plain client.
    let stored = bucket.head_object("o").await.unwrap().metadata;
    let raw = bucket.get_object("o").await.unwrap().bytes().await.unwrap();
    let tamper = |name: &str, value: Option<&str>| {
        let mut b = bucket.put_object("t", raw.clone());
        for (k, v) in &stored {
            if k != name {
                b = b.metadata(k.clone(), v.clone());
            }
        }
        if let Some(v) = value {
            b = b.metadata(name, v);
        }
        b
    };
    tamper("client-side-encryption-cek-alg", Some("AES/GCM/NoPadding"))
        .await
        .unwrap();
    let err = crypto.get_object("t").await.unwrap_err();
    assert!(matches!(err, Error::Inconsistent { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("Data encryption/decryption algorithm"),
        "{err}"
    );
    assert!(crypto.get_object_to_file("t", &target).await.is_err());
    tamper(
        "client-side-encryption-wrap-alg",
        Some("RSA/NONE/PKCS1Padding"),
    )
    .await
    .unwrap();
    let err = crypto.get_object("t").await.unwrap_err();
    assert!(
        err.to_string().contains("Envelope encryption/decryption"),
        "{err}"
    );
    tamper("client-side-encryption-start", None).await.unwrap();
    let err = crypto.get_object("t").await.unwrap_err();
    assert!(
        err.to_string().contains("client-side-encryption-start"),
        "{err}"
    );
    tamper("client-side-encryption-key", Some("AAAA"))
        .await
        .unwrap();
    let err = crypto.get_object("t").await.unwrap_err();
    assert!(matches!(err, Error::Client { .. }), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let err = crypto
        .resumable_download("t", dir.path().join("t"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Client { .. }), "{err}");
    assert!(empty(out_dir.path()) && empty(dir.path()));

    // An object without an envelope is returned as stored.
    bucket.put_object("plain", "as is").await.unwrap();
    assert_eq!(get(&crypto, "plain", None).await, b"as is");
}

#[tokio::test]
async fn operations_that_cannot_work_are_refused_before_any_request() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V1, "rf").await;
    let crypto = CryptoBucket::new(bucket.clone(), compact());
    crypto.put_object("src", "secret").await.unwrap();
    let client_error = |e: Error| {
        assert!(matches!(e, Error::Client { .. }), "{e}");
        e.to_string()
    };
    let e = client_error(crypto.append_object("ap", 0, "x").await.unwrap_err());
    assert!(e.contains("append_object"), "{e}");
    assert!(!bucket.object_exists("ap").await.unwrap());
    let ctx = MultipartUploadCryptoContext::new(200 * KIB);
    let id = crypto
        .init_multipart_upload("pc", &ctx)
        .await
        .unwrap()
        .upload_id;
    let e = client_error(
        crypto
            .upload_part_copy(bucket.name(), "src", None, "pc", &id, 1)
            .await
            .unwrap_err(),
    );
    assert!(e.contains("upload_part_copy"), "{e}");
    assert!(bucket.list_parts("pc", &id).await.unwrap().parts.is_empty());
    let url = crypto
        .sign_url(http::Method::PUT, "u", std::time::Duration::from_secs(60))
        .build()
        .await
        .unwrap();
    client_error(crypto.put_object_with_url(url, "x").await.unwrap_err());
    assert!(!bucket.object_exists("u").await.unwrap());
    client_error(crypto.update_object_meta("src").await.unwrap_err());
    client_error(
        crypto
            .copy_object(bucket.name(), "src", "dst")
            .metadata_directive(osskit::MetadataDirective::Replace)
            .await
            .unwrap_err(),
    );
    assert!(!bucket.object_exists("dst").await.unwrap());
    let e = client_error(
        crypto
            .get_object("src")
            .param("x-oss-process", "image/resize,w_10")
            .await
            .unwrap_err(),
    );
    assert!(e.contains("x-oss-process"), "{e}");

    // A copy that keeps the metadata keeps the envelope.
    crypto
        .copy_object(bucket.name(), "src", "copy")
        .await
        .unwrap();
    assert_eq!(get(&crypto, "copy", None).await, b"secret");
    // Presigned GETs decrypt through the CryptoBucket.
    let url = crypto
        .sign_url(http::Method::GET, "src", std::time::Duration::from_secs(60))
        .build()
        .await
        .unwrap();
    let got = crypto
        .get_object_with_url(&url)
        .range((2, 4))
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap(), "cre");
}

fn checkpoint_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test]
async fn resumable_transfers_encrypt_resume_and_decrypt() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V4, "rs").await;
    let keys = tempfile::tempdir().unwrap();
    let crypto = CryptoBucket::new(bucket.clone(), local_rsa(keys.path(), "r"));
    let dir = tempfile::tempdir().unwrap();
    let cps = dir.path().join("cp");
    let size = 12 * 100 * KIB + 5;
    let plain = data(size, 5);
    let src = dir.path().join("src");
    std::fs::write(&src, &plain).unwrap();

    // Interrupted after a few parts: the checkpoint keeps the wrapped key only.
    let counter = Arc::new(AtomicU64::new(0));
    let c2 = counter.clone();
    let upload = crypto
        .resumable_upload("big", &src)
        .multipart_threshold(200 * KIB)
        .part_size(100 * KIB)
        .parallelism(2)
        .checkpoint_dir(&cps)
        .progress(move |done, _| {
            c2.store(done, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_micros(300));
        });
    let watch = async {
        while counter.load(Ordering::SeqCst) < 500 * KIB {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    };
    tokio::select! {
        _ = upload => panic!("finished before it was interrupted"),
        _ = watch => {}
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let cp = checkpoint_files(&cps);
    assert_eq!(cp.len(), 1);
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cp[0]).unwrap()).unwrap();
    let codec = &record["codec"];
    assert_eq!(codec["wrap_alg"], "RSA/NONE/OAEPWithSHA-1AndMGF1Padding");
    assert!(
        codec["encrypted_key"].as_str().unwrap().len() > 100,
        "a wrapped key"
    );

    let out = crypto
        .resumable_upload("big", &src)
        .multipart_threshold(200 * KIB)
        .part_size(100 * KIB)
        .parallelism(2)
        .checkpoint_dir(&cps)
        .await
        .unwrap();
    assert!(
        out.resumed_bytes >= 2 * 100 * KIB,
        "resumed {}",
        out.resumed_bytes
    );
    assert!(checkpoint_files(&cps).is_empty());
    let raw = bucket
        .get_object("big")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(out.crc64, Some(osskit::utils::crc64(&raw)));
    assert_ne!(&raw[..], &plain[..]);
    assert_eq!(get(&crypto, "big", None).await, plain);
    let head = crypto.head_object("big").await.unwrap();
    assert_eq!(head.metadata["client-side-encryption-part-size"], "102400");
    assert_eq!(
        head.metadata["client-side-encryption-data-size"],
        size.to_string()
    );

    // Downloads: in ranges, and in one GET below the threshold.
    let target = dir.path().join("down");
    let down = crypto
        .resumable_download("big", &target)
        .multiget_threshold(200 * KIB)
        .part_size(100 * KIB + 3)
        .checkpoint_dir(&cps)
        .await
        .unwrap();
    assert!(down.parts > 1);
    assert_eq!(std::fs::read(&target).unwrap(), plain);
    crypto
        .resumable_upload("small", &src)
        .multipart_threshold(100 << 20)
        .checkpoint_dir(&cps)
        .await
        .unwrap();
    let target = dir.path().join("small");
    crypto
        .resumable_download("small", &target)
        .checkpoint_dir(&cps)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), plain);
    assert_ne!(
        bucket
            .get_object("small")
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
        &plain[..]
    );
    // A plain bucket's resumable download gets the ciphertext.
    let target = dir.path().join("raw");
    bucket
        .resumable_download("big", &target)
        .multiget_threshold(200 * KIB)
        .checkpoint_dir(&cps)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), raw);
}

#[tokio::test]
async fn kms_provider_against_the_local_kms() {
    let server = TestServer::start().await;
    let bucket = new_bucket(&server, Signer::V1, "km").await;
    let kms = |cmk: &str, passphrase: Option<&str>| {
        let mut b = KmsProvider::builder(
            StaticCredentialsProvider::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
            cmk,
        )
        .endpoint(&server.endpoint());
        if let Some(p) = passphrase {
            b = b.passphrase(p);
        }
        b.build().unwrap()
    };
    let crypto = CryptoBucket::new(bucket.clone(), kms(TEST_KMS_KEY_ID, Some("pw")));
    let plain = data(70 * KIB + 3, 6);
    crypto.put_object("k", plain.clone()).await.unwrap();
    assert_eq!(get(&crypto, "k", None).await, plain);
    assert_eq!(get(&crypto, "k", Some((33, 4000))).await, &plain[33..=4000]);
    let head = crypto.head_object("k").await.unwrap();
    assert_eq!(
        head.metadata["client-side-encryption-wrap-alg"],
        "KMS/ALICLOUD"
    );

    // Multipart through KMS.
    let ctx = MultipartUploadCryptoContext::new(plain.len() as u64).with_part_size(100 * KIB);
    let id = crypto
        .init_multipart_upload("mk", &ctx)
        .await
        .unwrap()
        .upload_id;
    let p = crypto
        .upload_part("mk", &id, 1, plain.clone(), &ctx)
        .await
        .unwrap();
    crypto
        .complete_multipart_upload("mk", &id, vec![PartInfo::from(&p)])
        .await
        .unwrap();
    assert_eq!(get(&crypto, "mk", None).await, plain);

    // Another passphrase is another encryption context: KMS refuses.
    let wrong = CryptoBucket::new(bucket.clone(), kms(TEST_KMS_KEY_ID, Some("other")));
    let err = wrong.get_object("k").await.unwrap_err();
    assert_eq!(err.code(), Some("Rejected.ValidationFailed"), "{err}");
    // A key KMS does not have.
    let missing = CryptoBucket::new(bucket.clone(), kms("no-such-cmk", None));
    let err = missing.put_object("x", "x").await.unwrap_err();
    assert_eq!(err.code(), Some("Forbidden.KeyNotFound"), "{err}");
    assert_eq!(err.status(), Some(404));
    assert!(!bucket.object_exists("x").await.unwrap());
    // Bad credentials.
    let bad = KmsProvider::builder(
        StaticCredentialsProvider::new(TEST_ACCESS_KEY_ID, "wrong"),
        TEST_KMS_KEY_ID,
    )
    .endpoint(&server.endpoint())
    .build()
    .unwrap();
    let err = CryptoBucket::new(bucket.clone(), bad)
        .put_object("x", "x")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{err}");
}

#[test]
fn blocking_crypto_bucket() {
    use std::io::Read;
    let (_rt, server) = common::server_on_own_runtime();
    let auth = osskit::Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let bucket =
        osskit::blocking::Bucket::new(auth, &server.endpoint(), &common::bucket_name("bl"))
            .unwrap();
    bucket.create_bucket().send().unwrap();
    let kms = KmsProvider::builder(
        StaticCredentialsProvider::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
        TEST_KMS_KEY_ID,
    )
    .endpoint(&server.endpoint())
    .build()
    .unwrap();
    let crypto = osskit::blocking::CryptoBucket::new(bucket.clone(), kms);
    let plain = data(40 * KIB, 9);
    crypto.put_object("b", plain.clone()).send().unwrap();
    let mut got = Vec::new();
    crypto
        .get_object("b")
        .range((5, 30_000))
        .send()
        .unwrap()
        .read_to_end(&mut got)
        .unwrap();
    assert_eq!(got, &plain[5..=30_000]);
    let dir = tempfile::tempdir().unwrap();
    crypto
        .get_object_to_file("b", dir.path().join("b"))
        .send()
        .unwrap();
    assert_eq!(std::fs::read(dir.path().join("b")).unwrap(), plain);
    let raw = bucket.get_object("b").send().unwrap().bytes().unwrap();
    assert_ne!(raw, plain);
}

#[tokio::test]
async fn kms_keys_survive_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let start = || osskit_server::Server::start(TestServer::config(dir.path()));
    let kms = |endpoint: &str| {
        KmsProvider::builder(
            StaticCredentialsProvider::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
            TEST_KMS_KEY_ID,
        )
        .endpoint(endpoint)
        .build()
        .unwrap()
    };
    let auth = || osskit::Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let server = start().await.unwrap();
    let bucket = Bucket::new(auth(), &server.endpoint(), "kms-restart").unwrap();
    bucket.create_bucket().await.unwrap();
    CryptoBucket::new(bucket, kms(&server.endpoint()))
        .put_object("k", "kept across restarts")
        .await
        .unwrap();
    server.shutdown().await;
    // The test's key and the key SSE-KMS uses by default, one file each.
    assert_eq!(dir.path().join("kms").read_dir().unwrap().count(), 2);

    let server = start().await.unwrap();
    let bucket = Bucket::new(auth(), &server.endpoint(), "kms-restart").unwrap();
    let crypto = CryptoBucket::new(bucket, kms(&server.endpoint()));
    assert_eq!(get(&crypto, "k", None).await, b"kept across restarts");
    server.shutdown().await;
}
