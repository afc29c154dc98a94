//! Object operations: put, get/head, meta, delete (single and batch), copy, append.

use super::upload::{receive_blob_with, BlobKeys};
use super::{
    blocking, check_acl, check_storage_class, encryption, object_headers, quick, read_small_body,
    worm, write_rules::WriteRules,
};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::base64;
use crate::http::body::ResponseBody;
use crate::http::response::{now_millis, Reply};
use crate::store::{
    BucketMeta, Deleted, Extents, ObjectData, ObjectExtras, ObjectMeta, ObjectType, PendingBlob,
    StoreError, VersionId,
};
use hyper::body::Incoming;
use osskit_proto::date::{http_date, http_to_unixtime, unixtime_to_iso8601};
use osskit_proto::digest::{etag_from_md5, strip_etag_quotes};
use osskit_proto::error_code::ErrorCode;
use osskit_proto::headers as h;
use osskit_proto::range::{resolve, RangeOutcome};
use osskit_proto::xml::{self, object as model};

/// Objects up to this size are read into memory by the lookup itself (one blocking call).
const SMALL_OBJECT: u64 = 256 * 1024;

/// The bytes of an object being served.
enum ObjectBytes {
    /// Streamed from the blob files.
    Data(ObjectData),
    /// Already read.
    Memory(bytes::Bytes),
}

/// Largest DeleteMultipleObjects body.
const DELETE_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Query parameters that override response headers of GetObject.
const RESPONSE_OVERRIDES: &[(&str, &str)] = &[
    ("response-content-type", "content-type"),
    ("response-content-language", "content-language"),
    ("response-expires", "expires"),
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
];

pub(super) fn validate_key(key: &str) -> Result<(), OssError> {
    osskit_proto::names::validate_object_key(key).map_err(|e| {
        OssError::with_message(ErrorCode::InvalidObjectName, e.to_string()).with_detail("Key", key)
    })
}

pub(super) async fn bucket_meta(state: &AppState, bucket: &str) -> Result<BucketMeta, OssError> {
    let b = bucket.to_string();
    quick(state, move |s| s.bucket(&b))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
}

/// The object's metadata, `None` when the key does not exist.
pub(super) async fn find_object(
    state: &AppState,
    bucket: &str,
    key: &str,
) -> Result<Option<ObjectMeta>, OssError> {
    let (b, k) = (bucket.to_string(), key.to_string());
    match quick(state, move |s| s.object(&b, &k)).await {
        Ok(m) => Ok(Some(m)),
        Err(crate::store::StoreError::NoSuchKey) => Ok(None),
        Err(e) => Err(OssError::from_store(e, bucket, Some(key))),
    }
}

pub(super) async fn object_meta(
    state: &AppState,
    bucket: &str,
    key: &str,
) -> Result<ObjectMeta, OssError> {
    match find_object(state, bucket, key).await? {
        Some(m) => Ok(m),
        None => Err(no_such_key(state, bucket, key).await),
    }
}

/// The `versionId` parameter: `None` without one; `InvalidArgument` when it is empty or
/// not a version id.
pub(super) fn version_param(ctx: &RequestCtx) -> Result<Option<VersionId>, OssError> {
    match ctx.param("versionId") {
        None => Ok(None),
        Some(v) => parse_version(v, "versionId").map(Some),
    }
}

/// Parses a version id sent in `field`.
pub(super) fn parse_version(v: &str, field: &str) -> Result<VersionId, OssError> {
    VersionId::parse(v)
        .map_err(|_| OssError::invalid_argument("Invalid version id specified.", field, v))
}

/// The metadata of a version of an object (`None`: the current object). A delete marker is
/// MethodNotAllowed (with `x-oss-delete-marker`); NoSuchVersion, NoSuchKey.
pub(super) async fn object_version_meta(
    state: &AppState,
    bucket: &str,
    key: &str,
    version: Option<VersionId>,
) -> Result<ObjectMeta, OssError> {
    let Some(id) = version else {
        return object_meta(state, bucket, key).await;
    };
    let (b, k) = (bucket.to_string(), key.to_string());
    let meta = quick(state, move |s| s.object_version(&b, &k, Some(id)))
        .await
        .map_err(|e| OssError::from_store(e, bucket, Some(key)))?;
    if meta.version.delete_marker {
        return Err(OssError::from_store(
            StoreError::DeleteMarker(meta.version),
            bucket,
            Some(key),
        ));
    }
    Ok(meta)
}

/// NoSuchKey for `key`, saying (as OSS does) when a delete marker hides its versions:
/// `x-oss-delete-marker: true` and the marker's `x-oss-version-id`.
pub(super) async fn no_such_key(state: &AppState, bucket: &str, key: &str) -> OssError {
    let err = OssError::new(ErrorCode::NoSuchKey).with_detail("Key", key);
    let (b, k) = (bucket.to_string(), key.to_string());
    match quick(state, move |s| s.object_version(&b, &k, None)).await {
        Ok(m) if m.version.delete_marker => err
            .with_header(h::DELETE_MARKER, "true")
            .with_header(h::VERSION_ID, m.version.id().to_string()),
        _ => err,
    }
}

