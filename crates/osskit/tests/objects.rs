//! Object operations against the local server over real HTTP, under V1, V4 and STS.

mod common;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::{new_bucket, server, Signer, SIGNERS};
use futures_util::stream;
use osskit::{MetadataDirective, ObjectAcl};

#[tokio::test]
async fn put_get_head_delete_under_every_signer() {
    let srv = server().await;
    for signer in SIGNERS {
        let b = new_bucket(&srv, signer, "crud").await;
        let put = b
            .put_object("dir/hello world+%.txt", "hello world")
            .metadata("Color", "blue")
            .content_type("text/x-test")
            .await
            .unwrap();
        assert_eq!(put.status(), 200, "{signer:?}");
        assert!(!put.request_id().is_empty());
        assert_eq!(put.etag, "5EB63BBBE01EEED093CB22BB8F5ACDC3", "{signer:?}");
        assert_eq!(put.crc64, Some(osskit::utils::crc64(b"hello world")));

        let got = b.get_object("dir/hello world+%.txt").await.unwrap();
        assert_eq!(got.content_type.as_deref(), Some("text/x-test"));
        assert_eq!(got.metadata.get("color").map(String::as_str), Some("blue"));
        assert_eq!(got.content_length, Some(11));
        assert_eq!(got.etag, put.etag);
        assert!(got.last_modified.is_some());
        let server_crc = got.server_crc;
        let tally_check = {
            let body = got.body;
            body.collect_bytes().await.unwrap()
        };
        assert_eq!(tally_check, "hello world");
        assert_eq!(server_crc, put.crc64);

        let head = b.head_object("dir/hello world+%.txt").await.unwrap();
        assert_eq!(head.content_length, Some(11));
        assert_eq!(head.object_type.as_deref(), Some("Normal"));
        assert_eq!(head.metadata.get("color").map(String::as_str), Some("blue"));

        let meta = b.get_object_meta("dir/hello world+%.txt").await.unwrap();
        assert_eq!(meta.content_length, Some(11));
        assert_eq!(meta.etag, put.etag);

        assert!(b.object_exists("dir/hello world+%.txt").await.unwrap());
        b.delete_object("dir/hello world+%.txt").await.unwrap();
        assert!(!b.object_exists("dir/hello world+%.txt").await.unwrap());
        let e = b.get_object("dir/hello world+%.txt").await.unwrap_err();
        assert_eq!(e.code(), Some("NoSuchKey"), "{signer:?}: {e}");
        assert!(e.is_not_found());
    }
}

#[tokio::test]
async fn client_crc_after_reading_matches_server_crc() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "crc").await;
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    b.put_object("big.bin", data.clone()).await.unwrap();
    let mut got = b.get_object("big.bin").await.unwrap();
    let body = std::mem::replace(&mut got.body, osskit::ByteStream::from_bytes(Bytes::new()));
    let bytes = body.collect_bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), data.as_slice());
    assert_eq!(got.client_crc(), got.server_crc);
    assert_eq!(got.client_crc(), Some(osskit::utils::crc64(&data)));
}

/// On a multi-thread runtime (`#[tokio::main]`'s) a large body is read by a task of its own
/// beside the connection: the bytes, their CRC-64 and the progress are those of the object,
/// and a body dropped half-read stops that task without disturbing later requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_on_a_multi_thread_runtime() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V4, "pumped").await;
    let data: Vec<u8> = (0..9 * 1024 * 1024 + 17u32)
        .map(|i| (i * 13 % 251) as u8)
        .collect();
    b.put_object("big.bin", data.clone()).await.unwrap();

    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let mut got = b
        .get_object("big.bin")
        .progress(move |c, t| s.lock().unwrap().push((c, t)))
        .await
        .unwrap();
    let body = std::mem::replace(&mut got.body, osskit::ByteStream::from_bytes(Bytes::new()));
    let bytes = body.collect_bytes().await.unwrap();
    assert!(bytes.as_ref() == data.as_slice(), "the body differs");
    assert_eq!(got.client_crc(), got.server_crc);
    assert_eq!(got.client_crc(), Some(osskit::utils::crc64(&data)));
    let total = data.len() as u64;
    assert_eq!(seen.lock().unwrap().last(), Some(&(total, Some(total))));

    let ranged = b
        .get_object("big.bin")
        .range((1000, 6 * 1024 * 1024))
        .await
        .unwrap();
    let bytes = ranged.body.collect_bytes().await.unwrap();
    assert!(
        bytes.as_ref() == &data[1000..=6 * 1024 * 1024],
        "the range differs"
    );

    // Half-read bodies dropped one after the other: each stops its reader, the next
    // request gets a connection and its bytes.
    for _ in 0..3 {
        let mut half = b.get_object("big.bin").await.unwrap();
        let first = futures_util::StreamExt::next(&mut half.body)
            .await
            .unwrap()
            .unwrap();
        assert!(!first.is_empty() && first.as_ref() == &data[..first.len()]);
        drop(half);
    }
    let again = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        b.get_object("big.bin")
            .await
            .unwrap()
            .body
            .collect_bytes()
            .await
            .unwrap()
    })
    .await
    .expect("a request after dropped bodies is answered");
    assert_eq!(again.len(), data.len());
}

