//! Server-side encryption through the SDK against the local server: the bucket's default
//! rule (round trip and OSS's errors), the `x-oss-server-side-encryption*` headers of
//! objects written under a rule or with headers, and the bytes really encrypted at rest:
//! the data files hold no plain text, while ranges, appends, multipart uploads, part copies
//! and object copies (into and out of encryption) read back exactly.

mod common;

use std::path::Path;

use common::{new_bucket, server, Signer};
use osskit::proto::xml::encryption::ServerSideEncryptionRule;
use osskit::{Bucket, PartInfo};

const SSE: &str = "x-oss-server-side-encryption";
const KEY_ID: &str = "x-oss-server-side-encryption-key-id";
const DATA: &str = "x-oss-server-side-data-encryption";

/// Bytes that are easy to find in a file: a marker repeated, with a counter.
fn marked(tag: &str, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 64);
    let mut i = 0u64;
    while out.len() < size {
        out.extend_from_slice(format!("PLAIN-{tag}-{i:08}|").as_bytes());
        i += 1;
    }
    out.truncate(size);
    out
}

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

async fn read(bucket: &Bucket, key: &str) -> Vec<u8> {
    bucket
        .get_object(key)
        .await
        .unwrap()
        .body
        .collect_bytes()
        .await
        .unwrap()
        .to_vec()
}

async fn headers_of(
    bucket: &Bucket,
    key: &str,
) -> (Option<String>, Option<String>, Option<String>) {
    let h = bucket.head_object(key).await.unwrap().meta;
    (
        h.header(SSE).map(str::to_string),
        h.header(KEY_ID).map(str::to_string),
        h.header(DATA).map(str::to_string),
    )
}

#[tokio::test]
async fn the_rule_round_trips_with_oss_errors() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let bucket = new_bucket(&server, signer, "sse").await;
        let err = bucket.get_bucket_encryption().await.unwrap_err();
        assert_eq!(
            (err.code(), err.status()),
            (Some("NoSuchServerSideEncryptionRule"), Some(404))
        );
        let info = bucket.get_bucket_info().await.unwrap().bucket;
        assert_eq!(
            info.server_side_encryption_rule.unwrap().sse_algorithm,
            "None"
        );

        let rule = ServerSideEncryptionRule::kms(Some("key-1".into())).kms_data_encryption("SM4");
        bucket.put_bucket_encryption(rule.clone()).await.unwrap();
        let got = bucket.get_bucket_encryption().await.unwrap();
        assert_eq!(got.config, rule);
        let info = bucket.get_bucket_info().await.unwrap().bucket;
        assert_eq!(info.server_side_encryption_rule, Some(rule.apply.clone()));

        // OSS's normal form: no empty key id, a data algorithm only with KMS.
        bucket
            .put_bucket_encryption(ServerSideEncryptionRule::aes256().kms_data_encryption("SM4"))
            .await
            .unwrap();
        assert_eq!(
            bucket.get_bucket_encryption().await.unwrap().config,
            ServerSideEncryptionRule::aes256()
        );
        bucket
            .put_bucket_encryption(ServerSideEncryptionRule::kms(Some(String::new())))
            .await
            .unwrap();
        assert_eq!(
            bucket.get_bucket_encryption().await.unwrap().config,
            ServerSideEncryptionRule::kms(None)
        );

        // Errors leave the rule as it was.
        let err = bucket
            .put_bucket_encryption(ServerSideEncryptionRule::new("random"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidEncryptionAlgorithmError"));
        let mut aes_with_key = ServerSideEncryptionRule::aes256();
        aes_with_key.apply.kms_master_key_id = Some("test".into());
        let err = bucket
            .put_bucket_encryption(aes_with_key)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidArgument"));
        let err = bucket
            .put_bucket_encryption("<ServerSideEncryptionRule><Apply")
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("MalformedXML"));
        assert_eq!(
            bucket.get_bucket_encryption().await.unwrap().config,
            ServerSideEncryptionRule::kms(None)
        );
        // The raw document works too.
        bucket
            .put_bucket_encryption(
                "<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault>\
                 <SSEAlgorithm>SM4</SSEAlgorithm></ApplyServerSideEncryptionByDefault>\
                 </ServerSideEncryptionRule>",
            )
            .await
            .unwrap();
        assert_eq!(
            bucket
                .get_bucket_encryption()
                .await
                .unwrap()
                .config
                .apply
                .sse_algorithm,
            "SM4"
        );
        let deleted = bucket.delete_bucket_encryption().await.unwrap();
        assert_eq!(deleted.status(), 204);
        assert!(bucket.get_bucket_encryption().await.is_err());
    }
}

