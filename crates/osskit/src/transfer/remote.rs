//! The multipart calls the transfer managers make, in one place.

use bytes::Bytes;
use futures_util::TryStreamExt;
use osskit_proto::range::ByteRange;

use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::Async;
use crate::ops::multipart::PartInfo;
use crate::transfer::progress::PartProgress;

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

/// InitiateMultipartUpload; returns the upload id.
pub(crate) async fn init(
    client: &BucketClient<Async>,
    key: &str,
    headers: &ObjectHeaders,
) -> Result<String> {
    let mut b = client.init_multipart_upload(key);
    if let Some(t) = &headers.content_type {
        b = b.content_type(t.clone());
    }
    for (k, v) in &headers.metadata {
        b = b.metadata(k.clone(), v.clone());
    }
    for (k, v) in &headers.headers {
        b = b.header(k.clone(), v.clone());
    }
    Ok(b.await?.upload_id)
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
    let mut b = client.upload_part(key, upload_id, number, data);
    if let Some(p) = progress {
        b = b.progress(p.callback());
    }
    let out = b.await?;
    Ok((out.etag, out.crc64))
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
    let mut b = client.upload_part_copy(
        source_bucket,
        source_key,
        Some(range),
        key,
        upload_id,
        number,
    );
    if let Some(etag) = source_etag {
        b = b.source_if_match(etag);
    }
    let out = b.await?;
    Ok((out.etag, out.crc64))
}

/// CompleteMultipartUpload; returns the object's ETag and CRC-64. The client checks the
/// CRC against the combined CRC of the parts (when every part has one).
pub(crate) async fn complete(
    client: &BucketClient<Async>,
    key: &str,
    upload_id: &str,
    parts: &[DonePart],
) -> Result<(String, Option<u64>)> {
    let infos: Vec<PartInfo> = parts
        .iter()
        .map(|p| {
            let info = PartInfo::new(p.number, p.etag.clone()).size(p.size);
            match p.crc64 {
                Some(crc) => info.crc64(crc),
                None => info,
            }
        })
        .collect();
    match client
        .complete_multipart_upload(key, upload_id, infos)
        .await
    {
        Ok(out) => Ok((out.etag, out.crc64)),
        // No answer: the completion may have been carried out (or still be running), and it
        // is not sent twice. Find out.
        Err(e @ Error::Request { .. }) => settle(client, key, upload_id, parts, e).await,
        Err(e) => Err(e),
    }
}

/// After a completion that got no answer: waits (up to twice the read timeout) for the
/// upload to disappear, then takes the object for the completed one if its size and CRC-64
/// are the parts'. Otherwise returns `unanswered`.
async fn settle(
    client: &BucketClient<Async>,
    key: &str,
    upload_id: &str,
    parts: &[DonePart],
    unanswered: Error,
) -> Result<(String, Option<u64>)> {
    let deadline = std::time::Instant::now() + client.config.read_timeout * 2;
    loop {
        match client.list_parts(key, upload_id).max_parts(1).await {
            Err(e) if e.code() == Some("NoSuchUpload") => break,
            Ok(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            _ => return Err(unanswered),
        }
    }
    let Ok(head) = client.head_object(key).await else {
        return Err(unanswered);
    };
    let size: u64 = parts.iter().map(|p| p.size).sum();
    let crc = parts.iter().try_fold(0u64, |acc, p| {
        p.crc64
            .map(|c| osskit_proto::crc64::combine(acc, c, p.size))
    });
    let same_size = head.content_length == Some(size);
    let same_crc = match (crc, head.crc64) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    if same_size && same_crc {
        tracing::info!(target: "osskit", key, upload_id, "the completion got no answer but was carried out");
        Ok((head.etag, head.crc64))
    } else {
        Err(unanswered)
    }
}

/// AbortMultipartUpload.
pub(crate) async fn abort(client: &BucketClient<Async>, key: &str, upload_id: &str) -> Result<()> {
    client.abort_multipart_upload(key, upload_id).await?;
    Ok(())
}

/// Every part of an upload (all pages of ListParts).
pub(crate) async fn list_parts(
    client: &BucketClient<Async>,
    key: &str,
    upload_id: &str,
) -> Result<Vec<ListedPart>> {
    client
        .list_parts(key, upload_id)
        .into_items()
        .map_ok(|p| ListedPart {
            number: p.part_number,
            etag: osskit_proto::digest::strip_etag_quotes(&p.etag).to_string(),
            size: p.size,
            crc64: p.crc64,
        })
        .try_collect()
        .await
}
