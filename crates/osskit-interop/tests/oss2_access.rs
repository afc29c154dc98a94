//! Access control and data movement configurations exchanged between oss2 2.19.1 and the
//! Rust SDK through the server, under V1 and V4: oss2 sets bucket policies, request payment,
//! public access blocks, access points (with policy and block), replication rules and
//! inventories, and the Rust SDK reads them back; then the other way round. oss2 also checks
//! the requester-pays enforcement as another account.
//!
//! The Python interpreter comes from `OSS2_PYTHON` or `target/oss2-venv/bin/python` (see
//! `tests/oss2.rs`).

use std::process::Command;

use osskit::proto::policy::{Effect, Statement};
use osskit::proto::xml::access_point::CreateAccessPointConfiguration;
use osskit::proto::xml::inventory::{
    InventoryConfiguration, InventoryDestination, FREQUENCY_DAILY,
};
use osskit::{
    Auth, AuthConfig, AuthV4, Bucket, Payer, Policy, PublicAccessBlockConfiguration,
    ReplicationRule,
};
use osskit_interop::{python, workspace_root};
use osskit_server::testing::{
    TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, TEST_OTHER_ACCESS_KEY_ID,
    TEST_OTHER_ACCESS_KEY_SECRET, TEST_OTHER_ACCOUNT_ID,
};

const UID: &str = "1000000000000000";
const DEST: &str = "interop-access-dest";

