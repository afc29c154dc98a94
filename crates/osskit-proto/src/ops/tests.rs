use super::*;

fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn at(method: HttpMethod, level: Level, params: &[(&str, &str)]) -> Result<OpId, RouteError> {
    route(&RouteRequest {
        method,
        level,
        params: &q(params),
        headers: &[],
    })
}

fn with_header(
    method: HttpMethod,
    level: Level,
    params: &[(&str, &str)],
    header: &str,
) -> Result<OpId, RouteError> {
    let headers = q(&[(header, "v")]);
    route(&RouteRequest {
        method,
        level,
        params: &q(params),
        headers: &headers,
    })
}

use HttpMethod::*;
use Level::*;

#[test]
fn every_declaration_routes_to_itself() {
    for op in all() {
        let params: Vec<(String, String)> = op
            .select
            .iter()
            .map(|s| {
                let v = match s {
                    Selector::Flag(_) => "",
                    Selector::Value(_, v) => v,
                    Selector::OneOf(_, vs) => vs[0],
                    Selector::Param(_) => "1",
                };
                (s.name().to_string(), v.to_string())
            })
            .chain(
                op.params
                    .iter()
                    .filter(|p| p.required)
                    .map(|p| (p.name.to_string(), "1".to_string())),
            )
            .collect();
        let headers: Vec<(String, String)> = op
            .select_header
            .iter()
            .map(|h| (h.to_string(), "v".to_string()))
            .collect();
        let level = if op.level == BucketOrObject {
            Object
        } else {
            op.level
        };
        let routed = route(&RouteRequest {
            method: op.method,
            level,
            params: &params,
            headers: &headers,
        });
        assert_eq!(routed, Ok(op.id), "{} does not route to itself", op.name);
        assert_eq!(op.check_params(&params), Ok(()), "{}", op.name);
    }
}

#[test]
fn names_are_unique_and_actions_named() {
    let mut names = std::collections::BTreeSet::new();
    let mut oss2 = std::collections::BTreeSet::new();
    for op in all() {
        assert!(names.insert(op.name), "{} declared twice", op.name);
        if let Some(n) = op.oss2 {
            assert!(oss2.insert(n), "oss2 name {n} used twice");
        }
        assert!(op.action.starts_with("oss:"), "{}", op.name);
        assert!(!op.doc.is_empty(), "{} has no description", op.name);
    }
    assert!(names.len() > 150);
}

#[test]
fn routing_is_by_set_of_sub_resources_in_any_order() {
    assert_eq!(
        at(Post, Object, &[("append", ""), ("position", "0")]),
        Ok(OpId::AppendObject)
    );
    assert_eq!(
        at(Post, Object, &[("position", "0"), ("append", "")]),
        Ok(OpId::AppendObject)
    );
    assert_eq!(
        at(Put, Object, &[("uploadId", "U"), ("partNumber", "1")]),
        Ok(OpId::UploadPart)
    );
    assert_eq!(
        with_header(
            Put,
            Object,
            &[("partNumber", "1"), ("uploadId", "U")],
            "x-oss-copy-source"
        ),
        Ok(OpId::UploadPartCopy)
    );
    assert_eq!(
        with_header(Put, Object, &[], "x-oss-copy-source"),
        Ok(OpId::CopyObject)
    );
    assert_eq!(at(Put, Object, &[]), Ok(OpId::PutObject));
    assert_eq!(
        at(Get, Bucket, &[("prefix", "a"), ("max-keys", "3")]),
        Ok(OpId::ListObjects)
    );
    assert_eq!(
        at(Get, Bucket, &[("list-type", "2")]),
        Ok(OpId::ListObjectsV2)
    );
    assert_eq!(
        at(
            Get,
            Object,
            &[("response-content-type", "x"), ("versionId", "v")]
        ),
        Ok(OpId::GetObject)
    );
    assert_eq!(
        at(Post, Object, &[("uploads", ""), ("sequential", "")]),
        Ok(OpId::InitiateMultipartUpload)
    );
}

#[test]
fn names_that_are_not_signed_sub_resources_still_route() {
    // Neither is in the V1 signing list, yet each selects its own operation.
    assert_eq!(
        at(Get, Service, &[("regions", "")]),
        Ok(OpId::DescribeRegions)
    );
    assert_eq!(
        at(Get, Bucket, &[("accessmonitor", "")]),
        Ok(OpId::GetBucketAccessMonitor)
    );
    assert_eq!(at(Get, Service, &[("prefix", "x")]), Ok(OpId::ListBuckets));
}

