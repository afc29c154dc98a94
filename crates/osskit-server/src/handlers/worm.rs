//! Retention policies (WORM): `InitiateBucketWorm` creates an unlocked (`InProgress`)
//! policy that lapses 24 hours later unless `CompleteBucketWorm` locks it;
//! `AbortBucketWorm` removes an unlocked one; `ExtendBucketWorm` lengthens a locked one.
//!
//! While a policy is locked, or unlocked and not lapsed, an object younger than the
//! retention period (counted from its last modification) cannot be deleted, overwritten or
//! changed: such requests fail with `FileImmutable`, and lifecycle expirations wait. The
//! bucket cannot be emptied, so it cannot be deleted either. Times follow the server's
//! [`Clock`](crate::clock::Clock).

use super::config::{self, malformed, read_document, Family};
use super::quick;
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use crate::store::{ObjectMeta, Store, StoreError};
use hyper::body::Incoming;
use osskit_proto::date::{iso8601_to_unixtime, unixtime_to_iso8601};
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::worm::{
    self as model, ExtendWormConfiguration, InitiateWormConfiguration, WormConfiguration,
};
use osskit_proto::xml::Document;

/// The stored policy (a `<WormConfiguration>` document).
pub static FAMILY: Family = Family {
    name: "worm",
    not_found: ErrorCode::NoSuchWORMConfiguration,
    content_type: "application/xml",
    accept: not_a_document,
};

fn not_a_document(_: &RequestCtx, _: &[u8]) -> Result<Vec<u8>, OssError> {
    Err(OssError::internal(
        "retention policies are created by InitiateBucketWorm, not put as documents",
    ))
}

/// How long an unlocked policy lives.
pub const UNLOCKED_LIFETIME_SECS: i64 = 24 * 3600;

/// The policy of a bucket as stored, unless it is an unlocked one that has lapsed at `now`.
pub fn policy_at(
    store: &dyn Store,
    bucket: &str,
    now: i64,
) -> Result<Option<WormConfiguration>, StoreError> {
    let Some(doc) = store.bucket_config(bucket, FAMILY.name)? else {
        return Ok(None);
    };
    let Ok(policy) = WormConfiguration::from_document(&doc) else {
        return Ok(None);
    };
    if !policy.is_locked() && lapsed(&policy, now) {
        return Ok(None);
    }
    Ok(Some(policy))
}

fn lapsed(policy: &WormConfiguration, now: i64) -> bool {
    iso8601_to_unixtime(&policy.creation_date)
        .map(|created| created + UNLOCKED_LIFETIME_SECS <= now)
        .unwrap_or(true)
}

/// The retention period in seconds of the bucket's active policy at `now`, if any.
pub fn retention_secs(
    store: &dyn Store,
    bucket: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(policy_at(store, bucket, now)?
        .map(|p| i64::from(p.retention_period_in_days) * osskit_proto::xml::lifecycle::DAY_SECS))
}

/// Whether `object` is protected at `now` by a retention of `retention` seconds.
pub fn protects(retention: Option<i64>, object: &ObjectMeta, now: i64) -> bool {
    retention.is_some_and(|r| object.last_modified_ms.div_euclid(1000).saturating_add(r) > now)
}

/// A check for [`Store::delete_object_checked`] and friends that refuses the objects a
/// retention of `retention` seconds protects at `now` (`StoreError::Immutable`); `None`
/// without retention.
pub fn guard(retention: Option<i64>, now: i64) -> Option<crate::store::ObjectCheck> {
    let retention = retention?;
    Some(Box::new(move |object: &ObjectMeta| {
        if protects(Some(retention), object, now) {
            Err(StoreError::Immutable(object.key.clone()))
        } else {
            Ok(())
        }
    }))
}

/// The error of a change to a protected object.
pub fn immutable(key: &str) -> OssError {
    OssError::new(ErrorCode::FileImmutable).with_detail("Key", key)
}

/// The bucket's retention in seconds now, if a policy is active.
pub async fn retention(state: &AppState, bucket: &str) -> Result<Option<i64>, OssError> {
    let now = state.clock.now_secs();
    let b = bucket.to_string();
    quick(state, move |s| retention_secs(s, &b, now))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
}

/// Fails with `FileImmutable` when `object` may not be deleted or changed now.
pub async fn check_mutable(
    state: &AppState,
    bucket: &str,
    object: &ObjectMeta,
) -> Result<(), OssError> {
    if protects(
        retention(state, bucket).await?,
        object,
        state.clock.now_secs(),
    ) {
        return Err(immutable(&object.key));
    }
    Ok(())
}

/// Fails with `FileImmutable` when key `key` exists and may not be replaced now.
pub async fn check_replaceable(state: &AppState, bucket: &str, key: &str) -> Result<(), OssError> {
    check_replaceable_under(state, bucket, key, retention(state, bucket).await?).await
}

/// [`check_replaceable`] with the bucket's retention already read.
pub async fn check_replaceable_under(
    state: &AppState,
    bucket: &str,
    key: &str,
    retention: Option<i64>,
) -> Result<(), OssError> {
    let Some(retention) = retention else {
        return Ok(());
    };
    // With versioning enabled a write keeps the version it replaces: nothing is lost.
    if super::versioning::status(state, bucket).await?.as_deref()
        == Some(osskit_proto::xml::versioning::ENABLED)
    {
        return Ok(());
    }
    if let Some(existing) = super::object::find_object(state, bucket, key).await? {
        if protects(Some(retention), &existing, state.clock.now_secs()) {
            return Err(immutable(key));
        }
    }
    Ok(())
}

