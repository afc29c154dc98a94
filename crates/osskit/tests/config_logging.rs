//! Access logging through the SDK against the local server: the round trip, OSS's errors,
//! and access log objects written into the target bucket (by a flusher whose interval the
//! test sets short, and at shutdown).

mod common;

use common::{bucket, new_bucket, server, server_on_own_runtime, Signer};
use osskit::proto::xml::logging::BucketLoggingStatus;
use osskit::Bucket;
use osskit_server::testing::TestServer;
use osskit_server::Server;
use std::time::{Duration, Instant};

/// A disk-backed test server whose access logs are written every 50 ms.
async fn logging_server(dir: tempfile::TempDir, interval: Duration) -> TestServer {
    let mut config = TestServer::config(dir.path());
    config.access_log_interval = interval;
    let server = Server::start(config).await.unwrap();
    TestServer { server, dir }
}

/// The keys under `prefix` in `bucket`, waiting (up to 30 s) until there are some.
async fn log_objects(bucket: &Bucket, prefix: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let keys: Vec<String> = bucket
            .list_objects()
            .prefix(prefix)
            .await
            .unwrap()
            .objects
            .iter()
            .map(|o| o.key.clone())
            .collect();
        if !keys.is_empty() || Instant::now() > deadline {
            return keys;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every log line under `prefix`, waiting (up to 30 s) until a line holds `request_id`.
async fn log_text_with(bucket: &Bucket, prefix: &str, request_id: &str) -> (Vec<String>, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let keys = log_objects(bucket, prefix).await;
        let mut all = String::new();
        for key in &keys {
            all.push_str(&text(bucket, key).await);
        }
        if all.contains(request_id) || Instant::now() > deadline {
            return (keys, all);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn text(bucket: &Bucket, key: &str) -> String {
    let got = bucket.get_object(key).await.unwrap();
    String::from_utf8(got.body.collect_bytes().await.unwrap().to_vec()).unwrap()
}

#[tokio::test]
async fn round_trip_and_errors() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let source = new_bucket(&server, signer, "logsrc").await;
        let target = new_bucket(&server, signer, "logdst").await;
        // Off: an empty status, not an error.
        let off = source.get_bucket_logging().await.unwrap();
        assert!(off.config.logging_enabled.is_none());
        assert_eq!(off.config.target_bucket(), "");
        let raw = String::from_utf8(off.raw.to_vec()).unwrap();
        assert!(raw.contains("<BucketLoggingStatus>"), "{raw}");

        // A target bucket that does not exist.
        let err = source
            .put_bucket_logging(BucketLoggingStatus::new("no-such-log-bucket", "x/"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidTargetBucketForLogging"));
        assert_eq!(err.status(), Some(400));
        assert!(source
            .get_bucket_logging()
            .await
            .unwrap()
            .config
            .logging_enabled
            .is_none());

        for prefix in ["日志+/", "logging/", ""] {
            source
                .put_bucket_logging(BucketLoggingStatus::new(target.name(), prefix))
                .await
                .unwrap();
            let got = source.get_bucket_logging().await.unwrap().config;
            assert_eq!(
                (got.target_bucket(), got.target_prefix()),
                (target.name(), prefix)
            );
        }
        // Raw XML; then a status without LoggingEnabled turns logging off.
        source
            .put_bucket_logging(format!(
                "<BucketLoggingStatus><LoggingEnabled><TargetBucket>{}</TargetBucket>\
                 <TargetPrefix>raw/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>",
                target.name()
            ))
            .await
            .unwrap();
        assert_eq!(
            source
                .get_bucket_logging()
                .await
                .unwrap()
                .config
                .target_prefix(),
            "raw/"
        );
        for (doc, code) in [
            ("<BucketLoggingStatus>", "MalformedXML"),
            (
                "<BucketLoggingStatus><LoggingEnabled><TargetBucket>Bad_Name</TargetBucket>\
                 </LoggingEnabled></BucketLoggingStatus>",
                "InvalidArgument",
            ),
        ] {
            let err = source.put_bucket_logging(doc).await.unwrap_err();
            assert_eq!(err.code(), Some(code), "{doc}");
        }
        assert_eq!(
            source
                .get_bucket_logging()
                .await
                .unwrap()
                .config
                .target_prefix(),
            "raw/"
        );
        source
            .put_bucket_logging(BucketLoggingStatus::disabled())
            .await
            .unwrap();
        assert!(source
            .get_bucket_logging()
            .await
            .unwrap()
            .config
            .logging_enabled
            .is_none());
        source
            .put_bucket_logging(BucketLoggingStatus::new(target.name(), "p/"))
            .await
            .unwrap();
        source.delete_bucket_logging().await.unwrap();
        source.delete_bucket_logging().await.unwrap();
        assert_eq!(
            source
                .get_bucket_logging()
                .await
                .unwrap()
                .config
                .target_bucket(),
            ""
        );
    }
}

#[tokio::test]
async fn access_logs_are_written_into_the_target_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let server = logging_server(dir, Duration::from_millis(50)).await;
    let source = new_bucket(&server, Signer::V4, "logged").await;
    let target = new_bucket(&server, Signer::V1, "logs").await;
    let quiet = new_bucket(&server, Signer::V4, "quiet").await;
    source
        .put_bucket_logging(BucketLoggingStatus::new(target.name(), "access/"))
        .await
        .unwrap();

    let put = source.put_object("dir/a b.txt", "hello").await.unwrap();
    let got = source.get_object("dir/a b.txt").await.unwrap();
    let get_id = got.meta.request_id().to_string();
    let missing = source.get_object("nope").await.unwrap_err();
    let anon = reqwest::Client::builder().no_proxy().build().unwrap();
    let anon_resp = anon
        .get(format!(
            "{}/{}/dir/a%20b.txt",
            server.endpoint(),
            source.name()
        ))
        .header("Referer", "http://example.com/page")
        .header("User-Agent", "test-agent/1.0")
        .send()
        .await
        .unwrap();
    assert_eq!(anon_resp.status(), 403);
    let anon_id = anon_resp.headers()["x-oss-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    quiet.put_object("x", "not logged").await.unwrap();

    let (keys, all) = log_text_with(&target, "access/", &anon_id).await;
    assert!(!keys.is_empty(), "no log object was written");
    // <prefix><source>YYYY-mm-DD-HH-MM-SS-<unique>
    let name = &keys[0];
    let stamp = name
        .strip_prefix(&format!("access/{}", source.name()))
        .unwrap_or_else(|| panic!("{name}"));
    let parts: Vec<&str> = stamp.split('-').collect();
    assert_eq!(parts.len(), 7, "{name}");
    assert!(
        parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())),
        "{name}"
    );
    assert_eq!(parts[0].len(), 4);

    let lines: Vec<&str> = all.lines().collect();
    let line_of = |id: &str| {
        lines
            .iter()
            .find(|l| l.contains(&format!("\"{id}\"")))
            .copied()
            .unwrap_or_else(|| panic!("no line for {id} in\n{all}"))
    };
    let put_line = line_of(put.request_id());
    assert!(put_line.starts_with("127.0.0.1 - - ["), "{put_line}");
    assert!(
        put_line.contains("\"PUT /") && put_line.contains("/dir/a%20b.txt HTTP/1.1\" 200 0 "),
        "{put_line}"
    );
    assert!(put_line.contains("\"PutObject\""), "{put_line}");
    assert!(
        put_line.contains(&format!("\"{}\" \"dir/a b.txt\" 5 ", source.name())),
        "{put_line}"
    );
    let get_line = line_of(&get_id);
    assert!(get_line.contains("\" 200 5 "), "{get_line}");
    assert!(get_line.contains("\"GetObject\""), "{get_line}");
    assert!(get_line.contains("\"Standard\""), "{get_line}");
    let missing_line = line_of(missing.request_id().unwrap());
    assert!(missing_line.contains("\"NoSuchKey\""), "{missing_line}");
    assert!(missing_line.contains("\" 404 "), "{missing_line}");
    let anon_line = line_of(&anon_id);
    assert!(
        anon_line.contains("\"http://example.com/page\" \"test-agent/1.0\""),
        "{anon_line}"
    );
    assert!(anon_line.contains("\"AccessDenied\""), "{anon_line}");
    // The log bucket's own traffic and other buckets are not in the source's log.
    assert!(!all.contains(quiet.name()), "{all}");

    // Turned off: nothing more is logged. Logging on again, a marker request's line shows
    // that every line pushed before it has been written.
    source.delete_bucket_logging().await.unwrap();
    source.put_object("after-off", "x").await.unwrap();
    source
        .put_bucket_logging(BucketLoggingStatus::new(target.name(), "again/"))
        .await
        .unwrap();
    let marker = source.put_object("marker", "x").await.unwrap();
    let (_, again) = log_text_with(&target, "again/", marker.request_id()).await;
    assert!(again.contains(marker.request_id()), "{again}");
    let (_, before) = log_text_with(&target, "access/", &anon_id).await;
    assert!(
        !again.contains("after-off") && !before.contains("after-off"),
        "{again}"
    );
}

#[tokio::test]
async fn lines_waiting_at_shutdown_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let server = logging_server(dir, Duration::from_secs(3600)).await;
    let source = new_bucket(&server, Signer::V4, "shut").await;
    let target = new_bucket(&server, Signer::V4, "shutlogs").await;
    source
        .put_bucket_logging(BucketLoggingStatus::new(target.name(), ""))
        .await
        .unwrap();
    let put = source.put_object("k", "v").await.unwrap();
    let id = put.request_id().to_string();
    let (source_name, target_name) = (source.name().to_string(), target.name().to_string());
    let TestServer { server, dir } = server;
    server.shutdown().await;

    let again = Server::start(TestServer::config(&path)).await.unwrap();
    let restarted = TestServer { server: again, dir };
    let target = bucket(&restarted, Signer::V4, &target_name);
    let (keys, all) = log_text_with(&target, &source_name, &id).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(all.contains(&id), "{all}");
}

#[test]
fn the_blocking_facade_has_the_same_calls() {
    let (_rt, server) = server_on_own_runtime();
    let auth = Signer::V4.auth();
    let make = |tag: &str| {
        let b = osskit::blocking::Bucket::builder(
            auth.clone(),
            &server.endpoint(),
            &common::bucket_name(tag),
        )
        .region(common::REGION)
        .build()
        .unwrap();
        b.create_bucket().send().unwrap();
        b
    };
    let (source, target) = (make("logb"), make("logbt"));
    source
        .put_bucket_logging(BucketLoggingStatus::new(target.name(), "b/"))
        .send()
        .unwrap();
    assert_eq!(
        source
            .get_bucket_logging()
            .send()
            .unwrap()
            .config
            .target_prefix(),
        "b/"
    );
    source.delete_bucket_logging().send().unwrap();
}