/// The `x-oss-version-id` OSS answers for `meta`, a version of an object of `bucket`: its
/// id, `null` for a null version once the bucket's versioning was ever set (even for an
/// object written before), none in a bucket that was never versioned.
pub(super) async fn version_header(
    state: &AppState,
    bucket: &str,
    meta: &ObjectMeta,
) -> Option<String> {
    match meta.version.header() {
        Some(v) => Some(v),
        None => {
            let versioned = state
                .web
                .bucket(state, bucket)
                .await
                .is_some_and(|w| w.versioned);
            versioned.then(|| VersionId::Null.to_string())
        }
    }
}

/// Adds the `x-oss-version-id` of `meta`, a version of an object of `bucket` (see
/// [`version_header`]).
pub(super) async fn with_version(
    state: &AppState,
    bucket: &str,
    reply: Reply,
    meta: &ObjectMeta,
) -> Reply {
    match version_header(state, bucket, meta).await {
        Some(v) => reply.header(h::VERSION_ID, v),
        None => reply,
    }
}

/// The 16 bytes of a `Content-MD5` header, if the request has one.
pub(super) fn content_md5(ctx: &RequestCtx) -> Result<Option<[u8; 16]>, OssError> {
    let Some(v) = ctx.header("content-md5") else {
        return Ok(None);
    };
    base64::decode(v)
        .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
        .map(Some)
        .ok_or_else(|| OssError::new(ErrorCode::InvalidDigest).with_detail("Content-MD5", v))
}

/// The client's `x-oss-hash-crc64ecma`, if sent.
pub(super) fn client_crc(ctx: &RequestCtx) -> Result<Option<u64>, OssError> {
    let Some(v) = ctx.header(h::HASH_CRC64) else {
        return Ok(None);
    };
    v.trim().parse::<u64>().map(Some).map_err(|_| {
        OssError::invalid_argument(
            "x-oss-hash-crc64ecma must be an unsigned decimal integer.",
            h::HASH_CRC64,
            v,
        )
    })
}

pub(super) fn check_digests(
    blob: &PendingBlob,
    md5: Option<[u8; 16]>,
    crc: Option<u64>,
) -> Result<(), OssError> {
    if let Some(md5) = md5 {
        if md5 != blob.md5 {
            return Err(OssError::new(ErrorCode::InvalidDigest)
                .with_detail("CalculatedContentMD5", &base64::encode(&blob.md5))
                .with_detail("ProvidedContentMD5", &base64::encode(&md5)));
        }
    }
    if let Some(crc) = crc {
        if crc != blob.crc64 {
            return Err(OssError::with_message(
                ErrorCode::InvalidDigest,
                "The x-oss-hash-crc64ecma you specified does not match the calculated CRC-64 of the body.",
            )
            .with_detail("ClientCRC", &crc.to_string())
            .with_detail("ServerCRC", &blob.crc64.to_string()));
        }
    }
    Ok(())
}

/// The declared `Content-Length`, refused when above `limit` (`EntityTooLarge`) before any
/// byte is read.
pub(super) fn declared_length(ctx: &RequestCtx, limit: u64) -> Result<Option<u64>, OssError> {
    match ctx.header("content-length") {
        None => Ok(None),
        Some(v) => {
            let n = v.trim().parse::<u64>().map_err(|_| {
                OssError::invalid_argument("Content-Length is not valid.", "Content-Length", v)
            })?;
            if n > limit {
                return Err(OssError::new(ErrorCode::EntityTooLarge));
            }
            Ok(Some(n))
        }
    }
}

pub(super) fn object_acl(ctx: &RequestCtx) -> Result<String, OssError> {
    let acl = ctx.header(h::OBJECT_ACL).unwrap_or("default").to_string();
    check_acl(&acl, h::OBJECT_ACL, true)?;
    Ok(acl)
}

pub(super) fn storage_class(ctx: &RequestCtx, fallback: &str) -> Result<String, OssError> {
    match ctx.header(h::STORAGE_CLASS) {
        Some(c) => check_storage_class(c, h::STORAGE_CLASS),
        None => Ok(fallback.to_string()),
    }
}

