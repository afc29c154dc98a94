//! Multipart uploads: initiate, upload a part (from the body or copied from an object),
//! complete, abort, list parts and list uploads.

use super::list::url_encoding;
use super::object::{
    bucket_meta, check_digests, client_crc, content_md5, declared_length, evaluate_conditions,
    find_object, forbid_overwrite, last_modified_secs, object_acl, parse_copy_source,
    precondition_failed, storage_class, validate_key, Condition,
};
use super::upload::{receive_blob_with, BlobKeys};
use super::{blocking, encryption, object_headers, read_small_body, stat, worm};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::base64;
use crate::http::response::{now_millis, Reply};
use crate::store::digest::Digests;
use crate::store::{
    Extents, ObjectMeta, ObjectType, PartMeta, StoreError, UploadEntry, UploadMeta,
};
use hyper::body::Incoming;
use osskit_proto::date::unixtime_to_iso8601;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::headers as h;
use osskit_proto::xml::{self, multipart as model};
use std::io::Read;

/// Largest part (5 GiB), as declared.
pub const MAX_PART_SIZE: u64 = osskit_proto::ops::MAX_PART_SIZE;

/// Highest part number, as declared.
pub const MAX_PART_NUMBER: u32 = osskit_proto::ops::MAX_PART_NUMBER as u32;

/// Largest CompleteMultipartUpload body (10000 parts with room to spare).
const COMPLETE_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Default and largest page of ListParts and ListMultipartUploads.
const MAX_PAGE: usize = 1000;

/// Maps a store failure of an operation on upload `upload_id` of `key`.
fn upload_error(e: StoreError, bucket: &str, key: &str, upload_id: &str) -> OssError {
    let err = OssError::from_store(e, bucket, Some(key));
    if err.code == ErrorCode::NoSuchUpload {
        err.with_detail("UploadId", upload_id)
    } else {
        err
    }
}

/// The `uploadId` query parameter (the router guarantees it is present).
fn upload_id(ctx: &RequestCtx) -> Result<String, OssError> {
    match ctx.param("uploadId") {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(OssError::new(ErrorCode::NoSuchUpload).with_detail("UploadId", "")),
    }
}

/// Reads `partNumber`: an integer in 1..=10000.
pub fn part_number(value: Option<&str>) -> Result<u32, OssError> {
    let v = value.unwrap_or_default();
    match v.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_PART_NUMBER).contains(&n) => Ok(n),
        _ => Err(OssError::invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive.",
            "partNumber",
            v,
        )),
    }
}

/// Reads an optional page size parameter: default and maximum 1000, at least 1.
fn page_size(ctx: &RequestCtx, name: &str) -> Result<usize, OssError> {
    match ctx.param(name) {
        None | Some("") => Ok(MAX_PAGE),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            _ => Err(OssError::invalid_argument(
                format!("{name} must be an integer between 1 and {MAX_PAGE}."),
                name,
                v,
            )),
        },
    }
}

/// Resolves `x-oss-copy-source-range` (`bytes=first-last` or `bytes=first-`) against an
/// object of `size` bytes into `(start, length)`; no header means the whole object.
pub fn copy_range(value: Option<&str>, size: u64) -> Result<(u64, u64), OssError> {
    let Some(raw) = value else {
        return Ok((0, size));
    };
    let invalid = |why: &str| {
        OssError::invalid_argument(
            format!("The x-oss-copy-source-range '{raw}' is not valid: {why}."),
            h::COPY_SOURCE_RANGE,
            raw,
        )
    };
    let spec = raw
        .trim()
        .strip_prefix("bytes=")
        .ok_or_else(|| invalid("it must look like bytes=first-last"))?;
    let (first, last) = spec
        .split_once('-')
        .ok_or_else(|| invalid("it must look like bytes=first-last"))?;
    let first: u64 = first
        .trim()
        .parse()
        .map_err(|_| invalid("the first byte is not a number"))?;
    let last: u64 = match last.trim() {
        "" => size.saturating_sub(1),
        l => l
            .parse()
            .map_err(|_| invalid("the last byte is not a number"))?,
    };
    if first > last {
        return Err(invalid("the first byte is after the last one"));
    }
    if last >= size {
        return Err(invalid(&format!(
            "the source object has {size} bytes, so the last byte is at most {}",
            size.saturating_sub(1)
        )));
    }
    Ok((first, last - first + 1))
}

