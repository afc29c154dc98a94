//! Data movement between buckets through the SDK against the local server: replication
//! rules (round trip, OSS's errors, the replicator copying writes and deletes, progress) and
//! inventories (round trip, validation, paging, reports written into the destination).

mod common;

use std::io::Read;
use std::time::Duration;

use common::{bucket_name, new_bucket, Signer};
use osskit::proto::xml::inventory::{
    InventoryConfiguration, InventoryDestination, FIELD_ETAG, FIELD_SIZE, FIELD_STORAGE_CLASS,
    FREQUENCY_DAILY, FREQUENCY_WEEKLY,
};
use osskit::proto::xml::replication::{
    ReplicationRule, STATUS_CLOSING, STATUS_DOING, STATUS_STARTING,
};
use osskit::Bucket;
use osskit_server::testing::TestServer;

const ROLE: &str = "acs:ram::1000000000000000:role/AliyunOSSRole";

/// A server whose replicator and inventory writer run every 100 ms (tests wait for their
/// effects, bounded, instead of assuming how long they take).
async fn fast_server() -> TestServer {
    TestServer::start_with(|c| {
        c.replication_interval = Duration::from_millis(100);
        c.inventory_check_interval = Duration::from_millis(100);
        c.inventory_period = Some(Duration::from_secs(3600));
    })
    .await
}

/// Waits (at most 20 s) until `check` holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 20 s");
}

async fn content(b: &Bucket, key: &str) -> Option<String> {
    match b.get_object(key).await {
        Ok(o) => Some(String::from_utf8(o.body.collect_bytes().await.unwrap().to_vec()).unwrap()),
        Err(e) if e.code() == Some("NoSuchKey") => None,
        Err(e) => panic!("{e:?}"),
    }
}

async fn status(b: &Bucket, id: &str) -> String {
    b.get_bucket_replication_progress(id)
        .await
        .unwrap()
        .config
        .rule
        .status
}

#[tokio::test]
async fn replication_rules_round_trip_and_errors() {
    // A replicator that never moves rules on during this test.
    let server =
        TestServer::start_with(|c| c.replication_interval = Duration::from_secs(3600)).await;
    for signer in [Signer::V1, Signer::V4] {
        let src = new_bucket(&server, signer, "rsrc").await;
        let dst = new_bucket(&server, signer, "rdst").await;
        let e = src.get_bucket_replication().await.unwrap_err();
        assert_eq!(e.code(), Some("NoSuchReplicationConfiguration"));
        let e = src
            .get_bucket_replication_progress("none")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("NoSuchReplicationRule"));

        let rule = ReplicationRule::new(dst.name(), "oss-cn-beijing")
            .id("r1")
            .prefixes(["a/", "b/"])
            .actions(["PUT"])
            .historical(false)
            .transfer_type("oss_acc");
        src.put_bucket_replication(rule).await.unwrap();
        let got = src.get_bucket_replication().await.unwrap();
        let r = &got.config.rules[0];
        assert_eq!(r.id.as_deref(), Some("r1"));
        assert_eq!(r.prefix_list(), ["a/", "b/"]);
        assert_eq!(r.action.as_deref(), Some("PUT"));
        assert_eq!(r.status.as_deref(), Some(STATUS_STARTING));
        assert!(!r.replicates_history());
        assert_eq!(r.destination.transfer_type.as_deref(), Some("oss_acc"));
        // Without a sync role, KMS settings are dropped as OSS does.
        assert!(r.sync_role.is_none() && r.encryption_configuration.is_none());

        let p = src
            .get_bucket_replication_progress("r1")
            .await
            .unwrap()
            .config
            .rule;
        assert_eq!(p.status, STATUS_STARTING);
        assert!(
            p.progress.is_none(),
            "no progress while starting with history off"
        );

        // Raw XML, no id: OSS makes one up; defaults are ALL and historical replication.
        let dst2 = new_bucket(&server, signer, "rdst2").await;
        let doc = format!(
            "<ReplicationConfiguration><Rule><Destination><Bucket>{}</Bucket><Location>oss-cn-hangzhou</Location></Destination></Rule></ReplicationConfiguration>",
            dst2.name()
        );
        src.put_bucket_replication(doc).await.unwrap();
        let rules = src.get_bucket_replication().await.unwrap().config.rules;
        assert_eq!(rules.len(), 2);
        let made = rules
            .iter()
            .find(|r| r.id.as_deref() != Some("r1"))
            .unwrap();
        assert_eq!(made.id.as_ref().unwrap().len(), 36);
        assert_eq!(made.action_list(), ["ALL"]);
        assert!(made.replicates_history());

        // Errors, with nothing stored.
        let dup = ReplicationRule::new(dst.name(), "oss-cn-beijing").id("other");
        assert_eq!(
            src.put_bucket_replication(dup).await.unwrap_err().code(),
            Some("BucketReplicationAlreadyExist")
        );
        let bad = [
            ReplicationRule::new(src.name(), "oss-cn-beijing"),
            ReplicationRule::new(bucket_name("missing"), "oss-cn-beijing"),
            ReplicationRule::new(dst.name(), "oss-moon-1").id("x"),
            ReplicationRule::new(dst.name(), "oss-cn-beijing")
                .id("y")
                .actions(["COPY"]),
            ReplicationRule::new(dst.name(), "oss-cn-beijing")
                .id("z")
                .transfer_type("fast"),
            ReplicationRule::new(dst.name(), "oss-cn-beijing")
                .id("w")
                .prefixes((0..11).map(|i| format!("p{i}"))),
        ];
        for rule in bad {
            let e = src.put_bucket_replication(rule).await.unwrap_err();
            assert_eq!(e.code(), Some("InvalidArgument"), "{e:?}");
        }
        let e = src
            .put_bucket_replication("<ReplicationConfiguration>")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("MalformedXML"));
        assert_eq!(
            src.get_bucket_replication()
                .await
                .unwrap()
                .config
                .rules
                .len(),
            2
        );

        let loc = src.get_bucket_replication_location().await.unwrap().config;
        assert!(loc.locations.iter().any(|l| l == "oss-cn-beijing"));
        assert!(!loc
            .location_transfer_type_constraint
            .unwrap()
            .items
            .is_empty());

        // Deleting turns a rule closing; deleting it again answers 204.
        let r = src.delete_bucket_replication("r1").await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(status(&src, "r1").await, STATUS_CLOSING);
        assert_eq!(
            src.delete_bucket_replication("r1").await.unwrap().status(),
            204
        );
        let e = src.delete_bucket_replication("nope").await.unwrap_err();
        assert_eq!(e.code(), Some("NoSuchReplicationRule"));
        // A bucket without rules answers 200.
        assert_eq!(
            dst.delete_bucket_replication("r1").await.unwrap().status(),
            200
        );
    }
}

