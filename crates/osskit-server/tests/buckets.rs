//! Service and bucket operations over real HTTP.

mod common;

use common::*;
use osskit_proto::digest::content_md5;
use osskit_server::testing::TestServer;

#[tokio::test]
async fn every_response_carries_the_common_headers() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    let r = c.send("GET", None, "", &[], &[], Vec::new()).await;
    assert_eq!(r.status(), 200);
    let id = header(&r, "x-oss-request-id").to_string();
    assert_eq!(id.len(), 24);
    assert!(id
        .chars()
        .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_lowercase()));
    assert_eq!(header(&r, "server"), "AliyunOSS");
    assert!(header(&r, "date").ends_with(" GMT"));
    assert!(r.headers().get("content-length").is_some());
    let r2 = c.send("GET", None, "", &[], &[], Vec::new()).await;
    assert_ne!(header(&r2, "x-oss-request-id"), id);

    let r = c.get("missing-bucket", "k").await;
    let host = server.endpoint().trim_start_matches("http://").to_string();
    assert!(r.headers().get("date").is_some());
    let e = expect_error(r, 404, "NoSuchBucket").await;
    assert_eq!(e.host_id, host);
    assert_eq!(e.detail("BucketName"), Some("missing-bucket"));
    assert_eq!(e.ec.as_deref(), Some("0015-00000101"));
    assert_eq!(e.details.last().map(|(k, _)| k.as_str()), Some("EC"));
}

#[tokio::test]
async fn list_buckets_pages_with_prefix_and_marker() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    for b in ["alpha-1", "alpha-2", "alpha-3", "beta-1"] {
        c.create_bucket(b).await;
    }
    let r = c.send("GET", None, "", &[], &[], Vec::new()).await;
    let doc = r.text().await.unwrap();
    assert_eq!(
        tags(&doc, "Name"),
        ["alpha-1", "alpha-2", "alpha-3", "beta-1"]
    );
    for field in [
        "Location",
        "CreationDate",
        "ExtranetEndpoint",
        "IntranetEndpoint",
        "StorageClass",
        "Region",
    ] {
        assert_eq!(tags(&doc, field).len(), 4, "{field} in {doc}");
    }
    assert_eq!(tag(&doc, "Location"), Some("oss-cn-hangzhou"));
    assert_eq!(tag(&doc, "Region"), Some("cn-hangzhou"));
    assert_eq!(tag(&doc, "StorageClass"), Some("Standard"));
    let authority = server.endpoint().trim_start_matches("http://").to_string();
    assert_eq!(tag(&doc, "ExtranetEndpoint"), Some(authority.as_str()));
    assert!(tag(&doc, "CreationDate").unwrap().ends_with(".000Z"));
    assert!(tag(&doc, "Owner").is_some());
    assert!(!doc.contains("xmlns"));

    let r = c
        .send(
            "GET",
            None,
            "",
            &[("prefix", "alpha"), ("max-keys", "2")],
            &[],
            Vec::new(),
        )
        .await;
    let doc = r.text().await.unwrap();
    assert_eq!(tags(&doc, "Name"), ["alpha-1", "alpha-2"]);
    assert_eq!(tag(&doc, "IsTruncated"), Some("true"));
    assert_eq!(tag(&doc, "NextMarker"), Some("alpha-2"));
    let r = c
        .send(
            "GET",
            None,
            "",
            &[("prefix", "alpha"), ("marker", "alpha-2")],
            &[],
            Vec::new(),
        )
        .await;
    let doc = r.text().await.unwrap();
    assert_eq!(tags(&doc, "Name"), ["alpha-3"]);
    assert_eq!(tag(&doc, "IsTruncated"), Some("false"));
    assert_eq!(tag(&doc, "NextMarker"), None);

    for bad in ["0", "1001", "x"] {
        let r = c
            .send("GET", None, "", &[("max-keys", bad)], &[], Vec::new())
            .await;
        expect_error(r, 400, "InvalidArgument").await;
    }
}