/// `POST /bucket/key?uploads`: records the object headers, metadata, ACL and storage class
/// the finished object gets, and answers the new upload id.
pub async fn initiate(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let encode = url_encoding(ctx)?;
    let acl = object_acl(ctx)?;
    let b = bucket_meta(state, &bucket).await?;
    let class = storage_class(ctx, &b.storage_class)?;
    if forbid_overwrite(ctx) && find_object(state, &bucket, &key).await?.is_some() {
        return Err(OssError::new(ErrorCode::FileAlreadyExists).with_detail("Key", &key));
    }
    let (headers, user_meta) = object_headers(state, ctx)?;
    let encryption = encryption::for_new_object(state, ctx, &bucket).await?;
    let tags = super::object_tagging::from_header(ctx)?.unwrap_or_default();
    let template = ObjectMeta {
        key: key.clone(),
        size: 0,
        etag: String::new(),
        crc64: 0,
        last_modified_ms: now_millis(),
        object_type: ObjectType::Multipart,
        storage_class: class,
        acl,
        headers,
        user_meta,
        data: Extents::new(),
        encryption: encryption.clone(),
        extras: crate::store::ObjectExtras {
            tags,
            ..Default::default()
        },
        version: Default::default(),
    };
    let (b2, k2) = (bucket.clone(), key.clone());
    let upload = blocking(state, move |s| s.create_upload(&b2, &k2, template))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, Some(&key)))?;
    let mut result = model::InitiateMultipartUploadResult {
        bucket,
        key,
        upload_id: upload.upload_id,
        encoding_type: None,
    };
    if encode {
        result.encode_url();
    }
    Ok(encryption::decorate(
        Reply::xml(xml::to_xml(&result)),
        encryption.as_deref(),
    ))
}

/// The open upload (NoSuchUpload, or NoSuchBucket, otherwise).
async fn require_upload(
    state: &AppState,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<UploadMeta, OssError> {
    let (b, k, u) = (bucket.to_string(), key.to_string(), upload_id.to_string());
    blocking(state, move |s| s.upload(&b, &k, &u))
        .await
        .map_err(|e| upload_error(e, bucket, key, upload_id))
}

/// `PUT /bucket/key?partNumber=N&uploadId=ID`: streams the body into a part, checking
/// Content-MD5 and `x-oss-hash-crc64ecma` when sent.
pub async fn upload_part(
    state: &AppState,
    ctx: &RequestCtx,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let number = part_number(ctx.param("partNumber"))?;
    let id = upload_id(ctx)?;
    let limit = MAX_PART_SIZE.min(state.limits.max_object_size);
    declared_length(ctx, limit)?;
    let md5 = content_md5(ctx)?;
    let crc = client_crc(ctx)?;
    encryption::refuse_headers(ctx)?;
    let upload = require_upload(state, &bucket, &key, &id).await?;
    let encrypted = upload.template.encryption;
    let declared = declared_length(ctx, limit)?;
    if let Some(n) = declared {
        stat::check_capacity(state, &bucket, n, None).await?;
    }
    let keys = BlobKeys::own_if(encrypted.is_some());
    let blob = receive_blob_with(state, body, limit, keys).await?;
    check_digests(&blob, md5, crc)?;
    if declared.is_none() {
        stat::check_capacity(state, &bucket, blob.size, None).await?;
    }
    let md5_b64 = base64::encode(&blob.md5);
    let (b, k, u) = (bucket.clone(), key.clone(), id.clone());
    let part = blocking(state, move |s| s.put_part(&b, &k, &u, number, blob))
        .await
        .map_err(|e| upload_error(e, &bucket, &key, &id))?;
    let reply = Reply::new(200)
        .header("etag", part.etag.clone())
        .header(h::HASH_CRC64, part.crc64.to_string())
        .header("content-md5", md5_b64);
    Ok(encryption::decorate(reply, encrypted.as_deref()))
}

/// `PUT /bucket/key?partNumber=N&uploadId=ID` with `x-oss-copy-source`: makes a part of a
/// byte range of an existing object. The part shares the object's extents (no byte is
/// written); the range is read once to compute its MD5 (the part's ETag) and CRC-64.
pub async fn upload_part_copy(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let number = part_number(ctx.param("partNumber"))?;
    let id = upload_id(ctx)?;
    let (src_bucket, src_key, src_version) =
        parse_copy_source(ctx.header(h::COPY_SOURCE).unwrap_or_default())?;
    let upload = require_upload(state, &bucket, &key, &id).await?;
    let encrypted = upload.template.encryption;
    let (sb, sk) = (src_bucket.clone(), src_key.clone());
    let (src, data) = blocking(state, move |s| s.open_object_version(&sb, &sk, src_version))
        .await
        .map_err(|e| OssError::from_store(e, &src_bucket, Some(&src_key)))?;
    super::restore::check_readable(&src, crate::http::response::now_millis())?;
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
    let (start, len) = copy_range(ctx.header(h::COPY_SOURCE_RANGE), src.size)?;
    if len > MAX_PART_SIZE {
        return Err(OssError::new(ErrorCode::EntityTooLarge));
    }
    stat::check_capacity(state, &bucket, len, None).await?;
    let (b, k, u) = (bucket.clone(), key.clone(), id.clone());
    let must_encrypt = encrypted.is_some();
    let part: PartMeta = blocking(state, move |s| {
        // The source's bytes stay leased (in place) until the part names them.
        let extents = data.extents().slice(start, len);
        if must_encrypt && !extents.all_encrypted() {
            // The parts of an encrypted upload are encrypted at rest: these bytes get a
            // blob of their own.
            return s.put_part(&b, &k, &u, number, encrypt_range(s, &data, start, len)?);
        }
        let (md5, crc) = digest_range(&data, start, len)?;
        s.put_part_copy(&b, &k, &u, number, extents, md5, crc)
    })
    .await
    .map_err(|e| upload_error(e, &bucket, &key, &id))?;
    let result = model::CopyPartResult {
        last_modified: unixtime_to_iso8601(part.last_modified_ms.div_euclid(1000)),
        etag: part.etag.clone(),
    };
    let mut reply = Reply::xml(xml::to_xml(&result))
        .header("etag", part.etag.clone())
        .header(h::HASH_CRC64, part.crc64.to_string());
    if let Some(v) = src.version.header() {
        reply = reply.header(h::COPY_SOURCE_VERSION_ID, v);
    }
    Ok(encryption::decorate(reply, encrypted.as_deref()))
}

/// A new blob holding `len` bytes of `data` from `start`, encrypted at rest (blocking).
fn encrypt_range(
    s: &dyn crate::store::Store,
    data: &crate::store::ObjectData,
    start: u64,
    len: u64,
) -> Result<crate::store::PendingBlob, StoreError> {
    let mut reader = data.reader(start, len);
    let mut writer = s.new_blob()?;
    writer.encrypt(None)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        writer.write(&buf[..n])?;
    }
    if writer.size() != len {
        return Err(StoreError::Internal(format!(
            "the source object ended after {} of {len} bytes",
            writer.size()
        )));
    }
    writer.finish()
}