pub(super) fn forbid_overwrite(ctx: &RequestCtx) -> bool {
    ctx.header(h::FORBID_OVERWRITE)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// `PUT /bucket/key`: streams the body into a blob, checks digests, commits atomically.
pub async fn put_object(
    state: &AppState,
    ctx: &RequestCtx,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let limit = state.limits.max_object_size;
    let declared = declared_length(ctx, limit)?;
    let md5 = content_md5(ctx)?;
    let crc = client_crc(ctx)?;
    let acl = object_acl(ctx)?;
    let (headers, user_meta) = object_headers(state, ctx)?;
    let tags = super::object_tagging::from_header(ctx)?.unwrap_or_default();
    let rules = WriteRules::load(state, &bucket).await?;
    let class = storage_class(ctx, &rules.bucket.storage_class)?;
    let forbid = forbid_overwrite(ctx);
    if forbid && find_object(state, &bucket, &key).await?.is_some() {
        return Err(OssError::new(ErrorCode::FileAlreadyExists).with_detail("Key", &key));
    }
    let encryption = rules.encryption_for(state, ctx)?;
    rules.check_replaceable(state, &key).await?;
    if let Some(n) = declared {
        rules.check_capacity(state, n, Some(&key)).await?;
    }
    let keys = BlobKeys::own_if(encryption.is_some());
    let blob = receive_blob_with(state, body, limit, keys).await?;
    check_digests(&blob, md5, crc)?;
    if declared.is_none() {
        rules.check_capacity(state, blob.size, Some(&key)).await?;
    }
    let meta = ObjectMeta {
        key: key.clone(),
        size: blob.size,
        etag: etag_from_md5(&blob.md5),
        crc64: blob.crc64,
        last_modified_ms: now_millis(),
        object_type: ObjectType::Normal,
        storage_class: class,
        acl,
        headers,
        user_meta,
        data: Extents::new(),
        encryption: encryption.clone(),
        extras: ObjectExtras {
            tags,
            ..Default::default()
        },
        version: Default::default(),
    };
    let (etag, crc64, md5_b64) = (meta.etag.clone(), meta.crc64, base64::encode(&blob.md5));
    let b2 = bucket.clone();
    let version = quick(state, move |s| s.put_object(&b2, meta, blob, forbid))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, Some(&key)).with_detail_if_conflict(&key))?;
    let mut reply = Reply::new(200)
        .header("etag", etag)
        .header(h::HASH_CRC64, crc64.to_string())
        .header("content-md5", md5_b64);
    if let Some(v) = version.header() {
        reply = reply.header(h::VERSION_ID, v);
    }
    Ok(encryption::decorate(reply, encryption.as_deref()))
}

trait ConflictDetail {
    fn with_detail_if_conflict(self, key: &str) -> Self;
}

impl ConflictDetail for OssError {
    fn with_detail_if_conflict(self, key: &str) -> Self {
        if self.code == ErrorCode::FileAlreadyExists {
            self.with_detail("Key", key)
        } else {
            self
        }
    }
}

/// Outcome of conditional headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Serve the request.
    Proceed,
    /// 304 Not Modified.
    NotModified,
    /// 412 PreconditionFailed.
    Failed,
}

fn etag_matches(list: &str, etag: &str) -> bool {
    let ours = strip_etag_quotes(etag);
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || strip_etag_quotes(t).eq_ignore_ascii_case(ours))
}

/// Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since (RFC 7232
/// order; an unparsable date is ignored).
pub fn evaluate_conditions(
    if_match: Option<&str>,
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
    if_unmodified_since: Option<&str>,
    etag: &str,
    last_modified_secs: i64,
) -> Condition {
    if let Some(m) = if_match {
        if !etag_matches(m, etag) {
            return Condition::Failed;
        }
    } else if let Some(t) = if_unmodified_since.and_then(|d| http_to_unixtime(d.trim()).ok()) {
        if last_modified_secs > t {
            return Condition::Failed;
        }
    }
    if let Some(m) = if_none_match {
        if etag_matches(m, etag) {
            return Condition::NotModified;
        }
    } else if let Some(t) = if_modified_since.and_then(|d| http_to_unixtime(d.trim()).ok()) {
        if last_modified_secs <= t {
            return Condition::NotModified;
        }
    }
    Condition::Proceed
}

pub(super) fn last_modified_secs(meta: &ObjectMeta) -> i64 {
    meta.last_modified_ms.div_euclid(1000)
}

fn not_modified(meta: &ObjectMeta) -> Reply {
    Reply::new(304)
        .header("etag", meta.etag.clone())
        .header("last-modified", http_date(last_modified_secs(meta)))
}

pub(super) fn precondition_failed() -> OssError {
    OssError::new(ErrorCode::PreconditionFailed)
}