fn run_script(server: &TestServer, mode: &str) {
    let output = Command::new(python())
        .arg(workspace_root().join("interop/oss2_access.py"))
        .arg(mode)
        .env("OSS_ENDPOINT", server.endpoint())
        .env("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET)
        .env("OSS_REGION", "cn-hangzhou")
        .env("OSS_UID", UID)
        .env("OTHER_ACCESS_KEY_ID", TEST_OTHER_ACCESS_KEY_ID)
        .env("OTHER_ACCESS_KEY_SECRET", TEST_OTHER_ACCESS_KEY_SECRET)
        .env("OTHER_UID", TEST_OTHER_ACCOUNT_ID)
        .env("DEST_BUCKET", DEST)
        .env("OSS2_BUCKET_V1", "interop-access-oss2-v1")
        .env("OSS2_BUCKET_V4", "interop-access-oss2-v4")
        .env("RUST_BUCKET_V1", "interop-access-rust-v1")
        .env("RUST_BUCKET_V4", "interop-access-rust-v4")
        .output()
        .expect("failed to run the oss2 script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "oss2 {mode} failed:\n{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

fn client(server: &TestServer, auth: AuthConfig, name: &str) -> Bucket {
    Bucket::builder(auth, &server.endpoint(), name)
        .region("cn-hangzhou")
        .build()
        .unwrap()
}

fn signers() -> [(&'static str, AuthConfig); 2] {
    [
        (
            "v1",
            Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET).into(),
        ),
        (
            "v4",
            AuthV4::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET).into(),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss2_and_the_rust_sdk_exchange_access_and_replication_configurations() {
    let server =
        TestServer::start_with(|c| c.replication_interval = std::time::Duration::from_secs(3600))
            .await;
    for (version, auth) in signers() {
        client(
            &server,
            auth.clone(),
            &format!("interop-access-oss2-{version}"),
        )
        .create_bucket()
        .await
        .unwrap();
        client(&server, auth, &format!("interop-access-rust-{version}"))
            .create_bucket()
            .await
            .unwrap();
    }
    client(&server, signers()[0].1.clone(), DEST)
        .create_bucket()
        .await
        .unwrap();

    // oss2 writes, the Rust SDK reads.
    run_script(&server, "put");
    for (version, auth) in signers() {
        let name = format!("interop-access-oss2-{version}");
        let b = client(&server, auth, &name);
        let label = version.to_uppercase();
        let policy = b.get_bucket_policy().await.unwrap().config;
        let s = &policy.statements[0];
        assert_eq!(s.effect, Effect::Allow);
        assert_eq!(s.actions, ["oss:GetObject", "oss:PutObject"]);
        assert_eq!(
            s.principals.as_deref(),
            Some(&[TEST_OTHER_ACCOUNT_ID.to_string()][..])
        );
        assert_eq!(s.resources, [format!("acs:oss:*:*:{name}/*")]);
        assert_eq!(
            b.get_bucket_request_payment()
                .await
                .unwrap()
                .config
                .parsed_payer(),
            Some(Payer::Requester)
        );
        assert!(
            b.get_bucket_public_access_block()
                .await
                .unwrap()
                .config
                .block_public_access
        );
        let ap = format!("ap-{version}");
        let got = b.get_access_point(&ap).await.unwrap().config;
        assert_eq!(
            (got.bucket.as_str(), got.network_origin.as_str()),
            (name.as_str(), "internet")
        );
        assert!(
            got.public_access_block_configuration
                .unwrap()
                .block_public_access
        );
        let ap_policy = b.get_access_point_policy(&ap).await.unwrap().config;
        assert_eq!(ap_policy.statements[0].effect, Effect::Deny);
        let rules = b.get_bucket_replication().await.unwrap().config.rules;
        assert_eq!(rules.len(), 1);
        assert_eq!(
            rules[0].id.as_deref(),
            Some(format!("rule-{label}").as_str())
        );
        assert_eq!(rules[0].prefix_list(), ["logs/"]);
        assert_eq!(rules[0].action_list(), ["PUT"]);
        assert!(!rules[0].replicates_history());
        assert_eq!(rules[0].destination.location, "oss-cn-beijing");
        let inv = b
            .get_bucket_inventory_configuration(&format!("inv-{label}"))
            .await
            .unwrap()
            .config;
        assert!(inv.is_enabled);
        assert_eq!(inv.schedule.frequency, "Weekly");
        assert_eq!(inv.destination.bucket_destination.bucket_name(), DEST);
        assert_eq!(
            inv.filter.unwrap().storage_class.as_deref(),
            Some("IA,Standard")
        );
        assert_eq!(inv.optional_fields.fields, ["Size", "ETag"]);
    }

    // The Rust SDK writes, oss2 reads.
    for (version, auth) in signers() {
        let name = format!("interop-access-rust-{version}");
        let b = client(&server, auth, &name);
        b.put_object("paid.txt", "paid by the requester")
            .await
            .unwrap();
        b.put_bucket_policy(Policy::new(vec![Statement::new(
            Effect::Allow,
            ["oss:GetObject", "oss:PutObject"],
            [format!("acs:oss:*:*:{name}/*")],
        )
        .principals([TEST_OTHER_ACCOUNT_ID])]))
            .await
            .unwrap();
        b.put_bucket_request_payment(Payer::Requester)
            .await
            .unwrap();
        b.put_bucket_public_access_block(PublicAccessBlockConfiguration::new(true))
            .await
            .unwrap();
        let ap = format!("ap-rust-{version}");
        b.create_access_point(CreateAccessPointConfiguration::vpc(ap.as_str(), "vpc-rust"))
            .await
            .unwrap();
        b.put_access_point_policy(
            &ap,
            Policy::new(vec![Statement::new(
                Effect::Deny,
                ["oss:GetObject"],
                [format!(
                    "acs:oss:cn-hangzhou:{UID}:accesspoint/{ap}/object/*"
                )],
            )
            .principals([UID])]),
        )
        .await
        .unwrap();
        b.put_access_point_public_access_block(&ap, PublicAccessBlockConfiguration::new(true))
            .await
            .unwrap();
        b.put_bucket_replication(
            ReplicationRule::new(DEST, "oss-cn-beijing")
                .id("rust-rule")
                .prefixes(["images/"]),
        )
        .await
        .unwrap();
        b.put_bucket_inventory_configuration(
            InventoryConfiguration::new(
                "rust-inv",
                InventoryDestination::new(UID, format!("acs:ram::{UID}:role/AliyunOSSRole"), DEST),
                FREQUENCY_DAILY,
            )
            .prefix("docs/")
            .optional_fields(["Size", "StorageClass"]),
        )
        .await
        .unwrap();
    }
    run_script(&server, "check");
}