/// The MD5 and CRC-64 of `len` bytes of `data` from `start` (blocking).
fn digest_range(
    data: &crate::store::ObjectData,
    start: u64,
    len: u64,
) -> Result<([u8; 16], u64), StoreError> {
    let mut reader = data.reader(start, len);
    let mut digests = Digests::inline();
    let mut buf = vec![0u8; 1 << 20];
    let mut read = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        digests.feed(&buf[..n]);
        read += n as u64;
    }
    if read != len {
        return Err(StoreError::Internal(format!(
            "the source object ended after {read} of {len} bytes"
        )));
    }
    Ok(digests.finish())
}

/// Whether `x-oss-complete-all` asks to complete with every uploaded part.
fn complete_all(ctx: &RequestCtx) -> Result<bool, OssError> {
    match ctx.header(h::COMPLETE_ALL).map(str::trim) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("yes") => Ok(true),
        Some(v) => Err(OssError::invalid_argument(
            "x-oss-complete-all must be 'yes'.",
            h::COMPLETE_ALL,
            v,
        )),
    }
}

/// The part list of a CompleteMultipartUpload body.
pub fn parse_complete_body(doc: &[u8]) -> Result<Vec<(u32, String)>, OssError> {
    let malformed = |why: String| {
        OssError::with_message(
            ErrorCode::MalformedXML,
            format!("{} {why}", ErrorCode::MalformedXML.default_message()),
        )
    };
    if doc.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed(
            "CompleteMultipartUpload needs a <CompleteMultipartUpload> body listing the parts \
             (or the header x-oss-complete-all: yes and no body)."
                .to_string(),
        ));
    }
    let request: model::CompleteMultipartUpload =
        xml::from_xml_bytes(doc).map_err(|e| malformed(e.to_string()))?;
    if request.parts.is_empty() {
        return Err(malformed(
            "The <CompleteMultipartUpload> document lists no <Part>.".to_string(),
        ));
    }
    Ok(request
        .parts
        .into_iter()
        .map(|p| (p.part_number, p.etag.trim().to_string()))
        .collect())
}