#[tokio::test]
async fn the_replicator_copies_writes_and_deletes_under_the_rules() {
    let server = fast_server().await;
    let src = new_bucket(&server, Signer::V4, "rep").await;
    let all = new_bucket(&server, Signer::V4, "repall").await;
    let puts = new_bucket(&server, Signer::V4, "repput").await;
    let fresh = new_bucket(&server, Signer::V4, "repnew").await;
    src.put_object("logs/old.txt", "before the rules")
        .await
        .unwrap();
    src.put_object("other/x.txt", "not covered").await.unwrap();

    // `all`: every action, with history; `puts`: writes only; `fresh`: no history.
    src.put_bucket_replication(
        ReplicationRule::new(all.name(), "oss-cn-hangzhou")
            .id("all")
            .prefixes(["logs/"]),
    )
    .await
    .unwrap();
    src.put_bucket_replication(
        ReplicationRule::new(puts.name(), "oss-cn-hangzhou")
            .id("puts")
            .prefixes(["logs/"])
            .actions(["PUT"]),
    )
    .await
    .unwrap();
    src.put_bucket_replication(
        ReplicationRule::new(fresh.name(), "oss-cn-hangzhou")
            .id("fresh")
            .prefixes(["logs/"])
            .historical(false),
    )
    .await
    .unwrap();
    for id in ["all", "puts", "fresh"] {
        eventually("the rule to start", || async {
            status(&src, id).await == STATUS_DOING
        })
        .await;
    }
    assert_eq!(
        content(&all, "logs/old.txt").await.as_deref(),
        Some("before the rules")
    );
    assert_eq!(
        content(&puts, "logs/old.txt").await.as_deref(),
        Some("before the rules")
    );
    assert_eq!(content(&fresh, "logs/old.txt").await, None, "history off");
    assert_eq!(
        content(&all, "other/x.txt").await,
        None,
        "outside the prefix"
    );
    let p = src
        .get_bucket_replication_progress("all")
        .await
        .unwrap()
        .config
        .rule;
    let progress = p.progress.unwrap();
    assert_eq!(progress.historical_object.as_deref(), Some("1.00"));
    assert!(progress.new_object.is_some());

    // New writes are replicated, with their metadata.
    src.put_object("logs/new.txt", "after")
        .content_type("text/plain")
        .metadata("origin", "source")
        .await
        .unwrap();
    for target in [&all, &puts, &fresh] {
        eventually("a new write to be replicated", || async {
            content(target, "logs/new.txt").await.as_deref() == Some("after")
        })
        .await;
    }
    let head = fresh.head_object("logs/new.txt").await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        head.metadata.get("origin").map(String::as_str),
        Some("source")
    );
    // Overwrites too.
    src.put_object("logs/new.txt", "changed").await.unwrap();
    eventually("an overwrite to be replicated", || async {
        content(&all, "logs/new.txt").await.as_deref() == Some("changed")
    })
    .await;

    // Deletes are replicated by ALL, not by PUT.
    src.delete_object("logs/new.txt").await.unwrap();
    src.batch_delete_objects(["logs/old.txt"]).await.unwrap();
    eventually("deletes to be replicated", || async {
        content(&all, "logs/new.txt").await.is_none()
            && content(&all, "logs/old.txt").await.is_none()
    })
    .await;
    eventually("the PUT rule to catch up", || async {
        content(&puts, "logs/new.txt").await.as_deref() == Some("changed")
    })
    .await;
    assert_eq!(
        content(&puts, "logs/old.txt").await.as_deref(),
        Some("before the rules")
    );

    // A deleted rule stops: it is closing, then gone, and nothing more is copied.
    src.delete_bucket_replication("fresh").await.unwrap();
    eventually("the closing rule to be removed", || async {
        src.get_bucket_replication_progress("fresh").await.is_err()
    })
    .await;
    src.put_object("logs/later.txt", "later").await.unwrap();
    eventually("the remaining rules to copy", || async {
        content(&all, "logs/later.txt").await.is_some()
    })
    .await;
    assert_eq!(content(&fresh, "logs/later.txt").await, None);
}

