//! Object tags, ACLs, symbolic links, restores of archived objects, V2 signatures, gzip
//! answers and traffic limits, against the local server over real HTTP.

mod common;

use std::time::Duration;

use common::{bucket_name, new_bucket, server, Signer, REGION, SIGNERS};
use osskit::{AuthV2, Bucket, ObjectAcl, StorageClass, StsAuth, Tagging, TaggingDirective};
use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};

fn v2_bucket(server: &TestServer, name: &str) -> Bucket {
    Bucket::builder(
        AuthV2::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
        &server.endpoint(),
        name,
    )
    .build()
    .unwrap()
}

#[tokio::test]
async fn tags_round_trip_on_put_copy_append_multipart_and_calls() {
    let srv = server().await;
    for signer in SIGNERS {
        let b = new_bucket(&srv, signer, "tags").await;
        let tags = Tagging::new()
            .tag("a".repeat(128), "b".repeat(256))
            .tag("+-.:", "_/")
            .tag("中文", "");
        b.put_object("t.txt", "x")
            .tagging(tags.clone())
            .await
            .unwrap();
        let got = b.get_object_tagging("t.txt").await.unwrap();
        assert_eq!(got.tagging.pairs(), tags.pairs(), "{signer:?}");
        let head = b.head_object("t.txt").await.unwrap();
        assert_eq!(head.meta.header("x-oss-tagging-count"), Some("3"));

        // A copy keeps the source's tags unless told to replace them.
        b.copy_object(b.name(), "t.txt", "copy.txt").await.unwrap();
        assert_eq!(
            b.get_object_tagging("copy.txt")
                .await
                .unwrap()
                .tagging
                .len(),
            3
        );
        b.copy_object(b.name(), "t.txt", "copy.txt")
            .tagging_directive(TaggingDirective::Replace)
            .tagging(Tagging::new().tag(" +/ ", "中文"))
            .await
            .unwrap();
        let replaced = b.get_object_tagging("copy.txt").await.unwrap().tagging;
        assert_eq!(replaced.get(" +/ "), Some("中文"));
        assert_eq!(replaced.len(), 1);

        // Put replaces, delete empties; the modification time stays.
        let before = b.head_object("t.txt").await.unwrap().last_modified;
        b.put_object_tagging("t.txt", Tagging::new().tag("k", "v"))
            .await
            .unwrap();
        assert_eq!(
            b.get_object_tagging("t.txt").await.unwrap().tagging.pairs(),
            vec![("k".to_string(), "v".to_string())]
        );
        assert_eq!(b.head_object("t.txt").await.unwrap().last_modified, before);
        let del = b.delete_object_tagging("t.txt").await.unwrap();
        assert_eq!(del.status(), 204);
        assert!(b
            .get_object_tagging("t.txt")
            .await
            .unwrap()
            .tagging
            .is_empty());
        assert!(b
            .head_object("t.txt")
            .await
            .unwrap()
            .meta
            .header("x-oss-tagging-count")
            .is_none());

        // Appends take tags when they create the object only.
        b.append_object("log", 0, "12")
            .tagging(Tagging::new().tag("first", "1"))
            .await
            .unwrap();
        b.append_object("log", 2, "34")
            .tagging(Tagging::new().tag("second", "2"))
            .await
            .unwrap();
        assert_eq!(
            b.get_object_tagging("log").await.unwrap().tagging.pairs(),
            vec![("first".to_string(), "1".to_string())]
        );

        // A multipart upload gives the completed object its tags.
        let up = b
            .init_multipart_upload("mp")
            .tagging(Tagging::new().tag("mp", "yes"))
            .await
            .unwrap();
        let part = b.upload_part("mp", &up.upload_id, 1, "part").await.unwrap();
        b.complete_multipart_upload("mp", &up.upload_id, vec![part.into()])
            .await
            .unwrap();
        assert_eq!(
            b.get_object_tagging("mp").await.unwrap().tagging.get("mp"),
            Some("yes")
        );
    }
}

