//! Metadata indexing and queries through the SDK against the local server: the index
//! answers DoMetaQuery's conditions, sorting, paging and aggregations over the objects'
//! metadata, and follows the object changes made afterwards.

mod common;

use common::{new_bucket, server, Signer};
use osskit::proto::ops::OpId;
use osskit::proto::xml::meta_query::{Aggregation, MetaQuery, MetaQueryCondition};

fn names(
    result: &osskit::ops::config::ConfigOutput<osskit::proto::xml::meta_query::MetaQueryResult>,
) -> Vec<String> {
    result
        .config
        .files
        .files
        .iter()
        .map(|f| f.filename.clone())
        .collect()
}

#[tokio::test]
async fn queries_filter_sort_page_and_aggregate() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let b = new_bucket(&server, signer, "mq").await;
        let simple = MetaQuery::new(MetaQueryCondition::simple("Size", "lt", "1048576").to_json());
        assert_eq!(
            b.do_bucket_meta_query(simple.clone())
                .await
                .unwrap_err()
                .code(),
            Some("MetaQueryNotExist")
        );
        assert_eq!(
            b.get_bucket_meta_query_status().await.unwrap_err().code(),
            Some("MetaQueryNotExist")
        );

        b.put_object("a.txt", "content")
            .metadata("location", "hangzhou")
            .await
            .unwrap();
        b.put_object("b.txt", "content bbbbbbb")
            .content_type("text/plain")
            .await
            .unwrap();
        b.put_object("logs/c.log", vec![0u8; 2000]).await.unwrap();
        b.open_bucket_meta_query().await.unwrap();
        // Opening again changes nothing.
        b.open_bucket_meta_query().await.unwrap();
        let status = b.get_bucket_meta_query_status().await.unwrap().config;
        assert_eq!(status.state, "Running");
        assert_eq!(status.phase, "IncrementalScanning");

        let all = b.do_bucket_meta_query(simple.clone()).await.unwrap();
        assert_eq!(names(&all), ["a.txt", "b.txt", "logs/c.log"]);
        assert_eq!(all.config.next_token, "");
        let a = &all.config.files.files[0];
        assert_eq!(a.size, 7);
        assert_eq!(a.oss_object_type, "Normal");
        assert_eq!(a.oss_storage_class, "Standard");
        assert_eq!(a.object_acl, "default");
        assert!(a.etag.starts_with('"'));
        let meta = &a.oss_user_meta.as_ref().unwrap().user_meta[0];
        assert_eq!(
            (meta.key.as_str(), meta.value.as_str()),
            ("x-oss-meta-location", "hangzhou")
        );
        assert_eq!(
            all.config.files.files[1].content_type.as_deref(),
            Some("text/plain")
        );

        // Sorted by size, descending, one per page.
        let mut q = simple.clone().sort("Size", "desc").max_results(1);
        let mut seen = Vec::new();
        loop {
            let page = b.do_bucket_meta_query(q.clone()).await.unwrap();
            seen.extend(names(&page));
            if page.config.next_token.is_empty() {
                break;
            }
            q = q.next_token(page.config.next_token.clone());
        }
        assert_eq!(seen, ["logs/c.log", "b.txt", "a.txt"]);

        // Compound conditions and user metadata.
        let compound = MetaQueryCondition::compound(
            "and",
            vec![
                MetaQueryCondition::simple("Filename", "match", ".txt"),
                MetaQueryCondition::compound(
                    "not",
                    vec![MetaQueryCondition::simple(
                        "OSSUserMeta.x-oss-meta-location",
                        "eq",
                        "hangzhou",
                    )],
                ),
            ],
        );
        let got = b
            .do_bucket_meta_query(MetaQuery::new(compound.to_json()))
            .await
            .unwrap();
        assert_eq!(names(&got), ["b.txt"]);

        // Aggregations cover every match, not just the page.
        let agg = simple
            .clone()
            .max_results(1)
            .aggregation(Aggregation::new("Size", "sum"))
            .aggregation(Aggregation::new("Size", "max"))
            .aggregation(Aggregation::new("Filename", "count"))
            .aggregation(Aggregation::new("OSSStorageClass", "group"));
        let got = b.do_bucket_meta_query(agg).await.unwrap();
        let aggs = got.config.aggregations.unwrap().aggregations;
        assert_eq!(aggs[0].value, Some(2022.0));
        assert_eq!(aggs[1].value, Some(2000.0));
        assert_eq!(aggs[2].value, Some(3.0));
        let groups = aggs[3].groups.as_ref().unwrap();
        assert_eq!(
            (groups.groups[0].value.as_str(), groups.groups[0].count),
            ("Standard", 3)
        );

        // The raw document works too.
        let raw = b
            .do_bucket_meta_query(
                r#"<MetaQuery><MaxResults>5</MaxResults><Query>{"Field": "Filename","Value": "logs/","Operation": "prefix"}</Query></MetaQuery>"#,
            )
            .await
            .unwrap();
        assert_eq!(names(&raw), ["logs/c.log"]);

        // Errors.
        let e = b
            .do_bucket_meta_query(MetaQuery::new(
                r#"{"Field":"Colour","Value":"red","Operation":"eq"}"#,
            ))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidArgument"));
        let e = b
            .do_bucket_meta_query("<MetaQuery><Query>")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("MalformedXML"));
        let e = b
            .do_bucket_meta_query(simple.clone())
            .param("mode", "semantic")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("NotImplemented"));

        b.close_bucket_meta_query().await.unwrap();
        assert_eq!(
            b.do_bucket_meta_query(simple).await.unwrap_err().code(),
            Some("MetaQueryNotExist")
        );
    }
}

