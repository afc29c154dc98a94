//! The `MultipartUpload` of `put_multipart`, and the content ids of parts.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use object_store::{MultipartUpload, PutPayload, PutResult, Result, UploadPart};
use osskit::{Bucket, PartInfo};

use crate::error::{generic, map};
use crate::store::OssStore;

/// A part's content id: `ETag:size:CRC-64` (the size and CRC let the CRC-64 of the
/// completed object be checked). A content id of another form is taken as an ETag.
pub(crate) fn encode_part(part: &PartInfo) -> String {
    match (part.size, part.crc64) {
        (Some(size), Some(crc)) => format!("{}:{size}:{crc}", part.etag),
        _ => part.etag.clone(),
    }
}

/// The part `number` from its content id.
pub(crate) fn decode_part(number: u32, content_id: &str) -> PartInfo {
    let mut fields = content_id.rsplitn(3, ':');
    let (crc, size, etag) = (fields.next(), fields.next(), fields.next());
    if let (Some(etag), Some(Ok(size)), Some(Ok(crc))) = (
        etag,
        size.map(str::parse::<u64>),
        crc.map(str::parse::<u64>),
    ) {
        return PartInfo::new(number, etag).size(size).crc64(crc);
    }
    PartInfo::new(number, content_id)
}

/// The parts uploaded so far, by index (part number − 1).
type Parts = Arc<Mutex<Vec<Option<PartInfo>>>>;

/// A multipart upload started by `put_multipart`: parts are numbered in the order
/// `put_part` is called and may be uploaded concurrently.
#[derive(Debug)]
pub(crate) struct OssUpload {
    bucket: Bucket,
    key: String,
    upload_id: String,
    parts: Parts,
    next: u32,
}

impl OssUpload {
    pub(crate) fn new(bucket: Bucket, key: String, upload_id: String) -> Self {
        OssUpload {
            bucket,
            key,
            upload_id,
            parts: Arc::new(Mutex::new(Vec::new())),
            next: 0,
        }
    }
}

fn lock(parts: &Parts) -> std::sync::MutexGuard<'_, Vec<Option<PartInfo>>> {
    parts.lock().unwrap_or_else(|p| p.into_inner())
}

#[async_trait]
impl MultipartUpload for OssUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let index = self.next as usize;
        self.next = self.next.saturating_add(1);
        let number = self.next;
        let (bucket, key, id, parts) = (
            self.bucket.clone(),
            self.key.clone(),
            self.upload_id.clone(),
            self.parts.clone(),
        );
        Box::pin(async move {
            if u64::from(number) > 10_000 {
                return Err(generic(format!(
                    "{key}: an upload has at most 10000 parts; write larger parts"
                )));
            }
            let part = OssStore::upload_part(&bucket, &key, &id, number, data).await?;
            let mut parts = lock(&parts);
            if parts.len() <= index {
                parts.resize(index + 1, None);
            }
            parts[index] = Some(part);
            Ok(())
        })
    }

    async fn complete(&mut self) -> Result<PutResult> {
        let parts: Vec<PartInfo> = {
            let parts = lock(&self.parts);
            let mut out = Vec::with_capacity(self.next as usize);
            for i in 0..self.next as usize {
                match parts.get(i).cloned().flatten() {
                    Some(p) => out.push(p),
                    None => {
                        return Err(generic(format!(
                            "{}: part {} of the upload was not uploaded (its put_part failed \
                             or was not awaited)",
                            self.key,
                            i + 1
                        )))
                    }
                }
            }
            out
        };
        OssStore::complete(&self.bucket, &self.key, &self.upload_id, parts).await
    }

    async fn abort(&mut self) -> Result<()> {
        self.bucket
            .abort_multipart_upload(&self.key, &self.upload_id)
            .await
            .map_err(|e| map(e, &self.key))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ids_round_trip() {
        let full = PartInfo::new(3, "5B3C1A").size(102400).crc64(42);
        let id = encode_part(&full);
        assert_eq!(id, "5B3C1A:102400:42");
        assert_eq!(decode_part(3, &id), full);
        // An id of another form is an ETag.
        let bare = decode_part(1, "5B3C1A");
        assert_eq!(bare, PartInfo::new(1, "5B3C1A"));
        let odd = decode_part(2, "a:b:c");
        assert_eq!(odd.etag, "a:b:c");
        assert_eq!((odd.size, odd.crc64), (None, None));
    }
}