fn inventory(id: &str, dest: &str) -> InventoryConfiguration {
    InventoryConfiguration::new(
        id,
        InventoryDestination::new("1000000000000000", ROLE, dest).prefix("reports"),
        FREQUENCY_DAILY,
    )
    .optional_fields([FIELD_SIZE, FIELD_ETAG, FIELD_STORAGE_CLASS])
}

#[tokio::test]
async fn inventory_configurations_round_trip_and_errors() {
    let server = TestServer::start().await;
    for signer in [Signer::V1, Signer::V4] {
        let b = new_bucket(&server, signer, "inv").await;
        let dest = new_bucket(&server, signer, "invdst").await;
        let e = b.list_bucket_inventory_configurations().await.unwrap_err();
        assert_eq!(e.code(), Some("NoSuchInventory"));
        let e = b.get_bucket_inventory_configuration("x").await.unwrap_err();
        assert_eq!((e.code(), e.status()), (Some("NoSuchInventory"), Some(404)));

        let config = inventory("report1", dest.name()).prefix("photos/");
        b.put_bucket_inventory_configuration(config.clone())
            .await
            .unwrap();
        let got = b
            .get_bucket_inventory_configuration("report1")
            .await
            .unwrap();
        assert_eq!(got.config, config);
        let raw = String::from_utf8(got.raw.to_vec()).unwrap();
        assert!(raw.contains("<IsEnabled>true</IsEnabled>"), "{raw}");
        assert!(
            raw.contains(&format!("<Bucket>acs:oss:::{}</Bucket>", dest.name())),
            "{raw}"
        );

        // oss2 writes booleans as True/False; storage classes come back sorted.
        let doc = format!(
            "<InventoryConfiguration><Id>report2</Id><IsEnabled>False</IsEnabled>\
             <Filter><Prefix>x</Prefix><StorageClass>Standard,IA</StorageClass><LowerSizeBound>1024</LowerSizeBound></Filter>\
             <Destination><OSSBucketDestination><Format>CSV</Format><AccountId>1</AccountId><RoleArn>{ROLE}</RoleArn>\
             <Bucket>acs:oss:::{}</Bucket><Encryption><SSE-OSS></SSE-OSS></Encryption></OSSBucketDestination></Destination>\
             <Schedule><Frequency>Weekly</Frequency></Schedule><IncludedObjectVersions>All</IncludedObjectVersions>\
             <OptionalFields><Field>Size</Field></OptionalFields></InventoryConfiguration>",
            dest.name()
        );
        b.put_bucket_inventory_configuration(doc).await.unwrap();
        let got = b
            .get_bucket_inventory_configuration("report2")
            .await
            .unwrap()
            .config;
        assert!(!got.is_enabled);
        assert_eq!(got.schedule.frequency, FREQUENCY_WEEKLY);
        let filter = got.filter.unwrap();
        assert_eq!(filter.storage_class.as_deref(), Some("IA,Standard"));
        assert_eq!(filter.lower_size_bound.as_deref(), Some("1024"));

        // Errors, with nothing stored.
        let mut wrong_id = inventory("a", dest.name());
        wrong_id.id = "b".into();
        let cases = vec![
            inventory("x", &bucket_name("missing")),
            inventory("x", dest.name()).optional_fields(["Colour"]),
            {
                let mut c = inventory("x", dest.name());
                c.schedule.frequency = "Hourly".into();
                c
            },
            {
                let mut c = inventory("x", dest.name());
                c.destination.bucket_destination.role_arn = "not-an-arn".into();
                c
            },
        ];
        for c in cases {
            let e = b.put_bucket_inventory_configuration(c).await.unwrap_err();
            assert_eq!(e.code(), Some("InvalidArgument"), "{e:?}");
        }
        let e = b
            .put_bucket_inventory_configuration_with_id("a", wrong_id)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidArgument"));
        let e = b
            .put_bucket_inventory_configuration_with_id("a", "<InventoryConfiguration>")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("MalformedXML"));
        let list = b
            .list_bucket_inventory_configurations()
            .await
            .unwrap()
            .config;
        assert_eq!(list.configurations.len(), 2);
        assert!(!list.is_truncated);

        b.delete_bucket_inventory_configuration("report1")
            .await
            .unwrap();
        b.delete_bucket_inventory_configuration("report1")
            .await
            .unwrap();
        assert_eq!(
            b.get_bucket_inventory_configuration("report1")
                .await
                .unwrap_err()
                .code(),
            Some("NoSuchInventory")
        );
    }
}

