//! Object operations over real HTTP.

mod common;

use common::*;
use osskit_proto::crc64::crc64;
use osskit_proto::digest::{content_md5, etag_from_md5};
use osskit_server::testing::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn md5(data: &[u8]) -> [u8; 16] {
    let b64 = content_md5(data);
    decode_b64(&b64).try_into().unwrap()
}

async fn setup(bucket: &str) -> (TestServer, Client) {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket(bucket).await;
    (server, c)
}

#[tokio::test]
async fn put_get_head_keep_metadata() {
    let (_s, c) = setup("objs").await;
    let data = pattern(1, 300_000);
    let r = c
        .send(
            "PUT",
            Some("objs"),
            "dir/a b+c%41é.bin",
            &[],
            &[
                ("content-type", "text/plain"),
                ("cache-control", "no-cache"),
                ("content-disposition", "attachment"),
                ("x-oss-meta-color", "blue"),
                ("x-oss-storage-class", "IA"),
                ("content-md5", &content_md5(&data)),
                ("x-oss-hash-crc64ecma", &crc64(&data).to_string()),
            ],
            data.clone(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let etag = etag_from_md5(&md5(&data));
    assert_eq!(header(&r, "etag"), etag);
    assert_eq!(header(&r, "x-oss-hash-crc64ecma"), crc64(&data).to_string());
    assert_eq!(header(&r, "content-md5"), content_md5(&data));

    let r = c.get("objs", "dir/a b+c%41é.bin").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-length"), "300000");
    assert_eq!(header(&r, "content-type"), "text/plain");
    assert_eq!(header(&r, "cache-control"), "no-cache");
    assert_eq!(header(&r, "content-disposition"), "attachment");
    assert_eq!(header(&r, "x-oss-meta-color"), "blue");
    assert_eq!(header(&r, "etag"), etag);
    assert_eq!(header(&r, "x-oss-object-type"), "Normal");
    assert_eq!(header(&r, "x-oss-storage-class"), "IA");
    assert_eq!(header(&r, "accept-ranges"), "bytes");
    assert!(header(&r, "last-modified").ends_with(" GMT"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[..]);

    let r = c.head("objs", "dir/a b+c%41é.bin").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-length"), "300000");
    assert_eq!(header(&r, "x-oss-hash-crc64ecma"), crc64(&data).to_string());
    assert!(r.bytes().await.unwrap().is_empty());

    let r = c
        .send(
            "HEAD",
            Some("objs"),
            "dir/a b+c%41é.bin",
            &[("objectMeta", "")],
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "etag"), etag);
    assert_eq!(header(&r, "content-length"), "300000");
    assert!(r.headers().get("x-oss-meta-color").is_none());

    // Default content type, trailing slash keys, empty objects.
    c.put_ok("objs", "folder/", b"").await;
    let r = c.get("objs", "folder/").await;
    assert_eq!(header(&r, "content-type"), "application/octet-stream");
    assert_eq!(header(&r, "content-length"), "0");
    assert!(r.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn put_rejects_bad_digests_and_names() {
    let (_s, c) = setup("digests").await;
    c.put_ok("digests", "k", b"old").await;
    let r = c
        .send(
            "PUT",
            Some("digests"),
            "k",
            &[],
            &[("content-md5", &content_md5(b"other"))],
            b"new".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidDigest").await;
    let r = c
        .send(
            "PUT",
            Some("digests"),
            "k",
            &[],
            &[("x-oss-hash-crc64ecma", "12345")],
            b"new".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidDigest").await;
    let r = c
        .send(
            "PUT",
            Some("digests"),
            "k",
            &[],
            &[("content-md5", "not base64!")],
            b"new".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidDigest").await;
    assert_eq!(c.get_bytes("digests", "k").await, b"old");

    let long = "k".repeat(1024);
    expect_error(
        c.put("digests", &long, b"x".to_vec()).await,
        400,
        "InvalidObjectName",
    )
    .await;
    expect_error(
        c.put("digests", "\\back", b"x".to_vec()).await,
        400,
        "InvalidObjectName",
    )
    .await;
    // "/bucket//abs" makes the key "/abs".
    let url = format!("{}/digests//abs", c.endpoint);
    let headers = c.sign("PUT", Some("digests"), "/abs", &[], &[]);
    let mut rb = c.http.put(url);
    for (k, v) in headers {
        rb = rb.header(k, v);
    }
    expect_error(rb.body("x").send().await.unwrap(), 400, "InvalidObjectName").await;

    let r = c
        .send(
            "PUT",
            Some("digests"),
            "k",
            &[],
            &[("x-oss-object-acl", "bogus")],
            b"x".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
    let r = c
        .send(
            "PUT",
            Some("digests"),
            "k",
            &[],
            &[("x-oss-storage-class", "Hot")],
            b"x".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
    let r = c
        .send(
            "PUT",
            Some("digests"),
            "k",
            &[],
            &[("x-oss-forbid-overwrite", "true")],
            b"x".to_vec(),
        )
        .await;
    expect_error(r, 409, "FileAlreadyExists").await;
    let r = c
        .send(
            "PUT",
            Some("digests"),
            "fresh",
            &[],
            &[("x-oss-forbid-overwrite", "true")],
            b"x".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 200);
    expect_error(
        c.put("no-such-bucket-x", "k", b"x".to_vec()).await,
        404,
        "NoSuchBucket",
    )
    .await;
    expect_error(c.get("digests", "absent").await, 404, "NoSuchKey").await;
}

#[tokio::test]
async fn chunked_put_and_bodiless_get_with_length() {
    let (s, c) = setup("chunky").await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..5).map(|i| Ok(pattern(i, 70_000))).collect();
    let expected: Vec<u8> = (0..5).flat_map(|i| pattern(i, 70_000)).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let r = c.put("chunky", "streamed", body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "x-oss-hash-crc64ecma"),
        crc64(&expected).to_string()
    );
    assert_eq!(c.get_bytes("chunky", "streamed").await, expected);

    // A GET that declares a body it never sends is answered anyway.
    let headers = c.sign("GET", Some("chunky"), "streamed", &[], &[]);
    let addr = s.server.local_addr();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req =
        format!("GET /chunky/streamed HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 10\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    sock.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), sock.read(&mut buf))
        .await
        .expect("no answer")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn ranges() {
    let (_s, c) = setup("ranges").await;
    let data = pattern(3, 1000);
    c.put_ok("ranges", "k", &data).await;
    let get = |range: &'static str, standard: bool| {
        let c = c.clone();
        async move {
            let mut h = vec![("range", range)];
            if standard {
                h.push(("x-oss-range-behavior", "standard"));
            }
            c.send("GET", Some("ranges"), "k", &[], &h, Vec::new())
                .await
        }
    };
    for (range, start, end) in [
        ("bytes=0-99", 0, 99),
        ("bytes=0-0", 0, 0),
        ("bytes=-3", 997, 999),
        ("bytes=990-", 990, 999),
        ("bytes=0-499,500-999", 0, 499),
    ] {
        let r = get(range, false).await;
        assert_eq!(r.status(), 206, "{range}");
        assert_eq!(
            header(&r, "content-range"),
            format!("bytes {start}-{end}/1000")
        );
        assert_eq!(header(&r, "content-length"), (end - start + 1).to_string());
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            &data[start..=end],
            "{range}"
        );
    }
    for range in [
        "byte=0-499",
        "bytes=0-1000",
        "bytes=1000-2000",
        "bytes=1000-",
        "bytes=-2000",
    ] {
        let r = get(range, false).await;
        assert_eq!(r.status(), 200, "{range}");
        assert_eq!(r.bytes().await.unwrap().len(), 1000);
    }
    let r = get("bytes=500-2000", true).await;
    assert_eq!(r.status(), 206);
    assert_eq!(header(&r, "content-range"), "bytes 500-999/1000");
    let r = get("bytes=1000-2000", true).await;
    assert_eq!(header(&r, "content-range"), "bytes */1000");
    expect_error(r, 416, "InvalidRange").await;
}

#[tokio::test]
async fn conditional_requests_and_overrides() {
    let (_s, c) = setup("conds").await;
    c.put_ok("conds", "k", b"hello").await;
    let r = c.head("conds", "k").await;
    let etag = header(&r, "etag").to_string();
    let lm = header(&r, "last-modified").to_string();
    let past = "Sat, 05 Dec 2015 11:10:29 GMT";
    let future = "Fri, 01 Jan 2100 00:00:00 GMT";
    let status = |h: Vec<(&'static str, String)>, method: &'static str| {
        let c = c.clone();
        async move {
            let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.send(method, Some("conds"), "k", &[], &hs, Vec::new())
                .await
        }
    };
    assert_eq!(
        status(vec![("if-match", etag.clone())], "GET")
            .await
            .status(),
        200
    );
    assert_eq!(
        status(vec![("if-match", etag.to_lowercase())], "GET")
            .await
            .status(),
        200
    );
    expect_error(
        status(vec![("if-match", "\"0000\"".into())], "GET").await,
        412,
        "PreconditionFailed",
    )
    .await;
    expect_error(
        status(vec![("if-match", "\"0000\"".into())], "HEAD").await,
        412,
        "PreconditionFailed",
    )
    .await;
    let r = status(vec![("if-none-match", etag.clone())], "GET").await;
    assert_eq!(r.status(), 304);
    assert!(r.bytes().await.unwrap().is_empty());
    assert_eq!(
        status(vec![("if-none-match", "\"0000\"".into())], "GET")
            .await
            .status(),
        200
    );
    assert_eq!(
        status(vec![("if-modified-since", lm.clone())], "GET")
            .await
            .status(),
        304
    );
    assert_eq!(
        status(vec![("if-modified-since", past.into())], "GET")
            .await
            .status(),
        200
    );
    assert_eq!(
        status(vec![("if-unmodified-since", future.into())], "GET")
            .await
            .status(),
        200
    );
    expect_error(
        status(vec![("if-unmodified-since", past.into())], "GET").await,
        412,
        "PreconditionFailed",
    )
    .await;

    let r = c
        .send(
            "GET",
            Some("conds"),
            "k",
            &[
                ("response-content-type", "image/png"),
                ("response-content-disposition", "inline"),
                ("response-cache-control", "max-age=1"),
            ],
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(header(&r, "content-type"), "image/png");
    assert_eq!(header(&r, "content-disposition"), "inline");
    assert_eq!(header(&r, "cache-control"), "max-age=1");
}

#[tokio::test]
async fn head_errors_carry_the_document_in_x_oss_err() {
    let (_s, c) = setup("heads").await;
    let r = c.head("heads", "missing").await;
    assert!(r.headers().get("x-oss-err").is_some());
    let e = expect_error(r, 404, "NoSuchKey").await;
    assert_eq!(e.detail("Key"), Some("missing"));
    let r = c
        .send(
            "HEAD",
            Some("heads"),
            "missing",
            &[("objectMeta", "")],
            &[],
            Vec::new(),
        )
        .await;
    expect_error(r, 404, "NoSuchKey").await;
    expect_error(c.head("nobucket-heads", "k").await, 404, "NoSuchBucket").await;
}

#[tokio::test]
async fn delete_object() {
    let (_s, c) = setup("dels").await;
    c.put_ok("dels", "k", b"x").await;
    assert_eq!(
        c.send("DELETE", Some("dels"), "k", &[], &[], Vec::new())
            .await
            .status(),
        204
    );
    assert_eq!(
        c.send("DELETE", Some("dels"), "k", &[], &[], Vec::new())
            .await
            .status(),
        204
    );
    expect_error(c.get("dels", "k").await, 404, "NoSuchKey").await;
    let r = c
        .send("DELETE", Some("nobucket-dels"), "k", &[], &[], Vec::new())
        .await;
    expect_error(r, 404, "NoSuchBucket").await;
}

#[tokio::test]
async fn copy_object() {
    let (_s, c) = setup("copies").await;
    c.create_bucket("copies-2").await;
    let r = c
        .send(
            "PUT",
            Some("copies"),
            "src/a b.txt",
            &[],
            &[("content-type", "text/x"), ("x-oss-meta-m", "1")],
            b"payload".to_vec(),
        )
        .await;
    let etag = header(&r, "etag").to_string();
    let source = format!(
        "/copies/{}",
        osskit_proto::encoding::quote("src/a b.txt", "")
    );
    let r = c
        .send(
            "PUT",
            Some("copies-2"),
            "dst",
            &[],
            &[("x-oss-copy-source", &source)],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let doc = r.text().await.unwrap();
    assert!(doc.contains("<CopyObjectResult>"), "{doc}");
    assert_eq!(tag(&doc, "ETag"), Some(etag.as_str()));
    assert!(tag(&doc, "LastModified").unwrap().ends_with(".000Z"));
    let r = c.get("copies-2", "dst").await;
    assert_eq!(header(&r, "content-type"), "text/x");
    assert_eq!(header(&r, "x-oss-meta-m"), "1");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"payload");

    let r = c
        .send(
            "PUT",
            Some("copies"),
            "replaced",
            &[],
            &[
                ("x-oss-copy-source", &source),
                ("x-oss-metadata-directive", "REPLACE"),
                ("x-oss-meta-n", "2"),
                ("content-type", "text/y"),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = c.head("copies", "replaced").await;
    assert_eq!(header(&r, "content-type"), "text/y");
    assert_eq!(header(&r, "x-oss-meta-n"), "2");
    assert!(r.headers().get("x-oss-meta-m").is_none());

    let copy = |h: Vec<(&'static str, String)>| {
        let c = c.clone();
        async move {
            let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.send("PUT", Some("copies"), "cond", &[], &hs, Vec::new())
                .await
        }
    };
    let src = || ("x-oss-copy-source", source.clone());
    let r = copy(vec![src(), ("x-oss-metadata-directive", "MOVE".into())]).await;
    expect_error(r, 400, "InvalidArgument").await;
    let r = copy(vec![src(), ("x-oss-copy-source-if-match", "\"00\"".into())]).await;
    expect_error(r, 412, "PreconditionFailed").await;
    let r = copy(vec![
        src(),
        ("x-oss-copy-source-if-none-match", etag.clone()),
    ])
    .await;
    assert_eq!(r.status(), 304);
    let r = copy(vec![
        src(),
        (
            "x-oss-copy-source-if-unmodified-since",
            "Sat, 05 Dec 2015 11:10:29 GMT".into(),
        ),
    ])
    .await;
    expect_error(r, 412, "PreconditionFailed").await;
    expect_error(c.get("copies", "cond").await, 404, "NoSuchKey").await;
    let r = copy(vec![("x-oss-copy-source", "/copies/missing".into())]).await;
    expect_error(r, 404, "NoSuchKey").await;
    let r = copy(vec![("x-oss-copy-source", "/nobucket-copy/k".into())]).await;
    expect_error(r, 404, "NoSuchBucket").await;
    let r = copy(vec![src(), ("x-oss-copy-source-if-match", etag.clone())]).await;
    assert_eq!(r.status(), 200);
    let r = copy(vec![src(), ("x-oss-forbid-overwrite", "true".into())]).await;
    expect_error(r, 409, "FileAlreadyExists").await;
}

#[tokio::test]
async fn append_object() {
    let (_s, c) = setup("appends").await;
    let append = |pos: &'static str, body: &'static [u8]| {
        let c = c.clone();
        async move {
            c.send(
                "POST",
                Some("appends"),
                "log",
                &[("append", ""), ("position", pos)],
                &[],
                body.to_vec(),
            )
            .await
        }
    };
    let r = append("0", b"hello ").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-oss-next-append-position"), "6");
    assert_eq!(
        header(&r, "x-oss-hash-crc64ecma"),
        crc64(b"hello ").to_string()
    );
    let r = append("6", b"world").await;
    assert_eq!(header(&r, "x-oss-next-append-position"), "11");
    assert_eq!(
        header(&r, "x-oss-hash-crc64ecma"),
        crc64(b"hello world").to_string()
    );
    let r = append("3", b"x").await;
    let (_, _, headers) = {
        let h = r.headers().clone();
        (0, 0, h)
    };
    assert_eq!(headers.get("x-oss-next-append-position").unwrap(), "11");
    expect_error(r, 409, "PositionNotEqualToLength").await;
    let r = c.get("appends", "log").await;
    assert_eq!(header(&r, "x-oss-object-type"), "Appendable");
    assert_eq!(header(&r, "x-oss-next-append-position"), "11");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello world");

    c.put_ok("appends", "normal", b"n").await;
    let r = c
        .send(
            "POST",
            Some("appends"),
            "normal",
            &[("append", ""), ("position", "1")],
            &[],
            b"x".to_vec(),
        )
        .await;
    expect_error(r, 409, "ObjectNotAppendable").await;
    let r = c
        .send(
            "POST",
            Some("appends"),
            "new",
            &[("append", "")],
            &[],
            b"x".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
    let r = c
        .send(
            "POST",
            Some("appends"),
            "new",
            &[("append", ""), ("position", "-1")],
            &[],
            b"x".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
    let r = c
        .send(
            "POST",
            Some("appends"),
            "new",
            &[("position", "0"), ("append", "")],
            &[("content-md5", &content_md5(b"y"))],
            b"x".to_vec(),
        )
        .await;
    expect_error(r, 400, "InvalidDigest").await;
    expect_error(c.get("appends", "new").await, 404, "NoSuchKey").await;
}

#[tokio::test]
async fn early_errors_on_large_bodies_reach_the_client() {
    let (_s, c) = setup("early").await;
    let big = pattern(5, 6 * 1024 * 1024);
    for _ in 0..3 {
        let r = c.put("no-such-bucket-early", "k", big.clone()).await;
        expect_error(r, 404, "NoSuchBucket").await;
        let r = c.put("early", "\\bad", big.clone()).await;
        expect_error(r, 400, "InvalidObjectName").await;
    }
    c.put_ok("early", "after", b"still serving").await;
}

#[tokio::test]
async fn an_error_to_a_request_with_a_body_closes_the_connection() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("bclose").await;
    c.put_ok("bclose", "normal", b"abc").await;
    // Appending to a Normal object fails before the body is read: the server says it will
    // close the connection, so clients do not send the next request on it.
    let r = c
        .send(
            "POST",
            Some("bclose"),
            "normal",
            &[("append", ""), ("position", "0")],
            &[],
            b"x".to_vec(),
        )
        .await;
    assert_eq!(
        r.headers()
            .get("connection")
            .map(|v| v.to_str().unwrap().to_string()),
        Some("close".to_string())
    );
    expect_error(r, 409, "ObjectNotAppendable").await;
    // Errors to requests without a body keep the connection.
    let r = c.get("bclose", "missing").await;
    assert!(r.headers().get("connection").is_none());
    expect_error(r, 404, "NoSuchKey").await;
}

/// Reads a streamed GET's first chunk, lets `change` alter the object, then reads the rest.
async fn read_across(
    r: reqwest::Response,
    change: impl std::future::Future<Output = ()>,
) -> Vec<u8> {
    let mut r = r;
    let mut got = r.chunk().await.unwrap().expect("a first chunk").to_vec();
    change.await;
    while let Some(chunk) = r.chunk().await.unwrap() {
        got.extend_from_slice(&chunk);
    }
    got
}

#[tokio::test]
async fn a_streaming_get_keeps_its_bytes_when_the_object_changes() {
    let (_s, c) = setup("changing").await;
    // Larger than one mapped window, so the object is still being read when it changes.
    let old = pattern(7, 20 * 1024 * 1024 + 123);
    let new = pattern(8, 1024);

    c.put_ok("changing", "overwritten", &old).await;
    let r = c.get("changing", "overwritten").await;
    assert_eq!(r.status(), 200);
    let got = read_across(r, c.put_ok("changing", "overwritten", &new)).await;
    assert!(
        got == old,
        "an overwrite changed the bytes of a GET in flight"
    );
    assert_eq!(
        c.get("changing", "overwritten")
            .await
            .bytes()
            .await
            .unwrap(),
        new
    );

    c.put_ok("changing", "deleted", &old).await;
    let r = c.get("changing", "deleted").await;
    let got = read_across(r, async {
        let r = c
            .send("DELETE", Some("changing"), "deleted", &[], &[], Vec::new())
            .await;
        assert_eq!(r.status(), 204);
    })
    .await;
    assert!(got == old, "a delete changed the bytes of a GET in flight");

    // An appendable object grows while a ranged GET of its first bytes is in flight.
    let append = |pos: usize, body: Vec<u8>| {
        let c = c.clone();
        async move {
            let pos = pos.to_string();
            let r = c
                .send(
                    "POST",
                    Some("changing"),
                    "log",
                    &[("append", ""), ("position", &pos)],
                    &[],
                    body,
                )
                .await;
            assert_eq!(r.status(), 200);
        }
    };
    append(0, old.clone()).await;
    let r = c.get("changing", "log").await;
    let got = read_across(r, append(old.len(), new.clone())).await;
    assert!(got == old, "an append changed the bytes of a GET in flight");
    let all = c.get("changing", "log").await.bytes().await.unwrap();
    assert_eq!(all.len(), old.len() + new.len());
    assert!(all[..old.len()] == old[..] && all[old.len()..] == new[..]);
}

#[tokio::test]
async fn the_in_memory_store_serves_objects_like_the_disk_store() {
    // The in-memory store answers quick calls on the async threads; the same rules apply.
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestServer::config(dir.path());
    config.data_dir = None;
    let server = osskit_server::Server::start(config).await.unwrap();
    let c = Client::new(&server.endpoint());
    c.create_bucket("mem").await;

    let small = pattern(3, 4096);
    let large = pattern(4, 3 * 1024 * 1024 + 5);
    c.put_ok("mem", "small", &small).await;
    c.put_ok("mem", "large", &large).await;
    assert_eq!(c.get_bytes("mem", "small").await, small);
    assert_eq!(c.get_bytes("mem", "large").await, large);
    let r = c.head("mem", "large").await;
    assert_eq!(header(&r, "content-length"), large.len().to_string());
    assert_eq!(
        header(&r, "x-oss-hash-crc64ecma"),
        crc64(&large).to_string()
    );
    let r = c
        .send(
            "GET",
            Some("mem"),
            "large",
            &[],
            &[("range", "bytes=1048570-2097160")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap(), &large[1048570..=2097160]);

    // Private by default: anonymous reads are refused (the ACL lookup runs inline too).
    let anonymous = Client::new(&server.endpoint()).with_auth(common::Auth::Anonymous);
    expect_error(anonymous.get("mem", "small").await, 403, "AccessDenied").await;

    let r = c
        .send(
            "PUT",
            Some("mem"),
            "small",
            &[],
            &[("x-oss-forbid-overwrite", "true")],
            b"x".to_vec(),
        )
        .await;
    expect_error(r, 409, "FileAlreadyExists").await;
    assert_eq!(c.get_bytes("mem", "small").await, small);

    let r = c
        .send("DELETE", Some("mem"), "small", &[], &[], Vec::new())
        .await;
    assert_eq!(r.status(), 204);
    expect_error(c.get("mem", "small").await, 404, "NoSuchKey").await;
    expect_error(c.get("nobucket", "small").await, 404, "NoSuchBucket").await;
    server.shutdown().await;
}
