//! Multipart uploads against the local server: every operation under each kind of
//! signature, CRC checks of parts and of the completed object, complete-all, part copies of
//! ranges, paginated listings, abort, the server's errors, argument checks, blocking mode.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::{new_bucket, server, Signer, SIGNERS};
use futures_util::TryStreamExt;
use osskit::{Auth, Bucket, ByteRange, Error, ObjectAcl, PartInfo, UploadItem};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const MIN_PART: usize = 100 * 1024;

/// `n` bytes that differ from one `seed` to another.
fn data(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u64 * 31 + seed as u64 * 7 + (i / 251) as u64) as u8)
        .collect()
}

fn crc(bytes: &[u8]) -> u64 {
    osskit::utils::crc64(bytes)
}

fn is_client_error(err: &Error, needle: &str) -> bool {
    matches!(err, Error::Client { message } if message.contains(needle))
}

async fn get(bucket: &Bucket, key: &str) -> Vec<u8> {
    bucket
        .get_object(key)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn upload_list_and_complete_under_each_signer() {
    let srv = server().await;
    for signer in SIGNERS.into_iter().chain([Signer::StsV4]) {
        let b = new_bucket(&srv, signer, "mp").await;
        let key = "dir/video file+1.bin";
        let init = b
            .init_multipart_upload(key)
            .content_type("video/x-test")
            .metadata("owner", "alice")
            .acl(ObjectAcl::PublicRead)
            .await
            .unwrap();
        assert_eq!(init.status(), 200);
        assert_eq!(init.key, key);
        assert!(!init.upload_id.is_empty());

        let p1 = data(MIN_PART, 1);
        let p2 = data(MIN_PART + 17, 2);
        let p3 = data(1000, 3);
        let mut outs = Vec::new();
        for (n, bytes) in [(1, &p1), (2, &p2), (3, &p3)] {
            let out = b
                .upload_part(key, &init.upload_id, n, bytes.clone())
                .await
                .unwrap();
            assert_eq!(out.part_number, n);
            assert_eq!(out.size, bytes.len() as u64);
            assert_eq!(out.crc64, Some(crc(bytes)), "{signer:?}");
            assert_eq!(out.etag, osskit::utils::md5_hex(bytes).to_uppercase());
            outs.push(out);
        }

        let listed: Vec<osskit::PartSummary> = b
            .list_parts(key, &init.upload_id)
            .into_items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(listed.len(), 3);
        for (summary, out) in listed.iter().zip(&outs) {
            assert_eq!(summary.part_number, out.part_number);
            assert_eq!(summary.etag, out.etag);
            assert_eq!(summary.size, out.size);
            assert!(summary.last_modified.is_some());
            assert_eq!(PartInfo::from(summary), PartInfo::from(out));
        }

        // Given out of order: the SDK sorts them.
        let parts: Vec<PartInfo> = outs.iter().rev().map(PartInfo::from).collect();
        let done = b
            .complete_multipart_upload(key, &init.upload_id, parts)
            .await
            .unwrap();
        assert_eq!(done.key, key);
        assert!(done.etag.ends_with("-3"), "{}", done.etag);
        assert!(!done.location.is_empty());
        let whole = [p1.as_slice(), &p2, &p3].concat();
        assert_eq!(done.crc64, Some(crc(&whole)));

        let got = b.get_object(key).await.unwrap();
        assert_eq!(got.content_type.as_deref(), Some("video/x-test"));
        assert_eq!(got.metadata.get("owner").map(String::as_str), Some("alice"));
        assert_eq!(got.object_type.as_deref(), Some("Multipart"));
        assert_eq!(got.etag, done.etag);
        assert_eq!(got.bytes().await.unwrap().to_vec(), whole);
        // The ACL given at initiation: anyone may read the object.
        let anon = Bucket::new(osskit::AnonymousAuth, &srv.endpoint(), b.name()).unwrap();
        assert_eq!(get(&anon, key).await, whole);

        // The upload is gone once completed.
        let err = b.list_parts(key, &init.upload_id).await.unwrap_err();
        assert_eq!(err.code(), Some("NoSuchUpload"));
    }
}

#[tokio::test]
async fn init_guesses_the_content_type_from_the_key() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V4, "ctype").await;
    let init = b.init_multipart_upload("page.html").await.unwrap();
    b.upload_part("page.html", &init.upload_id, 1, "<p>hi</p>")
        .await
        .unwrap();
    b.complete_multipart_upload("page.html", &init.upload_id, vec![])
        .complete_all()
        .await
        .unwrap();
    let head = b.head_object("page.html").await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("text/html"));
}