#[tokio::test]
async fn ranges_follow_oss2_semantics() {
    let srv = server().await;
    for signer in SIGNERS {
        let b = new_bucket(&srv, signer, "range").await;
        let data: Vec<u8> = (0..1000u32).map(|i| (i % 256) as u8).collect();
        b.put_object("r.bin", data.clone()).await.unwrap();

        let r = b.get_object("r.bin").range((0, 99)).await.unwrap();
        assert_eq!(r.status(), 206);
        assert_eq!(r.content_range.as_deref(), Some("bytes 0-99/1000"));
        assert_eq!(r.body.collect_bytes().await.unwrap().as_ref(), &data[..100]);

        let r = b.get_object("r.bin").range((None, Some(99))).await.unwrap();
        assert_eq!(r.body.collect_bytes().await.unwrap().as_ref(), &data[901..]);

        let r = b
            .get_object("r.bin")
            .range((Some(100), None))
            .await
            .unwrap();
        assert_eq!(r.body.collect_bytes().await.unwrap().as_ref(), &data[100..]);

        let r = b.get_object("r.bin").range(10..20).await.unwrap();
        assert_eq!(
            r.body.collect_bytes().await.unwrap().as_ref(),
            &data[10..20]
        );

        let r = b.get_object("r.bin").range(990..).await.unwrap();
        assert_eq!(r.body.collect_bytes().await.unwrap().as_ref(), &data[990..]);
    }
}

#[tokio::test]
async fn conditional_get_and_response_overrides() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V4, "cond").await;
    let put = b.put_object("c.txt", "conditional").await.unwrap();
    let ok = b
        .get_object("c.txt")
        .if_match(put.etag.clone())
        .await
        .unwrap();
    assert_eq!(ok.body.collect_bytes().await.unwrap(), "conditional");

    let e = b.get_object("c.txt").if_match("0000").await.unwrap_err();
    assert_eq!(e.code(), Some("PreconditionFailed"), "{e}");
    assert_eq!(e.status(), Some(412));

    let e = b
        .get_object("c.txt")
        .if_none_match(put.etag.clone())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(304), "{e}");

    let e = b
        .get_object("c.txt")
        .if_unmodified_since(1_000_000)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("PreconditionFailed"), "{e}");

    let r = b
        .get_object("c.txt")
        .response_content_type("application/x-custom")
        .response_content_disposition("attachment; filename=\"c.txt\"")
        .await
        .unwrap();
    assert_eq!(r.content_type.as_deref(), Some("application/x-custom"));
    assert_eq!(
        r.meta.header("content-disposition"),
        Some("attachment; filename=\"c.txt\"")
    );
}

#[tokio::test]
async fn content_type_is_guessed_from_key_and_file_name() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "mime").await;
    b.put_object("page.html", "<p>").await.unwrap();
    assert_eq!(
        b.head_object("page.html")
            .await
            .unwrap()
            .content_type
            .as_deref(),
        Some("text/html")
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.png");
    std::fs::write(&path, b"not really a png").unwrap();
    let put = b.put_object_from_file("uploaded", &path).await.unwrap();
    assert_eq!(put.crc64, Some(osskit::utils::crc64(b"not really a png")));
    let head = b.head_object("uploaded").await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("image/png"));
    assert_eq!(head.content_length, Some(16));
}

