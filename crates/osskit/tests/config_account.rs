//! Account-level calls and calls served from the server's configuration, through the SDK
//! against the local server: the account's QoS, requesters' QoS on buckets and in resource
//! pools, resource pools, regions, data redundancy transitions, and the operations that need
//! a cloud service (answered `NotImplemented` naming it).

mod common;

use std::time::Duration;

use common::{bucket, bucket_name, new_bucket, server, service, Signer};
use osskit::proto::ops::OpId;
use osskit::proto::xml::qos::QoSConfiguration;
use osskit::proto::xml::redundancy_transition::{FINISHED, PROCESSING, QUEUEING};
use osskit_server::account::ResourcePool;
use osskit_server::testing::TestServer;
use osskit_server::{Server, ServerConfig};

async fn server_with(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestServer::config(dir.path());
    configure(&mut config);
    let server = Server::start(config).await.unwrap();
    TestServer { server, dir }
}

fn qos() -> QoSConfiguration {
    QoSConfiguration::new()
        .total_upload_bandwidth(100)
        .intranet_upload_bandwidth(6)
        .extranet_upload_bandwidth(12)
        .total_download_bandwidth(110)
        .intranet_download_bandwidth(20)
        .extranet_download_bandwidth(50)
        .total_qps(300)
        .intranet_qps(160)
        .extranet_qps(170)
}

#[tokio::test]
async fn the_account_qos_comes_from_the_configuration() {
    let server = server_with(|c| {
        c.region = "cn-chengdu".into();
        c.account.user_qos = QoSConfiguration::new()
            .total_upload_bandwidth(40)
            .total_download_bandwidth(50)
            .total_qps(-1)
            .filled();
    })
    .await;
    for signer in [Signer::V1, Signer::V4] {
        let svc = osskit::Service::builder(signer.auth(), &server.endpoint())
            .region("cn-chengdu")
            .build()
            .unwrap();
        let got = svc.get_user_qos_info().await.unwrap();
        assert_eq!(got.config.region.as_deref(), Some("cn-chengdu"));
        assert_eq!(got.config.total_upload_bandwidth, Some(40));
        assert_eq!(got.config.total_qps, Some(-1));
        assert_eq!(got.config.intranet_qps, Some(-1));
    }
}

#[tokio::test]
async fn requester_qos_on_a_bucket() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "rqos").await;
    let uid = "2000000000000001";
    b.put_bucket_requester_qos_info(uid, qos()).await.unwrap();
    b.put_bucket_requester_qos_info("2000000000000002", QoSConfiguration::new().total_qps(5))
        .await
        .unwrap();
    let got = b.get_bucket_requester_qos_info(uid).await.unwrap();
    assert_eq!(got.config.requester, uid);
    assert_eq!(got.config.qos_configuration, qos());

    let all = b.list_bucket_requester_qos_infos().await.unwrap().config;
    assert_eq!(all.bucket, b.name());
    assert_eq!(all.requester_qos_infos.len(), 2);
    assert!(!all.is_truncated);
    assert_eq!(all.next_continuation_token, "");
    // Paging.
    let first = b
        .list_bucket_requester_qos_infos()
        .max_keys(1)
        .await
        .unwrap()
        .config;
    assert!(first.is_truncated);
    assert_eq!(first.next_continuation_token, "2000000000000002");
    let second = b
        .list_bucket_requester_qos_infos()
        .continuation_token(first.next_continuation_token)
        .await
        .unwrap()
        .config;
    assert_eq!(
        second.requester_qos_infos[0].qos_configuration.total_qps,
        Some(5)
    );
    assert_eq!(
        second.requester_qos_infos[0]
            .qos_configuration
            .total_upload_bandwidth,
        Some(-1)
    );

    // Parts above their total, and malformed limits, are refused.
    let e = b
        .put_bucket_requester_qos_info(uid, QoSConfiguration::new().total_qps(10).intranet_qps(11))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    assert_eq!(
        b.get_bucket_requester_qos_info(uid)
            .await
            .unwrap()
            .config
            .qos_configuration,
        qos()
    );

    assert_eq!(
        b.delete_bucket_requester_qos_info(uid)
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        b.list_bucket_requester_qos_infos()
            .await
            .unwrap()
            .config
            .requester_qos_infos
            .len(),
        1
    );
    // An empty requester never leaves the client.
    let e = b.get_bucket_requester_qos_info("").await.unwrap_err();
    assert!(matches!(e, osskit::Error::Client { .. }), "{e}");
}

