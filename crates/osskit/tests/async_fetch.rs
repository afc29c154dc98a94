//! Async fetch tasks through the SDK against the local server: the server downloads a URL
//! (a presigned URL of itself, or a small HTTP server of the test) into an object, checks the
//! MD5, refuses to overwrite unless told, and makes the task's callback.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{new_bucket, server, Signer};
use osskit::proto::xml::async_fetch::{
    self as states, AsyncFetchTaskConfiguration, AsyncFetchTaskInfo,
};
use osskit::{Bucket, Method};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Polls a task until it leaves `Running` (at most 20 s).
async fn finished(b: &Bucket, id: &str) -> AsyncFetchTaskInfo {
    for _ in 0..400 {
        let info = b.get_async_fetch_task(id).await.unwrap().config;
        if info.state != states::RUNNING {
            return info;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("task {id} still running after 20 s");
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A one-route HTTP server answering every POST with `answer`; keeps the bodies it got.
async fn callback_receiver(answer: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callback", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let body = loop {
                    let Ok(n) = stream.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            break text[end + 4..end + 4 + length].to_string();
                        }
                    }
                };
                seen.lock().unwrap().push(body);
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    (url, bodies)
}

#[tokio::test]
async fn a_presigned_url_of_the_server_is_fetched_into_an_object() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let b = new_bucket(&server, signer, "fetch").await;
        let data = vec![7u8; 3 * 1024 * 1024 + 11];
        let put = b.put_object("source.bin", data.clone()).await.unwrap();
        let md5 = put
            .headers()
            .get("content-md5")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let url = b
            .sign_url(Method::GET, "source.bin", Duration::from_secs(600))
            .build()
            .await
            .unwrap();

        let task = AsyncFetchTaskConfiguration::new(&url, "copies/source.bin")
            .content_md5(&md5)
            .ignore_same_key(false);
        let created = b.put_async_fetch_task(task).await.unwrap();
        let id = created.config.task_id.clone();
        let info = finished(&b, &id).await;
        assert_eq!(info.task_id, id);
        assert_eq!(info.state, states::SUCCESS);
        assert_eq!(info.error_msg, "");
        assert_eq!(info.task_info.url, url);
        assert_eq!(info.task_info.content_md5, md5);
        assert_eq!(info.task_info.object, "copies/source.bin");
        assert!(!info.task_info.ignore_same_key);
        assert_eq!(
            (
                info.task_info.host.as_str(),
                info.task_info.callback.as_str()
            ),
            ("", "")
        );

        let copy = b.get_object("copies/source.bin").await.unwrap();
        assert_eq!(copy.body.collect_bytes().await.unwrap(), data);
        let head = b.head_object("copies/source.bin").await.unwrap();
        assert_eq!(head.headers().get("etag"), put.headers().get("etag"));

        // Overwriting is allowed here (IgnoreSameKey false) ...
        let again = b
            .put_async_fetch_task(
                AsyncFetchTaskConfiguration::new(&url, "copies/source.bin").ignore_same_key(false),
            )
            .await
            .unwrap();
        assert_eq!(
            finished(&b, &again.config.task_id).await.state,
            states::SUCCESS
        );
        // ... and refused by default, at submission.
        let e = b
            .put_async_fetch_task(AsyncFetchTaskConfiguration::new(&url, "copies/source.bin"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("ObjectAlreadyExists"));
        assert_eq!(e.status(), Some(400));
    }
}