#[tokio::test]
async fn objects_report_their_encryption_and_are_encrypted_at_rest() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "sseobj").await;
    let small = marked("small", 5000);
    let large = marked("large", 3 * 1024 * 1024 + 123);

    // Headers on the request.
    let put = bucket
        .put_object("aes", small.clone())
        .header(SSE, "AES256")
        .header(DATA, "SM4")
        .await
        .unwrap();
    assert_eq!(put.meta.header(SSE), Some("AES256"));
    assert_eq!(put.meta.header(DATA), None);
    let put = bucket
        .put_object("kms", small.clone())
        .header(SSE, "KMS")
        .header(DATA, "SM4")
        .await
        .unwrap();
    let default_key = put.meta.header(KEY_ID).unwrap().to_string();
    assert_eq!(put.meta.header(DATA), Some("SM4"));
    assert_eq!(
        headers_of(&bucket, "kms").await,
        (Some("KMS".into()), Some(default_key), Some("SM4".into()))
    );
    let err = bucket
        .put_object("bad", "x")
        .header(SSE, "DES")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArgument"));
    bucket.put_object("plain", small.clone()).await.unwrap();
    assert_eq!(headers_of(&bucket, "plain").await, (None, None, None));

    // The bucket's rule applies to objects written without headers.
    bucket
        .put_bucket_encryption(ServerSideEncryptionRule::aes256())
        .await
        .unwrap();
    bucket.put_object("large", large.clone()).await.unwrap();
    assert_eq!(
        headers_of(&bucket, "large").await.0.as_deref(),
        Some("AES256")
    );

    for key in ["aes", "kms", "plain"] {
        assert!(read(&bucket, key).await == small, "{key}");
    }
    assert!(read(&bucket, "large").await == large);
    // Ranges of an encrypted object, small (read whole) and large (streamed), across the
    // 16-byte blocks of the cipher and the chunks of the stream.
    for (key, data, start, last) in [
        ("aes", &small, 17u64, 4000u64),
        ("large", &large, 1_048_570, 2_097_160),
        ("large", &large, 3, 3),
        ("large", &large, 3 * 1024 * 1024, 3 * 1024 * 1024 + 122),
    ] {
        let got = bucket.get_object(key).range((start, last)).await.unwrap();
        assert_eq!(got.meta.header(SSE), Some("AES256"));
        let body = got.body.collect_bytes().await.unwrap();
        assert!(
            body[..] == data[start as usize..=last as usize],
            "{key} {start}-{last}"
        );
    }
    // The files of the store hold the plain object but none of the encrypted ones.
    assert!(stored_in_clear(server.dir.path(), b"PLAIN-small-00000001|"));
    assert!(!stored_in_clear(
        server.dir.path(),
        b"PLAIN-large-00000001|"
    ));
    bucket.delete_object("plain").await.unwrap();
    assert!(!stored_in_clear(
        server.dir.path(),
        b"PLAIN-small-00000001|"
    ));
}