/// `POST /bucket/key?uploadId=ID`: assembles the listed parts (or, with
/// `x-oss-complete-all: yes` and no body, every part) into a `Multipart` object.
pub async fn complete(
    state: &AppState,
    ctx: &RequestCtx,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let id = upload_id(ctx)?;
    let encode = url_encoding(ctx)?;
    let all = complete_all(ctx)?;
    let acl = match ctx.header(h::OBJECT_ACL) {
        Some(_) => Some(object_acl(ctx)?),
        None => None,
    };
    let md5 = content_md5(ctx)?;
    encryption::refuse_headers(ctx)?;
    let doc = read_small_body(body, COMPLETE_BODY_LIMIT).await?;
    if let Some(md5) = md5 {
        if osskit_proto::digest::md5(&doc) != md5 {
            return Err(OssError::new(ErrorCode::InvalidDigest)
                .with_detail(
                    "CalculatedContentMD5",
                    &osskit_proto::digest::content_md5(&doc),
                )
                .with_detail("ProvidedContentMD5", &base64::encode(&md5)));
        }
    }
    let parts = if all {
        if !doc.iter().all(u8::is_ascii_whitespace) {
            return Err(OssError::invalid_argument(
                "A request with x-oss-complete-all: yes must not carry a part list.",
                h::COMPLETE_ALL,
                "yes",
            ));
        }
        None
    } else {
        Some(parse_complete_body(&doc)?)
    };
    if forbid_overwrite(ctx) && find_object(state, &bucket, &key).await?.is_some() {
        return Err(OssError::new(ErrorCode::FileAlreadyExists).with_detail("Key", &key));
    }
    worm::check_replaceable(state, &bucket, &key).await?;
    let (b, k, u) = (bucket.clone(), key.clone(), id.clone());
    let done = blocking(state, move |s| {
        let mut meta = s.complete_upload(&b, &k, &u, parts.as_deref())?;
        if let Some(acl) = acl {
            if acl != meta.acl {
                meta = s.update_object_meta(
                    &b,
                    &k,
                    Box::new(move |m| {
                        m.acl.clone_from(&acl);
                        Ok(())
                    }),
                )?;
            }
        }
        Ok(meta)
    })
    .await
    .map_err(|e| upload_error(e, &bucket, &key, &id))?;
    let location = format!(
        "http://{}/{}/{}",
        state.authority,
        bucket,
        osskit_proto::encoding::quote(&key, "/")
    );
    let mut result = model::CompleteMultipartUploadResult {
        encoding_type: None,
        location,
        bucket,
        key,
        etag: done.etag.clone(),
    };
    if encode {
        result.encode_url();
    }
    let reply = Reply::xml(xml::to_xml(&result))
        .header("etag", done.etag.clone())
        .header(h::HASH_CRC64, done.crc64.to_string());
    let reply = super::object::with_version(state, ctx.bucket_name(), reply, &done).await;
    Ok(encryption::decorate(reply, done.encryption.as_deref()))
}

/// `DELETE /bucket/key?uploadId=ID`: drops the upload and its parts (204).
pub async fn abort(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let id = upload_id(ctx)?;
    let (b, k, u) = (bucket.clone(), key.clone(), id.clone());
    blocking(state, move |s| s.abort_upload(&b, &k, &u))
        .await
        .map_err(|e| upload_error(e, &bucket, &key, &id))?;
    Ok(Reply::new(204))
}