#[tokio::test]
async fn upload_part_progress_md5_and_reupload() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "part").await;
    let id = b.init_multipart_upload("k").await.unwrap().upload_id;
    let bytes = data(300_000, 9);

    let seen = Arc::new(AtomicU64::new(0));
    let s = seen.clone();
    let out = b
        .upload_part("k", &id, 1, bytes.clone())
        .progress(move |sent, total| {
            assert_eq!(total, Some(300_000));
            s.store(sent, Ordering::SeqCst);
        })
        .with_content_md5()
        .await
        .unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 300_000);
    assert_eq!(out.crc64, Some(crc(&bytes)));

    let bad = b
        .upload_part("k", &id, 2, "abc")
        .content_md5(osskit::utils::content_md5(b"xyz"))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Some("InvalidDigest"));

    // Uploading part 1 again replaces it.
    let again = b.upload_part("k", &id, 1, "short").await.unwrap();
    let parts: Vec<_> = b
        .list_parts("k", &id)
        .send()
        .await
        .unwrap()
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.size, p.etag))
        .collect();
    assert_eq!(parts, vec![(1, 5, again.etag.clone())]);
    let done = b
        .complete_multipart_upload("k", &id, vec![PartInfo::from(&again)])
        .await
        .unwrap();
    assert_eq!(done.crc64, Some(crc(b"short")));
    assert_eq!(get(&b, "k").await, b"short");
}

#[tokio::test]
async fn complete_checks_the_combined_crc_of_the_parts() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V4, "crc").await;
    let id = b.init_multipart_upload("k").await.unwrap().upload_id;
    let p1 = b.upload_part("k", &id, 1, data(MIN_PART, 1)).await.unwrap();
    let p2 = b.upload_part("k", &id, 2, "tail").await.unwrap();
    // A wrong CRC for part 2: the combination no longer matches the object's CRC.
    let parts = vec![
        PartInfo::from(&p1),
        PartInfo::new(2, &p2.etag).size(4).crc64(12345),
    ];
    let err = b
        .complete_multipart_upload("k", &id, parts)
        .await
        .unwrap_err();
    match &err {
        Error::Inconsistent {
            client_crc,
            server_crc,
            message,
            ..
        } => {
            assert!(message.contains("CompleteMultipartUpload"), "{message}");
            let whole = [data(MIN_PART, 1), b"tail".to_vec()].concat();
            assert_eq!(*server_crc, Some(crc(&whole)));
            assert_ne!(client_crc, server_crc);
        }
        other => panic!("expected Inconsistent, got {other:?}"),
    }

    // Without CRCs (or with CRC checks off) nothing is compared.
    let id = b.init_multipart_upload("k2").await.unwrap().upload_id;
    let p1 = b.upload_part("k2", &id, 1, "only").await.unwrap();
    b.complete_multipart_upload("k2", &id, vec![PartInfo::new(1, &p1.etag)])
        .await
        .unwrap();
    let no_crc = Bucket::builder(Signer::V4.auth(), &srv.endpoint(), b.name())
        .region(common::REGION)
        .enable_crc(false)
        .build()
        .unwrap();
    let id = no_crc.init_multipart_upload("k3").await.unwrap().upload_id;
    let p1 = no_crc.upload_part("k3", &id, 1, "x").await.unwrap();
    no_crc
        .complete_multipart_upload("k3", &id, vec![PartInfo::from(&p1).crc64(1)])
        .await
        .unwrap();
}

