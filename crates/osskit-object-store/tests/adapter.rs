//! What the adapter adds to the suite: presigned URLs, error kinds, batch deletes of more
//! than 1000 paths, copies by parts, attributes OSS keeps, conditional HEADs, and paths
//! OSS can hold but `object_store` cannot name; all against the local server.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::signer::{HeaderName, HeaderValue, Method, SignedUrlOptions, Signer};
use object_store::{
    Attribute, Attributes, GetOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions,
    PutPayload, WriteMultipart,
};
use osskit_object_store::{OssBuilder, OssStore};
use osskit_server::testing::{
    TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, TEST_OTHER_ACCESS_KEY_ID,
    TEST_OTHER_ACCESS_KEY_SECRET,
};

const REGION: &str = "cn-hangzhou";
const BUCKET: &str = "object-store-adapter";

fn builder(server: &TestServer) -> OssBuilder {
    OssBuilder::new()
        .with_endpoint(server.endpoint())
        .with_region(REGION)
        .with_bucket(BUCKET)
        .with_access_key_id(TEST_ACCESS_KEY_ID)
        .with_access_key_secret(TEST_ACCESS_KEY_SECRET)
}

async fn start() -> (TestServer, OssStore) {
    let server = TestServer::start().await;
    let store = builder(&server).build().unwrap();
    store.bucket().create_bucket().await.unwrap();
    (server, store)
}