/// `GET`/`HEAD /bucket/key`: conditions, Range, header overrides, streamed bytes.
pub async fn get_object(state: &AppState, ctx: &RequestCtx, head: bool) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let version = version_param(ctx)?;
    // GET opens the bytes together with the metadata, so a concurrent overwrite cannot pair
    // one object's headers with another's bytes (a link's target is opened in the same
    // call). A small object is read right away, in the same blocking call as the lookup.
    let (b, k) = (bucket.clone(), key.clone());
    let loaded = quick(state, move |s| {
        let found = load(s, &b, &k, version, head)?;
        if found.0.object_type != ObjectType::Symlink {
            return Ok((found, None));
        }
        let name = found.0.extras.symlink_target.clone().unwrap_or_default();
        match load(s, &b, &name, None, head) {
            Ok(t) => Ok((found, Some(Some(t)))),
            Err(StoreError::NoSuchKey) => Ok((found, Some(None))),
            Err(e) => Err(e),
        }
    })
    .await;
    let (found, target) = match loaded {
        Ok(found) => found,
        Err(StoreError::NoSuchKey) if version.is_none() => {
            return Err(no_such_key(state, &bucket, &key).await)
        }
        Err(e) => return Err(OssError::from_store(e, &bucket, Some(&key))),
    };
    let (meta, file, link) = match target {
        None => (found.0, found.1, None),
        Some(t) => {
            let (tmeta, tfile) = match t {
                Some((m, f)) => (Some(m), f),
                None => (None, None),
            };
            let served = super::symlink::through(&found.0, tmeta)?;
            (served, tfile, Some(found.0))
        }
    };
    let now_ms = now_millis();
    if !head {
        super::restore::check_readable(&meta, now_ms)?;
    }
    match evaluate_conditions(
        ctx.header("if-match"),
        ctx.header("if-none-match"),
        ctx.header("if-modified-since"),
        ctx.header("if-unmodified-since"),
        &meta.etag,
        last_modified_secs(&meta),
    ) {
        Condition::Proceed => {}
        Condition::NotModified => return Ok(not_modified(&meta)),
        Condition::Failed => return Err(precondition_failed()),
    }
    let size = meta.size;
    let (status, start, len) = match ctx.header("range") {
        None => (200, 0, size),
        Some(r) => {
            let standard = ctx
                .header(h::RANGE_BEHAVIOR)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("standard"));
            match resolve(r, size, standard) {
                RangeOutcome::Full => (200, 0, size),
                RangeOutcome::Partial { start, end } => (206, start, end - start + 1),
                RangeOutcome::Unsatisfiable => {
                    return Err(OssError::new(ErrorCode::InvalidRange)
                        .with_detail("RangeRequested", r)
                        .with_detail("ActualObjectSize", &size.to_string())
                        .with_header("content-range", format!("bytes */{size}")))
                }
            }
        }
    };
    let mut reply = Reply::new(status);
    for (name, value) in &meta.headers {
        let overridden = RESPONSE_OVERRIDES
            .iter()
            .any(|(p, hn)| hn == name && ctx.param(p).is_some());
        if !overridden {
            reply = reply.header(name, value.clone());
        }
    }
    for (param, name) in RESPONSE_OVERRIDES {
        if let Some(v) = ctx.param(param) {
            reply = reply.header(name, v);
        }
    }
    reply = reply
        .header("content-length", len.to_string())
        .header("etag", meta.etag.clone())
        .header("last-modified", http_date(last_modified_secs(&meta)))
        .header("accept-ranges", "bytes")
        .header(
            h::OBJECT_TYPE,
            if link.is_some() {
                "Symlink"
            } else {
                meta.object_type.as_str()
            },
        )
        .header(h::STORAGE_CLASS, meta.storage_class.clone())
        .header(h::HASH_CRC64, meta.crc64.to_string());
    if status == 206 {
        reply = reply.header(
            "content-range",
            format!("bytes {start}-{}/{size}", start + len - 1),
        );
    }
    if meta.object_type == ObjectType::Appendable {
        reply = reply.header(h::NEXT_APPEND_POSITION, meta.size.to_string());
    }
    // OSS sends the MD5 of objects written whole (their ETag is that MD5).
    if let Some(md5) = whole_object_md5(&meta) {
        reply = reply.header("content-md5", md5);
    }
    for (name, value) in &meta.user_meta {
        reply = reply.header_bytes(name, value.as_bytes());
    }
    reply = encryption::decorate(reply, meta.encryption.as_deref());
    reply = with_version(state, &bucket, reply, link.as_ref().unwrap_or(&meta)).await;
    if version.is_some() && !reply.headers.iter().any(|(n, _)| n == h::VERSION_ID) {
        // The version asked for by name is the null version of an object written before
        // its bucket was versioned.
        reply = reply.header(h::VERSION_ID, "null");
    }
    if !head {
        crate::lifecycle::note_read(state, &bucket, &meta).await;
    }
    if meta.is_archived() {
        if let Some(restore) = super::restore::restore_header(&meta, now_ms) {
            reply = reply.header(super::restore::RESTORE, restore);
        }
    }
    if !meta.extras.tags.is_empty() {
        reply = reply.header(
            super::object_tagging::TAGGING_COUNT,
            meta.extras.tags.len().to_string(),
        );
    }
    if !head && status == 200 && gzip_wanted(ctx, &meta) {
        // Compressed on the way out: no length, ETag or ranges (as OSS).
        reply
            .headers
            .retain(|(n, _)| !matches!(n.as_str(), "content-length" | "etag" | "accept-ranges"));
        reply = reply
            .header("content-encoding", "gzip")
            .header("vary", "Accept-Encoding");
        let body = match file {
            Some(ObjectBytes::Data(data)) => ResponseBody::object(data, 0, len),
            Some(ObjectBytes::Memory(bytes)) => ResponseBody::full(bytes),
            None => ResponseBody::empty(),
        };
        return Ok(reply.with_body(body.gzip()));
    }
    match file {
        Some(ObjectBytes::Data(data)) if len > 0 => {
            Ok(reply.with_body(ResponseBody::object(data, start, len)))
        }
        Some(ObjectBytes::Memory(bytes)) if len > 0 => Ok(reply.with_body(ResponseBody::full(
            bytes.slice(start as usize..(start + len) as usize),
        ))),
        _ => Ok(reply),
    }
}

