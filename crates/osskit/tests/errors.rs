//! Server errors surface with their code, status, request id and details; bad input is
//! rejected before any request and leaves stored data intact.

mod common;

use common::{bucket, bucket_name, new_bucket, server, Signer, REGION};
use osskit::{AnonymousAuth, Auth, AuthV4, Bucket, Error};
use osskit_server::testing::TEST_ACCESS_KEY_ID;

#[tokio::test]
async fn not_found_errors_carry_details() {
    let srv = server().await;
    let missing = bucket(&srv, Signer::V1, &bucket_name("nob"));
    let e = missing.put_object("k", "v").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"));
    assert_eq!(e.status(), Some(404));
    let s = e.as_server().unwrap();
    assert!(!s.request_id.is_empty());
    assert_eq!(s.detail("BucketName"), Some(missing.name()));
    assert!(e.ec().is_some(), "{e}");
    assert!(!e.is_retryable());

    // HEAD errors come from the x-oss-err header.
    let e = missing.head_object("k").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"), "{e}");
    let e = missing.object_exists("k").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"), "{e}");

    let b = new_bucket(&srv, Signer::V1, "nokey").await;
    let e = b.head_object("absent").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchKey"), "{e}");
    let e = b.get_object("absent").await.unwrap_err();
    assert_eq!(e.as_server().unwrap().detail("Key"), Some("absent"));
    assert!(e.to_string().contains("NoSuchKey"), "{e}");
}

#[tokio::test]
async fn wrong_secret_and_unknown_key_id() {
    let srv = server().await;
    let good = new_bucket(&srv, Signer::V1, "sig").await;
    good.put_object("k", "v").await.unwrap();

    let bad = Bucket::new(
        Auth::new(TEST_ACCESS_KEY_ID, "wrong-secret"),
        &srv.endpoint(),
        good.name(),
    )
    .unwrap();
    let e = bad.get_object("k").await.unwrap_err();
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"), "{e}");
    assert_eq!(e.status(), Some(403));

    let bad4 = Bucket::builder(
        AuthV4::new(TEST_ACCESS_KEY_ID, "wrong-secret"),
        &srv.endpoint(),
        good.name(),
    )
    .region(REGION)
    .build()
    .unwrap();
    let e = bad4.get_object("k").await.unwrap_err();
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"), "{e}");

    let unknown = Bucket::new(Auth::new("no-such-id", "x"), &srv.endpoint(), good.name()).unwrap();
    let e = unknown.get_object("k").await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidAccessKeyId"), "{e}");
}

#[tokio::test]
async fn anonymous_access_to_a_private_bucket_is_denied() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "anon").await;
    b.put_object("secret", "v").await.unwrap();
    let anon = Bucket::new(AnonymousAuth, &srv.endpoint(), b.name()).unwrap();
    let e = anon.get_object("secret").await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"), "{e}");
    let e = anon.put_object("new", "v").await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"), "{e}");
}

#[tokio::test]
async fn invalid_object_name_from_the_server() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "objname").await;
    // The client refuses such a key, so the URL is presigned with the protocol crate.
    let key = "k".repeat(1024);
    let creds = osskit::proto::sign::Credentials::new(
        TEST_ACCESS_KEY_ID,
        osskit_server::testing::TEST_ACCESS_KEY_SECRET,
    );
    let req = osskit::proto::sign::SignableRequest {
        method: "PUT",
        bucket: Some(b.name()),
        key: Some(&key),
        params: &[],
        headers: &[],
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ctx = osskit::proto::sign::SigningContext::v1(&creds, now);
    let params = osskit::proto::sign::presign(&req, &ctx, 300).unwrap();
    let url = format!(
        "{}/{}/{}?{}",
        srv.endpoint(),
        b.name(),
        osskit::proto::encoding::quote(&key, ""),
        osskit::proto::encoding::presign_query(&params)
    );
    let e = b.put_object_with_url(url, "v").await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidObjectName"), "{e}");
    assert_eq!(e.status(), Some(400));
}

