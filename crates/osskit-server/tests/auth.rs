//! Signatures, presigned URLs, STS, anonymous access and addressing styles.

mod common;

use common::*;
use osskit_proto::sign::Credentials;
use osskit_server::testing::*;

#[tokio::test]
async fn v1_and_v4_header_signatures() {
    let server = TestServer::start().await;
    for auth in [Auth::V1, Auth::V4] {
        let c = Client::new(&server.endpoint()).with_auth(auth);
        let bucket = if auth == Auth::V1 { "sig-v1" } else { "sig-v4" };
        c.create_bucket(bucket).await;
        let r = c
            .send(
                "PUT",
                Some(bucket),
                "a dir/ü+%.txt",
                &[],
                &[("content-type", "text/plain"), ("x-oss-meta-k", "v")],
                b"data".to_vec(),
            )
            .await;
        assert_eq!(r.status(), 200, "{auth:?}");
        assert_eq!(c.get_bytes(bucket, "a dir/ü+%.txt").await, b"data");
        let r = c
            .send(
                "GET",
                Some(bucket),
                "",
                &[
                    ("prefix", "a dir/"),
                    ("max-keys", "10"),
                    ("encoding-type", "url"),
                ],
                &[],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status(), 200, "{auth:?}");
        let r = c
            .send("GET", None, "", &[("prefix", "sig")], &[], Vec::new())
            .await;
        assert_eq!(r.status(), 200, "{auth:?}");

        let wrong = c
            .clone()
            .with_creds(Credentials::new(TEST_ACCESS_KEY_ID, "wrong-secret"));
        let e = expect_error(
            wrong.get(bucket, "a dir/ü+%.txt").await,
            403,
            "SignatureDoesNotMatch",
        )
        .await;
        assert!(
            e.detail("StringToSign").is_some_and(|s| !s.is_empty()),
            "{auth:?}"
        );
        let unknown = c.clone().with_creds(Credentials::new("no-such-id", "x"));
        expect_error(
            unknown.get(bucket, "a dir/ü+%.txt").await,
            403,
            "InvalidAccessKeyId",
        )
        .await;
        let mut skewed = c.clone();
        skewed.skew = -3600;
        expect_error(
            skewed.get(bucket, "a dir/ü+%.txt").await,
            403,
            "RequestTimeTooSkewed",
        )
        .await;
    }
    let mut other_region = Client::new(&server.endpoint()).with_auth(Auth::V4);
    other_region.region = "cn-beijing".into();
    let e = expect_error(
        other_region.get("sig-v4", "a dir/ü+%.txt").await,
        400,
        "InvalidArgument",
    )
    .await;
    assert_eq!(e.message, "Invalid signing region in Authorization header.");
    assert_eq!(e.ec.as_deref(), Some("0002-00000226"));
}

#[tokio::test]
async fn tampering_with_a_signed_request_fails() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("tamper").await;
    let params = owned(&[("acl", "")]);
    let headers = c.sign("GET", Some("tamper"), "", &params, &[]);
    // Same signature, different sub-resource.
    let mut rb = c
        .http
        .get(c.url(Some("tamper"), "", &owned(&[("location", "")])));
    for (k, v) in &headers {
        rb = rb.header(k, v);
    }
    expect_error(rb.send().await.unwrap(), 403, "SignatureDoesNotMatch").await;
    // Signed x-oss header changed.
    let headers = c.sign(
        "PUT",
        Some("tamper"),
        "k",
        &[],
        &owned(&[("x-oss-meta-a", "1")]),
    );
    let mut rb = c.http.put(c.url(Some("tamper"), "k", &[]));
    for (k, v) in &headers {
        rb = rb.header(k, if k == "x-oss-meta-a" { "2" } else { v });
    }
    expect_error(
        rb.body("x").send().await.unwrap(),
        403,
        "SignatureDoesNotMatch",
    )
    .await;
}