#[tokio::test]
async fn complete_all_uses_every_uploaded_part() {
    let srv = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let b = new_bucket(&srv, signer, "all").await;
        let id = b.init_multipart_upload("k").await.unwrap().upload_id;
        let p1 = data(MIN_PART, 4);
        let p3 = data(500, 5);
        // Uploaded out of order, with a gap.
        b.upload_part("k", &id, 3, p3.clone()).await.unwrap();
        b.upload_part("k", &id, 1, p1.clone()).await.unwrap();
        let done = b
            .complete_multipart_upload("k", &id, Vec::new())
            .complete_all()
            .await
            .unwrap();
        let whole = [p1, p3].concat();
        assert_eq!(done.crc64, Some(crc(&whole)));
        assert!(done.etag.ends_with("-2"), "{}", done.etag);
        assert_eq!(get(&b, "k").await, whole);

        let err = b
            .complete_multipart_upload("k", "some-id", vec![PartInfo::new(1, "e")])
            .complete_all()
            .await
            .unwrap_err();
        assert!(is_client_error(&err, "complete_all()"), "{err}");
    }
}

#[tokio::test]
async fn upload_part_copy_of_ranges() {
    let srv = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let src = new_bucket(&srv, signer, "src").await;
        let dst = new_bucket(&srv, signer, "dst").await;
        let source = data(3 * MIN_PART + 10, 7);
        let src_key = "source dir/a+b%c.bin";
        src.put_object(src_key, source.clone()).await.unwrap();

        let id = dst.init_multipart_upload("copy").await.unwrap().upload_id;
        let ranges: [(ByteRange, std::ops::Range<usize>); 3] = [
            ((0, MIN_PART as u64 - 1).into(), 0..MIN_PART),
            (
                (Some(MIN_PART as u64), Some(2 * MIN_PART as u64 - 1)).into(),
                MIN_PART..2 * MIN_PART,
            ),
            ((2 * MIN_PART as u64..).into(), 2 * MIN_PART..source.len()),
        ];
        let mut parts = Vec::new();
        for (i, (range, expect)) in ranges.iter().enumerate() {
            let n = i as u32 + 1;
            let out = dst
                .upload_part_copy(src.name(), src_key, Some(*range), "copy", &id, n)
                .await
                .unwrap();
            let piece = &source[expect.clone()];
            assert_eq!(out.etag, osskit::utils::md5_hex(piece).to_uppercase());
            assert_eq!(out.crc64, Some(crc(piece)));
            assert!(out.last_modified.is_some());
            parts.push(
                PartInfo::new(n, out.etag)
                    .size(piece.len() as u64)
                    .crc64(crc(piece)),
            );
        }
        let listed = dst.list_parts("copy", &id).send().await.unwrap();
        let sizes: Vec<u64> = listed.parts.iter().map(|p| p.size).collect();
        assert_eq!(
            sizes,
            vec![MIN_PART as u64, MIN_PART as u64, MIN_PART as u64 + 10]
        );
        let done = dst
            .complete_multipart_upload("copy", &id, parts)
            .await
            .unwrap();
        assert_eq!(done.crc64, Some(crc(&source)));
        assert_eq!(get(&dst, "copy").await, source);

        // No range copies the whole source.
        let id = dst.init_multipart_upload("whole").await.unwrap().upload_id;
        let out = dst
            .upload_part_copy(src.name(), src_key, None, "whole", &id, 1)
            .await
            .unwrap();
        assert_eq!(out.etag, osskit::utils::md5_hex(&source).to_uppercase());
        dst.complete_multipart_upload("whole", &id, vec![PartInfo::new(1, out.etag)])
            .await
            .unwrap();
        assert_eq!(get(&dst, "whole").await, source);

        // A missing source is the server's NoSuchKey.
        let id = dst.init_multipart_upload("x").await.unwrap().upload_id;
        let err = dst
            .upload_part_copy(src.name(), "missing", None, "x", &id, 1)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("NoSuchKey"));
        // A source ETag condition that does not hold.
        let err = dst
            .upload_part_copy(src.name(), src_key, None, "x", &id, 1)
            .source_if_match("0123456789ABCDEF0123456789ABCDEF")
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(412), "{err}");
    }
}