#[tokio::test]
async fn resource_pools_and_their_requesters() {
    let pool_qos = QoSConfiguration::new()
        .total_upload_bandwidth(200)
        .total_qps(1000);
    let server = server_with(|c| {
        c.account
            .resource_pools
            .push(ResourcePool::new("pool-a", ["logs", "media"]).qos(pool_qos.clone()));
        c.account
            .resource_pools
            .push(ResourcePool::new("pool-b", Vec::<String>::new()));
    })
    .await;
    let svc = service(&server, Signer::V4);
    let pools = svc.list_resource_pools().await.unwrap().config;
    assert_eq!(pools.region, "cn-hangzhou");
    assert_eq!(pools.owner, "1000000000000000");
    let names: Vec<_> = pools
        .resource_pools
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["pool-a", "pool-b"]);
    let page = svc.list_resource_pools().max_keys(1).await.unwrap().config;
    assert!(page.is_truncated);
    assert_eq!(page.next_continuation_token, "pool-b");

    let info = svc.get_resource_pool_info("pool-a").await.unwrap().config;
    assert_eq!(info.qos_configuration, pool_qos.clone().filled());
    let members = svc
        .list_resource_pool_buckets("pool-a")
        .await
        .unwrap()
        .config;
    let names: Vec<_> = members.buckets.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["logs", "media"]);

    for e in [
        svc.get_resource_pool_info("nope").await.unwrap_err(),
        svc.list_resource_pool_buckets("nope").await.unwrap_err(),
        svc.list_resource_pool_requester_qos_infos("nope")
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.code(), Some("NoSuchResourcePool"));
        assert_eq!(e.status(), Some(404));
        assert_eq!(
            e.as_server().map(|s| s.message.as_str()),
            Some("The specified resource pool does not exist.")
        );
    }

    let uid = "2000000000000001";
    svc.put_resource_pool_requester_qos_info(uid, "pool-a", QoSConfiguration::new().total_qps(500))
        .await
        .unwrap();
    // Within the pool's limits only.
    let e = svc
        .put_resource_pool_requester_qos_info(
            uid,
            "pool-a",
            QoSConfiguration::new().total_qps(1001),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    let got = svc
        .get_resource_pool_requester_qos_info(uid, "pool-a")
        .await
        .unwrap()
        .config;
    assert_eq!(got.qos_configuration.total_qps, Some(500));
    let listed = svc
        .list_resource_pool_requester_qos_infos("pool-a")
        .await
        .unwrap()
        .config;
    assert_eq!(listed.resource_pool, "pool-a");
    assert_eq!(listed.requester_qos_infos.len(), 1);
    svc.delete_resource_pool_requester_qos_info(uid, "pool-a")
        .await
        .unwrap();
    assert!(svc
        .list_resource_pool_requester_qos_infos("pool-a")
        .await
        .unwrap()
        .config
        .requester_qos_infos
        .is_empty());
}