#[tokio::test]
async fn inventory_listings_are_paged_by_100() {
    let server = TestServer::start().await;
    let b = new_bucket(&server, Signer::V1, "invpage").await;
    let dest = new_bucket(&server, Signer::V1, "invpdst").await;
    for i in 0..120 {
        b.put_bucket_inventory_configuration(inventory(&format!("id-{i:03}"), dest.name()))
            .await
            .unwrap();
    }
    let first = b
        .list_bucket_inventory_configurations()
        .await
        .unwrap()
        .config;
    assert_eq!(first.configurations.len(), 100);
    assert!(first.is_truncated);
    assert_eq!(first.continuation_token, None);
    let token = first.next_continuation_token.clone().unwrap();
    let second = b
        .list_bucket_inventory_configurations()
        .param("continuation-token", token.clone())
        .await
        .unwrap()
        .config;
    assert_eq!(second.configurations.len(), 20);
    assert!(!second.is_truncated);
    assert_eq!(second.continuation_token.as_deref(), Some(token.as_str()));
    assert_eq!(second.configurations[0].id, "id-100");
}

#[tokio::test]
async fn inventory_reports_are_written_into_the_destination() {
    let server = fast_server().await;
    let src = new_bucket(&server, Signer::V4, "invsrc").await;
    let dest = new_bucket(&server, Signer::V4, "invout").await;
    src.put_object("photos/a b.jpg", "12345").await.unwrap();
    src.put_object("photos/c.jpg", "1").await.unwrap();
    src.put_object("docs/d.txt", "skipped").await.unwrap();
    src.put_bucket_inventory_configuration(inventory("daily", dest.name()).prefix("photos/"))
        .await
        .unwrap();

    let base = format!("reports/{}/daily/", src.name());
    eventually("the report to be written", || async {
        let listed = dest.list_objects().prefix(base.clone()).await.unwrap();
        listed
            .objects
            .iter()
            .any(|o| o.key.ends_with("manifest.checksum"))
    })
    .await;
    let keys: Vec<String> = dest
        .list_objects()
        .prefix(base.clone())
        .await
        .unwrap()
        .objects
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    let data = keys.iter().find(|k| k.ends_with(".csv.gz")).unwrap();
    assert!(data.starts_with(&format!("{base}data/")), "{data}");
    let manifest_key = keys.iter().find(|k| k.ends_with("manifest.json")).unwrap();
    let checksum_key = keys
        .iter()
        .find(|k| k.ends_with("manifest.checksum"))
        .unwrap();

    let gz = dest
        .get_object(data.as_str())
        .await
        .unwrap()
        .body
        .collect_bytes()
        .await
        .unwrap();
    let mut csv = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut csv)
        .unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows[0].starts_with(&format!(
            "\"{}\",\"photos%2Fa%20b.jpg\",\"5\",\"",
            src.name()
        )),
        "{csv}"
    );
    assert!(rows[0].ends_with(",\"Standard\""), "{csv}");

    let manifest = dest
        .get_object(manifest_key.as_str())
        .await
        .unwrap()
        .body
        .collect_bytes()
        .await
        .unwrap();
    let m: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(m["sourceBucket"], src.name());
    assert_eq!(m["destinationBucket"], dest.name());
    assert_eq!(m["fileFormat"], "CSV");
    assert_eq!(m["fileSchema"], "Bucket, Key, Size, ETag, StorageClass");
    assert_eq!(m["files"][0]["key"], data.as_str());
    assert_eq!(m["files"][0]["size"], gz.len());
    assert_eq!(
        m["files"][0]["MD5checksum"],
        osskit::utils::md5_hex(&gz).to_ascii_uppercase()
    );
    let checksum = dest
        .get_object(checksum_key.as_str())
        .await
        .unwrap()
        .body
        .collect_bytes()
        .await
        .unwrap();
    assert_eq!(checksum, osskit::utils::md5_hex(&manifest));

    // The next report is due in an hour. Once the writer has produced another bucket's
    // reports (a later pass), this one has not been repeated, and a disabled inventory wrote
    // nothing.
    let quiet = new_bucket(&server, Signer::V4, "invquiet").await;
    quiet.put_object("k", "v").await.unwrap();
    quiet
        .put_bucket_inventory_configuration(inventory("off", dest.name()).enabled(false))
        .await
        .unwrap();
    quiet
        .put_bucket_inventory_configuration(inventory("on", dest.name()))
        .await
        .unwrap();
    let quiet_base = format!("reports/{}/", quiet.name());
    eventually("the second bucket's report", || async {
        let listed = dest
            .list_objects()
            .prefix(quiet_base.clone())
            .await
            .unwrap();
        listed
            .objects
            .iter()
            .any(|o| o.key.ends_with("manifest.checksum"))
    })
    .await;
    let listed = dest
        .list_objects()
        .prefix(quiet_base.clone())
        .await
        .unwrap();
    assert!(listed
        .objects
        .iter()
        .all(|o| o.key.starts_with(&format!("{quiet_base}on/"))));
    let again = dest.list_objects().prefix(base).await.unwrap();
    assert_eq!(again.objects.len(), 3);
}

