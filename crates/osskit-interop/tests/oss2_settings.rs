//! oss2 2.19.1 and the Rust SDK exchange bucket settings, tasks and queries through
//! oss-server, under V1 and V4: oss2 writes each typed family and the Rust SDK reads it back
//! field by field, then the other way round (the oss2 side is `interop/oss2_settings.py`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use osskit::proto::xml::callback_policy::{BucketCallbackPolicy, CallbackPolicyItem};
use osskit::proto::xml::cname::{BucketCnameConfiguration, CertificateConfiguration};
use osskit::proto::xml::https_config::HttpsConfiguration;
use osskit::proto::xml::meta_query::{MetaQuery, MetaQueryCondition};
use osskit::proto::xml::qos::QoSConfiguration;
use osskit::proto::xml::{
    access_monitor::AccessMonitorConfiguration,
    archive_direct_read::ArchiveDirectReadConfiguration, async_fetch::AsyncFetchTaskConfiguration,
    resource_group::BucketResourceGroupConfiguration,
    transfer_acceleration::TransferAccelerationConfiguration,
};
use osskit::{Auth, AuthConfig, AuthV4, Bucket, Method};
use osskit_interop::{python, workspace_root};
use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
use osskit_server::Server;

const DOMAIN: &str = "interop.example.com";
const REQUESTER: &str = "2000000000000001";

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn run_oss2(endpoint: &str, version: &str, mode: &str, bucket: &str, ids: &Path) {
    let output = Command::new(python())
        .arg(workspace_root().join("interop/oss2_settings.py"))
        .arg(mode)
        .arg(bucket)
        .env("OSS_ENDPOINT", endpoint)
        .env("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET)
        .env("OSS_REGION", "cn-hangzhou")
        .env("OSS_AUTH_VERSION", version)
        .env("INTEROP_OUT", ids)
        .env("INTEROP_IN", ids)
        .output()
        .expect("failed to run interop/oss2_settings.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "oss2 {mode} failed:\n{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

/// Reads back, with the Rust SDK, everything oss2 wrote into `b`.
async fn rust_reads(b: &Bucket, ids: &BTreeMap<String, String>) {
    assert!(
        b.get_bucket_transfer_acceleration()
            .await
            .unwrap()
            .config
            .enabled
    );
    assert!(b
        .get_bucket_access_monitor()
        .await
        .unwrap()
        .config
        .is_enabled());
    assert_eq!(
        b.get_bucket_resource_group()
            .await
            .unwrap()
            .config
            .resource_group_id,
        "rg-interop"
    );
    let https = b.get_bucket_https_config().await.unwrap().config;
    assert!(https.tls.enable);
    assert_eq!(https.tls.tls_versions, ["TLSv1.2", "TLSv1.3"]);
    assert!(
        b.get_bucket_archive_direct_read()
            .await
            .unwrap()
            .config
            .enabled
    );

    let callback = b64(r#"{"callbackUrl":"www.abc.com/callback","callbackBody":"${etag}"}"#);
    let policy = b.get_bucket_callback_policy().await.unwrap().config;
    assert_eq!(
        policy,
        BucketCallbackPolicy::new(vec![
            CallbackPolicyItem::new("first", callback.clone()),
            CallbackPolicyItem::new("second", callback).callback_var(b64(r#"{"x:var1":"value1"}"#)),
        ])
    );

    let qos = b.get_bucket_qos_info().await.unwrap().config;
    assert_eq!(
        qos,
        QoSConfiguration::new()
            .total_upload_bandwidth(5)
            .intranet_upload_bandwidth(2)
            .total_qps(100)
            .filled()
    );
    let requester = b
        .get_bucket_requester_qos_info(REQUESTER)
        .await
        .unwrap()
        .config;
    assert_eq!(
        requester.qos_configuration.total_upload_bandwidth,
        Some(100)
    );
    assert_eq!(requester.qos_configuration.extranet_qps, Some(170));

    let styles = b.list_bucket_style().await.unwrap().config.styles;
    let styles: Vec<_> = styles
        .iter()
        .map(|s| (s.name.as_str(), s.content.as_str()))
        .collect();
    assert_eq!(
        styles,
        [
            ("large", "image/resize,w_800"),
            ("small", "image/resize,w_100")
        ]
    );

    let token = b.get_bucket_cname_token(DOMAIN).await.unwrap().config;
    assert_eq!(token.token, ids["cname_token"]);
    let cnames = b.list_bucket_cname().await.unwrap().config.cnames;
    assert_eq!(cnames.len(), 1);
    assert_eq!(
        cnames[0].certificate.as_ref().unwrap().cert_id,
        "493-cn-hangzhou"
    );

    let task = b
        .get_async_fetch_task(&ids["fetch_task"])
        .await
        .unwrap()
        .config;
    assert_eq!(task.state, "Success", "{}", task.error_msg);
    assert_eq!(task.task_info.object, "fetched.txt");
    let fetched = b.get_object("fetched.txt").await.unwrap();
    assert_eq!(
        fetched.body.collect_bytes().await.unwrap(),
        "fetched by oss2"
    );

    let transition = b
        .get_bucket_data_redundancy_transition(&ids["transition_task"])
        .await
        .unwrap()
        .config;
    assert_eq!(transition.task_id, ids["transition_task"]);
    assert_eq!(transition.bucket.as_deref(), Some(b.name()));

    let status = b.get_bucket_meta_query_status().await.unwrap().config;
    assert_eq!(status.state, "Running");
    let found = b
        .do_bucket_meta_query(MetaQuery::new(
            MetaQueryCondition::simple("OSSUserMeta.x-oss-meta-team", "eq", "blue").to_json(),
        ))
        .await
        .unwrap()
        .config;
    assert_eq!(found.files.files.len(), 1);
    assert_eq!(found.files.files[0].filename, "meta/b.txt");
}

/// Writes, with the Rust SDK, what oss2 then reads from `b`; the task ids for oss2.
async fn rust_writes(b: &Bucket) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    b.put_bucket_transfer_acceleration(TransferAccelerationConfiguration::new(true))
        .await
        .unwrap();
    b.put_bucket_access_monitor(AccessMonitorConfiguration::new(true))
        .await
        .unwrap();
    b.put_bucket_resource_group(BucketResourceGroupConfiguration::new("rg-interop"))
        .await
        .unwrap();
    b.put_bucket_https_config(HttpsConfiguration::new(true, ["TLSv1.3"]))
        .await
        .unwrap();
    b.put_bucket_archive_direct_read(ArchiveDirectReadConfiguration::new(true))
        .await
        .unwrap();
    b.put_bucket_callback_policy(BucketCallbackPolicy::new(vec![CallbackPolicyItem::new(
        "rust",
        b64(r#"{"callbackUrl":"www.abc.com/callback","callbackBody":"${etag}"}"#),
    )
    .callback_var(b64(r#"{"x:var1":"value1"}"#))]))
        .await
        .unwrap();
    b.put_bucket_qos_info(
        QoSConfiguration::new()
            .total_upload_bandwidth(8)
            .intranet_upload_bandwidth(3)
            .total_qps(50),
    )
    .await
    .unwrap();
    b.put_bucket_requester_qos_info(
        REQUESTER,
        QoSConfiguration::new()
            .total_download_bandwidth(110)
            .total_qps(300)
            .intranet_qps(160),
    )
    .await
    .unwrap();
    b.put_bucket_style("rust-style", "image/resize,w_300")
        .await
        .unwrap();

    let token = b.create_bucket_cname_token(DOMAIN).await.unwrap().config;
    ids.insert("cname_token".to_string(), token.token);
    b.put_bucket_cname(
        BucketCnameConfiguration::new(DOMAIN)
            .certificate(CertificateConfiguration::new().cert_id("777-cn-hangzhou")),
    )
    .await
    .unwrap();

    b.put_object("source.txt", "fetched by rust").await.unwrap();
    let url = b
        .sign_url(Method::GET, "source.txt", Duration::from_secs(600))
        .build()
        .await
        .unwrap();
    let task = b
        .put_async_fetch_task(
            AsyncFetchTaskConfiguration::new(&url, "fetched-by-rust.txt").ignore_same_key(false),
        )
        .await
        .unwrap()
        .config;
    for _ in 0..200 {
        let info = b.get_async_fetch_task(&task.task_id).await.unwrap().config;
        if info.state != "Running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ids.insert("fetch_task".to_string(), task.task_id);
    ids.insert("fetch_url".to_string(), url);

    let transition = b
        .create_bucket_data_redundancy_transition("ZRS")
        .await
        .unwrap()
        .config;
    ids.insert("transition_task".to_string(), transition.task_id);

    b.put_object("rust-meta/small.txt", "abc")
        .metadata("owner", "rust")
        .await
        .unwrap();
    b.put_object("rust-meta/big.bin", vec![1u8; 300])
        .await
        .unwrap();
    b.open_bucket_meta_query().await.unwrap();

    // An RTMP push URL signed at a fixed time, for oss2 to sign the same way.
    let rtmp = b
        .sign_rtmp_url_at(
            "cam1",
            "cam1.m3u8",
            Duration::from_secs(3600),
            1_700_000_000,
        )
        .await
        .unwrap();
    ids.insert("rtmp_url".to_string(), rtmp);
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss2_and_the_rust_sdk_exchange_settings_tasks_and_queries() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestServer::config(dir.path());
    config.account.verified_domains.push(DOMAIN.to_string());
    config
        .account
        .resource_groups
        .push("rg-interop".to_string());
    let server = TestServer {
        server: Server::start(config).await.unwrap(),
        dir,
    };
    let endpoint = server.endpoint();
    for (version, auth) in [
        (
            "v1",
            AuthConfig::from(Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET)),
        ),
        (
            "v4",
            AuthConfig::from(AuthV4::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET)),
        ),
    ] {
        let ids_file = server.dir.path().join(format!("ids-{version}.json"));

        // oss2 writes, the Rust SDK reads.
        let from_oss2 =
            Bucket::builder(auth.clone(), &endpoint, &format!("settings-oss2-{version}"))
                .region("cn-hangzhou")
                .build()
                .unwrap();
        from_oss2.create_bucket().await.unwrap();
        run_oss2(&endpoint, version, "put", from_oss2.name(), &ids_file);
        let ids: BTreeMap<String, String> =
            serde_json::from_slice(&std::fs::read(&ids_file).unwrap()).unwrap();
        rust_reads(&from_oss2, &ids).await;
        // The domain moves to the next bucket.
        from_oss2.delete_bucket_cname(DOMAIN).await.unwrap();

        // The Rust SDK writes, oss2 reads.
        let from_rust = Bucket::builder(auth, &endpoint, &format!("settings-rust-{version}"))
            .region("cn-hangzhou")
            .build()
            .unwrap();
        from_rust.create_bucket().await.unwrap();
        let ids = rust_writes(&from_rust).await;
        std::fs::write(&ids_file, serde_json::to_vec(&ids).unwrap()).unwrap();
        run_oss2(&endpoint, version, "check", from_rust.name(), &ids_file);
        from_rust.delete_bucket_cname(DOMAIN).await.unwrap();
    }
}