#[tokio::test]
async fn bad_tags_are_refused_and_nothing_changes() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V4, "badtags").await;
    b.put_object("k", "x")
        .tagging(Tagging::new().tag("keep", "1"))
        .await
        .unwrap();
    // Sent raw (the SDK checks tags itself before sending).
    for (doc, why) in [
        (
            format!(
                "<Tagging><TagSet><Tag><Key>{}</Key><Value>v</Value></Tag></TagSet></Tagging>",
                "a".repeat(129)
            ),
            "long key",
        ),
        (
            "<Tagging><TagSet><Tag><Key>%@abc</Key><Value>v</Value></Tag></TagSet></Tagging>"
                .to_string(),
            "bad character",
        ),
        (
            format!(
                "<Tagging><TagSet>{}</TagSet></Tagging>",
                (0..11)
                    .map(|i| format!("<Tag><Key>k{i}</Key><Value>v</Value></Tag>"))
                    .collect::<String>()
            ),
            "eleven tags",
        ),
    ] {
        let e = b
            .call(osskit::proto::ops::OpId::PutObjectTagging)
            .key("k")
            .body(doc)
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidTag"), "{why}: {e}");
        assert_eq!(e.status(), Some(400));
    }
    // The same through the header of an upload: nothing is stored.
    let e = b
        .put_object("other", "x")
        .header("x-oss-tagging", "aa=bb=cc")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidTag"), "{e}");
    assert!(!b.object_exists("other").await.unwrap());
    // And the SDK refuses bad tags before sending.
    let e = b
        .put_object_tagging("k", Tagging::new().tag("", "v"))
        .await
        .unwrap_err();
    assert!(matches!(e, osskit::Error::Client { .. }), "{e}");
    assert_eq!(
        b.get_object_tagging("k").await.unwrap().tagging.get("keep"),
        Some("1")
    );
    let e = b.get_object_tagging("missing").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchKey"));
}

#[tokio::test]
async fn object_acl_calls_async_and_blocking() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "oacl").await;
    b.put_object("k", "x").await.unwrap();
    assert_eq!(b.get_object_acl("k").await.unwrap().acl, ObjectAcl::Default);
    b.put_object_acl("k", ObjectAcl::PublicRead).await.unwrap();
    let out = b.get_object_acl("k").await.unwrap();
    assert_eq!(out.acl, ObjectAcl::PublicRead);
    assert!(!out.owner.id.is_empty());
    let e = b.get_object_acl("missing").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchKey"));

    let name = b.name().to_string();
    let endpoint = srv.endpoint();
    tokio::task::spawn_blocking(move || {
        let blocking = osskit::blocking::Bucket::builder(
            osskit::Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
            &endpoint,
            &name,
        )
        .build()
        .unwrap();
        blocking
            .put_object_acl("k", ObjectAcl::Private)
            .send()
            .unwrap();
        assert_eq!(
            blocking.get_object_acl("k").send().unwrap().acl,
            ObjectAcl::Private
        );
        blocking
            .put_object_tagging("k", Tagging::new().tag("b", "1"))
            .send()
            .unwrap();
        assert_eq!(
            blocking
                .get_object_tagging("k")
                .send()
                .unwrap()
                .tagging
                .get("b"),
            Some("1")
        );
        blocking.put_symlink("k", "link").send().unwrap();
        assert_eq!(blocking.get_symlink("link").send().unwrap().target_key, "k");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn symlinks_read_through_to_their_target() {
    let srv = server().await;
    for signer in SIGNERS {
        let b = new_bucket(&srv, signer, "link").await;
        b.put_object("dir/target file+.txt", "hello")
            .content_type("text/plain")
            .await
            .unwrap();
        let put = b
            .put_symlink("dir/target file+.txt", "link")
            .metadata("who", "link")
            .await
            .unwrap();
        assert_eq!(put.status(), 200);
        let got = b.get_symlink("link").await.unwrap();
        assert_eq!(got.target_key, "dir/target file+.txt", "{signer:?}");

        let head = b.head_object("link").await.unwrap();
        assert_eq!(head.content_length, Some(5));
        assert_eq!(head.etag, "5D41402ABC4B2A76B9719D911017C592");
        assert_eq!(head.object_type.as_deref(), Some("Symlink"));
        assert_eq!(head.metadata.get("who").map(String::as_str), Some("link"));
        let body = b
            .get_object("link")
            .await
            .unwrap()
            .body
            .collect_bytes()
            .await
            .unwrap();
        assert_eq!(body, "hello");
        let part = b.get_object("link").range((1, 3)).await.unwrap();
        assert_eq!(part.body.collect_bytes().await.unwrap(), "ell");

        // Forbid-overwrite keeps an existing key.
        let e = b
            .put_symlink("dir/target file+.txt", "link")
            .forbid_overwrite(true)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("FileAlreadyExists"));

        // A missing target.
        b.delete_object("dir/target file+.txt").await.unwrap();
        let e = b.get_object("link").await.unwrap_err();
        assert_eq!(e.code(), Some("SymlinkTargetNotExist"), "{e}");
        assert_eq!(e.status(), Some(404));
        let e = b.head_object("link").await.unwrap_err();
        assert_eq!(e.status(), Some(404));
        // GetSymlink of a plain object or of nothing.
        b.put_object("plain", "p").await.unwrap();
        assert_eq!(
            b.get_symlink("plain").await.unwrap_err().code(),
            Some("NoSuchKey")
        );
        assert_eq!(
            b.get_symlink("none").await.unwrap_err().code(),
            Some("NoSuchKey")
        );
        // Deleting the link leaves the target alone.
        b.put_object("dir/target file+.txt", "again").await.unwrap();
        b.delete_object("link").await.unwrap();
        assert!(b.object_exists("dir/target file+.txt").await.unwrap());
    }
}

#[tokio::test]
async fn archived_objects_need_a_restore() {
    let srv = TestServer::start_with(|c| c.restore_delay = Duration::from_millis(300)).await;
    let b = new_bucket(&srv, Signer::V4, "restore").await;
    b.put_object("cold", "frozen bytes")
        .storage_class(StorageClass::ColdArchive)
        .await
        .unwrap();
    let e = b.get_object("cold").await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidObjectState"), "{e}");
    assert_eq!(e.status(), Some(403));
    // HEAD works and shows no restore yet.
    let head = b.head_object("cold").await.unwrap();
    assert!(head.meta.header("x-oss-restore").is_none());

    let first = b
        .restore_object("cold")
        .days(2)
        .tier("Expedited")
        .await
        .unwrap();
    assert_eq!(first.status(), 202);
    assert!(first.started());
    assert_eq!(first.tier.as_deref(), Some("Expedited"));
    let again = b.restore_object("cold").await.unwrap_err();
    assert_eq!(again.code(), Some("RestoreAlreadyInProgress"));
    assert_eq!(again.status(), Some(409));
    let head = b.head_object("cold").await.unwrap();
    assert_eq!(
        head.meta.header("x-oss-restore"),
        Some("ongoing-request=\"true\"")
    );
    let listed = b.list_objects_v2().await.unwrap();
    assert_eq!(
        listed.objects[0].restore_info.as_deref(),
        Some("ongoing-request=\"true\"")
    );
    assert_eq!(
        b.get_object("cold").await.unwrap_err().code(),
        Some("InvalidObjectState")
    );

    // Once the restore is done the object reads, and the header carries the expiry.
    let mut restored = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let h = b.head_object("cold").await.unwrap();
        if let Some(v) = h.meta.header("x-oss-restore") {
            if v.starts_with("ongoing-request=\"false\"") {
                restored = Some(v.to_string());
                break;
            }
        }
    }
    let restored = restored.expect("the restore finished");
    assert!(restored.contains("expiry-date=\""), "{restored}");
    let body = b
        .get_object("cold")
        .await
        .unwrap()
        .body
        .collect_bytes()
        .await
        .unwrap();
    assert_eq!(body, "frozen bytes");
    // A second restore of a restored object extends it (200).
    assert_eq!(b.restore_object("cold").await.unwrap().status(), 200);

    // Archive objects by the bucket's default class; tiers are for colder classes only.
    let archive = common::bucket(&srv, Signer::V1, &bucket_name("archive"));
    archive
        .create_bucket()
        .storage_class(StorageClass::Archive)
        .await
        .unwrap();
    archive.put_object("a", "x").await.unwrap();
    assert_eq!(
        archive.get_object("a").await.unwrap_err().code(),
        Some("InvalidObjectState")
    );
    let e = archive.restore_object("a").tier("Bulk").await.unwrap_err();
    assert_eq!(e.code(), Some("MalformedXML"));
    let e = archive.restore_object("a").days(8).await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    // Copies of frozen objects are refused too.
    let e = archive
        .copy_object(archive.name(), "a", "a2")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidObjectState"));
    // Standard objects cannot be restored.
    b.put_object("warm", "x").await.unwrap();
    let e = b.restore_object("warm").await.unwrap_err();
    assert_eq!(e.code(), Some("OperationNotSupported"));
    let e = b.restore_object("cold-missing").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchKey"));
}