#[tokio::test]
async fn oversized_documents_are_refused_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let b = new_bucket(&server, Signer::V1, "big").await;
    let dest = new_bucket(&server, Signer::V1, "bigdst").await;
    let padding = format!("<!--{}-->", "x".repeat(70 * 1024));
    let rule = format!(
        "<ReplicationConfiguration>{padding}<Rule><Destination><Bucket>{}</Bucket><Location>oss-cn-hangzhou</Location></Destination></Rule></ReplicationConfiguration>",
        dest.name()
    );
    let e = b.put_bucket_replication(rule).await.unwrap_err();
    assert_eq!(e.code(), Some("EntityTooLarge"));
    assert_eq!(
        b.get_bucket_replication().await.unwrap_err().code(),
        Some("NoSuchReplicationConfiguration")
    );
    let doc = osskit::proto::xml::Document::to_document(&inventory("big", dest.name())).unwrap();
    let doc = doc.replacen("<Id>", &format!("{padding}<Id>"), 1);
    let e = b
        .put_bucket_inventory_configuration_with_id("big", doc)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("EntityTooLarge"));
    assert_eq!(
        b.list_bucket_inventory_configurations()
            .await
            .unwrap_err()
            .code(),
        Some("NoSuchInventory")
    );
    let e = b
        .put_bucket_request_payment(format!(
            "<RequestPaymentConfiguration>{padding}<Payer>Requester</Payer></RequestPaymentConfiguration>"
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("EntityTooLarge"));
    assert_eq!(
        b.get_bucket_request_payment().await.unwrap().config.payer,
        "BucketOwner"
    );
}