#[tokio::test]
async fn list_parts_pages_over_many_parts() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V4, "parts").await;
    let id = b.init_multipart_upload("many").await.unwrap().upload_id;
    for n in 1..=25u32 {
        b.upload_part("many", &id, n, format!("part {n}"))
            .await
            .unwrap();
    }
    let pages: Vec<osskit::ListPartsOutput> = b
        .list_parts("many", &id)
        .max_parts(10)
        .into_paginator()
        .try_collect()
        .await
        .unwrap();
    let shape: Vec<(usize, bool, u32)> = pages
        .iter()
        .map(|p| (p.parts.len(), p.is_truncated, p.next_part_number_marker))
        .collect();
    assert_eq!(shape[..2], [(10, true, 10), (10, true, 20)]);
    assert_eq!((shape[2].0, shape[2].1), (5, false));
    assert_eq!(pages[1].part_number_marker, 10);
    assert_eq!(pages[0].upload_id, id);

    let numbers: Vec<u32> = b
        .list_parts("many", &id)
        .max_parts(7)
        .into_items()
        .map_ok(|p| p.part_number)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(numbers, (1..=25).collect::<Vec<_>>());

    let tail: Vec<u32> = b
        .list_parts("many", &id)
        .part_number_marker(20)
        .into_items()
        .map_ok(|p| p.part_number)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(tail, vec![21, 22, 23, 24, 25]);
}

#[tokio::test]
async fn list_multipart_uploads_pages_prefixes_and_encoded_keys() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "uploads").await;
    let mut expected = Vec::new();
    for key in [
        "a/1",
        "a/2",
        "b/x y+z%.txt",
        "b/ünïcödé",
        "top-1",
        "top-2",
        "top-2",
    ] {
        let id = b.init_multipart_upload(key).await.unwrap().upload_id;
        expected.push((key.to_string(), id));
    }
    expected.sort();

    // Every upload, 2 per page, in (key, upload id) order.
    let pages: Vec<osskit::ListMultipartUploadsOutput> = b
        .list_multipart_uploads()
        .max_uploads(2)
        .into_paginator()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 4);
    assert!(pages[..3].iter().all(|p| p.is_truncated));
    assert_eq!(pages[1].key_marker, pages[0].next_key_marker);
    let mut got: Vec<(String, String)> = pages
        .iter()
        .flat_map(|p| p.uploads.iter())
        .map(|u| (u.key.clone(), u.upload_id.clone()))
        .collect();
    let mut sorted_by_key = got.clone();
    sorted_by_key.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(got, sorted_by_key, "uploads come in key order");
    got.sort();
    assert_eq!(got, expected);
    assert!(pages[0].uploads[0].initiated.is_some());

    // With a delimiter, directories fold into prefixes.
    let items: Vec<UploadItem> = b
        .list_multipart_uploads()
        .delimiter("/")
        .max_uploads(1)
        .into_items()
        .try_collect()
        .await
        .unwrap();
    let keys: Vec<(&str, bool)> = items.iter().map(|i| (i.key(), i.is_prefix())).collect();
    assert_eq!(
        keys,
        vec![
            ("a/", true),
            ("b/", true),
            ("top-1", false),
            ("top-2", false),
            ("top-2", false)
        ]
    );

    // A prefix with special characters comes back decoded.
    let page = b
        .list_multipart_uploads()
        .prefix("b/")
        .send()
        .await
        .unwrap();
    assert_eq!(page.prefix, "b/");
    let keys: Vec<&str> = page.uploads.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, vec!["b/x y+z%.txt", "b/ünïcödé"]);

    // Markers: after the first upload of "top-2".
    let top2: Vec<&(String, String)> = expected.iter().filter(|(k, _)| k == "top-2").collect();
    let rest: Vec<String> = b
        .list_multipart_uploads()
        .key_marker("top-2")
        .upload_id_marker(&top2[0].1)
        .into_items()
        .map_ok(|i| match i {
            UploadItem::Upload(u) => u.upload_id,
            UploadItem::CommonPrefix(p) => p,
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, vec![top2[1].1.clone()]);
}