#[tokio::test]
async fn v2_signatures_headers_and_presigned_urls() {
    let srv = server().await;
    let name = bucket_name("v2");
    let b = v2_bucket(&srv, &name);
    b.create_bucket().await.unwrap();
    b.put_object("dir/a b+c.txt", "Hello OSS").await.unwrap();
    // Range and If-Modified-Since are signed as additional headers.
    let part = b.get_object("dir/a b+c.txt").range((1, 3)).await.unwrap();
    assert_eq!(part.body.collect_bytes().await.unwrap(), "ell");
    let list = b.list_objects().prefix("dir/").await.unwrap();
    assert_eq!(list.objects.len(), 1);
    // STS keys under V2.
    let sts = Bucket::builder(
        StsAuth::new(
            osskit_server::testing::TEST_STS_ACCESS_KEY_ID,
            osskit_server::testing::TEST_STS_ACCESS_KEY_SECRET,
            osskit_server::testing::TEST_STS_TOKEN,
        )
        .v2(),
        &srv.endpoint(),
        &name,
    )
    .build()
    .unwrap();
    assert!(sts.object_exists("dir/a b+c.txt").await.unwrap());

    // Presigned, with and without additional headers.
    let url = b
        .sign_url(
            osskit::Method::GET,
            "dir/a b+c.txt",
            Duration::from_secs(60),
        )
        .build()
        .await
        .unwrap();
    assert!(url.contains("x-oss-signature-version=OSS2"), "{url}");
    let got = reqwest::get(&url).await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.text().await.unwrap(), "Hello OSS");
    let url = b
        .sign_url(
            osskit::Method::GET,
            "dir/a b+c.txt",
            Duration::from_secs(60),
        )
        .header("custom-header", "abc")
        .additional_header("custom-header")
        .build()
        .await
        .unwrap();
    assert!(
        url.contains("x-oss-additional-headers=custom-header"),
        "{url}"
    );
    let client = reqwest::Client::new();
    let ok = client
        .get(&url)
        .header("custom-header", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let tampered = client
        .get(&url)
        .header("custom-header", "abd")
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 403);
    assert!(tampered
        .text()
        .await
        .unwrap()
        .contains("<Code>SignatureDoesNotMatch</Code>"));
    // A wrong secret is refused.
    let wrong = Bucket::builder(
        AuthV2::new(TEST_ACCESS_KEY_ID, "not-the-secret"),
        &srv.endpoint(),
        &name,
    )
    .build()
    .unwrap();
    let e = wrong.get_object("dir/a b+c.txt").await.unwrap_err();
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"));
}