/// A URL naming the server by an endpoint it plays (`<bucket>.oss-<region>.aliyuncs.com`,
/// no port) reaches the server itself, as OSS's own names reach OSS, whatever DNS says;
/// other names resolve as usual.
#[tokio::test]
async fn urls_naming_the_servers_own_endpoints_reach_it() {
    let server = osskit_server::testing::TestServer::start_with(|c| {
        c.base_domains
            .push("oss-ap-south-1.aliyuncs.com".to_string());
    })
    .await;
    for (signer, region) in [(Signer::V1, "cn-hangzhou"), (Signer::V4, "ap-south-1")] {
        let b = new_bucket(&server, signer, "ownhost").await;
        b.put_object("source.txt", "fetched through the endpoint name")
            .await
            .unwrap();
        // The same bucket addressed as OSS addresses it (the URL is signed offline).
        let named = Bucket::builder(
            signer.auth(),
            &format!("http://oss-{region}.aliyuncs.com"),
            b.name(),
        )
        .region(region)
        .build()
        .unwrap();
        let url = named
            .sign_url(Method::GET, "source.txt", Duration::from_secs(600))
            .build()
            .await
            .unwrap();
        assert!(
            url.starts_with(&format!("http://{}.oss-{region}.aliyuncs.com/", b.name())),
            "{url}"
        );
        let id = b
            .put_async_fetch_task(AsyncFetchTaskConfiguration::new(&url, "copy.txt"))
            .await
            .unwrap()
            .config
            .task_id;
        let info = finished(&b, &id).await;
        assert_eq!(info.state, states::SUCCESS, "{}", info.error_msg);
        let copy = b.get_object("copy.txt").await.unwrap();
        assert_eq!(
            copy.body.collect_bytes().await.unwrap(),
            "fetched through the endpoint name"
        );
    }

    // A name that merely contains a base domain is not the server (`.invalid` never
    // resolves).
    let b = new_bucket(&server, Signer::V4, "ownhost").await;
    for url in [
        format!("http://{}.oss-cn-hangzhou.aliyuncs.com.invalid/x", b.name()),
        "http://oss-ap-south-1.aliyuncs.com.invalid/x".to_string(),
    ] {
        let id = b
            .put_async_fetch_task(AsyncFetchTaskConfiguration::new(&url, "elsewhere.txt"))
            .await
            .unwrap()
            .config
            .task_id;
        let info = finished(&b, &id).await;
        assert_eq!(info.state, states::FAILED, "{url}");
        assert!(info.error_msg.contains(&url), "{}", info.error_msg);
    }
    assert!(b
        .head_object("elsewhere.txt")
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn failures_are_reported_and_store_nothing() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "fetchfail").await;
    b.put_object("source.txt", "123").await.unwrap();
    let url = b
        .sign_url(Method::GET, "source.txt", Duration::from_secs(600))
        .build()
        .await
        .unwrap();

    // Wrong MD5.
    let wrong = b
        .put_async_fetch_task(
            AsyncFetchTaskConfiguration::new(&url, "md5.txt")
                .content_md5("1B2M2Y8AsgTpgAmY7PhCfg=="),
        )
        .await
        .unwrap();
    let info = finished(&b, &wrong.config.task_id).await;
    assert_eq!(info.state, states::FAILED);
    assert!(info.error_msg.contains("MD5"), "{}", info.error_msg);
    assert!(b.head_object("md5.txt").await.unwrap_err().is_not_found());

    // The source answers 404.
    let missing = b
        .sign_url(Method::GET, "nope.txt", Duration::from_secs(600))
        .build()
        .await
        .unwrap();
    let id = b
        .put_async_fetch_task(AsyncFetchTaskConfiguration::new(&missing, "404.txt"))
        .await
        .unwrap()
        .config
        .task_id;
    let info = finished(&b, &id).await;
    assert_eq!(info.state, states::FAILED);
    assert!(info.error_msg.contains("404"), "{}", info.error_msg);

    // Nothing listens there.
    let id = b
        .put_async_fetch_task(AsyncFetchTaskConfiguration::new(
            "http://127.0.0.1:9/x",
            "gone.txt",
        ))
        .await
        .unwrap()
        .config
        .task_id;
    assert_eq!(finished(&b, &id).await.state, states::FAILED);
    assert!(b.head_object("gone.txt").await.unwrap_err().is_not_found());

    // Refused at submission: not an HTTP URL, no object, malformed, unknown task.
    let e = b
        .put_async_fetch_task(AsyncFetchTaskConfiguration::new(
            "ftp://example.com/a",
            "a.txt",
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    let e = b
        .put_async_fetch_task(AsyncFetchTaskConfiguration::new(&url, ""))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    let e = b
        .put_async_fetch_task("<AsyncFetchTaskConfiguration><Url>")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MalformedXML"));
    let e = b.get_async_fetch_task("no-such-task").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchAsyncFetchTask"));
}

#[tokio::test]
async fn callbacks_are_made_after_the_fetch() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V1, "fetchcb").await;
    b.put_object("source.txt", "123").await.unwrap();
    let url = b
        .sign_url(Method::GET, "source.txt", Duration::from_secs(600))
        .build()
        .await
        .unwrap();

    let (callback_url, bodies) = callback_receiver(r#"{"Status":"OK"}"#).await;
    let callback = b64(&format!(
        r#"{{"callbackUrl":"{callback_url}","callbackBody":"bucket=${{bucket}}&object=${{object}}&etag=${{etag}}&size=${{size}}"}}"#
    ));
    let id = b
        .put_async_fetch_task(
            AsyncFetchTaskConfiguration::new(&url, "called.txt").callback(&callback),
        )
        .await
        .unwrap()
        .config
        .task_id;
    let info = finished(&b, &id).await;
    assert_eq!(info.state, states::SUCCESS, "{}", info.error_msg);
    assert_eq!(info.task_info.callback, callback);
    let got = bodies.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0],
        format!(
            "bucket={}&object=called.txt&etag=202CB962AC59075B964B07152D234B70&size=3",
            b.name()
        )
    );

    // A callback nobody answers: the object is stored, the task says so.
    let dead = b64(r#"{"callbackUrl":"http://127.0.0.1:9/cb","callbackBody":"${etag}"}"#);
    let id = b
        .put_async_fetch_task(
            AsyncFetchTaskConfiguration::new(&url, "uncalled.txt").callback(&dead),
        )
        .await
        .unwrap()
        .config
        .task_id;
    let info = finished(&b, &id).await;
    assert_eq!(info.state, states::FETCH_SUCCESS_CALLBACK_FAILED);
    assert_ne!(info.error_msg, "");
    assert!(b.head_object("uncalled.txt").await.is_ok());

    // A callback that is not Base64 JSON is refused at submission.
    let e = b
        .put_async_fetch_task(AsyncFetchTaskConfiguration::new(&url, "x.txt").callback("***"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
}

#[tokio::test]
async fn uploads_make_their_callbacks_and_name_bucket_policies() {
    use osskit::proto::ops::OpId;
    use osskit::proto::xml::callback_policy::{BucketCallbackPolicy, CallbackPolicyItem};

    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "upcb").await;
    let (url, bodies) = callback_receiver(r#"{"Status":"received"}"#).await;
    let callback = b64(&format!(
        r#"{{"callbackUrl":"{url}","callbackBody":"object=${{object}}&size=${{size}}&op=${{operation}}&v=${{x:v}}"}}"#
    ));

    // A callback given with the upload: the answer is the callback server's.
    let out = b
        .call(OpId::PutObject)
        .key("a.txt")
        .header("x-oss-callback", &callback)
        .header("x-oss-callback-var", b64(r#"{"x:v":"1"}"#))
        .body("abc")
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(&out.body[..], br#"{"Status":"received"}"#);
    assert_eq!(
        bodies.lock().unwrap().last().unwrap(),
        "object=a.txt&size=3&op=PutObject&v=1"
    );

    // A callback named by the bucket's callback policy.
    b.put_bucket_callback_policy(BucketCallbackPolicy::new(vec![CallbackPolicyItem::new(
        "to-receiver",
        &callback,
    )
    .callback_var(b64(r#"{"x:v":"from-policy"}"#))]))
        .await
        .unwrap();
    b.put_object("b.txt", "hello")
        .header("x-oss-callback", b64(r#"{"callbackPolicy":"to-receiver"}"#))
        .await
        .unwrap();
    assert_eq!(
        bodies.lock().unwrap().last().unwrap(),
        "object=b.txt&size=5&op=PutObject&v=from-policy"
    );

    // A multipart upload's completion calls back too.
    let up = b.init_multipart_upload("parts.bin").await.unwrap();
    b.upload_part("parts.bin", up.upload_id.as_str(), 1, vec![1u8; 10])
        .await
        .unwrap();
    let done = b
        .call(OpId::CompleteMultipartUpload)
        .key("parts.bin")
        .param("uploadId", up.upload_id.as_str())
        .header("x-oss-complete-all", "yes")
        .header("x-oss-callback", &callback)
        .await
        .unwrap();
    assert_eq!(&done.body[..], br#"{"Status":"received"}"#);
    assert_eq!(
        bodies.lock().unwrap().last().unwrap(),
        "object=parts.bin&size=10&op=CompleteMultipartUpload&v="
    );

    // A callback that cannot be made is refused before anything is stored.
    for bad in [
        b64(r#"{"callbackPolicy":"no-such-policy"}"#),
        "***".to_string(),
    ] {
        let e = b
            .put_object("refused.txt", "x")
            .header("x-oss-callback", bad)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidArgument"));
    }
    assert!(b
        .head_object("refused.txt")
        .await
        .unwrap_err()
        .is_not_found());

    // A callback that fails: 203 CallbackFailed, the object is stored.
    let out = b
        .call(OpId::PutObject)
        .key("stored.txt")
        .header(
            "x-oss-callback",
            b64(r#"{"callbackUrl":"http://127.0.0.1:9/cb","callbackBody":"${etag}"}"#),
        )
        .body("abc")
        .await
        .unwrap();
    assert_eq!(out.status(), 203);
    assert!(String::from_utf8_lossy(&out.body).contains("<Code>CallbackFailed</Code>"));
    assert!(b.head_object("stored.txt").await.is_ok());
}