/// Reads `key`'s metadata and, unless `head`, its bytes (small objects into memory).
/// `version` names a version (`None`: the current object); a delete marker is
/// [`StoreError::DeleteMarker`].
fn load(
    s: &dyn crate::store::Store,
    bucket: &str,
    key: &str,
    version: Option<VersionId>,
    head: bool,
) -> Result<(ObjectMeta, Option<ObjectBytes>), StoreError> {
    if head {
        let meta = match version {
            None => s.object(bucket, key)?,
            Some(id) => s.object_version(bucket, key, Some(id))?,
        };
        if meta.version.delete_marker {
            return Err(StoreError::DeleteMarker(meta.version));
        }
        return Ok((meta, None));
    }
    let (meta, data) = s.open_object_version(bucket, key, version)?;
    if meta.size > SMALL_OBJECT {
        return Ok((meta, Some(ObjectBytes::Data(data))));
    }
    let bytes = data.read_range(0, meta.size)?;
    Ok((meta, Some(ObjectBytes::Memory(bytes::Bytes::from(bytes)))))
}

/// Media types OSS compresses for clients that accept gzip.
const GZIP_TYPES: &[&str] = &[
    "text/cache-manifest",
    "text/xml",
    "text/css",
    "text/html",
    "text/plain",
    "application/javascript",
    "application/x-javascript",
    "application/rss+xml",
    "application/json",
    "text/json",
];

/// Whether a whole-object GET is answered gzip-compressed, as OSS does: the client accepts
/// gzip, the object has at least 1 KiB, is not encoded already, and its type is one of
/// [`GZIP_TYPES`] (parameters such as `charset` aside).
fn gzip_wanted(ctx: &RequestCtx, meta: &ObjectMeta) -> bool {
    let accepts = ctx.header("accept-encoding").is_some_and(|v| {
        v.split(',').any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
            });
            name.eq_ignore_ascii_case("gzip") && !refused
        })
    });
    if !accepts || meta.size < 1024 || ctx.header("range").is_some() {
        return false;
    }
    let header = |name: &str| {
        meta.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if header("content-encoding").is_some_and(|v| !v.trim().is_empty()) {
        return false;
    }
    let media = header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    GZIP_TYPES.contains(&media.as_str())
}

/// The Base64 MD5 of an object written in one piece (PutObject, CopyObject), read from its
/// ETag; `None` for appendable and multipart objects, whose ETag is not an MD5.
fn whole_object_md5(meta: &ObjectMeta) -> Option<String> {
    if meta.object_type != ObjectType::Normal {
        return None;
    }
    let hex = strip_etag_quotes(&meta.etag).as_bytes();
    if hex.len() != 32 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16);
    let bytes: Option<Vec<u8>> = hex
        .chunks(2)
        .map(|p| Some((nibble(p[0])? * 16 + nibble(p[1])?) as u8))
        .collect();
    Some(base64::encode(&bytes?))
}

/// `HEAD /bucket/key?objectMeta`: ETag, size, Last-Modified and CRC only.
pub async fn get_object_meta(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    validate_key(&ctx.key)?;
    let version = version_param(ctx)?;
    let meta = object_version_meta(state, &bucket, &ctx.key, version).await?;
    let reply = Reply::new(200)
        .header("content-length", meta.size.to_string())
        .header("etag", meta.etag.clone())
        .header("last-modified", http_date(last_modified_secs(&meta)))
        .header(h::HASH_CRC64, meta.crc64.to_string());
    Ok(with_version(state, &bucket, reply, &meta).await)
}

/// The headers of a delete's answer: the version it acted on (`requested`, or the delete
/// marker written) and whether that is a delete marker.
fn delete_reply(reply: Reply, requested: Option<VersionId>, done: &Deleted) -> Reply {
    let version = match requested {
        Some(id) => Some(id.to_string()),
        None => done.version_header(),
    };
    let reply = match version {
        Some(v) => reply.header(h::VERSION_ID, v),
        None => reply,
    };
    if done.is_delete_marker() {
        reply.header(h::DELETE_MARKER, "true")
    } else {
        reply
    }
}

/// `DELETE /bucket/key` (optionally `?versionId=`): 204 whether or not the key (or
/// version) existed. In a versioned bucket, without a version id, a delete marker is
/// written; with one, that version goes for good. `FileImmutable` while a retention policy
/// protects bytes that would go.
pub async fn delete_object(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    validate_key(&ctx.key)?;
    let version = version_param(ctx)?;
    let retention = worm::retention(state, &bucket).await?;
    let guard =
        worm::guard(retention, state.clock.now_secs()).unwrap_or_else(|| Box::new(|_| Ok(())));
    let (b, k) = (bucket.clone(), ctx.key.clone());
    // Under a retention policy, the check and the delete are one transaction.
    let done = quick(state, move |s| s.delete_version(&b, &k, version, guard))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, Some(&ctx.key)))?;
    Ok(delete_reply(Reply::new(204), version, &done))
}