#[tokio::test]
async fn bad_input_is_rejected_before_sending_and_data_stays_intact() {
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "input").await;
    b.put_object("keep", "intact").await.unwrap();

    for name in [
        "",
        "ab",
        "Upper",
        "under_score",
        "-start",
        "end-",
        &"x".repeat(64),
    ] {
        let e = Bucket::new(Auth::new("a", "b"), &srv.endpoint(), name).unwrap_err();
        assert!(matches!(e, Error::Client { .. }), "{name}: {e}");
        assert!(
            e.to_string()
                .contains(&format!("the bucket name {name:?} is invalid")),
            "{e}"
        );
    }

    let long = "k".repeat(1024);
    for key in ["", "/abs", "\\abs", long.as_str()] {
        let e = b.put_object(key, "overwrite").await.unwrap_err();
        assert!(matches!(e, Error::Client { .. }), "{key:?}: {e}");
        assert!(e.to_string().contains("the object key"), "{e}");
        let e = b.get_object(key).await.unwrap_err();
        assert!(matches!(e, Error::Client { .. }));
        let e = b.delete_object(key).await.unwrap_err();
        assert!(matches!(e, Error::Client { .. }));
    }
    assert!(b
        .put_object("k".repeat(1023), "max length is fine")
        .await
        .is_ok());
    let e = b
        .copy_object("Bad_Bucket", "keep", "dst")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("\"Bad_Bucket\" is invalid"), "{e}");
    let e = b
        .sign_url(http::Method::GET, "", std::time::Duration::from_secs(1))
        .build()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Client { .. }));

    let e = Bucket::new(Auth::new("a", "b"), "http://bad host", "bucket").unwrap_err();
    assert!(e.to_string().contains("endpoint"), "{e}");
    let e = Bucket::new(AuthV4::new("a", "b"), &srv.endpoint(), "bucket").unwrap_err();
    assert!(e.to_string().contains("region"), "{e}");
    assert!(
        Bucket::new(
            AuthV4::new("a", "b"),
            "oss-cn-beijing.aliyuncs.com",
            "bucket"
        )
        .unwrap()
        .region()
            == Some("cn-beijing")
    );

    assert_eq!(
        b.get_object("keep")
            .await
            .unwrap()
            .body
            .collect_bytes()
            .await
            .unwrap(),
        "intact"
    );
}

#[tokio::test]
async fn credentials_from_a_failing_provider() {
    #[derive(Debug)]
    struct Broken;
    impl osskit::CredentialsProvider for Broken {
        fn credentials(&self) -> osskit::credentials::CredentialsFuture<'_> {
            Box::pin(async { Err(Error::credentials("the vault is sealed")) })
        }
    }
    let srv = server().await;
    let b = Bucket::new(
        osskit::ProviderAuth::new(Broken),
        &srv.endpoint(),
        "some-bucket",
    )
    .unwrap();
    let e = b.put_object("k", "v").await.unwrap_err();
    assert!(matches!(e, Error::Credentials { .. }), "{e}");
    assert!(e.to_string().contains("vault is sealed"));

    let good = osskit::ProviderAuthV4::new(osskit::StaticCredentialsProvider::new(
        TEST_ACCESS_KEY_ID,
        osskit_server::testing::TEST_ACCESS_KEY_SECRET,
    ));
    let name = bucket_name("prov");
    let b = Bucket::builder(good, &srv.endpoint(), &name)
        .region(REGION)
        .build()
        .unwrap();
    b.create_bucket().await.unwrap();
    b.put_object("k", "v").await.unwrap();
}

#[tokio::test]
async fn server_answers_map_to_error_kinds() {
    use osskit::ErrorKind;
    let srv = server().await;
    let b = new_bucket(&srv, Signer::V1, "kinds").await;
    let put = b.put_object("k", "v").await.unwrap();

    let e = b.get_object("absent").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(e.is_not_found());

    let e = b.get_object("k").if_match("\"0123\"").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PreconditionFailed, "{e}");
    assert!(e.is_precondition_failed());

    let e = b
        .get_object("k")
        .if_none_match(&put.etag)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotModified, "{e}");
    assert!(e.is_not_modified());

    let e = b
        .put_object("k", "w")
        .forbid_overwrite(true)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("FileAlreadyExists"), "{e}");
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert!(e.is_already_exists());

    let e = b.delete_bucket().await.unwrap_err();
    assert_eq!(e.code(), Some("BucketNotEmpty"), "{e}");
    assert_eq!(e.kind(), ErrorKind::Conflict);

    let e = b.append_object("k", 0, "x").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");

    let anon = Bucket::new(AnonymousAuth, &srv.endpoint(), b.name()).unwrap();
    let e = anon.get_object("k").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AccessDenied, "{e}");
    assert!(e.is_access_denied());

    let wrong = Bucket::new(
        Auth::new(TEST_ACCESS_KEY_ID, "wrong-secret"),
        &srv.endpoint(),
        b.name(),
    )
    .unwrap();
    let e = wrong.get_object("k").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredentials, "{e}");
    assert!(e.is_access_denied());

    let e = b
        .get_object("k")
        .range((5, 9))
        .header("x-oss-range-behavior", "standard")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidRange"), "{e}");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);

    let e = b.put_object("", "v").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");

    let refused = Bucket::builder(Auth::new("ak", "sk"), "http://127.0.0.1:1", b.name())
        .retry(osskit::RetryPolicy::none())
        .build()
        .unwrap();
    let e = refused.get_object("k").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
}
