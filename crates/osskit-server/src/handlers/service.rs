//! Service-level operations: ListBuckets.

use super::max_keys;
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use osskit_proto::date::unixtime_to_iso8601;
use osskit_proto::xml::tagging::Tagging;
use osskit_proto::xml::{self, bucket as model, Document};

/// `GET /`: the buckets, filtered by `prefix`, after `marker`, at most `max-keys`; with
/// `tag-key` (and `tag-value`) only the buckets carrying that tag, with the
/// `x-oss-resource-group-id` header only those of that resource group.
pub async fn list_buckets(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let prefix = ctx.param("prefix").unwrap_or_default().to_string();
    let marker = ctx.param("marker").unwrap_or_default().to_string();
    let max = max_keys(ctx)?;
    let tag_key = ctx.param("tag-key").map(str::to_string);
    let tag_value = ctx.param("tag-value").map(str::to_string);
    // The requester's own buckets only (of one resource group, when the header names one;
    // carrying a tag, when `tag-key` and `tag-value` name one).
    let account = ctx
        .principal
        .account_id()
        .unwrap_or(state.users.account_id())
        .to_string();
    let group = ctx
        .header(super::resource_group::HEADER)
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string);
    let tagged = tag_key.is_some() || tag_value.is_some();
    let (buckets, truncated) = super::resource_group::list_buckets(
        state,
        prefix.clone(),
        marker.clone(),
        max,
        group,
        account.clone(),
        move |s, b| {
            if !tagged {
                return Ok(true);
            }
            let tags = s
                .bucket_config(&b.name, super::tagging::FAMILY.name)?
                .and_then(|d| Tagging::from_document(&d).ok())
                .unwrap_or_default();
            Ok(super::tagging::matches(
                &tags,
                tag_key.as_deref(),
                tag_value.as_deref(),
            ))
        },
    )
    .await?;
    let next_marker = if truncated {
        buckets.last().map(|(b, _)| b.name.clone())
    } else {
        None
    };
    let result = model::ListAllMyBucketsResult {
        prefix: Some(prefix),
        marker: Some(marker),
        max_keys: Some(max as u32),
        is_truncated: Some(truncated),
        next_marker,
        owner: super::owner_of(&account),
        buckets: model::Buckets {
            bucket: buckets
                .into_iter()
                .map(|(b, group)| model::BucketSummary {
                    name: b.name,
                    location: format!("oss-{}", b.region),
                    creation_date: unixtime_to_iso8601(b.created_ms.div_euclid(1000)),
                    extranet_endpoint: state.authority.clone(),
                    intranet_endpoint: state.authority.clone(),
                    storage_class: b.storage_class,
                    region: Some(b.region),
                    resource_group_id: Some(group),
                })
                .collect(),
        },
    };
    Ok(Reply::xml(xml::to_xml(&result)))
}