#[tokio::test]
async fn appends_multipart_and_copies_keep_the_bytes_right() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V1, "ssemix").await;

    // Appends: the first one decides; later headers do not change it.
    let a = marked("append", 1000);
    let first = bucket
        .append_object("log", 0, a[..333].to_vec())
        .header(SSE, "KMS")
        .await
        .unwrap();
    assert_eq!(first.meta.header(SSE), Some("KMS"));
    let key_id = first.meta.header(KEY_ID).unwrap().to_string();
    let second = bucket
        .append_object("log", 333, a[333..700].to_vec())
        .await
        .unwrap();
    assert_eq!(second.meta.header(KEY_ID), Some(key_id.as_str()));
    let third = bucket
        .append_object("log", 700, a[700..].to_vec())
        .header(SSE, "AES256")
        .await
        .unwrap();
    assert_eq!(third.meta.header(SSE), Some("KMS"));
    assert!(read(&bucket, "log").await == a);
    let mid = bucket.get_object("log").range((300, 720)).await.unwrap();
    assert!(mid.body.collect_bytes().await.unwrap()[..] == a[300..=720]);

    // A multipart upload under encryption: parts and the completion take no headers.
    let part1 = marked("part1", 150 * 1024);
    let part2 = marked("part2", 120 * 1024);
    let init = bucket
        .init_multipart_upload("mp")
        .header(SSE, "KMS")
        .header(DATA, "SM4")
        .header(KEY_ID, "my-key")
        .await
        .unwrap();
    assert_eq!(init.meta.header(KEY_ID), Some("my-key"));
    let id = init.upload_id.clone();
    let err = bucket
        .upload_part("mp", id.as_str(), 1, part1.clone())
        .header(SSE, "KMS")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArgument"));
    let p1 = bucket
        .upload_part("mp", id.as_str(), 1, part1.clone())
        .await
        .unwrap();
    assert_eq!(p1.meta.header(DATA), Some("SM4"));
    // Part 2 copied from a plain object, part 3 from the encrypted append object.
    bucket.put_object("plain-src", part2.clone()).await.unwrap();
    let p2 = bucket
        .upload_part_copy(bucket.name(), "plain-src", None, "mp", id.as_str(), 2)
        .await
        .unwrap();
    let p3 = bucket
        .upload_part_copy(
            bucket.name(),
            "log",
            Some((100, 899).into()),
            "mp",
            id.as_str(),
            3,
        )
        .await
        .unwrap();
    let parts = vec![
        PartInfo::new(1, p1.etag.clone()),
        PartInfo::new(2, p2.etag.clone()),
        PartInfo::new(3, p3.etag.clone()),
    ];
    let err = bucket
        .complete_multipart_upload("mp", id.as_str(), parts.clone())
        .header(SSE, "KMS")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArgument"));
    let done = bucket
        .complete_multipart_upload("mp", id.as_str(), parts)
        .await
        .unwrap();
    assert_eq!(done.meta.header(SSE), Some("KMS"));
    let mut expected = part1.clone();
    expected.extend_from_slice(&part2);
    expected.extend_from_slice(&a[100..900]);
    assert!(read(&bucket, "mp").await == expected);
    assert!(!stored_in_clear(
        server.dir.path(),
        b"PLAIN-part1-00000001|"
    ));

    // Copies: out of encryption by default, into it with headers.
    bucket
        .copy_object(bucket.name(), "mp", "mp-copy")
        .await
        .unwrap();
    assert_eq!(headers_of(&bucket, "mp-copy").await, (None, None, None));
    assert!(read(&bucket, "mp-copy").await == expected);
    bucket
        .copy_object(bucket.name(), "plain-src", "sealed")
        .header(SSE, "AES256")
        .await
        .unwrap();
    assert_eq!(
        headers_of(&bucket, "sealed").await.0.as_deref(),
        Some("AES256")
    );
    assert!(read(&bucket, "sealed").await == part2);
    // A copy onto itself that asks for encryption rewrites the bytes encrypted; one that
    // does not keeps the encryption.
    bucket
        .update_object_meta("plain-src")
        .header(SSE, "SM4")
        .await
        .unwrap();
    assert_eq!(
        headers_of(&bucket, "plain-src").await.0.as_deref(),
        Some("SM4")
    );
    bucket
        .update_object_meta("plain-src")
        .metadata("k", "v")
        .await
        .unwrap();
    assert_eq!(
        headers_of(&bucket, "plain-src").await.0.as_deref(),
        Some("SM4")
    );
    assert!(read(&bucket, "plain-src").await == part2);
    bucket.delete_object("mp-copy").await.unwrap();
    assert!(!stored_in_clear(
        server.dir.path(),
        b"PLAIN-part2-00000001|"
    ));
}

#[tokio::test]
async fn encrypted_objects_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = osskit_server::testing::TestServer::config(dir.path());
    let first = osskit_server::Server::start(config.clone()).await.unwrap();
    let name = common::bucket_name("sserestart");
    let data = marked("restart", 100_000);
    {
        let bucket = Bucket::builder(Signer::V4.auth(), &first.endpoint(), &name)
            .region(common::REGION)
            .build()
            .unwrap();
        bucket.create_bucket().await.unwrap();
        bucket
            .put_object("k", data.clone())
            .header(SSE, "AES256")
            .await
            .unwrap();
    }
    first.shutdown().await;
    let second = osskit_server::Server::start(config).await.unwrap();
    let bucket = Bucket::builder(Signer::V4.auth(), &second.endpoint(), &name)
        .region(common::REGION)
        .build()
        .unwrap();
    assert!(read(&bucket, "k").await == data);
    assert!(dir.path().join("sse.key").exists());
    second.shutdown().await;
}
