//! Multipart uploads over real HTTP: every operation, its errors, and the request forms
//! oss2 sends.

mod common;

use common::*;
use osskit_proto::crc64::crc64;
use osskit_proto::digest::{content_md5, etag_from_md5, md5};
use osskit_server::testing::TestServer;

/// Smallest size of a part that is not the last one.
const MIN_PART: usize = 102_400;

async fn setup(bucket: &str) -> (TestServer, Client) {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket(bucket).await;
    (server, c)
}

async fn initiate(c: &Client, bucket: &str, key: &str, headers: &[(&str, &str)]) -> String {
    let r = c
        .send(
            "POST",
            Some(bucket),
            key,
            &[("uploads", "")],
            headers,
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let doc = r.text().await.unwrap();
    let id = tag(&doc, "UploadId").unwrap().to_string();
    assert_eq!(id.len(), 32, "{doc}");
    id
}

async fn upload_part(
    c: &Client,
    bucket: &str,
    key: &str,
    id: &str,
    n: u32,
    data: &[u8],
) -> reqwest::Response {
    let n = n.to_string();
    c.send(
        "PUT",
        Some(bucket),
        key,
        &[("partNumber", &n), ("uploadId", id)],
        &[],
        data.to_vec(),
    )
    .await
}

/// Uploads a part and returns its ETag.
async fn part_ok(c: &Client, bucket: &str, key: &str, id: &str, n: u32, data: &[u8]) -> String {
    let r = upload_part(c, bucket, key, id, n, data).await;
    assert_eq!(r.status(), 200, "part {n}");
    let etag = header(&r, "etag").to_string();
    assert_eq!(etag, etag_from_md5(&md5(data)));
    assert_eq!(header(&r, "x-oss-hash-crc64ecma"), crc64(data).to_string());
    etag
}

fn complete_doc(parts: &[(u32, &str)]) -> String {
    let mut doc = String::from("<CompleteMultipartUpload>");
    for (n, etag) in parts {
        doc.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        ));
    }
    doc.push_str("</CompleteMultipartUpload>");
    doc
}

async fn complete(
    c: &Client,
    bucket: &str,
    key: &str,
    id: &str,
    parts: &[(u32, &str)],
) -> reqwest::Response {
    c.send(
        "POST",
        Some(bucket),
        key,
        &[("uploadId", id)],
        &[],
        complete_doc(parts),
    )
    .await
}

async fn complete_all(c: &Client, bucket: &str, key: &str, id: &str) -> reqwest::Response {
    c.send(
        "POST",
        Some(bucket),
        key,
        &[("uploadId", id)],
        &[("x-oss-complete-all", "yes")],
        Vec::new(),
    )
    .await
}

async fn list_parts(
    c: &Client,
    bucket: &str,
    key: &str,
    id: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut params = vec![("uploadId", id)];
    params.extend_from_slice(extra);
    c.send("GET", Some(bucket), key, &params, &[], Vec::new())
        .await
}

async fn abort(c: &Client, bucket: &str, key: &str, id: &str) -> reqwest::Response {
    c.send(
        "DELETE",
        Some(bucket),
        key,
        &[("uploadId", id)],
        &[],
        Vec::new(),
    )
    .await
}

/// The multipart ETag: MD5 of the concatenated binary part MD5s, then `-N`.
fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut digests = Vec::new();
    for p in parts {
        digests.extend_from_slice(&md5(p));
    }
    let plain = etag_from_md5(&md5(&digests));
    format!("{}-{}\"", plain.trim_end_matches('"'), parts.len())
}

