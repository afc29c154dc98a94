//! Symbolic links: PutSymlink, GetSymlink, and GET/HEAD through a link (the target's bytes
//! with the link's own metadata).

use super::{blocking, object_headers};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, Reply};
use crate::store::{Extents, ObjectExtras, ObjectMeta, ObjectType};
use osskit_proto::error_code::ErrorCode;
use osskit_proto::headers as h;

/// The target key named by `x-oss-symlink-target` (percent-encoded by oss2), checked as an
/// object name.
fn target_key(ctx: &RequestCtx) -> Result<String, OssError> {
    let raw = ctx.header(h::SYMLINK_TARGET).unwrap_or_default();
    let target = osskit_proto::encoding::unquote_utf8(raw).ok_or_else(|| {
        OssError::invalid_argument(
            "x-oss-symlink-target does not decode to UTF-8.",
            h::SYMLINK_TARGET,
            raw,
        )
    })?;
    if target.is_empty() {
        return Err(OssError::invalid_argument(
            "The x-oss-symlink-target header is required.",
            h::SYMLINK_TARGET,
            raw,
        ));
    }
    super::object::validate_key(&target)?;
    Ok(target)
}

/// `PUT /bucket/key?symlink`: a link to `x-oss-symlink-target` in the same bucket (which
/// need not exist yet), with its own headers, user metadata, ACL, storage class and tags;
/// `x-oss-forbid-overwrite` is honoured.
pub async fn put(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    super::object::validate_key(&key)?;
    let target = target_key(ctx)?;
    let acl = super::object::object_acl(ctx)?;
    let (headers, user_meta) = object_headers(state, ctx)?;
    let tags = super::object_tagging::from_header(ctx)?.unwrap_or_default();
    let rules = super::write_rules::WriteRules::load(state, &bucket).await?;
    let class = super::object::storage_class(ctx, &rules.bucket.storage_class)?;
    let forbid = super::object::forbid_overwrite(ctx);
    // A link replaces whatever the key held: retention protects it as any overwrite.
    rules.check_replaceable(state, &key).await?;
    let meta = ObjectMeta {
        key: key.clone(),
        size: 0,
        etag: String::new(),
        crc64: 0,
        last_modified_ms: now_millis(),
        object_type: ObjectType::Symlink,
        storage_class: class,
        acl,
        headers,
        user_meta,
        data: Extents::new(),
        // A link has no bytes to encrypt.
        encryption: None,
        extras: ObjectExtras {
            tags,
            symlink_target: Some(target),
            restore: None,
        },
        version: Default::default(),
    };
    let b2 = bucket.clone();
    let done = blocking(state, move |s| {
        let blob = s.new_blob()?.finish()?;
        let version = s.put_object(&b2, meta, blob, forbid)?;
        let done = s.object(&b2, &key)?;
        Ok((done, version))
    })
    .await
    .map_err(|e| {
        let err = OssError::from_store(e, &bucket, Some(&ctx.key));
        if err.code == ErrorCode::FileAlreadyExists {
            err.with_detail("Key", &ctx.key)
        } else {
            err
        }
    })?;
    let (done, version) = done;
    let reply = Reply::new(200).header("etag", done.etag);
    Ok(match version.header() {
        Some(v) => reply.header(h::VERSION_ID, v),
        None => reply,
    })
}

/// `GET /bucket/key?symlink`: the target in `x-oss-symlink-target` (percent-encoded);
/// `NoSuchKey` when the key is not a link.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    super::object::validate_key(&ctx.key)?;
    let version = super::object::version_param(ctx)?;
    let meta = super::object::object_version_meta(state, &bucket, &ctx.key, version).await?;
    let Some(target) = meta.extras.symlink_target.as_deref() else {
        return Err(OssError::new(ErrorCode::NoSuchKey).with_detail("Key", &ctx.key));
    };
    Ok(
        super::object::with_version(state, &bucket, Reply::new(200), &meta)
            .await
            .header(h::SYMLINK_TARGET, osskit_proto::encoding::quote(target, ""))
            .header("etag", meta.etag.clone())
            .header(
                "last-modified",
                osskit_proto::date::http_date(super::object::last_modified_secs(&meta)),
            ),
    )
}

/// What a link resolves to: the target's description of the bytes (size, ETag, CRC-64,
/// data, modification time, storage class, restore) under the link's key, headers, user
/// metadata, ACL and tags. `Err(SymlinkTargetNotExist)` when the target is missing,
/// `InvalidTargetType` when it is itself a link.
pub fn through(link: &ObjectMeta, target: Option<ObjectMeta>) -> Result<ObjectMeta, OssError> {
    let name = link.extras.symlink_target.clone().unwrap_or_default();
    let Some(target) = target else {
        return Err(OssError::new(ErrorCode::SymlinkTargetNotExist)
            .with_detail("Key", &link.key)
            .with_detail("Target", &name));
    };
    if target.object_type == ObjectType::Symlink {
        return Err(OssError::new(ErrorCode::InvalidTargetType)
            .with_detail("Key", &link.key)
            .with_detail("Target", &name));
    }
    let mut served = target;
    served.key.clone_from(&link.key);
    served.user_meta.clone_from(&link.user_meta);
    served.acl.clone_from(&link.acl);
    served.extras.tags.clone_from(&link.extras.tags);
    served.extras.symlink_target = Some(name);
    Ok(served)
}

/// The metadata of `key`, resolved through a link (see [`through`]); `NoSuchKey` when the
/// key does not exist.
pub async fn resolve_meta(
    state: &AppState,
    bucket: &str,
    key: &str,
) -> Result<ObjectMeta, OssError> {
    let meta = super::object::object_meta(state, bucket, key).await?;
    if meta.object_type != ObjectType::Symlink {
        return Ok(meta);
    }
    let target = meta.extras.symlink_target.clone().unwrap_or_default();
    let t = super::object::find_object(state, bucket, &target).await?;
    through(&meta, t)
}

/// Whether `meta` is a link (its own bytes are empty).
pub fn is_link(meta: &ObjectMeta) -> bool {
    meta.object_type == ObjectType::Symlink
}