#[tokio::test]
async fn uploads_from_reader_stream_and_file_body() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::Sts, "bodies").await;

    let reader = std::io::Cursor::new(b"from a reader".to_vec());
    b.put_object("reader", osskit::Body::from_reader(reader, Some(13)))
        .await
        .unwrap();
    assert_eq!(
        b.get_object("reader")
            .await
            .unwrap()
            .body
            .collect_bytes()
            .await
            .unwrap(),
        "from a reader"
    );

    let reader = std::io::Cursor::new(b"reader of unknown length".to_vec());
    b.put_object("reader2", osskit::Body::from_reader(reader, None))
        .await
        .unwrap();
    assert_eq!(
        b.get_object("reader2")
            .await
            .unwrap()
            .body
            .collect_bytes()
            .await
            .unwrap(),
        "reader of unknown length"
    );

    let chunks: Vec<Result<Bytes, std::io::Error>> = (0..50)
        .map(|i| Ok(Bytes::from(format!("chunk-{i:02};"))))
        .collect();
    let expected: String = (0..50).map(|i| format!("chunk-{i:02};")).collect();
    let put = b
        .put_object("chunked", osskit::Body::from_stream(stream::iter(chunks)))
        .await
        .unwrap();
    assert_eq!(put.crc64, Some(osskit::utils::crc64(expected.as_bytes())));
    let got = b.get_object("chunked").await.unwrap();
    assert_eq!(got.content_length, Some(expected.len() as u64));
    assert_eq!(got.body.collect_bytes().await.unwrap(), expected);

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.dat");
    std::fs::write(&p, vec![42u8; 300_000]).unwrap();
    let body = osskit::Body::from_file(&p).await.unwrap();
    b.put_object("file", body).await.unwrap();
    assert_eq!(
        b.head_object("file").await.unwrap().content_length,
        Some(300_000)
    );
}

#[tokio::test]
async fn progress_reports_bytes_really_sent_and_received() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "progress").await;
    let data = vec![1u8; 200_000];
    let up = Arc::new(Mutex::new(Vec::new()));
    let u = up.clone();
    b.put_object("p", data.clone())
        .progress(move |c, t| u.lock().unwrap().push((c, t)))
        .await
        .unwrap();
    let up = up.lock().unwrap().clone();
    assert!(up.len() >= 2, "{up:?}");
    assert_eq!(up.last(), Some(&(200_000, Some(200_000))));
    assert!(up.windows(2).all(|w| w[0].0 < w[1].0));

    let down = Arc::new(Mutex::new(Vec::new()));
    let d = down.clone();
    let got = b
        .get_object("p")
        .progress(move |c, t| d.lock().unwrap().push((c, t)))
        .await
        .unwrap();
    got.body.collect_bytes().await.unwrap();
    let down = down.lock().unwrap().clone();
    assert_eq!(down.last(), Some(&(200_000, Some(200_000))));
}

#[tokio::test]
async fn content_md5_is_checked_by_the_server() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "md5").await;
    b.put_object("good", "payload")
        .with_content_md5()
        .await
        .unwrap();
    let e = b
        .put_object("bad", "payload")
        .content_md5(osskit::utils::content_md5(b"something else"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidDigest"), "{e}");
    assert_eq!(e.status(), Some(400));
    assert!(!b.object_exists("bad").await.unwrap());
}

#[tokio::test]
async fn forbid_overwrite_keeps_the_first_object() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "forbid").await;
    b.put_object("k", "first")
        .forbid_overwrite(true)
        .await
        .unwrap();
    let e = b
        .put_object("k", "second")
        .forbid_overwrite(true)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("FileAlreadyExists"), "{e}");
    assert_eq!(
        b.get_object("k")
            .await
            .unwrap()
            .body
            .collect_bytes()
            .await
            .unwrap(),
        "first"
    );
}

#[tokio::test]
async fn copy_and_update_metadata() {
    let srv = server().await;
    for signer in SIGNERS {
        let b = new_bucket(&srv, signer, "copy").await;
        b.put_object("src/a b.txt", "copy me")
            .metadata("origin", "one")
            .await
            .unwrap();

        let c = b
            .copy_object(b.name(), "src/a b.txt", "dst/copied.txt")
            .await
            .unwrap();
        assert_eq!(
            c.etag,
            osskit::proto::digest::md5_hex(b"copy me").to_ascii_uppercase()
        );
        let head = b.head_object("dst/copied.txt").await.unwrap();
        assert_eq!(head.metadata.get("origin").map(String::as_str), Some("one"));

        let other = new_bucket(&srv, signer, "copydst").await;
        other
            .copy_object(b.name(), "src/a b.txt", "replaced")
            .metadata_directive(MetadataDirective::Replace)
            .metadata("origin", "two")
            .await
            .unwrap();
        let head = other.head_object("replaced").await.unwrap();
        assert_eq!(head.metadata.get("origin").map(String::as_str), Some("two"));
        assert_eq!(
            other
                .get_object("replaced")
                .await
                .unwrap()
                .body
                .collect_bytes()
                .await
                .unwrap(),
            "copy me"
        );

        b.update_object_meta("src/a b.txt")
            .metadata("fresh", "yes")
            .content_type("text/x-new")
            .await
            .unwrap();
        let head = b.head_object("src/a b.txt").await.unwrap();
        assert_eq!(head.metadata.get("fresh").map(String::as_str), Some("yes"));
        assert!(!head.metadata.contains_key("origin"));
        assert_eq!(head.content_type.as_deref(), Some("text/x-new"));
    }
}