#[tokio::test]
async fn upload_complete_and_read_back_keeps_metadata() {
    let (_s, c) = setup("mpart").await;
    let key = "dir/video é+%41.bin";
    let id = initiate(
        &c,
        "mpart",
        key,
        &[
            ("content-type", "video/mp4"),
            ("cache-control", "no-cache"),
            ("x-oss-meta-origin", "camera"),
            ("x-oss-storage-class", "IA"),
            ("x-oss-object-acl", "public-read"),
        ],
    )
    .await;
    let p1 = pattern(1, MIN_PART);
    let p2 = pattern(2, 150_000);
    let p3 = pattern(3, 777);
    let e1 = part_ok(&c, "mpart", key, &id, 1, &p1).await;
    let e2 = part_ok(&c, "mpart", key, &id, 2, &p2).await;
    let e3 = part_ok(&c, "mpart", key, &id, 3, &p3).await;
    // Nothing is visible before completion.
    assert_eq!(c.head("mpart", key).await.status(), 404);

    let r = complete(&c, "mpart", key, &id, &[(1, &e1), (2, &e2), (3, &e3)]).await;
    assert_eq!(r.status(), 200);
    let whole = [p1.clone(), p2.clone(), p3.clone()].concat();
    let etag = multipart_etag(&[&p1, &p2, &p3]);
    assert_eq!(header(&r, "etag"), etag);
    assert_eq!(
        header(&r, "x-oss-hash-crc64ecma"),
        crc64(&whole).to_string()
    );
    let doc = r.text().await.unwrap();
    assert!(doc.contains("<CompleteMultipartUploadResult>"), "{doc}");
    assert_eq!(tag(&doc, "Bucket"), Some("mpart"));
    assert_eq!(tag(&doc, "Key"), Some(key));
    assert_eq!(tag(&doc, "ETag"), Some(etag.as_str()));
    assert!(tag(&doc, "Location")
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    assert!(tag(&doc, "EncodingType").is_none());

    let r = c.get("mpart", key).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-oss-object-type"), "Multipart");
    assert_eq!(header(&r, "etag"), etag);
    assert_eq!(header(&r, "content-type"), "video/mp4");
    assert_eq!(header(&r, "cache-control"), "no-cache");
    assert_eq!(header(&r, "x-oss-meta-origin"), "camera");
    assert_eq!(header(&r, "x-oss-storage-class"), "IA");
    assert_eq!(
        header(&r, "x-oss-hash-crc64ecma"),
        crc64(&whole).to_string()
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), &whole[..]);
    // The object ACL came from the initiate request: anonymous reads are allowed.
    let anon = c.clone().with_auth(Auth::Anonymous);
    assert_eq!(anon.get_bytes("mpart", key).await, whole);

    // The upload is gone.
    expect_error(
        list_parts(&c, "mpart", key, &id, &[]).await,
        404,
        "NoSuchUpload",
    )
    .await;
    expect_error(
        upload_part(&c, "mpart", key, &id, 4, b"x").await,
        404,
        "NoSuchUpload",
    )
    .await;
    expect_error(
        complete(&c, "mpart", key, &id, &[(1, &e1)]).await,
        404,
        "NoSuchUpload",
    )
    .await;
    expect_error(abort(&c, "mpart", key, &id).await, 404, "NoSuchUpload").await;
}