#[tokio::test]
async fn abort_makes_the_upload_unknown() {
    let srv = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let b = new_bucket(&srv, signer, "abort").await;
        let id = b.init_multipart_upload("k").await.unwrap().upload_id;
        let part = b.upload_part("k", &id, 1, "bytes").await.unwrap();
        let out = b.abort_multipart_upload("k", &id).await.unwrap();
        assert_eq!(out.status(), 204);

        let err = b.list_parts("k", &id).await.unwrap_err();
        assert_eq!(
            (err.code(), err.status()),
            (Some("NoSuchUpload"), Some(404))
        );
        let err = b.upload_part("k", &id, 2, "more").await.unwrap_err();
        assert_eq!(err.code(), Some("NoSuchUpload"));
        let err = b
            .complete_multipart_upload("k", &id, vec![PartInfo::from(&part)])
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("NoSuchUpload"));
        let err = b.abort_multipart_upload("k", &id).await.unwrap_err();
        assert_eq!(err.code(), Some("NoSuchUpload"));
        assert!(b
            .list_multipart_uploads()
            .send()
            .await
            .unwrap()
            .uploads
            .is_empty());
        assert!(!b.object_exists("k").await.unwrap());
    }
}

#[tokio::test]
async fn complete_errors_come_back_with_their_codes() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V4, "errs").await;
    let id = b.init_multipart_upload("k").await.unwrap().upload_id;
    let small1 = b.upload_part("k", &id, 1, "small one").await.unwrap();
    let small2 = b.upload_part("k", &id, 2, "small two").await.unwrap();

    let err = b
        .complete_multipart_upload("k", &id, vec![(&small1).into(), (&small2).into()])
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.status()),
        (Some("EntityTooSmall"), Some(400))
    );

    let err = b
        .complete_multipart_upload(
            "k",
            &id,
            vec![PartInfo::new(2, "00000000000000000000000000000000")],
        )
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.status()), (Some("InvalidPart"), Some(400)));

    let err = b
        .complete_multipart_upload("k", &id, vec![PartInfo::new(5, &small1.etag)])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidPart"));

    // Sorting cannot fix a repeated part number.
    let err = b
        .complete_multipart_upload("k", &id, vec![(&small1).into(), (&small1).into()])
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.status()),
        (Some("InvalidPartOrder"), Some(400))
    );

    let err = b
        .complete_multipart_upload("missing", "no-such-id", vec![(&small1).into()])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchUpload"));

    // The upload survives failed completes.
    b.complete_multipart_upload("k", &id, vec![(&small2).into()])
        .await
        .unwrap();
    assert_eq!(get(&b, "k").await, b"small two");
}