#[tokio::test]
async fn append_chains_positions_and_crcs() {
    let srv = server().await;
    for signer in SIGNERS {
        let b = new_bucket(&srv, signer, "append").await;
        let first = b
            .append_object("log", 0, "hello ")
            .init_crc(0)
            .await
            .unwrap();
        assert_eq!(first.next_position, 6);
        assert_eq!(first.crc64, Some(osskit::utils::crc64(b"hello ")));
        let second = b
            .append_object("log", first.next_position, "world")
            .init_crc(first.crc64.unwrap())
            .await
            .unwrap();
        assert_eq!(second.next_position, 11);
        assert_eq!(second.crc64, Some(osskit::utils::crc64(b"hello world")));
        let head = b.head_object("log").await.unwrap();
        assert_eq!(head.object_type.as_deref(), Some("Appendable"));
        assert_eq!(head.next_position, Some(11));

        let e = b.append_object("log", 3, "x").await.unwrap_err();
        assert_eq!(e.code(), Some("PositionNotEqualToLength"), "{e}");
        assert_eq!(e.next_position(), Some(11));

        b.put_object("normal", "n").await.unwrap();
        let e = b.append_object("normal", 1, "x").await.unwrap_err();
        assert_eq!(e.code(), Some("ObjectNotAppendable"), "{e}");
        assert_eq!(
            b.get_object("log")
                .await
                .unwrap()
                .body
                .collect_bytes()
                .await
                .unwrap(),
            "hello world"
        );
    }
}

#[tokio::test]
async fn append_with_a_wrong_init_crc_is_inconsistent() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "appendcrc").await;
    b.append_object("log", 0, "abc").await.unwrap();
    let e = b
        .append_object("log", 3, "def")
        .init_crc(12345)
        .await
        .unwrap_err();
    match e {
        osskit::Error::Inconsistent {
            client_crc,
            server_crc,
            ..
        } => {
            assert_eq!(server_crc, Some(osskit::utils::crc64(b"abcdef")));
            assert_ne!(client_crc, server_crc);
        }
        other => panic!("expected Inconsistent, got {other}"),
    }
}

#[tokio::test]
async fn batch_delete_1500_keys_in_chunks() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "batch").await;
    let keys: Vec<String> = (0..1500).map(|i| format!("k/{i:04} +%é")).collect();
    for k in keys.iter().take(10) {
        b.put_object(k.clone(), "x").await.unwrap();
    }
    let out = b.batch_delete_objects(keys.clone()).await.unwrap();
    assert_eq!(out.request_ids.len(), 2);
    assert_eq!(out.deleted.len(), 1500);
    assert!(
        out.not_deleted.is_empty(),
        "{:?}",
        &out.not_deleted[..out.not_deleted.len().min(5)]
    );
    assert_eq!(out.deleted_keys()[0], "k/0000 +%é");
    assert!(!b.object_exists("k/0000 +%é").await.unwrap());

    let e = b
        .batch_delete_objects(Vec::<String>::new())
        .await
        .unwrap_err();
    assert!(matches!(e, osskit::Error::Client { .. }));
    assert!(e.to_string().contains("empty"), "{e}");
}

#[tokio::test]
async fn object_acl_and_storage_class_headers() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "acl").await;
    b.put_object("pub", "x")
        .acl(ObjectAcl::PublicRead)
        .await
        .unwrap();
    let anon = osskit::Bucket::new(osskit::AnonymousAuth, &srv.endpoint(), b.name()).unwrap();
    assert_eq!(
        anon.get_object("pub")
            .await
            .unwrap()
            .body
            .collect_bytes()
            .await
            .unwrap(),
        "x"
    );
}