#[tokio::test]
async fn sts_credentials_need_their_token() {
    let server = TestServer::start().await;
    for auth in [Auth::V1, Auth::V4] {
        let c = Client::sts(&server.endpoint()).with_auth(auth);
        let bucket = if auth == Auth::V1 { "sts-v1" } else { "sts-v4" };
        c.create_bucket(bucket).await;
        c.put_ok(bucket, "k", b"sts").await;
        assert_eq!(c.get_bytes(bucket, "k").await, b"sts");
        let url = c.presign_url("GET", bucket, "k", &[], &[], 60);
        let r = c.http.get(url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{auth:?}");
        let wrong = c.clone().with_creds(Credentials::with_token(
            TEST_STS_ACCESS_KEY_ID,
            TEST_STS_ACCESS_KEY_SECRET,
            "bad",
        ));
        expect_error(wrong.get(bucket, "k").await, 403, "InvalidSecurityToken").await;
        let none = c.clone().with_creds(Credentials::new(
            TEST_STS_ACCESS_KEY_ID,
            TEST_STS_ACCESS_KEY_SECRET,
        ));
        expect_error(none.get(bucket, "k").await, 403, "InvalidSecurityToken").await;
    }
}

#[tokio::test]
async fn presigned_get_and_put() {
    let server = TestServer::start().await;
    for auth in [Auth::V1, Auth::V4] {
        let c = Client::new(&server.endpoint()).with_auth(auth);
        let bucket = if auth == Auth::V1 { "pre-v1" } else { "pre-v4" };
        c.create_bucket(bucket).await;
        let key = "dir/file name+1.txt";
        let put = c.presign_url(
            "PUT",
            bucket,
            key,
            &[],
            &[("content-type", "text/plain")],
            300,
        );
        let r = c
            .http
            .put(&put)
            .header("content-type", "text/plain")
            .body("presigned")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{auth:?}: {}", r.text().await.unwrap());
        let r = c
            .http
            .put(&put)
            .header("content-type", "application/json")
            .body("x")
            .send()
            .await
            .unwrap();
        expect_error(r, 403, "SignatureDoesNotMatch").await;

        let get = c.presign_url("GET", bucket, key, &[], &[], 300);
        let r = c.http.get(&get).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "presigned");
        let with_override = c.presign_url(
            "GET",
            bucket,
            key,
            &[("response-content-type", "image/gif")],
            &[],
            300,
        );
        let r = c.http.get(&with_override).send().await.unwrap();
        assert_eq!(header(&r, "content-type"), "image/gif");

        let mut old = c.clone();
        old.skew = -600;
        let expired = old.presign_url("GET", bucket, key, &[], &[], 60);
        let e = expect_error(
            c.http.get(&expired).send().await.unwrap(),
            403,
            "AccessDenied",
        )
        .await;
        assert_eq!(e.message, "Request has expired.");
        let tampered = get.replace("file%20name", "file%20nam");
        let (status, _, _) = error_of(c.http.get(&tampered).send().await.unwrap()).await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn anonymous_access_follows_the_bucket_acl() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    let anon = Client::new(&server.endpoint()).with_auth(Auth::Anonymous);
    for (bucket, acl) in [
        ("acl-private", "private"),
        ("acl-read", "public-read"),
        ("acl-rw", "public-read-write"),
    ] {
        let r = c
            .send(
                "PUT",
                Some(bucket),
                "",
                &[],
                &[("x-oss-acl", acl)],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status(), 200);
        c.put_ok(bucket, "k", b"secret").await;
    }
    // Never service or bucket configuration; listing only where the bucket is public.
    expect_error(
        anon.send("GET", None, "", &[], &[], Vec::new()).await,
        403,
        "AccessDenied",
    )
    .await;
    expect_error(
        anon.send("GET", Some("acl-private"), "", &[], &[], Vec::new())
            .await,
        403,
        "AccessDenied",
    )
    .await;
    for bucket in ["acl-read", "acl-rw"] {
        for params in [&[][..], &[("list-type", "2")][..]] {
            let r = anon
                .send("GET", Some(bucket), "", params, &[], Vec::new())
                .await;
            assert_eq!(r.status(), 200, "anonymous listing of public {bucket}");
            assert!(r.text().await.unwrap().contains("<Key>k</Key>"));
        }
    }
    for bucket in ["acl-private", "acl-read", "acl-rw"] {
        expect_error(
            anon.send("GET", Some(bucket), "", &[("acl", "")], &[], Vec::new())
                .await,
            403,
            "AccessDenied",
        )
        .await;
        expect_error(
            anon.send("DELETE", Some(bucket), "", &[], &[], Vec::new())
                .await,
            403,
            "AccessDenied",
        )
        .await;
    }
    expect_error(
        anon.send("PUT", Some("anon-new"), "", &[], &[], Vec::new())
            .await,
        403,
        "AccessDenied",
    )
    .await;

    expect_error(anon.get("acl-private", "k").await, 403, "AccessDenied").await;
    expect_error(anon.head("acl-private", "k").await, 403, "AccessDenied").await;
    expect_error(
        anon.put("acl-private", "w", b"x".to_vec()).await,
        403,
        "AccessDenied",
    )
    .await;

    assert_eq!(anon.get_bytes("acl-read", "k").await, b"secret");
    assert_eq!(anon.head("acl-read", "k").await.status(), 200);
    expect_error(
        anon.put("acl-read", "w", b"x".to_vec()).await,
        403,
        "AccessDenied",
    )
    .await;
    expect_error(
        anon.send("DELETE", Some("acl-read"), "k", &[], &[], Vec::new())
            .await,
        403,
        "AccessDenied",
    )
    .await;

    assert_eq!(anon.get_bytes("acl-rw", "k").await, b"secret");
    assert_eq!(
        anon.put("acl-rw", "w", b"anon".to_vec()).await.status(),
        200
    );
    assert_eq!(c.get_bytes("acl-rw", "w").await, b"anon");
    let r = anon
        .send(
            "POST",
            Some("acl-rw"),
            "log",
            &[("append", ""), ("position", "0")],
            &[],
            b"a".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        anon.send("DELETE", Some("acl-rw"), "w", &[], &[], Vec::new())
            .await
            .status(),
        204
    );
    // Copying from a private bucket is not allowed even into a public-read-write one.
    let r = anon
        .send(
            "PUT",
            Some("acl-rw"),
            "stolen",
            &[],
            &[("x-oss-copy-source", "/acl-private/k")],
            Vec::new(),
        )
        .await;
    expect_error(r, 403, "AccessDenied").await;

    // An object ACL overrides the bucket's.
    let r = c
        .send(
            "PUT",
            Some("acl-private"),
            "open",
            &[],
            &[("x-oss-object-acl", "public-read")],
            b"open".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(anon.get_bytes("acl-private", "open").await, b"open");
    let r = c
        .send(
            "PUT",
            Some("acl-read"),
            "closed",
            &[],
            &[("x-oss-object-acl", "private")],
            b"c".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 200);
    expect_error(anon.get("acl-read", "closed").await, 403, "AccessDenied").await;

    // PutObjectAcl changes the ACL without touching the bytes.
    let r = c
        .send(
            "GET",
            Some("acl-read"),
            "closed",
            &[("acl", "")],
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(tag(&r.text().await.unwrap(), "Grant"), Some("private"));
    let r = c
        .send(
            "PUT",
            Some("acl-read"),
            "closed",
            &[("acl", "")],
            &[("x-oss-object-acl", "default")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(anon.get_bytes("acl-read", "closed").await, b"c");
    let r = c
        .send(
            "PUT",
            Some("acl-read"),
            "closed",
            &[("acl", "")],
            &[("x-oss-object-acl", "nope")],
            Vec::new(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
    expect_error(
        anon.send(
            "GET",
            Some("acl-read"),
            "closed",
            &[("acl", "")],
            &[],
            Vec::new(),
        )
        .await,
        403,
        "AccessDenied",
    )
    .await;

    // Making the bucket private again closes it.
    let r = c
        .send(
            "PUT",
            Some("acl-read"),
            "",
            &[("acl", "")],
            &[("x-oss-acl", "private")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 200);
    expect_error(anon.get("acl-read", "k").await, 403, "AccessDenied").await;
}

#[tokio::test]
async fn virtual_hosted_addressing() {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("vhost").await;
    let port = server.server.local_addr().port();
    for auth in [Auth::V1, Auth::V4] {
        let c = c.clone().with_auth(auth);
        let host = format!("vhost.oss-cn-hangzhou.aliyuncs.com:{port}");
        let key = "dir/v h+%.txt";
        let send = |method: &str, key: &str, params: &[(&str, &str)], body: Vec<u8>| {
            let params = owned(params);
            let headers = c.sign(method, Some("vhost"), key, &params, &[]);
            let mut url = format!(
                "{}/{}",
                server.endpoint(),
                osskit_proto::encoding::quote(key, "")
            );
            if !params.is_empty() {
                url = format!("{url}?{}", osskit_proto::encoding::form_query(&params));
            }
            let mut rb = c
                .http
                .request(method.parse().unwrap(), url)
                .header("host", host.clone());
            for (k, v) in headers {
                rb = rb.header(k, v);
            }
            rb.body(body).send()
        };
        let r = send("PUT", key, &[], b"virtual".to_vec()).await.unwrap();
        assert_eq!(r.status(), 200, "{auth:?}");
        let r = send("GET", key, &[], Vec::new()).await.unwrap();
        assert_eq!(r.text().await.unwrap(), "virtual");
        let r = send("GET", "", &[("prefix", "dir/")], Vec::new())
            .await
            .unwrap();
        assert_eq!(tags(&r.text().await.unwrap(), "Key"), [key]);
        // Same object through path style.
        assert_eq!(c.get_bytes("vhost", key).await, b"virtual");
        let r = send("GET", "missing", &[], Vec::new()).await.unwrap();
        let e = expect_error(r, 404, "NoSuchKey").await;
        assert_eq!(e.host_id, host);
    }
}