#[tokio::test]
async fn arguments_are_checked_before_sending() {
    // Nothing listens on this port: a request would fail with a transport error.
    let b = Bucket::new(Auth::new("ak", "sk"), "http://127.0.0.1:1", "bucket").unwrap();
    let cases: Vec<(Error, &str)> = vec![
        (
            b.upload_part("k", "id", 0, "x").await.unwrap_err(),
            "part number 0",
        ),
        (
            b.upload_part("k", "id", 10_001, "x").await.unwrap_err(),
            "part number 10001",
        ),
        (
            b.upload_part("k", "", 1, "x").await.unwrap_err(),
            "upload id is empty",
        ),
        (
            b.upload_part("/k", "id", 1, "x").await.unwrap_err(),
            "object key \"/k\"",
        ),
        (
            b.init_multipart_upload("").await.unwrap_err(),
            "object key is empty",
        ),
        (
            b.complete_multipart_upload("k", "id", vec![])
                .await
                .unwrap_err(),
            "part list is empty",
        ),
        (
            b.complete_multipart_upload("k", "id", vec![PartInfo::new(0, "e")])
                .await
                .unwrap_err(),
            "part number 0",
        ),
        (
            b.complete_multipart_upload("k", " ", vec![PartInfo::new(1, "e")])
                .await
                .unwrap_err(),
            "upload id is empty",
        ),
        (
            b.abort_multipart_upload("k", "").await.unwrap_err(),
            "upload id is empty",
        ),
        (
            b.list_parts("", "id").await.unwrap_err(),
            "object key is empty",
        ),
        (
            b.upload_part_copy("Bad_Bucket", "s", None, "k", "id", 1)
                .await
                .unwrap_err(),
            "bucket name \"Bad_Bucket\"",
        ),
        (
            b.upload_part_copy("src", "", None, "k", "id", 1)
                .await
                .unwrap_err(),
            "copy source",
        ),
        (
            b.upload_part_copy("src", "s", None, "k", "id", 10_001)
                .await
                .unwrap_err(),
            "part number 10001",
        ),
    ];
    for (err, needle) in cases {
        assert!(is_client_error(&err, needle), "{needle}: {err}");
    }
}

/// A one-shot HTTP server answering every request with `status`, `headers` and `body`,
/// recording the request heads it saw.
async fn canned_server(
    headers: Vec<(&'static str, String)>,
    body: &'static str,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        for _ in 0..8 {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut tmp = [0u8; 8192];
            let head_end = loop {
                let n = conn.read(&mut tmp).await.unwrap();
                assert!(n > 0, "connection closed before the request head");
                buf.extend_from_slice(&tmp[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
            };
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            while buf.len() < head_end + len {
                let n = conn.read(&mut tmp).await.unwrap();
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            seen.lock().unwrap().push(head);
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\nx-oss-request-id: RID-CANNED\r\n",
                body.len()
            );
            for (k, v) in &headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(body);
            conn.write_all(out.as_bytes()).await.unwrap();
            conn.shutdown().await.unwrap();
        }
    });
    (endpoint, heads)
}

#[tokio::test]
async fn a_part_crc_that_differs_from_the_bytes_sent_is_inconsistent() {
    let wrong = crc(b"part bytes") ^ 1;
    let (endpoint, heads) = canned_server(
        vec![
            ("ETag", "\"ABCDEF\"".into()),
            ("x-oss-hash-crc64ecma", wrong.to_string()),
        ],
        "",
    )
    .await;
    let b = Bucket::new(Auth::new("ak", "sk"), &endpoint, "fault-bucket").unwrap();
    let err = b
        .upload_part("k", "UPLOAD", 7, "part bytes")
        .await
        .unwrap_err();
    match &err {
        Error::Inconsistent {
            client_crc,
            server_crc,
            request_id,
            message,
        } => {
            assert_eq!(*client_crc, Some(crc(b"part bytes")));
            assert_eq!(*server_crc, Some(wrong));
            assert_eq!(request_id, "RID-CANNED");
            assert!(message.contains("UploadPart"), "{message}");
        }
        other => panic!("expected Inconsistent, got {other:?}"),
    }
    let head = heads.lock().unwrap()[0].clone();
    assert!(
        head.starts_with("PUT /fault-bucket/k?uploadId=UPLOAD&partNumber=7 "),
        "{head}"
    );

    // With CRC checks off the same answer is accepted.
    let b = Bucket::builder(Auth::new("ak", "sk"), &endpoint, "fault-bucket")
        .enable_crc(false)
        .build()
        .unwrap();
    let out = b.upload_part("k", "UPLOAD", 7, "part bytes").await.unwrap();
    assert_eq!((out.etag.as_str(), out.crc64), ("ABCDEF", Some(wrong)));
}