#[tokio::test]
async fn create_bucket_rules() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    for bad in [
        "ab",
        "Upper-case",
        "under_score",
        "-dash-first",
        "dash-last-",
    ] {
        let r = c.send("PUT", Some(bad), "", &[], &[], Vec::new()).await;
        let e = expect_error(r, 400, "InvalidBucketName").await;
        assert_eq!(e.detail("BucketName"), Some(bad));
    }
    c.create_bucket("taken").await;
    // Its owner may create it again (200, the ACL sent is applied); another account may not.
    let r = c
        .send(
            "PUT",
            Some("taken"),
            "",
            &[],
            &[("x-oss-acl", "public-read")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let acl = c
        .send("GET", Some("taken"), "", &[("acl", "")], &[], Vec::new())
        .await;
    assert!(acl
        .text()
        .await
        .unwrap()
        .contains("<Grant>public-read</Grant>"));
    let other = c.clone().with_creds(osskit_proto::sign::Credentials::new(
        osskit_server::testing::TEST_OTHER_ACCESS_KEY_ID,
        osskit_server::testing::TEST_OTHER_ACCESS_KEY_SECRET,
    ));
    let r = other
        .send("PUT", Some("taken"), "", &[], &[], Vec::new())
        .await;
    expect_error(r, 409, "BucketAlreadyExists").await;

    let r = c
        .send(
            "PUT",
            Some("bad-acl"),
            "",
            &[],
            &[("x-oss-acl", "everyone")],
            Vec::new(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
    let r = c
        .send(
            "PUT",
            Some("bad-xml"),
            "",
            &[],
            &[],
            b"<CreateBucketConfiguration><Stor".to_vec(),
        )
        .await;
    expect_error(r, 400, "MalformedXML").await;
    let body =
        b"<CreateBucketConfiguration><StorageClass>Hot</StorageClass></CreateBucketConfiguration>"
            .to_vec();
    let r = c.send("PUT", Some("bad-class"), "", &[], &[], body).await;
    expect_error(r, 400, "InvalidArgument").await;
    for b in ["bad-acl", "bad-xml", "bad-class"] {
        let r = c
            .send("GET", Some(b), "", &[("bucketInfo", "")], &[], Vec::new())
            .await;
        expect_error(r, 404, "NoSuchBucket").await;
    }

    let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateBucketConfiguration><StorageClass>IA</StorageClass><DataRedundancyType>ZRS</DataRedundancyType></CreateBucketConfiguration>".to_vec();
    let r = c
        .send(
            "PUT",
            Some("configured"),
            "",
            &[],
            &[("x-oss-acl", "public-read")],
            body,
        )
        .await;
    assert_eq!(r.status(), 200);
    let doc = c
        .send(
            "GET",
            Some("configured"),
            "",
            &[("bucketInfo", "")],
            &[],
            Vec::new(),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(tag(&doc, "Name"), Some("configured"));
    assert_eq!(tag(&doc, "StorageClass"), Some("IA"));
    assert_eq!(tag(&doc, "DataRedundancyType"), Some("ZRS"));
    assert_eq!(tag(&doc, "Grant"), Some("public-read"));
    assert_eq!(tag(&doc, "Location"), Some("oss-cn-hangzhou"));
    assert!(tag(&doc, "ExtranetEndpoint")
        .unwrap()
        .starts_with("127.0.0.1:"));
}

#[tokio::test]
async fn bucket_location_acl_and_deletion() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("b-acl").await;
    let doc = c
        .send(
            "GET",
            Some("b-acl"),
            "",
            &[("location", "")],
            &[],
            Vec::new(),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        doc.contains("<LocationConstraint>oss-cn-hangzhou</LocationConstraint>"),
        "{doc}"
    );

    let doc = c
        .send("GET", Some("b-acl"), "", &[("acl", "")], &[], Vec::new())
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(tag(&doc, "Grant"), Some("private"));
    assert!(tag(&doc, "ID").is_some());
    let r = c
        .send(
            "PUT",
            Some("b-acl"),
            "",
            &[("acl", "")],
            &[("x-oss-acl", "public-read-write")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let doc = c
        .send("GET", Some("b-acl"), "", &[("acl", "")], &[], Vec::new())
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(tag(&doc, "Grant"), Some("public-read-write"));
    let r = c
        .send(
            "PUT",
            Some("b-acl"),
            "",
            &[("acl", "")],
            &[("x-oss-acl", "nope")],
            Vec::new(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
    let r = c
        .send(
            "PUT",
            Some("nob-acl"),
            "",
            &[("acl", "")],
            &[("x-oss-acl", "private")],
            Vec::new(),
        )
        .await;
    expect_error(r, 404, "NoSuchBucket").await;

    c.put_ok("b-acl", "k", b"x").await;
    let r = c
        .send("DELETE", Some("b-acl"), "", &[], &[], Vec::new())
        .await;
    expect_error(r, 409, "BucketNotEmpty").await;
    assert_eq!(
        c.send("DELETE", Some("b-acl"), "k", &[], &[], Vec::new())
            .await
            .status(),
        204
    );
    assert_eq!(
        c.send("DELETE", Some("b-acl"), "", &[], &[], Vec::new())
            .await
            .status(),
        204
    );
    let r = c
        .send("DELETE", Some("b-acl"), "", &[], &[], Vec::new())
        .await;
    expect_error(r, 404, "NoSuchBucket").await;
    let r = c
        .send(
            "GET",
            Some("b-acl"),
            "",
            &[("location", "")],
            &[],
            Vec::new(),
        )
        .await;
    expect_error(r, 404, "NoSuchBucket").await;
}

#[tokio::test]
async fn cloud_only_operations_answer_501_naming_the_service() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("b501").await;
    c.put_ok("b501", "img", b"x").await;
    let r = c
        .send(
            "GET",
            Some("b501"),
            "img",
            &[("x-oss-process", "image/resize,w_10")],
            &[],
            Vec::new(),
        )
        .await;
    let body = expect_error(r, 501, "NotImplemented").await;
    assert!(
        body.message.contains("image and document processing"),
        "{}",
        body.message
    );
    // A live channel cannot be created, and nothing is written in its place.
    let r = c
        .send(
            "PUT",
            Some("b501"),
            "ch",
            &[("live", "")],
            &[],
            b"x".to_vec(),
        )
        .await;
    expect_error(r, 501, "NotImplemented").await;
    let r = c.get("b501", "ch").await;
    expect_error(r, 404, "NoSuchKey").await;
    // Listing live channels works (there are none), so clients that clean them up do too.
    let r = c
        .send("GET", Some("b501"), "", &[("live", "")], &[], Vec::new())
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("<ListLiveChannelResult>"));
}

#[tokio::test]
async fn delete_multiple_objects() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("bdel").await;
    for k in ["a", "b c", "d/e"] {
        c.put_ok("bdel", k, b"1").await;
    }
    let body = "<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object><Object><Key>b c</Key></Object><Object><Key>missing</Key></Object></Delete>";
    let md5 = content_md5(body.as_bytes());
    let r = c
        .send(
            "POST",
            Some("bdel"),
            "",
            &[("delete", ""), ("encoding-type", "url")],
            &[("content-md5", &md5)],
            body,
        )
        .await;
    assert_eq!(r.status(), 200);
    let doc = r.text().await.unwrap();
    assert_eq!(tags(&doc, "Key"), ["a", "b%20c", "missing"]);
    assert_eq!(tag(&doc, "EncodingType"), Some("url"));
    expect_error(c.get("bdel", "a").await, 404, "NoSuchKey").await;
    expect_error(c.get("bdel", "b c").await, 404, "NoSuchKey").await;

    let quiet = "<Delete><Quiet>true</Quiet><Object><Key>d/e</Key></Object></Delete>";
    let r = c
        .send(
            "POST",
            Some("bdel"),
            "",
            &[("delete", "")],
            &[("content-md5", &content_md5(quiet.as_bytes()))],
            quiet,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(tags(&r.text().await.unwrap(), "Key").is_empty());
    expect_error(c.get("bdel", "d/e").await, 404, "NoSuchKey").await;

    let r = c
        .send("POST", Some("bdel"), "", &[("delete", "")], &[], body)
        .await;
    expect_error(r, 400, "InvalidDigest").await;
    let r = c
        .send(
            "POST",
            Some("bdel"),
            "",
            &[("delete", "")],
            &[("content-md5", &content_md5(b"other"))],
            body,
        )
        .await;
    expect_error(r, 400, "InvalidDigest").await;
    let bad = "<Delete><Object><Key>x</Key></Object>";
    let r = c
        .send(
            "POST",
            Some("bdel"),
            "",
            &[("delete", "")],
            &[("content-md5", &content_md5(bad.as_bytes()))],
            bad,
        )
        .await;
    expect_error(r, 400, "MalformedXML").await;
    let mut many = String::from("<Delete>");
    for i in 0..1001 {
        many.push_str(&format!("<Object><Key>k{i}</Key></Object>"));
    }
    many.push_str("</Delete>");
    let md5 = content_md5(many.as_bytes());
    let r = c
        .send(
            "POST",
            Some("bdel"),
            "",
            &[("delete", "")],
            &[("content-md5", &md5)],
            many,
        )
        .await;
    expect_error(r, 400, "MalformedXML").await;
    let r = c
        .send(
            "POST",
            Some("nobucket-del"),
            "",
            &[("delete", "")],
            &[("content-md5", &content_md5(quiet.as_bytes()))],
            quiet,
        )
        .await;
    expect_error(r, 404, "NoSuchBucket").await;
}