#[tokio::test]
async fn regions_are_listed_with_the_servers_own() {
    let server = server_with(|c| c.region = "local-1".into()).await;
    let svc = osskit::Service::builder(Signer::V1.auth(), &server.endpoint())
        .build()
        .unwrap();
    let all = svc.describe_regions().await.unwrap().config;
    assert!(all.regions.iter().any(|r| r.region == "oss-cn-chengdu"));
    let own = all
        .regions
        .iter()
        .find(|r| r.region == "oss-local-1")
        .unwrap();
    let authority = server.endpoint().trim_start_matches("http://").to_string();
    assert_eq!(own.internet_endpoint, authority);

    let one = svc
        .describe_regions()
        .region("oss-cn-chengdu")
        .await
        .unwrap()
        .config;
    assert_eq!(one.regions.len(), 1);
    assert_eq!(
        one.regions[0].internet_endpoint,
        "oss-cn-chengdu.aliyuncs.com"
    );
    assert_eq!(
        one.regions[0].internal_endpoint,
        "oss-cn-chengdu-internal.aliyuncs.com"
    );
    let e = svc.describe_regions().region("aaa").await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchRegion"));
}

#[tokio::test]
async fn redundancy_transitions_finish_and_convert_the_bucket() {
    // Transitions that finish at once.
    let server = server_with(|c| {
        c.account.redundancy_transition_queue = Duration::ZERO;
        c.account.redundancy_transition_run = Duration::ZERO;
    })
    .await;
    let b = new_bucket(&server, Signer::V4, "zrs").await;
    assert_eq!(
        b.get_bucket_info()
            .await
            .unwrap()
            .bucket
            .data_redundancy_type
            .as_deref(),
        Some("LRS")
    );
    let created = b
        .create_bucket_data_redundancy_transition("ZRS")
        .await
        .unwrap();
    let id = created.config.task_id.clone();
    assert_eq!(id.len(), 32);
    let task = b
        .get_bucket_data_redundancy_transition(&id)
        .await
        .unwrap()
        .config;
    assert_eq!(task.status.as_deref(), Some(FINISHED));
    assert_eq!(task.process_percentage, Some(100));
    assert!(task.end_time.is_some());
    assert_eq!(task.bucket.as_deref(), Some(b.name()));
    assert_eq!(
        b.get_bucket_info()
            .await
            .unwrap()
            .bucket
            .data_redundancy_type
            .as_deref(),
        Some("ZRS")
    );

    // Already ZRS; only ZRS is a target.
    let e = b
        .create_bucket_data_redundancy_transition("ZRS")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    let other = new_bucket(&server, Signer::V4, "zrs2").await;
    let e = other
        .create_bucket_data_redundancy_transition("LRS")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));

    // Bucket and account listings agree with the task.
    let listed = b
        .list_bucket_data_redundancy_transition()
        .await
        .unwrap()
        .config;
    assert_eq!(listed.transitions, vec![task.clone()]);
    let svc = service(&server, Signer::V4);
    let user = svc
        .list_user_data_redundancy_transition()
        .max_keys(10)
        .await
        .unwrap()
        .config;
    assert_eq!(user.transitions, vec![task]);
    assert_eq!(user.is_truncated, Some(false));

    assert_eq!(
        b.delete_bucket_data_redundancy_transition(&id)
            .await
            .unwrap()
            .status(),
        204
    );
    let e = b
        .get_bucket_data_redundancy_transition(&id)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BucketDataRedundancyTransitionTaskNotExist"));
    let e = b
        .delete_bucket_data_redundancy_transition(&id)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BucketDataRedundancyTransitionTaskNotExist"));
}

