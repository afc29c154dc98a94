//! Bucket operations: create, delete, info, location, ACL.

use super::{blocking, check_acl, check_storage_class, read_small_body};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, Reply};
use crate::store::{BucketMeta, StoreError};
use hyper::body::Incoming;
use osskit_proto::date::unixtime_to_iso8601;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml::{self, bucket as model};

/// Largest accepted CreateBucketConfiguration body.
const CONFIG_LIMIT: usize = 64 * 1024;

async fn bucket_meta(state: &AppState, ctx: &RequestCtx) -> Result<BucketMeta, OssError> {
    let name = ctx.bucket_name().to_string();
    let n = name.clone();
    blocking(state, move |s| s.bucket(&n))
        .await
        .map_err(|e| OssError::from_store(e, &name, None))
}

/// `PUT /bucket`: creates a bucket (`x-oss-acl`, optional CreateBucketConfiguration body).
pub async fn put_bucket(
    state: &AppState,
    ctx: &RequestCtx,
    body: Incoming,
) -> Result<Reply, OssError> {
    let name = ctx.bucket_name().to_string();
    if !osskit_proto::names::is_valid_bucket_name(&name) {
        return Err(OssError::new(ErrorCode::InvalidBucketName).with_detail("BucketName", &name));
    }
    let acl = ctx
        .header(osskit_proto::headers::ACL)
        .unwrap_or("private")
        .to_string();
    check_acl(&acl, osskit_proto::headers::ACL, false)?;
    let doc = read_small_body(body, CONFIG_LIMIT).await?;
    let config = if doc.iter().all(|b| b.is_ascii_whitespace()) {
        model::CreateBucketConfiguration::default()
    } else {
        xml::from_xml_bytes::<model::CreateBucketConfiguration>(&doc).map_err(|e| {
            OssError::with_message(
                ErrorCode::MalformedXML,
                format!("{}: {e}", ErrorCode::MalformedXML.default_message()),
            )
        })?
    };
    let storage_class = match &config.storage_class {
        Some(c) => check_storage_class(c, "StorageClass")?,
        None => "Standard".to_string(),
    };
    let redundancy = match config.data_redundancy_type.as_deref() {
        None => "LRS".to_string(),
        Some(r @ ("LRS" | "ZRS")) => r.to_string(),
        Some(other) => {
            return Err(OssError::invalid_argument(
                format!("The data redundancy type '{other}' is not valid."),
                "DataRedundancyType",
                other,
            ))
        }
    };
    // A default encryption rule and tags may come with the bucket.
    let encryption_rule = match super::encryption::rule_from_headers(ctx)? {
        Some(rule) => Some(
            osskit_proto::xml::Document::to_document(&rule)
                .map_err(OssError::internal)?
                .into_bytes(),
        ),
        None => None,
    };
    let tags = super::tagging::from_header(ctx)?;
    let meta = BucketMeta {
        name: name.clone(),
        created_ms: now_millis(),
        acl: acl.clone(),
        storage_class,
        data_redundancy_type: redundancy,
        region: crate::dispatch::host_region(&ctx.host, &state.base_domains, &state.region),
    };
    // As OSS: creating a bucket the requester's account already owns succeeds and applies
    // the request's ACL; a name taken by another account is BucketAlreadyExists.
    let account = ctx.principal.account_id().map(str::to_string);
    let default_owner = state.users.account_id().to_string();
    let explicit_acl = ctx.header(osskit_proto::headers::ACL).is_some();
    let n = name.clone();
    let created = blocking(state, move |s| match s.create_bucket(meta) {
        Ok(()) => {
            if encryption_rule.is_some() {
                s.set_bucket_config(&n, super::encryption::FAMILY.name, encryption_rule)?;
            }
            if tags.is_some() {
                s.set_bucket_config(&n, super::tagging::FAMILY.name, tags)?;
            }
            Ok(true)
        }
        Err(StoreError::BucketAlreadyExists) => {
            let Some(account) = account else {
                return Err(StoreError::BucketAlreadyExists);
            };
            if !crate::access::owned_by(s, &n, &account, &default_owner)? {
                return Err(StoreError::BucketAlreadyExists);
            }
            if explicit_acl {
                let mut existing = s.bucket(&n)?;
                existing.acl = acl;
                s.update_bucket(existing)?;
            }
            Ok(false)
        }
        Err(e) => Err(e),
    })
    .await
    .map_err(|e| OssError::from_store(e, &name, None))?;
    // The bucket belongs to the requester's account.
    if let (true, Some(account)) = (created, ctx.principal.account_id()) {
        crate::access::set_bucket_owner(state, &name, account).await?;
    }
    Ok(Reply::new(200).header("location", format!("/{name}")))
}