#[tokio::test]
async fn v4_region_errors_carry_oss_messages() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V4, "region").await;
    b.put_object("k", "x").await.unwrap();
    let other = Bucket::builder(Signer::V4.auth(), &srv.endpoint(), b.name())
        .region("cn-beijing")
        .build()
        .unwrap();
    // In the Authorization header.
    let e = other.get_bucket_info().await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    let server_error = e.as_server().unwrap();
    assert_eq!(
        server_error.message,
        "Invalid signing region in Authorization header."
    );
    assert_eq!(server_error.ec.as_deref(), Some("0002-00000226"));
    // In a presigned URL's x-oss-credential, and an empty region (oss2 signs URLs without
    // one when the client has none).
    let url = other
        .sign_url(osskit::Method::GET, "k", Duration::from_secs(60))
        .build()
        .await
        .unwrap();
    for url in [url.clone(), url.replace("%2Fcn-beijing%2F", "%2F%2F")] {
        let resp = reqwest::get(&url).await.unwrap();
        assert_eq!(resp.status(), 400, "{url}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains("<Message>The signing region in credential is invalid.</Message>"),
            "{body}"
        );
    }
    let _ = REGION;
}

#[tokio::test]
async fn gzip_answers_are_decoded_and_checked() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "gzip").await;
    let text: String = (0..400).map(|i| format!("line {i}\n")).collect();
    b.put_object("page.txt", text.clone())
        .content_type("text/plain")
        .await
        .unwrap();
    // Raw: gzip, chunked, no Content-Length or ETag.
    let url = b
        .sign_url(osskit::Method::GET, "page.txt", Duration::from_secs(60))
        .build()
        .await
        .unwrap();
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers().get("content-encoding").unwrap(), "gzip");
    assert!(raw.headers().get("content-length").is_none());
    assert!(raw.headers().get("etag").is_none());
    let compressed = raw.bytes().await.unwrap();
    assert!(compressed.len() < text.len());
    let mut plain = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut plain,
    )
    .unwrap();
    assert_eq!(plain, text);
    // The SDK decodes when asked and checks the CRC-64 of the decoded bytes.
    let got = b.get_object("page.txt").accept_gzip().await.unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), text.as_bytes());
    // Small objects and other types are sent as they are.
    b.put_object("small.txt", "tiny").await.unwrap();
    let small = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(
            b.sign_url(osskit::Method::GET, "small.txt", Duration::from_secs(60))
                .build()
                .await
                .unwrap(),
        )
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(small.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn traffic_limits_are_checked_and_slow_transfers_down() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "traffic").await;
    for bad in ["245759", "838860801", "fast"] {
        let e = b
            .put_object("k", "x")
            .header("x-oss-traffic-limit", bad)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidArgument"), "{bad}");
    }
    assert!(!b.object_exists("k").await.unwrap());
    // 60 KiB at 245760 bit/s (30 KiB/s) takes about two seconds each way.
    let data = vec![7u8; 60 * 1024];
    let started = std::time::Instant::now();
    b.put_object("k", data.clone())
        .traffic_limit(245_760)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    let started = std::time::Instant::now();
    let got = b
        .get_object("k")
        .traffic_limit(245_760)
        .await
        .unwrap()
        .body
        .collect_bytes()
        .await
        .unwrap();
    assert_eq!(got.len(), data.len());
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}
