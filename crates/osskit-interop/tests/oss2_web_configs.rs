//! The Referer, website and logging configurations cross between the SDKs through the
//! server, under V1 and V4: the Rust SDK sets them and oss2 2.19.1 reads them, oss2 sets its
//! own and the Rust SDK reads them (`interop/oss2_web_configs.py`).

use std::process::Command;

use osskit::proto::xml::logging::BucketLoggingStatus;
use osskit::proto::xml::referer::RefererConfiguration;
use osskit::proto::xml::website::{
    Condition, MirrorHeaders, Redirect, RoutingRule, WebsiteConfiguration,
};
use osskit::{Auth, AuthConfig, AuthV4, Bucket};
use osskit_interop::{python, workspace_root};
use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};

const LOG_TARGET: &str = "web-configs-logs";

fn client(auth: impl Into<AuthConfig>, endpoint: &str, name: &str) -> Bucket {
    Bucket::builder(auth, endpoint, name)
        .region("cn-hangzhou")
        .build()
        .unwrap()
}

/// What the Rust SDK sets (the script's check_rust_set reads it).
async fn set_by_rust(bucket: &Bucket) {
    bucket.create_bucket().await.unwrap();
    bucket
        .put_bucket_referer(
            RefererConfiguration::new(false, ["http://*.example.com", "https://app.?.org"])
                .allow_truncate_query_string(false)
                .black_referers(["http://evil.example.com"]),
        )
        .await
        .unwrap();
    let mut headers = MirrorHeaders::default();
    headers.pass = vec!["x-pass".into()];
    headers.set = vec![{
        let mut set = osskit::proto::xml::website::MirrorHeaderSet::default();
        set.key = "x-set".into();
        set.value = "1".into();
        set
    }];
    bucket
        .put_bucket_website(
            WebsiteConfiguration::new("index.html", "404.html")
                .rule(RoutingRule::new(
                    1,
                    Condition::default()
                        .key_prefix_equals("old/")
                        .http_error_code(404),
                    Redirect::external()
                        .protocol("https")
                        .host_name("docs.example.com")
                        .replace_key_prefix_with("new/")
                        .http_redirect_code(301)
                        .pass_query_string(true),
                ))
                .rule(RoutingRule::new(
                    2,
                    Condition::default()
                        .key_prefix_equals("m/")
                        .http_error_code(404),
                    Redirect::mirror("http://127.0.0.1:1/")
                        .mirror_pass_query_string(true)
                        .mirror_headers(headers),
                )),
        )
        .await
        .unwrap();
    bucket
        .put_bucket_logging(BucketLoggingStatus::new(LOG_TARGET, "rust-logs/"))
        .await
        .unwrap();
}

/// What oss2 set (the script's set_for_rust).
async fn check_oss2_set(bucket: &Bucket) {
    let referer = bucket.get_bucket_referer().await.unwrap().config;
    assert!(referer.allow_empty_referer);
    assert_eq!(referer.allow_truncate_query_string, Some(false));
    assert_eq!(referer.referers(), ["http://hello.com", "中文+referer"]);
    assert_eq!(referer.black_list(), ["http://bad.com"]);

    let site = bucket.get_bucket_website().await.unwrap().config;
    assert_eq!(site.index_file(), Some("home.html"));
    assert_eq!(site.error_file(), Some("oops.html"));
    let rules = site.rules();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].condition.key_prefix_equals.as_deref(), Some("a/"));
    assert_eq!(rules[0].condition.include_headers[0].key, "host");
    assert_eq!(rules[0].redirect.redirect_type, "Internal");
    assert_eq!(
        rules[0].redirect.replace_key_with.as_deref(),
        Some("${key}.html")
    );
    assert_eq!(rules[0].redirect.pass_query_string, Some(false));
    let mirror = &rules[1].redirect;
    assert_eq!(mirror.redirect_type, "Mirror");
    assert_eq!(mirror.mirror_check_md5, Some(true));
    assert_eq!(mirror.mirror_follow_redirect, Some(true));
    let headers = mirror.mirror_headers.as_ref().unwrap();
    assert_eq!(headers.pass_all, Some(true));
    assert_eq!(headers.remove, ["x-remove"]);
    assert_eq!(headers.set[0].value, "v");

    let logging = bucket.get_bucket_logging().await.unwrap().config;
    assert_eq!(
        (logging.target_bucket(), logging.target_prefix()),
        (LOG_TARGET, "oss2-logs/")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss2_and_the_rust_sdk_exchange_web_configurations() {
    let server = TestServer::start().await;
    let endpoint = server.endpoint();
    let v1 = || Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let v4 = || AuthV4::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    client(v1(), &endpoint, LOG_TARGET)
        .create_bucket()
        .await
        .unwrap();
    set_by_rust(&client(v1(), &endpoint, "web-configs-rust-v1")).await;
    set_by_rust(&client(v4(), &endpoint, "web-configs-rust-v4")).await;

    let output = Command::new(python())
        .arg(workspace_root().join("interop/oss2_web_configs.py"))
        .env("OSS_ENDPOINT", &endpoint)
        .env("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET)
        .env("OSS_REGION", "cn-hangzhou")
        .env("RUST_BUCKET_V1", "web-configs-rust-v1")
        .env("RUST_BUCKET_V4", "web-configs-rust-v4")
        .env("OSS2_BUCKET_V1", "web-configs-oss2-v1")
        .env("OSS2_BUCKET_V4", "web-configs-oss2-v4")
        .env("LOG_TARGET", LOG_TARGET)
        .output()
        .expect("failed to run the oss2 script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "oss2 checks failed:\n{stdout}");
    assert!(stdout.contains("14 passed, 0 failed"), "{stdout}");

    check_oss2_set(&client(v1(), &endpoint, "web-configs-oss2-v1")).await;
    check_oss2_set(&client(v4(), &endpoint, "web-configs-oss2-v4")).await;
}