#[tokio::test]
async fn get_object_to_file_writes_atomically() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V4, "tofile").await;
    let data = vec![9u8; 150_000];
    b.put_object("d.bin", data.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.bin");
    let out = b.get_object_to_file("d.bin", &target).await.unwrap();
    assert_eq!(out.content_length, 150_000);
    assert_eq!(out.client_crc, out.server_crc);
    assert_eq!(std::fs::read(&target).unwrap(), data);

    let part = dir.path().join("part.bin");
    b.get_object_to_file("d.bin", &part)
        .range((10, 19))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&part).unwrap(), vec![9u8; 10]);

    let missing = dir.path().join("missing.bin");
    let e = b.get_object_to_file("nope", &missing).await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchKey"));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "only the two downloads: {names:?}");
}

#[tokio::test]
async fn presigned_urls_v1_v4_and_expiry() {
    let srv = server().await;
    for signer in SIGNERS {
        let b = new_bucket(&srv, signer, "presign").await;
        b.put_object("dir/p q.txt", "presigned").await.unwrap();
        let url = b
            .sign_url(
                http::Method::GET,
                "dir/p q.txt",
                std::time::Duration::from_secs(300),
            )
            .build()
            .await
            .unwrap();
        let got = b.get_object_with_url(url.clone()).await.unwrap();
        assert_eq!(
            got.body.collect_bytes().await.unwrap(),
            "presigned",
            "{signer:?} {url}"
        );

        let plain = reqwest::get(&url).await.unwrap();
        assert_eq!(plain.status(), 200);

        let slash = b
            .sign_url(
                http::Method::GET,
                "dir/p q.txt",
                std::time::Duration::from_secs(300),
            )
            .slash_safe(true)
            .build()
            .await
            .unwrap();
        assert!(slash.contains("/dir/p%20q.txt?"), "{slash}");
        assert_eq!(
            reqwest::get(&slash).await.unwrap().status(),
            200,
            "{signer:?}"
        );

        let put_url = b
            .sign_url(
                http::Method::PUT,
                "uploaded",
                std::time::Duration::from_secs(300),
            )
            .build()
            .await
            .unwrap();
        b.put_object_with_url(put_url, "via url").await.unwrap();
        assert_eq!(
            b.get_object("uploaded")
                .await
                .unwrap()
                .body
                .collect_bytes()
                .await
                .unwrap(),
            "via url"
        );

        let past = osskit::proto::date::http_to_unixtime("Tue, 14 Nov 2023 22:13:20 GMT").unwrap();
        let expired = b
            .sign_url(
                http::Method::GET,
                "dir/p q.txt",
                std::time::Duration::from_secs(60),
            )
            .build_at(past)
            .await
            .unwrap();
        let e = b.get_object_with_url(expired).await.unwrap_err();
        assert_eq!(e.code(), Some("AccessDenied"), "{signer:?}: {e}");
    }
}

#[tokio::test]
async fn buckets_share_one_session_and_escape_hatches_work() {
    let srv = server().await;
    let session = osskit::Session::builder()
        .pool_max_idle_per_host(2)
        .build()
        .unwrap();
    let mut clients = Vec::new();
    for signer in SIGNERS {
        let name = common::bucket_name("shared");
        let b = osskit::Bucket::builder(signer.auth(), &srv.endpoint(), &name)
            .region(common::REGION)
            .session(session.clone())
            .build()
            .unwrap();
        b.create_bucket().await.unwrap();
        clients.push(b);
    }
    let tasks: Vec<_> = clients
        .iter()
        .cloned()
        .map(|b| {
            tokio::spawn(async move {
                b.put_object("raw", Bytes::new())
                    .header("x-oss-meta-via-header", "yes")
                    .await
                    .unwrap();
                b.head_object("raw").await.unwrap()
            })
        })
        .collect();
    for t in tasks {
        let head = t.await.unwrap();
        assert_eq!(head.content_length, Some(0));
        assert_eq!(
            head.metadata.get("via-header").map(String::as_str),
            Some("yes")
        );
    }
    // A raw query parameter: GetObjectMeta through head_object's escape hatch.
    let meta = clients[0]
        .head_object("raw")
        .param("objectMeta", "")
        .await
        .unwrap();
    assert!(
        meta.metadata.is_empty(),
        "objectMeta answers without user metadata: {:?}",
        meta.metadata
    );
}
