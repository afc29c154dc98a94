//! Resource groups: the group a bucket belongs to (`PutBucketResourceGroup`,
//! `GetBucketResourceGroup`, `x-oss-resource-group-id` on PutBucket), shown by GetBucketInfo
//! and ListBuckets, and the `x-oss-resource-group-id` filter of ListBuckets.
//!
//! The groups that exist are the server's configuration
//! ([`AccountSettings::resource_groups`](crate::account::AccountSettings), plus the default
//! group every bucket starts in); any other id is refused with
//! `ResourceGroupIdPreCheckError`, as OSS refuses ids the account does not have.

use super::blocking;
use super::config::{self, malformed, Family};
use crate::account::DEFAULT_RESOURCE_GROUP;
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use crate::store::{BucketMeta, Store, StoreError};
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::resource_group::BucketResourceGroupConfiguration;
use osskit_proto::xml::Document;

/// The header naming a resource group on PutBucket and ListBuckets.
pub const HEADER: &str = "x-oss-resource-group-id";

/// The stored group of a bucket (absent: the default group).
pub static FAMILY: Family = Family {
    name: "resourcegroup",
    not_found: ErrorCode::NoSuchBucket,
    content_type: "application/xml",
    accept: |_, _| {
        Err(OssError::internal(
            "resource groups are stored by their own put",
        ))
    },
};

fn precheck(state: &AppState, id: &str) -> Result<(), OssError> {
    if state.account.settings.resource_group_known(id) {
        Ok(())
    } else {
        Err(OssError::new(ErrorCode::ResourceGroupIdPreCheckError)
            .with_detail("ResourceGroupId", id))
    }
}

fn document(id: &str) -> Result<Vec<u8>, OssError> {
    BucketResourceGroupConfiguration::new(id)
        .to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// PutBucketResourceGroup.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let doc = config::read_document(ctx, op, body).await?;
    let config = BucketResourceGroupConfiguration::from_document(&doc).map_err(malformed)?;
    let id = config.resource_group_id.trim();
    precheck(state, id)?;
    config::store(state, ctx.bucket_name(), &FAMILY, Some(document(id)?)).await?;
    Ok(Reply::new(200))
}

/// GetBucketResourceGroup: the default group until another is set.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = match config::load(state, ctx.bucket_name(), &FAMILY).await? {
        Some(doc) => doc,
        None => document(DEFAULT_RESOURCE_GROUP)?,
    };
    Ok(config::document(FAMILY.content_type, doc))
}

/// The resource group of a bucket as the store has it.
pub fn group_in_store(store: &dyn Store, bucket: &str) -> Result<String, StoreError> {
    Ok(store
        .bucket_config(bucket, FAMILY.name)?
        .and_then(|d| BucketResourceGroupConfiguration::from_document(&d).ok())
        .map(|c| c.resource_group_id)
        .unwrap_or_else(|| DEFAULT_RESOURCE_GROUP.to_string()))
}

/// The resource group of `bucket`.
pub async fn group_of(state: &AppState, bucket: &str) -> Result<String, OssError> {
    let b = bucket.to_string();
    blocking(state, move |s| group_in_store(s, &b))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
}

/// PutBucket with `x-oss-resource-group-id`: the id is checked before the bucket is
/// created, and stored with it.
pub async fn create_bucket(
    state: &AppState,
    ctx: &RequestCtx,
    body: Incoming,
) -> Result<Reply, OssError> {
    let group = ctx.header(HEADER).map(str::trim).filter(|g| !g.is_empty());
    if let Some(g) = group {
        precheck(state, g)?;
    }
    let reply = super::bucket::put_bucket(state, ctx, body).await?;
    if let Some(g) = group.filter(|g| *g != DEFAULT_RESOURCE_GROUP) {
        config::store(state, ctx.bucket_name(), &FAMILY, Some(document(g)?)).await?;
    }
    Ok(reply)
}

/// One page of ListBuckets with each bucket's group: buckets named with `prefix` after
/// `marker`, at most `max`, only those of `group` when given and those `keep` accepts (for
/// instance by their tags); whether more follow.
pub async fn list_buckets(
    state: &AppState,
    prefix: String,
    marker: String,
    max: usize,
    group: Option<String>,
    account: String,
    mut keep: impl FnMut(&dyn crate::store::Store, &BucketMeta) -> Result<bool, StoreError>
        + Send
        + 'static,
) -> Result<(Vec<(BucketMeta, String)>, bool), OssError> {
    let default_owner = state.users.account_id().to_string();
    blocking(state, move |s| {
        let mut out = Vec::new();
        let mut after = marker;
        loop {
            let (page, more) = s.list_buckets(&prefix, &after, max)?;
            if let Some(last) = page.last() {
                after = last.name.clone();
            }
            for b in page {
                if !crate::access::owned_by(s, &b.name, &account, &default_owner)? {
                    continue;
                }
                let g = group_in_store(s, &b.name)?;
                if group.as_deref().is_none_or(|want| want == g) && keep(s, &b)? {
                    if out.len() == max {
                        return Ok((out, true));
                    }
                    out.push((b, g));
                }
            }
            if !more {
                return Ok((out, false));
            }
        }
    })
    .await
    .map_err(|e| OssError::from_store(e, "", None))
}