/// `GET /bucket/key?uploadId=ID`: one page of parts (`part-number-marker`, `max-parts`).
pub async fn list_parts(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    validate_key(&key)?;
    let id = upload_id(ctx)?;
    let max = page_size(ctx, "max-parts")?;
    let marker = match ctx.param("part-number-marker") {
        None | Some("") => 0,
        Some(v) => v.trim().parse::<u32>().map_err(|_| {
            OssError::invalid_argument(
                "part-number-marker must be a non-negative integer.",
                "part-number-marker",
                v,
            )
        })?,
    };
    let (b, k, u) = (bucket.clone(), key.clone(), id.clone());
    let (parts, truncated) = blocking(state, move |s| s.list_parts(&b, &k, &u, marker, max))
        .await
        .map_err(|e| upload_error(e, &bucket, &key, &id))?;
    let next = parts.last().map_or(marker, |p| p.part_number);
    let result = model::ListPartsResult {
        bucket,
        key,
        upload_id: id,
        part_number_marker: marker,
        next_part_number_marker: next,
        max_parts: max as u32,
        is_truncated: truncated,
        parts: parts
            .into_iter()
            .map(|p| model::PartSummary {
                part_number: p.part_number,
                last_modified: unixtime_to_iso8601(p.last_modified_ms.div_euclid(1000)),
                etag: p.etag,
                size: p.size,
                hash_crc64ecma: Some(p.crc64),
            })
            .collect(),
    };
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// `GET /bucket?uploads`: open uploads by key then initiation (`prefix`, `delimiter`,
/// `key-marker`, `upload-id-marker`, `max-uploads`, `encoding-type`).
pub async fn list_uploads(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let prefix = ctx.param("prefix").unwrap_or_default().to_string();
    let delimiter = ctx.param("delimiter").unwrap_or_default().to_string();
    let key_marker = ctx.param("key-marker").unwrap_or_default().to_string();
    let upload_id_marker = ctx
        .param("upload-id-marker")
        .unwrap_or_default()
        .to_string();
    let max = page_size(ctx, "max-uploads")?;
    let encode = url_encoding(ctx)?;
    let (b, p, d, km, um) = (
        bucket.clone(),
        prefix.clone(),
        delimiter.clone(),
        key_marker.clone(),
        upload_id_marker.clone(),
    );
    let page = blocking(state, move |s| s.list_uploads(&b, &p, &d, &km, &um, max))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    let mut uploads = Vec::new();
    let mut common_prefixes = Vec::new();
    for entry in page.entries {
        match entry {
            UploadEntry::Upload(u) => uploads.push(model::UploadSummary {
                key: u.key,
                upload_id: u.upload_id,
                initiated: unixtime_to_iso8601(u.initiated_ms.div_euclid(1000)),
            }),
            UploadEntry::Prefix(prefix) => {
                common_prefixes.push(osskit_proto::xml::list::CommonPrefix { prefix })
            }
        }
    }
    let (next_key_marker, next_upload_id_marker) = if page.truncated {
        (
            page.next_key_marker.unwrap_or_default(),
            page.next_upload_id_marker.unwrap_or_default(),
        )
    } else {
        (String::new(), String::new())
    };
    let mut result = model::ListMultipartUploadsResult {
        bucket,
        key_marker,
        upload_id_marker,
        next_key_marker,
        next_upload_id_marker,
        delimiter,
        prefix,
        max_uploads: max as u32,
        is_truncated: page.truncated,
        encoding_type: None,
        uploads,
        common_prefixes,
    };
    if encode {
        result.encode_url();
    }
    Ok(Reply::xml(xml::to_xml(&result)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_numbers_are_1_to_10000() {
        assert_eq!(part_number(Some("1")).unwrap(), 1);
        assert_eq!(part_number(Some("10000")).unwrap(), 10000);
        for bad in [
            None,
            Some(""),
            Some("0"),
            Some("10001"),
            Some("-1"),
            Some("x"),
        ] {
            let e = part_number(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad:?}");
            assert!(e
                .details
                .contains(&("ArgumentName".into(), "partNumber".into())));
        }
    }

    #[test]
    fn copy_ranges_resolve_or_are_rejected() {
        assert_eq!(copy_range(None, 10).unwrap(), (0, 10));
        assert_eq!(copy_range(Some("bytes=0-9"), 10).unwrap(), (0, 10));
        assert_eq!(copy_range(Some("bytes=3-5"), 10).unwrap(), (3, 3));
        assert_eq!(copy_range(Some("bytes=4-"), 10).unwrap(), (4, 6));
        assert_eq!(copy_range(Some("bytes=9-9"), 10).unwrap(), (9, 1));
        for bad in [
            "bytes=0-10",
            "bytes=5-3",
            "bytes=-3",
            "bytes=a-b",
            "0-3",
            "bytes=3",
            "bytes=10-",
        ] {
            let e = copy_range(Some(bad), 10).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad}");
        }
        assert!(copy_range(Some("bytes=0-0"), 0).is_err());
    }

    #[test]
    fn complete_bodies_parse_or_are_malformed() {
        let doc = b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"AA\"</ETag></Part>\
                    <Part><PartNumber>3</PartNumber><ETag>BB</ETag></Part></CompleteMultipartUpload>";
        assert_eq!(
            parse_complete_body(doc).unwrap(),
            vec![(1, "\"AA\"".to_string()), (3, "BB".to_string())]
        );
        for bad in [
            &b""[..],
            b"  \n",
            b"<CompleteMultipartUpload></CompleteMultipartUpload>",
            b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part>",
            b"not xml",
        ] {
            let e = parse_complete_body(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::MalformedXML);
        }
    }
}