/// `POST /bucket?delete`: up to 1000 keys, Content-MD5 required, quiet mode, url encoding.
pub async fn delete_multiple(
    state: &AppState,
    ctx: &RequestCtx,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let Some(md5) = content_md5(ctx)? else {
        return Err(OssError::with_message(
            ErrorCode::InvalidDigest,
            "The Content-MD5 header is required for DeleteMultipleObjects.",
        ));
    };
    let encode = match ctx.param("encoding-type") {
        None | Some("") => false,
        Some(v) if v.eq_ignore_ascii_case("url") => true,
        Some(v) => {
            return Err(OssError::invalid_argument(
                "The encoding-type must be 'url'.",
                "encoding-type",
                v,
            ))
        }
    };
    let doc = read_small_body(body, DELETE_BODY_LIMIT).await?;
    let actual = osskit_proto::digest::content_md5(&doc);
    if actual != base64::encode(&md5) {
        return Err(OssError::new(ErrorCode::InvalidDigest)
            .with_detail("CalculatedContentMD5", &actual)
            .with_detail("ProvidedContentMD5", &base64::encode(&md5)));
    }
    let request: model::Delete = xml::from_xml_bytes(&doc).map_err(|e| {
        OssError::with_message(
            ErrorCode::MalformedXML,
            format!("{}: {e}", ErrorCode::MalformedXML.default_message()),
        )
    })?;
    if request.objects.is_empty() || request.objects.len() > 1000 {
        return Err(OssError::with_message(
            ErrorCode::MalformedXML,
            format!(
                "A batch delete takes 1 to 1000 keys, this one has {}.",
                request.objects.len()
            ),
        ));
    }
    // A key that cannot name an object, or a malformed version id, fails the whole
    // request: nothing is deleted.
    let mut entries = Vec::with_capacity(request.objects.len());
    for o in request.objects {
        validate_key(&o.key)?;
        let version = match o.version_id.as_deref() {
            None => None,
            Some(v) => Some(parse_version(v, "VersionId")?),
        };
        entries.push((o.key, version));
    }
    // Under a retention policy nothing is deleted when any version that would go is
    // protected (checked in the transaction that deletes; the error names the key).
    let retention = worm::retention(state, &bucket).await?;
    let guard =
        worm::guard(retention, state.clock.now_secs()).unwrap_or_else(|| Box::new(|_| Ok(())));
    let (b, e) = (bucket.clone(), entries.clone());
    // One transaction: every entry is deleted, or (on failure) none.
    let done = quick(state, move |s| s.delete_versions(&b, &e, guard))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    let mut result = model::DeleteResult {
        encoding_type: None,
        deleted: Vec::new(),
    };
    if !request.quiet {
        result.deleted = entries
            .into_iter()
            .zip(done)
            .map(|((key, version), done)| {
                let marker = done.is_delete_marker();
                model::DeletedObject {
                    key: if encode {
                        osskit_proto::encoding::quote(&key, "")
                    } else {
                        key
                    },
                    version_id: version.map(|v| v.to_string()),
                    delete_marker: marker.then_some(true),
                    delete_marker_version_id: if marker {
                        match version {
                            Some(v) => Some(v.to_string()),
                            None => done.version_header(),
                        }
                    } else {
                        None
                    },
                }
            })
            .collect();
    }
    if encode {
        result.encoding_type = Some("url".to_string());
    }
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// Splits `x-oss-copy-source` (`/bucket/url-encoded-key`, optional `?versionId=…`) into the
/// bucket, the decoded key and the version named (InvalidArgument when it is malformed).
pub fn parse_copy_source(source: &str) -> Result<(String, String, Option<VersionId>), OssError> {
    let (bucket, key, version) = osskit_proto::ops::copy_source::parse(source)
        .map_err(|why| OssError::invalid_argument(why, h::COPY_SOURCE, source))?;
    let version = match version {
        None => None,
        Some(v) => Some(parse_version(&v, h::COPY_SOURCE)?),
    };
    Ok((bucket, key, version))
}

/// `PUT /bucket/key` with `x-oss-copy-source`: COPY or REPLACE metadata, copy-source
/// conditions, forbid-overwrite.
pub async fn copy_object(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let (src_bucket, src_key, src_version) =
        parse_copy_source(ctx.header(h::COPY_SOURCE).unwrap_or_default())?;
    let replace = match ctx.header(h::METADATA_DIRECTIVE).map(str::trim) {
        None | Some("") => false,
        Some(v) if v.eq_ignore_ascii_case("COPY") => false,
        Some(v) if v.eq_ignore_ascii_case("REPLACE") => true,
        Some(v) => {
            return Err(OssError::invalid_argument(
                "x-oss-metadata-directive must be COPY or REPLACE.",
                h::METADATA_DIRECTIVE,
                v,
            ))
        }
    };
    let acl = object_acl(ctx)?;
    let replace_tags = super::object_tagging::replace_on_copy(ctx)?;
    let new_tags = super::object_tagging::from_header(ctx)?;
    let src = object_version_meta(state, &src_bucket, &src_key, src_version).await?;
    super::restore::check_readable(&src, now_millis())?;
    match evaluate_conditions(
        ctx.header(h::COPY_SOURCE_IF_MATCH),
        ctx.header(h::COPY_SOURCE_IF_NONE_MATCH),
        ctx.header(h::COPY_SOURCE_IF_MODIFIED_SINCE),
        ctx.header(h::COPY_SOURCE_IF_UNMODIFIED_SINCE),
        &src.etag,
        last_modified_secs(&src),
    ) {
        Condition::Proceed => {}
        Condition::NotModified => return Ok(Reply::new(304)),
        Condition::Failed => return Err(precondition_failed()),
    }
    let rules = WriteRules::load(state, &bucket).await?;
    let class = storage_class(ctx, &src.storage_class)?;
    let same_object = src_bucket == bucket && src_key == key && src_version.is_none();
    if forbid_overwrite(ctx) && !same_object && find_object(state, &bucket, &key).await?.is_some() {
        return Err(OssError::new(ErrorCode::FileAlreadyExists).with_detail("Key", &key));
    }
    // The copy is encrypted as its headers or its bucket's rule say; a copy onto itself
    // without encryption headers keeps its encryption.
    let encryption = if same_object && !encryption::has_headers(ctx) {
        src.encryption.clone()
    } else {
        rules.encryption_for(state, ctx)?
    };
    rules.check_replaceable(state, &key).await?;
    if !same_object {
        rules.check_capacity(state, src.size, Some(&key)).await?;
    }
    let (headers, user_meta) = if replace {
        object_headers(state, ctx)?
    } else {
        (src.headers.clone(), src.user_meta.clone())
    };
    let tags = if replace_tags {
        new_tags.unwrap_or_default()
    } else {
        src.extras.tags.clone()
    };
    let meta = ObjectMeta {
        key: key.clone(),
        size: src.size,
        etag: src.etag.clone(),
        crc64: src.crc64,
        last_modified_ms: now_millis(),
        object_type: ObjectType::Normal,
        storage_class: class,
        acl,
        headers,
        user_meta,
        data: Extents::new(),
        encryption,
        extras: ObjectExtras {
            tags,
            ..Default::default()
        },
        version: Default::default(),
    };
    let (sb, sk, db) = (src_bucket.clone(), src_key.clone(), bucket.clone());
    let forbid = forbid_overwrite(ctx);
    // O(extents): the copy names the source's bytes, nothing is copied.
    let done = quick(state, move |s| {
        s.copy_object(&sb, &sk, src_version, &db, meta, forbid)
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, Some(&src_key)).with_detail_if_conflict(&key))?;
    let result = model::CopyObjectResult {
        last_modified: unixtime_to_iso8601(last_modified_secs(&done)),
        etag: done.etag.clone(),
    };
    let mut reply = Reply::xml(xml::to_xml(&result))
        .header("etag", done.etag.clone())
        .header(h::HASH_CRC64, done.crc64.to_string());
    reply = with_version(state, &bucket, reply, &done).await;
    if let Some(v) = src_version {
        reply = reply.header(h::COPY_SOURCE_VERSION_ID, v.to_string());
    }
    Ok(encryption::decorate(reply, done.encryption.as_deref()))
}

/// `POST /bucket/key?append&position=N`.
pub async fn append_object(
    state: &AppState,
    ctx: &RequestCtx,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let position = match ctx.param("position") {
        None => {
            return Err(OssError::invalid_argument(
                "The position parameter is required to append.",
                "position",
                "",
            )
            .with_ec("0016-00000501"))
        }
        Some(p) => p.trim().parse::<u64>().map_err(|_| {
            OssError::invalid_argument(
                "The position must be a non-negative integer.",
                "position",
                p,
            )
        })?,
    };
    let limit = state.limits.max_object_size.saturating_sub(position);
    let declared = declared_length(ctx, limit)?;
    let md5 = content_md5(ctx)?;
    let acl = object_acl(ctx)?;
    let (headers, user_meta) = object_headers(state, ctx)?;
    let rules = WriteRules::load(state, &bucket).await?;
    let class = storage_class(ctx, &rules.bucket.storage_class)?;
    let position_error = |len: u64| {
        OssError::new(ErrorCode::PositionNotEqualToLength)
            .with_header(h::NEXT_APPEND_POSITION, len.to_string())
            .with_detail("Key", &key)
    };
    let existing = find_object(state, &bucket, &key).await?;
    // Tags are given when the object is created; later appends ignore the header.
    let tags = if existing.is_none() {
        super::object_tagging::from_header(ctx)?.unwrap_or_default()
    } else {
        Vec::new()
    };
    // The bytes are kept as the object keeps its own: appends to an encrypted object are
    // encrypted under its key stream; a new object is encrypted as a PutObject would be.
    let (keys, encryption) = match existing {
        Some(m) if m.object_type != ObjectType::Appendable => {
            return Err(OssError::new(ErrorCode::ObjectNotAppendable).with_detail("Key", &key))
        }
        Some(m) if m.size != position => return Err(position_error(m.size)),
        Some(m) => {
            if worm::protects(rules.retention, &m, state.clock.now_secs()) {
                return Err(worm::immutable(&key));
            }
            let keys = match m.data.sole_blob() {
                Some(blob) if crate::store::rules::appendable_is_encrypted(&m) => {
                    BlobKeys::Append {
                        blob: blob.to_string(),
                        offset: position,
                    }
                }
                _ => BlobKeys::Plain,
            };
            (keys, m.encryption.clone())
        }
        None if position != 0 => return Err(position_error(0)),
        None => {
            let e = rules.encryption_for(state, ctx)?;
            (BlobKeys::own_if(e.is_some()), e)
        }
    };
    if let Some(n) = declared {
        rules.check_capacity(state, n, None).await?;
    }
    let blob = receive_blob_with(state, body, limit, keys).await?;
    check_digests(&blob, md5, None)?;
    if declared.is_none() {
        rules.check_capacity(state, blob.size, None).await?;
    }
    let meta = ObjectMeta {
        key: key.clone(),
        size: blob.size,
        etag: etag_from_md5(&blob.md5),
        crc64: blob.crc64,
        last_modified_ms: now_millis(),
        object_type: ObjectType::Appendable,
        storage_class: class,
        acl,
        headers,
        user_meta,
        data: Extents::new(),
        encryption,
        extras: ObjectExtras {
            tags,
            ..Default::default()
        },
        version: Default::default(),
    };
    let (b2, k2) = (bucket.clone(), key.clone());
    let done = blocking(state, move |s| {
        s.append_object(&b2, &k2, position, blob, meta)
    })
    .await
    .map_err(|e| {
        let err = OssError::from_store(e, &bucket, Some(&key));
        if err.code == ErrorCode::ObjectNotAppendable
            || err.code == ErrorCode::PositionNotEqualToLength
        {
            err.with_detail("Key", &key)
        } else {
            err
        }
    })?;
    let reply = Reply::new(200)
        .header(h::NEXT_APPEND_POSITION, done.size.to_string())
        .header(h::HASH_CRC64, done.crc64.to_string())
        .header("etag", done.etag.clone());
    let reply = with_version(state, &bucket, reply, &done).await;
    Ok(encryption::decorate(reply, done.encryption.as_deref()))
}

/// `GET /bucket/key?acl`: the object's own ACL (`default` when it follows the bucket's).
pub async fn get_object_acl(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    validate_key(&ctx.key)?;
    let version = version_param(ctx)?;
    let meta = object_version_meta(state, &bucket, &ctx.key, version).await?;
    let version = version_header(state, &bucket, &meta).await;
    let policy = osskit_proto::xml::bucket::AccessControlPolicy {
        owner: super::owner(),
        access_control_list: osskit_proto::xml::bucket::AccessControlList { grant: meta.acl },
    };
    let reply = Reply::xml(xml::to_xml(&policy));
    Ok(match version {
        Some(v) => reply.header(h::VERSION_ID, v),
        None => reply,
    })
}

/// `PUT /bucket/key?acl` with `x-oss-object-acl`: changes the object's metadata in place
/// (same bytes, ETag and modification time) in one atomic update.
pub async fn put_object_acl(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let Some(acl) = ctx.header(h::OBJECT_ACL).map(str::to_string) else {
        return Err(OssError::invalid_argument(
            "The x-oss-object-acl header is required.",
            h::OBJECT_ACL,
            "",
        ));
    };
    check_acl(&acl, h::OBJECT_ACL, true)?;
    let version = version_param(ctx)?;
    let (b, k) = (bucket.clone(), key.clone());
    let done = blocking(state, move |s| {
        s.update_version_meta(
            &b,
            &k,
            version,
            Box::new(move |m| {
                m.acl.clone_from(&acl);
                Ok(())
            }),
        )
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, Some(&key)))?;
    Ok(with_version(state, &bucket, Reply::new(200), &done).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_is_decoded() {
        assert_eq!(
            parse_copy_source("/b/dir%2Fa%20b.txt").unwrap(),
            ("b".to_string(), "dir/a b.txt".to_string(), None)
        );
        let id = VersionId::Seq(7);
        assert_eq!(
            parse_copy_source(&format!("b/k?versionId={id}")).unwrap(),
            ("b".to_string(), "k".to_string(), Some(id))
        );
        assert!(
            parse_copy_source("b/k?versionId=1").is_err(),
            "malformed version id"
        );
        assert!(
            parse_copy_source("b/k?versionId=").is_err(),
            "empty version id"
        );
        assert!(parse_copy_source("/b").is_err());
        assert!(parse_copy_source("/b/").is_err());
        assert!(parse_copy_source("/b/k%FF").is_err(), "not UTF-8");
    }
}