async fn current(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Option<WormConfiguration>, OssError> {
    let now = state.clock.now_secs();
    let b = ctx.bucket_name().to_string();
    quick(state, move |s| policy_at(s, &b, now))
        .await
        .map_err(|e| OssError::from_store(e, ctx.bucket_name(), None))
}

fn no_policy(ctx: &RequestCtx) -> OssError {
    OssError::new(ErrorCode::NoSuchWORMConfiguration).with_detail("BucketName", ctx.bucket_name())
}

async fn save(
    state: &AppState,
    ctx: &RequestCtx,
    policy: Option<&WormConfiguration>,
) -> Result<(), OssError> {
    let doc = match policy {
        Some(p) => Some(p.to_document().map_err(OssError::internal)?.into_bytes()),
        None => None,
    };
    config::store(state, ctx.bucket_name(), &FAMILY, doc).await
}

fn days_error(why: String, days: u32) -> OssError {
    OssError::invalid_argument(why, "RetentionPeriodInDays", &days.to_string())
}

/// `POST /bucket?worm`: a new unlocked policy; its id is in `x-oss-worm-id`.
pub async fn initiate(
    state: &AppState,
    ctx: &RequestCtx,
    body: Incoming,
) -> Result<Reply, OssError> {
    let doc = read_document(ctx, OpId::InitiateBucketWorm, body).await?;
    let request = InitiateWormConfiguration::from_document(&doc).map_err(malformed)?;
    let days = request.retention_period_in_days;
    model::check_days(days).map_err(|why| days_error(why, days))?;
    if let Some(existing) = current(state, ctx).await? {
        return Err(if existing.is_locked() {
            OssError::with_message(
                ErrorCode::WORMConfigurationLocked,
                "The bucket has a locked retention policy already.",
            )
        } else {
            OssError::with_message(
                ErrorCode::InvalidWORMConfiguration,
                "The bucket has an unlocked retention policy already: complete or abort it first.",
            )
        });
    }
    if super::versioning::status(state, ctx.bucket_name())
        .await?
        .as_deref()
        == Some(osskit_proto::xml::versioning::SUSPENDED)
    {
        return Err(OssError::with_message(
            ErrorCode::InvalidRequest,
            "A retention policy cannot be created while versioning is suspended.",
        ));
    }
    let now = state.clock.now_secs();
    let id = format!("{:032X}", rand::random::<u128>());
    let mut policy =
        WormConfiguration::new(&id, model::IN_PROGRESS, days, unixtime_to_iso8601(now));
    policy.expiration_date = Some(unixtime_to_iso8601(now + UNLOCKED_LIFETIME_SECS));
    save(state, ctx, Some(&policy)).await?;
    Ok(Reply::new(200).header("x-oss-worm-id", id))
}

/// `DELETE /bucket?worm`: removes an unlocked policy.
pub async fn abort(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let policy = current(state, ctx).await?.ok_or_else(|| no_policy(ctx))?;
    if policy.is_locked() {
        return Err(OssError::new(ErrorCode::WORMConfigurationLocked)
            .with_detail("BucketName", ctx.bucket_name()));
    }
    save(state, ctx, None).await?;
    Ok(Reply::new(204))
}

fn check_id(ctx: &RequestCtx, policy: &WormConfiguration) -> Result<(), OssError> {
    let given = ctx.param("wormId").unwrap_or_default();
    if given != policy.worm_id {
        return Err(no_policy(ctx).with_detail("WormId", given));
    }
    Ok(())
}

/// `POST /bucket?wormId=ID`: locks the policy.
pub async fn complete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let mut policy = current(state, ctx).await?.ok_or_else(|| no_policy(ctx))?;
    check_id(ctx, &policy)?;
    if !policy.is_locked() {
        policy.state = model::LOCKED.to_string();
        policy.expiration_date = None;
        save(state, ctx, Some(&policy)).await?;
    }
    Ok(Reply::new(200))
}

/// `POST /bucket?wormExtend&wormId=ID`: lengthens a locked policy.
pub async fn extend(state: &AppState, ctx: &RequestCtx, body: Incoming) -> Result<Reply, OssError> {
    let doc = read_document(ctx, OpId::ExtendBucketWorm, body).await?;
    let request = ExtendWormConfiguration::from_document(&doc).map_err(malformed)?;
    let days = request.retention_period_in_days;
    model::check_days(days).map_err(|why| days_error(why, days))?;
    let mut policy = current(state, ctx).await?.ok_or_else(|| no_policy(ctx))?;
    check_id(ctx, &policy)?;
    if !policy.is_locked() {
        return Err(OssError::with_message(
            ErrorCode::InvalidWORMConfiguration,
            "Only a locked retention policy can be extended.",
        ));
    }
    if days <= policy.retention_period_in_days {
        return Err(days_error(
            format!(
                "The retention period can only be extended: it is {} days, {days} is not longer.",
                policy.retention_period_in_days
            ),
            days,
        ));
    }
    policy.retention_period_in_days = days;
    save(state, ctx, Some(&policy)).await?;
    Ok(Reply::new(200))
}

/// `GET /bucket?worm`.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let policy = current(state, ctx).await?.ok_or_else(|| no_policy(ctx))?;
    let doc = policy.to_document().map_err(OssError::internal)?;
    Ok(config::document("application/xml", doc.into_bytes()))
}