#[tokio::test]
async fn presigned_urls_read_and_write_under_v1_and_v4() {
    let (server, v4) = start().await;
    let v1 = builder(&server).with_signature_v1(true).build().unwrap();
    let http = reqwest::Client::new();
    for (store, name) in [(&v4, "v4"), (&v1, "v1")] {
        let path = Path::from(format!("signed/{name}/file one.txt"));
        // PUT through a presigned URL, read back through the store.
        let put = store
            .signed_url(Method::PUT, &path, Duration::from_secs(300))
            .await
            .unwrap();
        let resp = http.put(put.clone()).body("uploaded").send().await.unwrap();
        assert_eq!(resp.status(), 200, "{name}: {}", resp.text().await.unwrap());
        let got = store.get(&path).await.unwrap().bytes().await.unwrap();
        assert_eq!(got.as_ref(), b"uploaded");
        // GET through a presigned URL.
        let get = store
            .signed_url(Method::GET, &path, Duration::from_secs(300))
            .await
            .unwrap();
        let resp = http.get(get.clone()).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{name}");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), b"uploaded");
        // The URL grants that method only; a changed signature grants nothing.
        let resp = http.delete(get.clone()).send().await.unwrap();
        assert_eq!(resp.status(), 403, "{name}: DELETE with a GET URL");
        let mut tampered = get.clone();
        let query: Vec<(String, String)> = get
            .query_pairs()
            .map(|(k, v)| {
                // Another character of the same alphabet (hex or base64) in front.
                let v = if k == "x-oss-signature" || k == "Signature" {
                    let first = if v.starts_with('a') { 'b' } else { 'a' };
                    format!("{first}{}", &v[1..])
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        tampered.query_pairs_mut().clear().extend_pairs(query);
        let resp = http.get(tampered.clone()).send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert_eq!(
            status, 403,
            "{name}: tampered signature {tampered}\n{get}\n{text}"
        );
        // A batch of URLs, one per path.
        let urls = store
            .signed_urls(
                Method::GET,
                &[path.clone(), path.clone()],
                Duration::from_secs(60),
            )
            .await
            .unwrap();
        assert_eq!(urls.len(), 2);
    }
}

#[tokio::test]
async fn presigned_urls_bind_signed_headers_and_parameters() {
    let (_server, store) = start().await;
    let http = reqwest::Client::new();
    let path = Path::from("signed/typed.json");
    let options = SignedUrlOptions::default().with_signed_header(
        HeaderName::from_static("content-type"),
        HeaderValue::from_static("application/json"),
    );
    let url = store
        .signed_url_opts(Method::PUT, &path, Duration::from_secs(300), &options)
        .await
        .unwrap();
    // Another Content-Type than the signed one is refused, the signed one accepted.
    let resp = http
        .put(url.clone())
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = http
        .put(url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let got = store.get(&path).await.unwrap();
    assert_eq!(
        got.attributes
            .get(&Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("application/json")
    );
    // A signed query parameter: a response header override.
    let options =
        SignedUrlOptions::default().with_query([("response-content-disposition", "attachment")]);
    let url = store
        .signed_url_opts(Method::GET, &path, Duration::from_secs(300), &options)
        .await
        .unwrap();
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers().get("content-disposition").unwrap(),
        "attachment"
    );
}

#[tokio::test]
async fn credentials_and_permissions_map_to_their_kinds() {
    let (server, store) = start().await;
    let path = Path::from("private.txt");
    store.put(&path, "secret".into()).await.unwrap();
    let wrong_secret = builder(&server)
        .with_access_key_secret("not-the-secret")
        .build()
        .unwrap();
    let err = wrong_secret.get(&path).await.unwrap_err();
    assert!(
        matches!(err, object_store::Error::Unauthenticated { .. }),
        "{err}"
    );
    let unknown_key = builder(&server)
        .with_access_key_id("LTAI-nobody")
        .build()
        .unwrap();
    let err = unknown_key.put(&path, "x".into()).await.unwrap_err();
    assert!(
        matches!(err, object_store::Error::Unauthenticated { .. }),
        "{err}"
    );
    // Another account without any grant on the private bucket.
    let other = builder(&server)
        .with_access_key_id(TEST_OTHER_ACCESS_KEY_ID)
        .with_access_key_secret(TEST_OTHER_ACCESS_KEY_SECRET)
        .build()
        .unwrap();
    let err = other.get(&path).await.unwrap_err();
    assert!(
        matches!(err, object_store::Error::PermissionDenied { .. }),
        "{err}"
    );
    let err = other.list(None).try_collect::<Vec<_>>().await.unwrap_err();
    assert!(
        matches!(err, object_store::Error::PermissionDenied { .. }),
        "{err}"
    );
    // A bucket that does not exist.
    let missing = builder(&server)
        .with_bucket("no-such-bucket-here")
        .build()
        .unwrap();
    let err = missing.head(&path).await.unwrap_err();
    assert!(matches!(err, object_store::Error::NotFound { .. }), "{err}");
    // Nothing was changed by the refused requests.
    let got = store.get(&path).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.as_ref(), b"secret");
}

#[tokio::test]
async fn credentials_providers_are_asked_and_their_failures_are_unauthenticated() {
    use osskit::credentials::{CredentialsChain, Environment, EnvironmentCredentialsProvider};
    let (server, store) = start().await;
    let path = Path::from("by-provider.txt");
    store.put(&path, "provided".into()).await.unwrap();
    let without_keys = || {
        OssBuilder::new()
            .with_endpoint(server.endpoint())
            .with_region(REGION)
            .with_bucket(BUCKET)
    };
    let env = Environment::from_vars([
        ("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID),
        ("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET),
    ]);
    let provided = without_keys()
        .with_credentials(Arc::new(EnvironmentCredentialsProvider::with_environment(
            env,
        )))
        .build()
        .unwrap();
    let got = provided.get(&path).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.as_ref(), b"provided");
    // A chain that finds nothing: every request is Unauthenticated, saying what was tried.
    let nothing = CredentialsChain::new().with(
        "environment",
        EnvironmentCredentialsProvider::with_environment(Environment::from_vars(Vec::<(
            String,
            String,
        )>::new())),
    );
    let unprovided = without_keys()
        .with_credentials(Arc::new(nothing))
        .build()
        .unwrap();
    let err = unprovided.get(&path).await.unwrap_err();
    assert!(
        matches!(err, object_store::Error::Unauthenticated { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("environment"), "{err}");
}

#[tokio::test]
async fn delete_stream_sends_batches_of_1000_and_keeps_the_order() {
    let (_server, store) = start().await;
    let paths: Vec<Path> = (0..1500)
        .map(|i| Path::from(format!("many/{i:05}")))
        .collect();
    futures_util::stream::iter(paths.iter().cloned())
        .map(|p| {
            let store = store.clone();
            async move { store.put(&p, "x".into()).await }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    // An error of the input stream comes out where it went in.
    let mut input: Vec<object_store::Result<Path>> = paths.iter().cloned().map(Ok).collect();
    input.insert(
        700,
        Err(object_store::Error::Generic {
            store: "input",
            source: "not a path".into(),
        }),
    );
    let out: Vec<_> = store
        .delete_stream(futures_util::stream::iter(input).boxed())
        .collect()
        .await;
    assert_eq!(out.len(), 1501);
    for (i, r) in out.iter().enumerate() {
        match (i, r) {
            (700, Err(object_store::Error::Generic { store: "input", .. })) => {}
            (i, Ok(p)) => {
                let expected = if i < 700 { i } else { i - 1 };
                assert_eq!(p, &paths[expected]);
            }
            (i, other) => panic!("{i}: {other:?}"),
        }
    }
    let left: Vec<_> = store.list(None).try_collect().await.unwrap();
    assert!(left.is_empty(), "{} objects left", left.len());
}

/// Attributes that the multipart copy has to carry over itself.
fn rich_attributes() -> Attributes {
    Attributes::from_iter([
        (Attribute::CacheControl, "max-age=60"),
        (Attribute::ContentDisposition, "inline"),
        (Attribute::ContentEncoding, "identity"),
        (Attribute::ContentLanguage, "zh-CN"),
        (Attribute::ContentType, "text/csv"),
        (Attribute::Metadata("origin".into()), "sensor-7"),
    ])
}

#[tokio::test]
async fn copies_keep_contents_and_attributes_whole_or_by_parts() {
    let server = TestServer::start().await;
    let whole = builder(&server).build().unwrap();
    whole.bucket().create_bucket().await.unwrap();
    let by_parts = builder(&server)
        .with_copy_multipart_threshold(1)
        .with_copy_part_size(100 * 1024)
        .build()
        .unwrap();
    // 250 KiB: three parts of 100, 100 and 50 KiB.
    let data: Bytes = (0..250 * 1024).map(|i| (i % 253) as u8).collect();
    let src = Path::from("copy/source.csv");
    whole
        .put_opts(&src, data.clone().into(), rich_attributes().into())
        .await
        .unwrap();
    for (store, name, multipart) in [(&whole, "whole", false), (&by_parts, "parts", true)] {
        let dst = Path::from(format!("copy/{name}.csv"));
        store.copy(&src, &dst).await.unwrap();
        let got = store.get(&dst).await.unwrap();
        assert_eq!(got.attributes, rich_attributes(), "{name}");
        let etag = got.meta.e_tag.clone().unwrap();
        assert_eq!(etag.ends_with("-3\""), multipart, "{name}: {etag}");
        assert_eq!(got.bytes().await.unwrap(), data, "{name}");
        // Onto an existing object, copy_if_not_exists leaves it alone and leaves no upload.
        let err = store.copy_if_not_exists(&src, &dst).await.unwrap_err();
        assert!(
            matches!(err, object_store::Error::AlreadyExists { .. }),
            "{name}: {err}"
        );
        let uploads = store.bucket().list_multipart_uploads().await.unwrap();
        assert!(uploads.uploads.is_empty(), "{name}: {:?}", uploads.uploads);
        // A missing source is NotFound for that source.
        let err = store
            .copy(&Path::from("copy/none"), &dst)
            .await
            .unwrap_err();
        match err {
            object_store::Error::NotFound { path, .. } => assert_eq!(path, "copy/none"),
            other => panic!("{name}: {other}"),
        }
    }
}

#[tokio::test]
async fn storage_class_and_tags_reach_oss() {
    let (_server, store) = start().await;
    let path = Path::from("classes/ia.bin");
    let mut opts = PutOptions::from(Attributes::from_iter([(Attribute::StorageClass, "IA")]));
    opts.tags.push("team", "data");
    store.put_opts(&path, "x".into(), opts).await.unwrap();
    let head = store.bucket().head_object(path.as_ref()).await.unwrap();
    assert_eq!(head.storage_class.as_deref(), Some("IA"));
}

#[tokio::test]
async fn conditional_heads_and_create_mode() {
    let (_server, store) = start().await;
    let path = Path::from("cond/a");
    let put = store
        .put_opts(&path, "one".into(), PutMode::Create.into())
        .await
        .unwrap();
    let etag = put.e_tag.clone().unwrap();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let head = |options: GetOptions| {
        let store = store.clone();
        let path = path.clone();
        async move { store.get_opts(&path, options.with_head(true)).await }
    };
    let ok = head(GetOptions::new().with_if_match(Some(etag.clone())))
        .await
        .unwrap();
    assert_eq!(ok.meta.size, 3);
    assert_eq!(ok.meta.e_tag.as_deref(), Some(etag.as_str()));
    assert_eq!(ok.bytes().await.unwrap().len(), 0);
    let err = head(GetOptions::new().with_if_none_match(Some(etag.clone())))
        .await
        .unwrap_err();
    assert!(
        matches!(err, object_store::Error::NotModified { .. }),
        "{err}"
    );
    let err = head(GetOptions::new().with_if_match(Some("\"0000\"".to_string())))
        .await
        .unwrap_err();
    assert!(
        matches!(err, object_store::Error::Precondition { .. }),
        "{err}"
    );
    // The ETag also matches without its quotes, as object_store's other stores allow.
    let bare = etag.trim_matches('"').to_string();
    head(GetOptions::new().with_if_match(Some(bare)))
        .await
        .unwrap();
    // Create never replaces, and the object keeps its first contents.
    let err = store
        .put_opts(&path, "two".into(), PutMode::Create.into())
        .await
        .unwrap_err();
    assert!(
        matches!(err, object_store::Error::AlreadyExists { .. }),
        "{err}"
    );
    let err = store
        .put_opts(&path, "two".into(), PutMode::Update(put.into()).into())
        .await
        .unwrap_err();
    assert!(
        matches!(err, object_store::Error::NotImplemented { .. }),
        "{err}"
    );
    let got = store.get(&path).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.as_ref(), b"one");
}

#[tokio::test]
async fn keys_that_are_no_paths_fail_the_listing_clearly() {
    let (_server, store) = start().await;
    // OSS holds keys with empty segments; object_store paths cannot name them.
    store.bucket().put_object("odd//key", "x").await.unwrap();
    let err = store.list(None).try_collect::<Vec<_>>().await.unwrap_err();
    assert!(
        matches!(err, object_store::Error::InvalidPath { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("odd//key"), "{err}");
}

#[tokio::test]
async fn multipart_writes_of_many_small_puts_and_an_abandoned_part() {
    let (_server, store) = start().await;
    let path = Path::from("mp/small-parts");
    // WriteMultipart gathers writes into parts of at least 100 KiB (OSS's minimum).
    let upload = store.put_multipart(&path).await.unwrap();
    let mut w = WriteMultipart::new_with_chunk_size(upload, 100 * 1024);
    for i in 0..3000u32 {
        w.write(&i.to_be_bytes());
        w.write(&[0u8; 96]);
    }
    w.finish().await.unwrap();
    let got = store.get(&path).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.len(), 3000 * 100);
    assert_eq!(&got[100..104], &1u32.to_be_bytes());
    // Completing while a part was never awaited is refused, naming the part.
    let mut upload = store.put_multipart(&path).await.unwrap();
    upload
        .put_part(PutPayload::from(vec![1u8; 100 * 1024]))
        .await
        .unwrap();
    let never_awaited = upload.put_part(PutPayload::from("tail"));
    drop(never_awaited);
    let err = upload.complete().await.unwrap_err();
    assert!(err.to_string().contains("part 2"), "{err}");
    upload.abort().await.unwrap();
    // The object is the first upload's.
    assert_eq!(store.head(&path).await.unwrap().size, 300_000);
}

#[tokio::test]
async fn multipart_store_part_indexes_map_to_part_numbers_1_to_10000() {
    use object_store::multipart::MultipartStore;
    let (_server, store) = start().await;
    let path = Path::from("mp/numbers");
    let id = store.create_multipart(&path).await.unwrap();
    // Index 9999 is part 10000, the last OSS accepts; 10000 is refused before sending.
    let last = store
        .put_part(&path, &id, 9999, PutPayload::from("end"))
        .await
        .unwrap();
    let err = store
        .put_part(&path, &id, 10_000, PutPayload::from("x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
    let parts = store.bucket().list_parts(path.as_ref(), &id).await.unwrap();
    let numbers: Vec<u32> = parts.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(numbers, [10_000]);
    // The content id carries the part's ETag, size and CRC-64.
    let fields: Vec<&str> = last.content_id.split(':').collect();
    assert_eq!(fields.len(), 3, "{}", last.content_id);
    assert_eq!(fields[0], parts.parts[0].etag);
    assert_eq!(fields[1], "3");
    store.abort_multipart(&path, &id).await.unwrap();
    let err = store
        .put_part(&path, &id, 0, PutPayload::from("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, object_store::Error::NotFound { .. }), "{err}");
}

#[tokio::test]
async fn renaming_an_object_onto_itself_keeps_it() {
    let (_server, store) = start().await;
    let path = Path::from("self/rename.txt");
    store.put(&path, "kept".into()).await.unwrap();
    store.rename(&path, &path).await.unwrap();
    let err = store.rename_if_not_exists(&path, &path).await.unwrap_err();
    assert!(
        matches!(err, object_store::Error::AlreadyExists { .. }),
        "{err}"
    );
    let got = store.get(&path).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.as_ref(), b"kept");
    // Copying onto itself keeps it too; a missing object is NotFound either way.
    store.copy(&path, &path).await.unwrap();
    assert_eq!(store.head(&path).await.unwrap().size, 4);
    let missing = Path::from("self/none");
    let err = store.rename(&missing, &missing).await.unwrap_err();
    assert!(matches!(err, object_store::Error::NotFound { .. }), "{err}");
}