#[test]
fn values_and_headers_refine_the_choice() {
    assert_eq!(
        at(Post, Bucket, &[("replication", ""), ("comp", "add")]),
        Ok(OpId::PutBucketReplication)
    );
    assert_eq!(
        at(Post, Bucket, &[("comp", "delete"), ("replication", "")]),
        Ok(OpId::DeleteBucketReplication)
    );
    assert_eq!(
        at(Get, Bucket, &[("policy", "")]),
        Ok(OpId::GetBucketPolicy)
    );
    assert_eq!(
        at(Get, Bucket, &[("policy", ""), ("comp", "callback")]),
        Ok(OpId::GetBucketCallbackPolicy)
    );
    assert_eq!(
        at(Post, Object, &[("x-oss-process", "csv/select")]),
        Ok(OpId::SelectObject)
    );
    assert_eq!(
        at(Post, Object, &[("x-oss-process", "json/meta")]),
        Ok(OpId::CreateSelectObjectMeta)
    );
    assert_eq!(
        at(Post, Object, &[("x-oss-process", "")]),
        Ok(OpId::ProcessObject)
    );
    assert_eq!(
        at(Get, Bucket, &[("accessPoint", "")]),
        Ok(OpId::ListBucketAccessPoints)
    );
    assert_eq!(
        with_header(
            Get,
            Bucket,
            &[("accessPoint", "")],
            "x-oss-access-point-name"
        ),
        Ok(OpId::GetAccessPoint)
    );
    assert_eq!(
        at(Post, Bucket, &[("wormId", "1")]),
        Ok(OpId::CompleteBucketWorm)
    );
    assert_eq!(
        at(Post, Bucket, &[("wormExtend", ""), ("wormId", "1")]),
        Ok(OpId::ExtendBucketWorm)
    );
    assert_eq!(at(Options, Bucket, &[]), Ok(OpId::OptionObject));
    assert_eq!(at(Options, Object, &[]), Ok(OpId::OptionObject));
}

#[test]
fn what_fits_nothing_says_why() {
    assert_eq!(at(Post, Object, &[]), Err(RouteError::MethodNotAllowed));
    assert_eq!(at(Put, Service, &[]), Err(RouteError::MethodNotAllowed));
    assert_eq!(
        at(Put, Object, &[("cors", "")]),
        Err(RouteError::MethodNotAllowed)
    );
    assert_eq!(
        at(Get, Object, &[("partNumber", "1")]),
        Err(RouteError::UnknownSubResource(vec!["partNumber".into()]))
    );
    assert_eq!(
        at(Post, Bucket, &[("replication", ""), ("comp", "bogus")]),
        Err(RouteError::UnknownSubResource(vec![
            "comp".into(),
            "replication".into()
        ]))
    );
}

#[test]
fn params_are_checked_against_limits() {
    let part = OpId::UploadPart.spec();
    assert!(part
        .check_params(&q(&[("partNumber", "10000"), ("uploadId", "u")]))
        .is_ok());
    let err = part
        .check_params(&q(&[("partNumber", "10001"), ("uploadId", "u")]))
        .unwrap_err();
    assert!(err.contains("between 1 and 10000"), "{err}");
    assert!(part
        .check_params(&q(&[("partNumber", "1")]))
        .unwrap_err()
        .contains("uploadId"));
    let list = OpId::ListObjects.spec();
    assert!(list.check_params(&q(&[("max-keys", "1001")])).is_err());
}

#[test]
fn names_convert() {
    assert_eq!(OpId::PutBucketCors.spec().kebab_name(), "put-bucket-cors");
    assert_eq!(OpId::ListObjectsV2.spec().kebab_name(), "list-objects-v2");
    assert_eq!(
        OpId::GetBucketQosInfo.spec().method_name(),
        "get_bucket_qos_info"
    );
    assert_eq!(OpId::HeadBucket.spec().method_name(), "head_bucket");
    assert_eq!(
        find("put-bucket-cors").map(|o| o.id),
        Some(OpId::PutBucketCors)
    );
    assert_eq!(
        find("PutBucketCors").map(|o| o.id),
        Some(OpId::PutBucketCors)
    );
    assert_eq!(
        find("set_bucket_storage_capacity").map(|o| o.id),
        Some(OpId::PutBucketStorageCapacity)
    );
    assert_eq!(find("no-such-operation"), None);
}
