//! Inventory configurations (`PutBucketInventory`, `GetBucketInventory`,
//! `ListBucketInventory`, `DeleteBucketInventory`); the reports themselves are written by
//! [`crate::inventory_reports`].

use std::collections::BTreeMap;

use super::config::{document, malformed, read_document};
use super::{blocking, check_storage_class, quick};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use crate::store::{Store, StoreError};
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::inventory::{
    InventoryConfiguration, ListInventoryConfigurationsResult, FIELDS, FORMAT_CSV, FREQUENCY_DAILY,
    FREQUENCY_WEEKLY, VERSIONS_ALL, VERSIONS_CURRENT,
};
use osskit_proto::xml::Document;

/// Stored document of a bucket's inventories: id → the configuration as OSS returns it.
pub const DOC: &str = "inventory";
/// Most inventories of a bucket.
pub const MAX_INVENTORIES: usize = 1000;
/// Configurations per page of a listing.
const PAGE: usize = 100;
/// Longest inventory id.
const MAX_ID: usize = 64;

/// The inventories of `bucket`, by id.
pub fn load(s: &dyn Store, bucket: &str) -> Result<BTreeMap<String, String>, StoreError> {
    Ok(s.bucket_config(bucket, DOC)?
        .and_then(|d| serde_json::from_slice(&d).ok())
        .unwrap_or_default())
}

fn save(s: &dyn Store, bucket: &str, all: &BTreeMap<String, String>) -> Result<(), StoreError> {
    if all.is_empty() {
        return s.set_bucket_config(bucket, DOC, None);
    }
    let doc = serde_json::to_vec(all)
        .map_err(|e| StoreError::Internal(format!("writing inventories: {e}")))?;
    s.set_bucket_config(bucket, DOC, Some(doc))
}

fn invalid(message: impl Into<String>, name: &str, value: &str) -> OssError {
    OssError::invalid_argument(message, name, value)
}

fn check_number(name: &str, v: &Option<String>) -> Result<(), OssError> {
    match v {
        Some(text) if text.trim().parse::<u64>().is_err() => Err(invalid(
            format!("{name} must be a non-negative integer."),
            name,
            text,
        )),
        _ => Ok(()),
    }
}

/// Validates a configuration as OSS does and puts it in the form OSS returns.
fn normalise(id: &str, mut c: InventoryConfiguration) -> Result<InventoryConfiguration, OssError> {
    if c.id != id {
        return Err(invalid(
            "The Id of the configuration must equal the inventoryId parameter.",
            "Id",
            &c.id,
        ));
    }
    if id.is_empty() || id.len() > MAX_ID {
        return Err(invalid(
            format!("The inventory id must be 1 to {MAX_ID} characters."),
            "inventoryId",
            id,
        ));
    }
    let dest = &mut c.destination.bucket_destination;
    if dest.format != FORMAT_CSV {
        return Err(invalid(
            "The report format must be CSV.",
            "Format",
            &dest.format,
        ));
    }
    if dest.account_id.trim().is_empty() {
        return Err(invalid(
            "The destination needs an AccountId.",
            "AccountId",
            "",
        ));
    }
    if !dest.role_arn.starts_with("acs:ram::") {
        return Err(invalid(
            "The destination RoleArn must be acs:ram::UID:role/NAME.",
            "RoleArn",
            &dest.role_arn,
        ));
    }
    if !dest
        .bucket
        .starts_with(osskit_proto::xml::inventory::BUCKET_ARN_PREFIX)
        || !osskit_proto::names::is_valid_bucket_name(dest.bucket_name())
    {
        return Err(invalid(
            "The destination Bucket must be acs:oss:::BUCKET.",
            "Bucket",
            &dest.bucket,
        ));
    }
    if let Some(e) = &dest.encryption {
        if e.sse_kms.is_some() && e.sse_oss.is_some() {
            return Err(invalid(
                "The reports are encrypted with SSE-KMS or SSE-OSS, not both.",
                "Encryption",
                "",
            ));
        }
    }
    let f = c.schedule.frequency.as_str();
    if f != FREQUENCY_DAILY && f != FREQUENCY_WEEKLY {
        return Err(invalid(
            "Frequency must be Daily or Weekly.",
            "Frequency",
            f,
        ));
    }
    let v = c.included_object_versions.as_str();
    if v != VERSIONS_ALL && v != VERSIONS_CURRENT {
        return Err(invalid(
            "IncludedObjectVersions must be All or Current.",
            "IncludedObjectVersions",
            v,
        ));
    }
    for field in &c.optional_fields.fields {
        if !FIELDS.contains(&field.as_str()) {
            return Err(invalid(
                format!("The optional field {field:?} is not valid."),
                "Field",
                field,
            ));
        }
    }
    if let Some(filter) = &mut c.filter {
        check_number(
            "LastModifyBeginTimeStamp",
            &filter.last_modify_begin_time_stamp,
        )?;
        check_number("LastModifyEndTimeStamp", &filter.last_modify_end_time_stamp)?;
        check_number("LowerSizeBound", &filter.lower_size_bound)?;
        check_number("UpperSizeBound", &filter.upper_size_bound)?;
        if let Some(classes) = &filter.storage_class {
            let mut list = classes
                .split(',')
                .map(|c| check_storage_class(c.trim(), "StorageClass"))
                .collect::<Result<Vec<_>, _>>()?;
            list.sort();
            list.dedup();
            filter.storage_class = Some(list.join(","));
        }
    }
    Ok(c)
}