#[tokio::test]
async fn a_complete_crc_that_differs_from_the_parts_is_inconsistent() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult>\
        <Location>http://x/k</Location><Bucket>fault-bucket</Bucket><Key>k</Key>\
        <ETag>\"AB-2\"</ETag></CompleteMultipartUploadResult>";
    let (endpoint, heads) = canned_server(vec![("x-oss-hash-crc64ecma", "1".into())], body).await;
    let b = Bucket::new(Auth::new("ak", "sk"), &endpoint, "fault-bucket").unwrap();
    let parts = vec![
        PartInfo::new(2, "E2").size(5).crc64(crc(b"67890")),
        PartInfo::new(1, "E1").size(5).crc64(crc(b"12345")),
    ];
    let err = b
        .complete_multipart_upload("k", "UP", parts.clone())
        .await
        .unwrap_err();
    match &err {
        Error::Inconsistent {
            client_crc,
            server_crc,
            ..
        } => {
            assert_eq!(*client_crc, Some(crc(b"1234567890")));
            assert_eq!(*server_crc, Some(1));
        }
        other => panic!("expected Inconsistent, got {other:?}"),
    }
    // Parts without a size are not combined: the answer is taken as is.
    let out = b
        .complete_multipart_upload("k", "UP", vec![PartInfo::new(1, "E1").crc64(5)])
        .await
        .unwrap();
    assert_eq!(
        (out.etag.as_str(), out.key.as_str(), out.location.as_str()),
        ("AB-2", "k", "http://x/k")
    );
    let head = heads.lock().unwrap()[0].clone();
    assert!(
        head.starts_with("POST /fault-bucket/k?uploadId=UP "),
        "{head}"
    );
}

mod blocking_mode {
    use super::*;
    use osskit::blocking;

    #[test]
    fn every_operation_in_blocking_mode() {
        let (_rt, srv) = common::server_on_own_runtime();
        for signer in [Signer::V1, Signer::V4] {
            let b = blocking::Bucket::builder(
                signer.auth(),
                &srv.endpoint(),
                &common::bucket_name("blkmp"),
            )
            .region(common::REGION)
            .build()
            .unwrap();
            b.create_bucket().send().unwrap();
            b.put_object("src", data(MIN_PART, 3)).send().unwrap();

            let id = b.init_multipart_upload("k").send().unwrap().upload_id;
            let p1 = b
                .upload_part_copy(b.name(), "src", None, "k", &id, 1)
                .send()
                .unwrap();
            let p2 = b.upload_part("k", &id, 2, "end").send().unwrap();
            assert_eq!(p2.crc64, Some(crc(b"end")));

            let numbers: Vec<u32> = b
                .list_parts("k", &id)
                .max_parts(1)
                .into_items()
                .map(|p| p.unwrap().part_number)
                .collect();
            assert_eq!(numbers, vec![1, 2]);
            let pages = b.list_parts("k", &id).max_parts(1).into_paginator().count();
            assert_eq!(pages, 2);

            let other = b.init_multipart_upload("z").send().unwrap().upload_id;
            let uploads: Vec<String> = b
                .list_multipart_uploads()
                .max_uploads(1)
                .into_items()
                .map(|i| i.unwrap().key().to_string())
                .collect();
            assert_eq!(uploads, vec!["k", "z"]);
            b.abort_multipart_upload("z", &other).send().unwrap();

            let done = b
                .complete_multipart_upload(
                    "k",
                    &id,
                    vec![PartInfo::new(1, p1.etag), PartInfo::from(&p2)],
                )
                .send()
                .unwrap();
            let whole = [data(MIN_PART, 3), b"end".to_vec()].concat();
            assert_eq!(done.crc64, Some(crc(&whole)));
            assert_eq!(b.get_object("k").send().unwrap().bytes().unwrap(), whole);
            let err = b.list_parts("z", &other).send().unwrap_err();
            assert_eq!(err.code(), Some("NoSuchUpload"));
        }
    }
}