#[tokio::test]
async fn transitions_queue_then_process_and_cannot_be_deleted_while_processing() {
    let queued = server_with(|c| {
        c.account.redundancy_transition_queue = Duration::from_secs(3600);
    })
    .await;
    let b = new_bucket(&queued, Signer::V1, "queue").await;
    let id = b
        .create_bucket_data_redundancy_transition("ZRS")
        .await
        .unwrap()
        .config
        .task_id;
    let task = b
        .get_bucket_data_redundancy_transition(&id)
        .await
        .unwrap()
        .config;
    assert_eq!(task.status.as_deref(), Some(QUEUEING));
    assert!(task.start_time.is_none());
    // One unfinished task at a time.
    let e = b
        .create_bucket_data_redundancy_transition("ZRS")
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some("BucketDataRedundancyTransitionTaskStatusConflict")
    );
    // A queued task can be deleted.
    b.delete_bucket_data_redundancy_transition(&id)
        .await
        .unwrap();

    let processing = server_with(|c| {
        c.account.redundancy_transition_queue = Duration::ZERO;
        c.account.redundancy_transition_run = Duration::from_secs(7200);
    })
    .await;
    let b = new_bucket(&processing, Signer::V4, "proc").await;
    let id = b
        .create_bucket_data_redundancy_transition("ZRS")
        .await
        .unwrap()
        .config
        .task_id;
    let task = b
        .get_bucket_data_redundancy_transition(&id)
        .await
        .unwrap()
        .config;
    assert_eq!(task.status.as_deref(), Some(PROCESSING));
    assert!(task.start_time.is_some());
    assert_eq!(task.estimated_remaining_time, Some(2));
    let e = b
        .delete_bucket_data_redundancy_transition(&id)
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some("BucketDataRedundancyTransitionTaskStatusConflict")
    );
    assert_eq!(e.status(), Some(409));
    assert_eq!(
        b.get_bucket_info()
            .await
            .unwrap()
            .bucket
            .data_redundancy_type
            .as_deref(),
        Some("LRS")
    );

    let gone = bucket(&processing, Signer::V4, &bucket_name("none"));
    let e = gone
        .list_bucket_data_redundancy_transition()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NoSuchBucket"));
}

#[tokio::test]
async fn cloud_only_operations_name_the_service_they_need() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "cloud").await;
    b.put_object("img.jpg", "not really a picture")
        .await
        .unwrap();
    let cases: Vec<(osskit::Result<_>, &str)> = vec![
        (
            b.process_object("img.jpg", "image/resize,w_100|sys/saveas,o_dGVzdC5qcGc")
                .await,
            "image and document processing",
        ),
        (
            b.async_process_object("img.jpg", "video/convert,f_mp4")
                .await,
            "image and document processing",
        ),
        (
            b.select_object("img.jpg", "<SelectRequest/>").await,
            "OSS Select",
        ),
        (
            b.create_select_object_meta("img.jpg", "<CsvMetaRequest/>")
                .await,
            "OSS Select",
        ),
        (
            b.create_live_channel(
                "channel",
                osskit::proto::xml::live_channel::LiveChannelConfiguration::new("playlist.m3u8"),
            )
            .await,
            "live streaming over RTMP",
        ),
        (
            b.get_live_channel_stat("channel").await,
            "live streaming over RTMP",
        ),
        (
            service(&server, Signer::V4)
                .write_get_object_response("route", "token", 200, "data")
                .await,
            "Function Compute",
        ),
    ];
    for (result, service_name) in cases {
        let e = result.unwrap_err();
        assert_eq!(e.code(), Some("NotImplemented"), "{e}");
        assert_eq!(e.status(), Some(501));
        assert!(
            e.as_server()
                .map(|s| s.message.as_str())
                .is_some_and(|m| m.contains(service_name)),
            "{e} should name {service_name}"
        );
    }
    // Listing live channels needs no cloud service: there are none.
    let channels = b.list_live_channel().await.unwrap().config;
    assert!(channels.live_channels.is_empty());
    assert_eq!(channels.max_keys, Some(100));
    // An anonymous client is refused before the missing service is mentioned.
    let anonymous = osskit::Bucket::builder(osskit::AnonymousAuth, &server.endpoint(), b.name())
        .build()
        .unwrap();
    let e = anonymous.delete_live_channel("channel").await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    // The generic call reaches the same operation.
    let e = b
        .call(OpId::GetVodPlaylist)
        .key("channel")
        .param("startTime", "1")
        .param("endTime", "2")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotImplemented"));
}