/// `PUT /bucket?inventory&inventoryId=ID`.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let id = ctx.param("inventoryId").unwrap_or_default().to_string();
    let doc = read_document(ctx, op, body).await?;
    let config = InventoryConfiguration::from_document(&doc).map_err(malformed)?;
    let config = normalise(&id, config)?;
    let target = config
        .destination
        .bucket_destination
        .bucket_name()
        .to_string();
    let stored = config.to_document().map_err(OssError::internal)?;
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    let refused = blocking(state, move |s| {
        match s.bucket(&target) {
            Ok(_) => {}
            Err(StoreError::NoSuchBucket) => {
                return Ok(Some(invalid(
                    format!("The destination bucket {target} does not exist."),
                    "Bucket",
                    &target,
                )))
            }
            Err(e) => return Err(e),
        }
        let mut all = load(s, &b)?;
        if !all.contains_key(&id) && all.len() >= MAX_INVENTORIES {
            return Ok(Some(OssError::new(
                ErrorCode::InventoryConfigurationTooMany,
            )));
        }
        all.insert(id, stored);
        save(s, &b, &all)?;
        Ok(None)
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, None))?;
    match refused {
        Some(e) => Err(e),
        None => Ok(Reply::new(200)),
    }
}

fn no_such(bucket: &str) -> OssError {
    OssError::new(ErrorCode::NoSuchInventory).with_detail("BucketName", bucket)
}

/// `GET /bucket?inventory&inventoryId=ID`.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let id = ctx.param("inventoryId").unwrap_or_default().to_string();
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    let all = quick(state, move |s| load(s, &b))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    match all.get(&id) {
        Some(doc) => Ok(document("application/xml", doc.clone().into_bytes())),
        None => Err(no_such(&bucket)),
    }
}

/// `GET /bucket?inventory`: 100 configurations a page, by id.
pub async fn list(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let token = ctx
        .param("continuation-token")
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    let all = quick(state, move |s| load(s, &b))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    if all.is_empty() {
        return Err(no_such(&bucket));
    }
    let rest: Vec<(&String, &String)> = all
        .iter()
        .filter(|(id, _)| token.as_ref().is_none_or(|t| id.as_str() > t.as_str()))
        .collect();
    let truncated = rest.len() > PAGE;
    let page: Vec<(&String, &String)> = rest.into_iter().take(PAGE).collect();
    let configurations = page
        .iter()
        .map(|(_, doc)| InventoryConfiguration::from_document(doc.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(OssError::internal)?;
    let mut answer = ListInventoryConfigurationsResult::default();
    answer.configurations = configurations;
    answer.continuation_token = token;
    answer.is_truncated = truncated;
    answer.next_continuation_token = if truncated {
        page.last().map(|(id, _)| id.to_string())
    } else {
        None
    };
    Ok(Reply::xml(
        answer.to_document().map_err(OssError::internal)?,
    ))
}

/// `DELETE /bucket?inventory&inventoryId=ID`: 204 whether or not it existed.
pub async fn delete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let id = ctx.param("inventoryId").unwrap_or_default().to_string();
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    blocking(state, move |s| {
        let mut all = load(s, &b)?;
        if all.remove(&id).is_some() {
            save(s, &b, &all)?;
        }
        Ok(())
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, None))?;
    Ok(Reply::new(204))
}
