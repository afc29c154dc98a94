//! The multipart calls the transfer managers make, in one place.

use bytes::Bytes;
use http::Method;
use oss_proto::headers as h;
use oss_proto::range::ByteRange;
use oss_proto::xml::multipart as x;

use crate::body::Body;
use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::Async;
use crate::ops::{check_crc, finish, read_xml};
use crate::request::OssRequest;
use crate::result::ResponseMeta;
use crate::transfer::progress::PartProgress;
use crate::transport::execute;

/// Headers of a new object: type, metadata and extra headers.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectHeaders {
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

/// A part known to be stored: number, ETag, size and CRC-64 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DonePart {
    pub number: u32,
    pub etag: String,
    pub size: u64,
    pub crc64: Option<u64>,
}

/// A part as ListParts reports it.
#[derive(Debug, Clone)]
pub(crate) struct ListedPart {
    pub number: u32,
    pub etag: String,
    pub size: u64,
    pub crc64: Option<u64>,
}

fn object_request(
    client: &BucketClient<Async>,
    operation: &'static str,
    method: Method,
    key: &str,
) -> OssRequest {
    OssRequest::new(operation, method)
        .bucket(&client.name)
        .key(key)
}

/// InitiateMultipartUpload; returns the upload id.
pub(crate) async fn init(
    client: &BucketClient<Async>,
    key: &str,
    headers: &ObjectHeaders,
) -> Result<String> {
    let mut req = object_request(client, "InitiateMultipartUpload", Method::POST, key)
        .param("uploads", "")
        .header_opt("Content-Type", headers.content_type.clone());
    for (k, v) in &headers.metadata {
        req = req.header(&format!("{}{}", h::META_PREFIX, k), v.clone());
    }
    for (k, v) in &headers.headers {
        req = req.header(k, v.clone());
    }
    let config = &client.config;
    let (_, doc): (ResponseMeta, x::InitiateMultipartUploadResult) =
        read_xml(config, execute(config, req).await?).await?;
    Ok(doc.upload_id)
}

/// UploadPart of bytes already in memory (sent again as is when the client retries);
/// returns the part's ETag and the server's CRC-64.
pub(crate) async fn upload_part(
    client: &BucketClient<Async>,
    key: &str,
    upload_id: &str,
    number: u32,
    data: Bytes,
    progress: Option<&PartProgress>,
) -> Result<(String, Option<u64>)> {
    let config = &client.config;
    let mut req = object_request(client, "UploadPart", Method::PUT, key)
        .param("partNumber", number.to_string())
        .param("uploadId", upload_id)
        .body(Body::from(data))
        .progress(progress.map(|p| crate::progress::callback(p.callback())));
    req.upload_crc = config.enable_crc;
    let raw = execute(config, req).await?;
    let client_crc = raw.upload.as_ref().and_then(|t| t.crc());
    let meta = finish(config, raw).await?;
    if config.enable_crc {
        check_crc("UploadPart", client_crc, meta.crc64(), meta.request_id())?;
    }
    Ok((meta.etag().unwrap_or_default(), meta.crc64()))
}

/// UploadPartCopy of `range` of the source; returns the part's ETag and CRC-64.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn upload_part_copy(
    client: &BucketClient<Async>,
    source_bucket: &str,
    source_key: &str,
    range: ByteRange,
    source_etag: Option<&str>,
    key: &str,
    upload_id: &str,
    number: u32,
) -> Result<(String, Option<u64>)> {
    let config = &client.config;
    let source = format!(
        "/{source_bucket}/{}",
        oss_proto::encoding::quote(source_key, "")
    );
    let req = object_request(client, "UploadPartCopy", Method::PUT, key)
        .param("partNumber", number.to_string())
        .param("uploadId", upload_id)
        .header(h::COPY_SOURCE, source)
        .header_opt(h::COPY_SOURCE_RANGE, range.header_value())
        .header_opt(
            h::COPY_SOURCE_IF_MATCH,
            source_etag.map(|e| crate::ops::download::quote_etag(e.to_string())),
        );
    let (meta, doc): (ResponseMeta, x::CopyPartResult) =
        read_xml(config, execute(config, req).await?).await?;
    Ok((
        oss_proto::digest::strip_etag_quotes(&doc.etag).to_string(),
        meta.crc64(),
    ))
}

/// CompleteMultipartUpload; returns the object's ETag and CRC-64, checked against the
/// combined CRC of the parts when every part has one.
pub(crate) async fn complete(
    client: &BucketClient<Async>,
    key: &str,
    upload_id: &str,
    parts: &[DonePart],
) -> Result<(String, Option<u64>)> {
    let config = &client.config;
    let mut sorted = parts.to_vec();
    sorted.sort_by_key(|p| p.number);
    let doc = x::CompleteMultipartUpload {
        parts: sorted
            .iter()
            .map(|p| x::CompletePart {
                part_number: p.number,
                etag: format!("\"{}\"", oss_proto::digest::strip_etag_quotes(&p.etag)),
            })
            .collect(),
    };
    let xml = oss_proto::xml::to_xml(&doc);
    let req = object_request(client, "CompleteMultipartUpload", Method::POST, key)
        .param("uploadId", upload_id)
        .header("Content-Type", "application/xml")
        .body(Body::from(xml));
    let (meta, doc): (ResponseMeta, x::CompleteMultipartUploadResult) =
        read_xml(config, execute(config, req).await?).await?;
    if config.enable_crc {
        let mut acc = Some(0u64);
        for p in &sorted {
            acc = match (acc, p.crc64) {
                (Some(a), Some(c)) => Some(oss_proto::crc64::combine(a, c, p.size)),
                _ => None,
            };
        }
        check_crc(
            "CompleteMultipartUpload",
            acc,
            meta.crc64(),
            meta.request_id(),
        )?;
    }
    let etag = if doc.etag.is_empty() {
        meta.etag().unwrap_or_default()
    } else {
        oss_proto::digest::strip_etag_quotes(&doc.etag).to_string()
    };
    Ok((etag, meta.crc64()))
}

/// AbortMultipartUpload.
pub(crate) async fn abort(client: &BucketClient<Async>, key: &str, upload_id: &str) -> Result<()> {
    let config = &client.config;
    let req = object_request(client, "AbortMultipartUpload", Method::DELETE, key)
        .param("uploadId", upload_id);
    finish(config, execute(config, req).await?).await?;
    Ok(())
}

/// Every part of an upload (all pages of ListParts).
pub(crate) async fn list_parts(
    client: &BucketClient<Async>,
    key: &str,
    upload_id: &str,
) -> Result<Vec<ListedPart>> {
    let config = &client.config;
    let mut out = Vec::new();
    let mut marker: Option<u32> = None;
    loop {
        let req = object_request(client, "ListParts", Method::GET, key)
            .param("uploadId", upload_id)
            .param_opt("part-number-marker", marker.map(|m| m.to_string()));
        let (meta, page): (ResponseMeta, x::ListPartsResult) =
            read_xml(config, execute(config, req).await?).await?;
        out.extend(page.parts.into_iter().map(|p| ListedPart {
            number: p.part_number,
            etag: oss_proto::digest::strip_etag_quotes(&p.etag).to_string(),
            size: p.size,
            crc64: p.hash_crc64ecma,
        }));
        if !page.is_truncated {
            return Ok(out);
        }
        if marker == Some(page.next_part_number_marker) {
            return Err(Error::InvalidResponse {
                message: "ListParts returned the same marker twice".into(),
                request_id: meta.request_id().to_string(),
            });
        }
        marker = Some(page.next_part_number_marker);
    }
}