#[tokio::test]
async fn the_index_follows_object_changes() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "mqfollow").await;
    b.put_object("old.txt", "x").await.unwrap();
    b.open_bucket_meta_query().await.unwrap();
    let everything = MetaQuery::new(MetaQueryCondition::simple("Size", "gte", "0").to_json());
    assert_eq!(
        names(&b.do_bucket_meta_query(everything.clone()).await.unwrap()),
        ["old.txt"]
    );

    b.put_object("new.txt", "yy").await.unwrap();
    b.copy_object(b.name(), "new.txt", "copy.txt")
        .await
        .unwrap();
    b.append_object("log.txt", 0, "zzz").await.unwrap();
    b.call(OpId::PutObjectAcl)
        .key("old.txt")
        .header("x-oss-object-acl", "public-read")
        .await
        .unwrap();
    let got = b.do_bucket_meta_query(everything.clone()).await.unwrap();
    assert_eq!(names(&got), ["copy.txt", "log.txt", "new.txt", "old.txt"]);
    let old = &got.config.files.files[3];
    assert_eq!(old.object_acl, "public-read");
    assert_eq!(got.config.files.files[1].oss_object_type, "Appendable");

    b.delete_object("new.txt").await.unwrap();
    b.batch_delete_objects(["copy.txt", "log.txt"])
        .await
        .unwrap();
    assert_eq!(
        names(&b.do_bucket_meta_query(everything).await.unwrap()),
        ["old.txt"]
    );
}

#[tokio::test]
async fn queries_see_object_tags() {
    use osskit::proto::xml::tagging::Tagging;
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "mqt").await;
    b.put_object("tagged.txt", "x")
        .tagging(Tagging::new().tag("owner", "John"))
        .await
        .unwrap();
    b.put_object("plain.txt", "y").await.unwrap();
    b.open_bucket_meta_query().await.unwrap();
    let by_owner =
        MetaQuery::new(MetaQueryCondition::simple("OSSTagging.owner", "eq", "John").to_json());
    let found = b.do_bucket_meta_query(by_owner.clone()).await.unwrap();
    assert_eq!(names(&found), ["tagged.txt"]);
    let file = &found.config.files.files[0];
    assert_eq!(file.oss_tagging_count, 1);
    // Tags set after the index opened are followed too.
    b.put_object_tagging("plain.txt", Tagging::new().tag("owner", "John"))
        .await
        .unwrap();
    let found = b.do_bucket_meta_query(by_owner).await.unwrap();
    assert_eq!(names(&found), ["plain.txt", "tagged.txt"]);
}