/// `DELETE /bucket`: 204, or 409 BucketNotEmpty / 404 NoSuchBucket.
pub async fn delete_bucket(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let name = ctx.bucket_name().to_string();
    let n = name.clone();
    blocking(state, move |s| s.delete_bucket(&n))
        .await
        .map_err(|e| OssError::from_store(e, &name, None))?;
    Ok(Reply::new(204))
}

/// `HEAD /bucket`: 200 when the bucket exists.
pub async fn head_bucket(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    bucket_meta(state, ctx).await?;
    Ok(Reply::new(200))
}

/// `GET /bucket?bucketInfo`.
pub async fn get_bucket_info(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let b = bucket_meta(state, ctx).await?;
    let versioning = super::versioning::status(state, &b.name).await?;
    let encryption = match super::encryption::rule(state, &b.name).await? {
        Some(rule) => rule.apply,
        None => {
            // OSS answers `None` when no rule is set.
            osskit_proto::xml::encryption::ServerSideEncryptionRule::new("None").apply
        }
    };
    let owner = crate::access::bucket_owner(state, &b.name).await?;
    let tracking = super::access_monitor::tracking_since(state, &b.name).await?;
    let acceleration = super::settings::transfer_acceleration_status(state, &b.name).await?;
    let group = super::resource_group::group_of(state, &b.name).await?;
    let info = model::BucketInfoResult {
        bucket: model::BucketInfo {
            name: b.name,
            access_monitor: Some(
                if tracking.is_some() {
                    "Enabled"
                } else {
                    "Disabled"
                }
                .to_string(),
            ),
            location: format!("oss-{}", b.region),
            creation_date: unixtime_to_iso8601(b.created_ms.div_euclid(1000)),
            extranet_endpoint: state.authority.clone(),
            intranet_endpoint: state.authority.clone(),
            storage_class: b.storage_class,
            data_redundancy_type: Some(b.data_redundancy_type),
            transfer_acceleration: Some(acceleration.to_string()),
            cross_region_replication: Some("Disabled".to_string()),
            versioning,
            owner: super::owner_of(&owner),
            access_control_list: model::AccessControlList { grant: b.acl },
            comment: Some(String::new()),
            resource_group_id: Some(group),
            server_side_encryption_rule: Some(encryption),
        },
    };
    Ok(Reply::xml(xml::to_xml(&info)))
}

/// `GET /bucket?location`.
pub async fn get_bucket_location(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let b = bucket_meta(state, ctx).await?;
    Ok(Reply::xml(xml::to_xml(&model::LocationConstraint {
        value: format!("oss-{}", b.region),
    })))
}

/// `GET /bucket?acl`.
pub async fn get_bucket_acl(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let b = bucket_meta(state, ctx).await?;
    let owner = crate::access::bucket_owner(state, &b.name).await?;
    let policy = model::AccessControlPolicy {
        owner: super::owner_of(&owner),
        access_control_list: model::AccessControlList { grant: b.acl },
    };
    Ok(Reply::xml(xml::to_xml(&policy)))
}

/// `PUT /bucket?acl` with `x-oss-acl`.
pub async fn put_bucket_acl(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let Some(acl) = ctx.header(osskit_proto::headers::ACL).map(str::to_string) else {
        return Err(OssError::invalid_argument(
            "The x-oss-acl header is required.",
            osskit_proto::headers::ACL,
            "",
        ));
    };
    check_acl(&acl, osskit_proto::headers::ACL, false)?;
    let mut b = bucket_meta(state, ctx).await?;
    b.acl = acl;
    let name = b.name.clone();
    blocking(state, move |s| s.update_bucket(b))
        .await
        .map_err(|e| OssError::from_store(e, &name, None))?;
    Ok(Reply::new(200))
}