#[tokio::test]
async fn oss2_request_forms_are_understood_under_v4() {
    let (_s, c) = setup("forms").await;
    let c = c.with_auth(Auth::V4);
    // oss2 sends `?uploads` with `sequential`, then `uploadId` before `partNumber`.
    let r = c
        .send(
            "POST",
            Some("forms"),
            "k",
            &[("sequential", ""), ("uploads", "")],
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let id = tag(&r.text().await.unwrap(), "UploadId")
        .unwrap()
        .to_string();
    let data = pattern(9, 5000);
    let r = c
        .send(
            "PUT",
            Some("forms"),
            "k",
            &[("uploadId", &id), ("partNumber", "1")],
            &[("content-md5", &content_md5(&data))],
            data.clone(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-md5"), content_md5(&data));
    let etag = header(&r, "etag").to_string();
    let r = complete(&c, "forms", "k", &id, &[(1, &etag)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(c.get_bytes("forms", "k").await, data);
    // A bare `?uploads` (no `=`) also initiates.
    let url = format!("{}/forms/bare?uploads", c.endpoint);
    let headers = c.clone().with_auth(Auth::V1).sign(
        "POST",
        Some("forms"),
        "bare",
        &owned(&[("uploads", "")]),
        &[],
    );
    let mut rb = c.http.post(url);
    for (k, v) in headers {
        rb = rb.header(k, v);
    }
    let r = rb.send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(tag(&r.text().await.unwrap(), "Key"), Some("bare"));
}

#[tokio::test]
async fn initiate_encodes_the_key_on_request_and_checks_its_arguments() {
    let (_s, c) = setup("init").await;
    let r = c
        .send(
            "POST",
            Some("init"),
            "a b/ü+%.txt",
            &[("uploads", ""), ("encoding-type", "url")],
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let doc = r.text().await.unwrap();
    assert_eq!(tag(&doc, "EncodingType"), Some("url"));
    assert_eq!(tag(&doc, "Key"), Some("a%20b/%C3%BC%2B%25.txt"));
    assert_eq!(tag(&doc, "Bucket"), Some("init"));

    let bad = |h: (&'static str, &'static str)| {
        let c = c.clone();
        async move {
            c.send(
                "POST",
                Some("init"),
                "k",
                &[("uploads", "")],
                &[h],
                Vec::new(),
            )
            .await
        }
    };
    expect_error(
        bad(("x-oss-object-acl", "bogus")).await,
        400,
        "InvalidArgument",
    )
    .await;
    expect_error(
        bad(("x-oss-storage-class", "Hot")).await,
        400,
        "InvalidArgument",
    )
    .await;
    let r = c
        .send(
            "POST",
            Some("nobucket"),
            "k",
            &[("uploads", "")],
            &[],
            Vec::new(),
        )
        .await;
    expect_error(r, 404, "NoSuchBucket").await;
    c.put_ok("init", "exists", b"x").await;
    let r = c
        .send(
            "POST",
            Some("init"),
            "exists",
            &[("uploads", "")],
            &[("x-oss-forbid-overwrite", "true")],
            Vec::new(),
        )
        .await;
    expect_error(r, 409, "FileAlreadyExists").await;
}

#[tokio::test]
async fn upload_part_errors() {
    let (_s, c) = setup("parts").await;
    let id = initiate(&c, "parts", "k", &[]).await;
    for bad in ["0", "10001", "x", "-1"] {
        let r = c
            .send(
                "PUT",
                Some("parts"),
                "k",
                &[("partNumber", bad), ("uploadId", &id)],
                &[],
                b"abc".to_vec(),
            )
            .await;
        let e = expect_error(r, 400, "InvalidArgument").await;
        assert!(e.message.contains("10000"), "{e:?}");
    }
    assert_eq!(
        upload_part(&c, "parts", "k", &id, 10000, b"top")
            .await
            .status(),
        200
    );
    expect_error(
        upload_part(
            &c,
            "parts",
            "k",
            "0123456789ABCDEF0123456789ABCDEF",
            1,
            b"x",
        )
        .await,
        404,
        "NoSuchUpload",
    )
    .await;
    // An upload id belongs to its key.
    expect_error(
        upload_part(&c, "parts", "other", &id, 1, b"x").await,
        404,
        "NoSuchUpload",
    )
    .await;
    expect_error(
        upload_part(&c, "nobucket", "k", &id, 1, b"x").await,
        404,
        "NoSuchBucket",
    )
    .await;
    let r = c
        .send(
            "PUT",
            Some("parts"),
            "k",
            &[("partNumber", "1"), ("uploadId", &id)],
            &[("content-md5", &content_md5(b"other"))],
            b"abc".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidDigest").await;
    let r = c
        .send(
            "PUT",
            Some("parts"),
            "k",
            &[("partNumber", "1"), ("uploadId", &id)],
            &[("x-oss-hash-crc64ecma", "12345")],
            b"abc".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidDigest").await;
    // Rejected parts were not stored: only part 10000 is listed.
    let doc = list_parts(&c, "parts", "k", &id, &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(tags(&doc, "PartNumber"), vec!["10000"]);
}

#[tokio::test]
async fn reuploaded_parts_replace_and_gaps_are_allowed() {
    let (_s, c) = setup("redo").await;
    let id = initiate(&c, "redo", "k", &[]).await;
    let old = pattern(1, MIN_PART);
    let new = pattern(2, MIN_PART + 10);
    let last = pattern(3, 10);
    let e_old = part_ok(&c, "redo", "k", &id, 3, &old).await;
    let e_new = part_ok(&c, "redo", "k", &id, 3, &new).await;
    let e_last = part_ok(&c, "redo", "k", &id, 7, &last).await;
    let doc = list_parts(&c, "redo", "k", &id, &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(tags(&doc, "PartNumber"), vec!["3", "7"]);
    assert_eq!(tags(&doc, "ETag"), vec![e_new.clone(), e_last.clone()]);
    assert_eq!(
        tags(&doc, "Size"),
        vec![(MIN_PART + 10).to_string(), "10".to_string()]
    );
    // The replaced part's ETag no longer matches.
    expect_error(
        complete(&c, "redo", "k", &id, &[(3, &e_old), (7, &e_last)]).await,
        400,
        "InvalidPart",
    )
    .await;
    // ETags compare without quotes and case.
    let unquoted = e_new.trim_matches('"').to_ascii_lowercase();
    let r = complete(&c, "redo", "k", &id, &[(3, &unquoted), (7, &e_last)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "etag"), multipart_etag(&[&new, &last]));
    assert_eq!(c.get_bytes("redo", "k").await, [new, last].concat());
}

#[tokio::test]
async fn complete_errors() {
    let (_s, c) = setup("cerr").await;
    let id = initiate(&c, "cerr", "k", &[]).await;
    let small = pattern(1, MIN_PART - 1);
    let big = pattern(2, MIN_PART);
    let e1 = part_ok(&c, "cerr", "k", &id, 1, &small).await;
    let e2 = part_ok(&c, "cerr", "k", &id, 2, &big).await;
    let big3 = pattern(3, MIN_PART);
    let e3 = part_ok(&c, "cerr", "k", &id, 3, &big3).await;
    expect_error(
        complete(&c, "cerr", "k", &id, &[(2, &e2), (1, &e1)]).await,
        400,
        "InvalidPartOrder",
    )
    .await;
    expect_error(
        complete(&c, "cerr", "k", &id, &[(2, &e2), (2, &e2)]).await,
        400,
        "InvalidPartOrder",
    )
    .await;
    expect_error(
        complete(&c, "cerr", "k", &id, &[(2, &e2), (4, &e3)]).await,
        400,
        "InvalidPart",
    )
    .await;
    expect_error(
        complete(&c, "cerr", "k", &id, &[(2, &e2), (3, &e2)]).await,
        400,
        "InvalidPart",
    )
    .await;
    expect_error(
        complete(&c, "cerr", "k", &id, &[(1, &e1), (2, &e2)]).await,
        400,
        "EntityTooSmall",
    )
    .await;
    // Complete-all takes part 1 too, which is too small.
    expect_error(
        complete_all(&c, "cerr", "k", &id).await,
        400,
        "EntityTooSmall",
    )
    .await;
    for body in [
        "",
        "not xml",
        "<CompleteMultipartUpload></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
    ] {
        let r = c
            .send(
                "POST",
                Some("cerr"),
                "k",
                &[("uploadId", &id)],
                &[],
                body.to_string(),
            )
            .await;
        expect_error(r, 400, "MalformedXML").await;
    }
    let r = c
        .send(
            "POST",
            Some("cerr"),
            "k",
            &[("uploadId", &id)],
            &[("x-oss-complete-all", "yes")],
            complete_doc(&[(2, &e2)]),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
    let r = c
        .send(
            "POST",
            Some("cerr"),
            "k",
            &[("uploadId", &id)],
            &[("content-md5", &content_md5(b"else"))],
            complete_doc(&[(2, &e2)]),
        )
        .await;
    expect_error(r, 400, "InvalidDigest").await;
    expect_error(
        complete(
            &c,
            "cerr",
            "k",
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
            &[(2, &e2)],
        )
        .await,
        404,
        "NoSuchUpload",
    )
    .await;
    // After all those failures the upload is intact and completes with valid parts.
    let r = complete(&c, "cerr", "k", &id, &[(2, &e2), (3, &e3)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(c.get_bytes("cerr", "k").await, [big, big3].concat());
}

#[tokio::test]
async fn complete_all_takes_every_part_and_replaces_the_object() {
    let (_s, c) = setup("all").await;
    c.put_ok("all", "k", b"previous").await;
    let id = initiate(&c, "all", "k", &[("x-oss-meta-n", "1")]).await;
    let p1 = pattern(1, MIN_PART + 1);
    let p5 = pattern(5, 3);
    part_ok(&c, "all", "k", &id, 5, &p5).await;
    part_ok(&c, "all", "k", &id, 1, &p1).await;
    let r = complete_all(&c, "all", "k", &id).await;
    assert_eq!(r.status(), 200);
    let whole = [p1.clone(), p5.clone()].concat();
    assert_eq!(header(&r, "etag"), multipart_etag(&[&p1, &p5]));
    assert_eq!(
        header(&r, "x-oss-hash-crc64ecma"),
        crc64(&whole).to_string()
    );
    let r = c.get("all", "k").await;
    assert_eq!(header(&r, "x-oss-meta-n"), "1");
    assert_eq!(header(&r, "x-oss-object-type"), "Multipart");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &whole[..]);
}

#[tokio::test]
async fn two_uploads_of_one_key_are_independent() {
    let (_s, c) = setup("twin").await;
    let a = initiate(&c, "twin", "k", &[]).await;
    let b = initiate(&c, "twin", "k", &[]).await;
    assert_ne!(a, b);
    let ea = part_ok(&c, "twin", "k", &a, 1, b"from a").await;
    let eb = part_ok(&c, "twin", "k", &b, 1, b"from b").await;
    assert_eq!(
        complete(&c, "twin", "k", &a, &[(1, &ea)]).await.status(),
        200
    );
    assert_eq!(c.get_bytes("twin", "k").await, b"from a");
    // The other upload still lists and completes, replacing the object.
    let doc = list_parts(&c, "twin", "k", &b, &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(tags(&doc, "ETag"), vec![eb.clone()]);
    assert_eq!(
        complete(&c, "twin", "k", &b, &[(1, &eb)]).await.status(),
        200
    );
    assert_eq!(c.get_bytes("twin", "k").await, b"from b");
}

#[tokio::test]
async fn abort_removes_the_upload_and_frees_the_bucket() {
    let (_s, c) = setup("abort").await;
    let id = initiate(&c, "abort", "k", &[]).await;
    part_ok(&c, "abort", "k", &id, 1, b"data").await;
    let r = c
        .send("DELETE", Some("abort"), "", &[], &[], Vec::new())
        .await;
    expect_error(r, 409, "BucketNotEmpty").await;
    expect_error(abort(&c, "abort", "other", &id).await, 404, "NoSuchUpload").await;
    let r = abort(&c, "abort", "k", &id).await;
    assert_eq!(r.status(), 204);
    expect_error(abort(&c, "abort", "k", &id).await, 404, "NoSuchUpload").await;
    let e = expect_error(
        list_parts(&c, "abort", "k", &id, &[]).await,
        404,
        "NoSuchUpload",
    )
    .await;
    assert_eq!(e.detail("UploadId"), Some(id.as_str()));
    expect_error(
        upload_part(&c, "abort", "k", &id, 1, b"x").await,
        404,
        "NoSuchUpload",
    )
    .await;
    expect_error(
        complete_all(&c, "abort", "k", &id).await,
        404,
        "NoSuchUpload",
    )
    .await;
    assert_eq!(c.head("abort", "k").await.status(), 404);
    let r = c
        .send("DELETE", Some("abort"), "", &[], &[], Vec::new())
        .await;
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn upload_part_copy_copies_ranges() {
    let (_s, c) = setup("pcopy").await;
    c.create_bucket("pcopy-src").await;
    let src = pattern(4, 300_000);
    c.put_ok("pcopy-src", "dir/src file+.bin", &src).await;
    let src_etag = etag_from_md5(&md5(&src));
    let id = initiate(&c, "pcopy", "dst", &[]).await;
    let copy = |n: u32, range: Option<&'static str>, extra: Vec<(&'static str, String)>| {
        let c = c.clone();
        let id = id.clone();
        async move {
            let n = n.to_string();
            let mut headers: Vec<(&str, String)> = vec![(
                "x-oss-copy-source",
                "/pcopy-src/dir%2Fsrc%20file%2B.bin".into(),
            )];
            if let Some(r) = range {
                headers.push(("x-oss-copy-source-range", r.to_string()));
            }
            headers.extend(extra);
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.send(
                "PUT",
                Some("pcopy"),
                "dst",
                &[("uploadId", &id), ("partNumber", &n)],
                &headers,
                Vec::new(),
            )
            .await
        }
    };
    let first = &src[..MIN_PART];
    let r = copy(1, Some("bytes=0-102399"), vec![]).await;
    assert_eq!(r.status(), 200);
    let e1 = header(&r, "etag").to_string();
    assert_eq!(e1, etag_from_md5(&md5(first)));
    assert_eq!(header(&r, "x-oss-hash-crc64ecma"), crc64(first).to_string());
    let doc = r.text().await.unwrap();
    assert!(doc.contains("<CopyPartResult>"), "{doc}");
    assert_eq!(tag(&doc, "ETag"), Some(e1.as_str()));
    assert!(tag(&doc, "LastModified").unwrap().ends_with(".000Z"));
    // The whole source, with a matching condition.
    let r = copy(
        2,
        None,
        vec![("x-oss-copy-source-if-match", src_etag.clone())],
    )
    .await;
    assert_eq!(r.status(), 200);
    let e2 = header(&r, "etag").to_string();
    assert_eq!(e2, src_etag);
    // An open-ended range.
    let r = copy(3, Some("bytes=299990-"), vec![]).await;
    assert_eq!(r.status(), 200);
    let e3 = header(&r, "etag").to_string();

    for bad in ["bytes=0-300000", "bytes=10-5", "bytes=x-3", "items=0-1"] {
        let r = copy(4, Some(bad), vec![]).await;
        let e = expect_error(r, 400, "InvalidArgument").await;
        assert!(e.message.contains(bad), "{e:?}");
    }
    let r = copy(
        4,
        None,
        vec![("x-oss-copy-source-if-match", "\"0000\"".to_string())],
    )
    .await;
    expect_error(r, 412, "PreconditionFailed").await;
    let r = c
        .send(
            "PUT",
            Some("pcopy"),
            "dst",
            &[("uploadId", &id), ("partNumber", "4")],
            &[("x-oss-copy-source", "/pcopy-src/missing")],
            Vec::new(),
        )
        .await;
    expect_error(r, 404, "NoSuchKey").await;
    let r = c
        .send(
            "PUT",
            Some("pcopy"),
            "dst",
            &[
                ("uploadId", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"),
                ("partNumber", "4"),
            ],
            &[("x-oss-copy-source", "/pcopy-src/dir%2Fsrc%20file%2B.bin")],
            Vec::new(),
        )
        .await;
    expect_error(r, 404, "NoSuchUpload").await;
    let r = c
        .send(
            "PUT",
            Some("pcopy"),
            "dst",
            &[("uploadId", &id), ("partNumber", "0")],
            &[("x-oss-copy-source", "/pcopy-src/dir%2Fsrc%20file%2B.bin")],
            Vec::new(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;

    let r = complete(&c, "pcopy", "dst", &id, &[(1, &e1), (2, &e2), (3, &e3)]).await;
    assert_eq!(r.status(), 200);
    let whole = [first, &src[..], &src[299_990..]].concat();
    assert_eq!(
        header(&r, "x-oss-hash-crc64ecma"),
        crc64(&whole).to_string()
    );
    assert_eq!(c.get_bytes("pcopy", "dst").await, whole);
}

#[tokio::test]
async fn list_parts_pages() {
    let (_s, c) = setup("lparts").await;
    let id = initiate(&c, "lparts", "k", &[]).await;
    let mut expected = Vec::new();
    for n in [1u32, 2, 4, 8, 9] {
        let data = pattern(n, 100 + n as usize);
        let etag = part_ok(&c, "lparts", "k", &id, n, &data).await;
        expected.push((n, etag, data));
    }
    let mut marker = String::new();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = list_parts(
            &c,
            "lparts",
            "k",
            &id,
            &[("max-parts", "2"), ("part-number-marker", &marker)],
        )
        .await;
        assert_eq!(r.status(), 200);
        let doc = r.text().await.unwrap();
        pages += 1;
        assert_eq!(tag(&doc, "UploadId"), Some(id.as_str()));
        assert_eq!(tag(&doc, "MaxParts"), Some("2"));
        assert_eq!(tag(&doc, "Key"), Some("k"));
        let numbers = tags(&doc, "PartNumber");
        let etags = tags(&doc, "ETag");
        let sizes = tags(&doc, "Size");
        let crcs = tags(&doc, "HashCrc64ecma");
        assert_eq!(tags(&doc, "LastModified").len(), numbers.len());
        for i in 0..numbers.len() {
            seen.push((
                numbers[i].clone(),
                etags[i].clone(),
                sizes[i].clone(),
                crcs[i].clone(),
            ));
        }
        let next = tag(&doc, "NextPartNumberMarker").unwrap().to_string();
        if tag(&doc, "IsTruncated") == Some("false") {
            break;
        }
        assert_eq!(Some(next.as_str()), numbers.last().map(String::as_str));
        marker = next;
    }
    assert_eq!(pages, 3);
    let want: Vec<_> = expected
        .iter()
        .map(|(n, e, d)| {
            (
                n.to_string(),
                e.clone(),
                d.len().to_string(),
                crc64(d).to_string(),
            )
        })
        .collect();
    assert_eq!(seen, want);
    for bad in [
        ("max-parts", "0"),
        ("max-parts", "1001"),
        ("part-number-marker", "x"),
    ] {
        let r = list_parts(&c, "lparts", "k", &id, &[bad]).await;
        expect_error(r, 400, "InvalidArgument").await;
    }
    let doc = list_parts(&c, "lparts", "k", &id, &[("part-number-marker", "8")])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(tags(&doc, "PartNumber"), vec!["9"]);
    assert_eq!(tag(&doc, "MaxParts"), Some("1000"));
}

async fn list_uploads(c: &Client, bucket: &str, params: &[(&str, &str)]) -> String {
    let mut all = vec![("uploads", "")];
    all.extend_from_slice(params);
    let r = c.send("GET", Some(bucket), "", &all, &[], Vec::new()).await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

#[tokio::test]
async fn list_uploads_pages_by_key_then_upload_id() {
    let (_s, c) = setup("luploads").await;
    let keys = ["b", "a/1", "a/2", "c d+é", "a/1", "b", "z/deep/x", "b"];
    let mut expected: Vec<(String, String)> = Vec::new();
    for k in keys {
        let id = initiate(&c, "luploads", k, &[]).await;
        expected.push((k.to_string(), id));
    }
    expected.sort_by(|x, y| x.0.as_bytes().cmp(y.0.as_bytes()).then(x.1.cmp(&y.1)));

    let doc = list_uploads(&c, "luploads", &[]).await;
    assert_eq!(tag(&doc, "IsTruncated"), Some("false"));
    assert_eq!(tag(&doc, "MaxUploads"), Some("1000"));
    assert_eq!(tag(&doc, "Bucket"), Some("luploads"));
    let got: Vec<(String, String)> = tags(&doc, "Key")
        .into_iter()
        .zip(tags(&doc, "UploadId"))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(tags(&doc, "Initiated").len(), expected.len());
    assert!(tags(&doc, "Initiated")[0].ends_with(".000Z"));

    // Paging with both markers visits every upload once, in order.
    for size in [1usize, 2, 3] {
        let size_s = size.to_string();
        let (mut km, mut um) = (String::new(), String::new());
        let mut seen = Vec::new();
        loop {
            let doc = list_uploads(
                &c,
                "luploads",
                &[
                    ("max-uploads", &size_s),
                    ("key-marker", &km),
                    ("upload-id-marker", &um),
                ],
            )
            .await;
            let page: Vec<(String, String)> = tags(&doc, "Key")
                .into_iter()
                .zip(tags(&doc, "UploadId"))
                .collect();
            assert!(page.len() <= size);
            seen.extend(page.clone());
            if tag(&doc, "IsTruncated") == Some("false") {
                break;
            }
            km = tag(&doc, "NextKeyMarker").unwrap().to_string();
            um = tag(&doc, "NextUploadIdMarker").unwrap().to_string();
            assert_eq!(Some((km.clone(), um.clone())), page.last().cloned());
        }
        assert_eq!(seen, expected, "page size {size}");
    }

    // Prefix and delimiter fold keys like object listings.
    let doc = list_uploads(&c, "luploads", &[("delimiter", "/")]).await;
    assert_eq!(tags(&doc, "Prefix"), vec!["", "a/", "z/"]);
    let keys: Vec<String> = tags(&doc, "Key");
    assert_eq!(keys, vec!["b", "b", "b", "c d+é"]);
    let doc = list_uploads(&c, "luploads", &[("prefix", "a/")]).await;
    assert_eq!(tags(&doc, "Key"), vec!["a/1", "a/1", "a/2"]);
    // A key marker alone starts after every upload of that key.
    let doc = list_uploads(&c, "luploads", &[("key-marker", "b")]).await;
    assert_eq!(tags(&doc, "Key"), vec!["c d+é", "z/deep/x"]);

    let doc = list_uploads(
        &c,
        "luploads",
        &[("encoding-type", "url"), ("prefix", "c d")],
    )
    .await;
    assert_eq!(tag(&doc, "EncodingType"), Some("url"));
    assert_eq!(tag(&doc, "Prefix"), Some("c%20d"));
    assert_eq!(tags(&doc, "Key"), vec!["c%20d%2B%C3%A9"]);

    for bad in [
        ("max-uploads", "0"),
        ("max-uploads", "1001"),
        ("encoding-type", "x"),
    ] {
        let r = c
            .send(
                "GET",
                Some("luploads"),
                "",
                &[("uploads", ""), bad],
                &[],
                Vec::new(),
            )
            .await;
        expect_error(r, 400, "InvalidArgument").await;
    }
    let r = c
        .send(
            "GET",
            Some("nobucket"),
            "",
            &[("uploads", "")],
            &[],
            Vec::new(),
        )
        .await;
    expect_error(r, 404, "NoSuchBucket").await;

    // Completed and aborted uploads leave the listing.
    let (k0, id0) = expected[0].clone();
    abort(&c, "luploads", &k0, &id0).await;
    let (k1, id1) = expected[1].clone();
    let e = part_ok(&c, "luploads", &k1, &id1, 1, b"x").await;
    complete(&c, "luploads", &k1, &id1, &[(1, &e)]).await;
    let doc = list_uploads(&c, "luploads", &[]).await;
    let ids = tags(&doc, "UploadId");
    assert_eq!(ids.len(), expected.len() - 2);
    assert!(!ids.contains(&id0) && !ids.contains(&id1));
}

#[tokio::test]
async fn anonymous_multipart_needs_a_public_read_write_bucket() {
    let (_s, c) = setup("anon").await;
    c.put_ok("anon", "secret", b"private bytes").await;
    let anon = c.clone().with_auth(Auth::Anonymous);
    let r = anon
        .send(
            "POST",
            Some("anon"),
            "k",
            &[("uploads", "")],
            &[],
            Vec::new(),
        )
        .await;
    expect_error(r, 403, "AccessDenied").await;
    let r = anon
        .send("GET", Some("anon"), "", &[("uploads", "")], &[], Vec::new())
        .await;
    expect_error(r, 403, "AccessDenied").await;
    let id = initiate(&c, "anon", "k", &[]).await;
    expect_error(
        upload_part(&anon, "anon", "k", &id, 1, b"x").await,
        403,
        "AccessDenied",
    )
    .await;
    expect_error(
        list_parts(&anon, "anon", "k", &id, &[]).await,
        403,
        "AccessDenied",
    )
    .await;
    expect_error(abort(&anon, "anon", "k", &id).await, 403, "AccessDenied").await;

    let r = c
        .send(
            "PUT",
            Some("anon"),
            "",
            &[("acl", "")],
            &[("x-oss-acl", "public-read-write")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let e = part_ok(&anon, "anon", "k", &id, 1, b"anonymous part").await;
    // A part copy from a private object is refused like CopyObject.
    c.put_ok("anon", "secret", b"private bytes").await;
    let r = c
        .send(
            "PUT",
            Some("anon"),
            "secret",
            &[("acl", "")],
            &[("x-oss-object-acl", "private")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = anon
        .send(
            "PUT",
            Some("anon"),
            "k",
            &[("partNumber", "2"), ("uploadId", &id)],
            &[("x-oss-copy-source", "/anon/secret")],
            Vec::new(),
        )
        .await;
    expect_error(r, 403, "AccessDenied").await;
    assert_eq!(
        complete(&anon, "anon", "k", &id, &[(1, &e)]).await.status(),
        200
    );
    assert_eq!(c.get_bytes("anon", "k").await, b"anonymous part");
}

#[tokio::test]
async fn a_large_upload_survives_a_restart() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("big").await;
    let id = initiate(&c, "big", "k", &[]).await;
    let mut parts = Vec::new();
    for n in 1..=3u32 {
        let data = pattern(n, 1024 * 1024);
        let etag = part_ok(&c, "big", "k", &id, n, &data).await;
        parts.push((n, etag, data));
    }
    let TestServer { server, dir } = server;
    server.shutdown().await;
    let restarted = osskit_server::Server::start(TestServer::config(dir.path()))
        .await
        .unwrap();
    let c = Client::new(&restarted.endpoint());
    let doc = list_parts(&c, "big", "k", &id, &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(tags(&doc, "PartNumber"), vec!["1", "2", "3"]);
    let list: Vec<(u32, &str)> = parts.iter().map(|(n, e, _)| (*n, e.as_str())).collect();
    let r = complete(&c, "big", "k", &id, &list).await;
    assert_eq!(r.status(), 200);
    let whole: Vec<u8> = parts.iter().flat_map(|(_, _, d)| d.clone()).collect();
    assert_eq!(
        header(&r, "x-oss-hash-crc64ecma"),
        crc64(&whole).to_string()
    );
    let got = c.get_bytes("big", "k").await;
    assert!(got == whole, "the completed object differs from its parts");
    restarted.shutdown().await;
}
