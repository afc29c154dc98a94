//! The copier: CopyObject for objects OSS copies in one request, parallel UploadPartCopy
//! for larger ones.

use std::collections::VecDeque;

use osskit_proto::range::ByteRange;
use tokio::task::JoinSet;

use crate::bucket::{check_bucket_name, BucketClient};
use crate::error::{Error, Result};
use crate::mode::{Async, Mode};
use crate::ops::{check_crc, check_key, impl_send};
use crate::progress::ProgressFn;
use crate::transfer::plan::{determine_part_size, split};
use crate::transfer::progress::SharedProgress;
use crate::transfer::remote::{self, DonePart, ObjectHeaders};
use crate::transfer::upload::{combined_crc, join_error};
use crate::transfer::{
    async_client, object_header_setters, other_bucket, DEFAULT_COPY_PART_SIZE,
    DEFAULT_COPY_THRESHOLD, DEFAULT_PARALLELISM,
};

/// The outcome of a [`Copier`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyOutput {
    /// ETag of the new object, without quotes.
    pub etag: String,
    /// CRC-64 of the new object (checked against the source's when CRC checks are on).
    pub crc64: Option<u64>,
    /// Size of the object.
    pub size: u64,
    /// The multipart upload id; `None` when one CopyObject was enough.
    pub upload_id: Option<String>,
    /// Number of parts (1 for CopyObject).
    pub parts: u32,
}

/// Copy of any size: see [`BucketClient::copy`].
pub struct Copier<M: Mode = Async> {
    client: BucketClient<M>,
    source_bucket: String,
    source_key: String,
    key: String,
    headers: ObjectHeaders,
    part_size: u64,
    parallelism: usize,
    threshold: u64,
    progress: Option<ProgressFn>,
}

object_header_setters!(Copier);
impl_send!(Copier => CopyOutput);

impl<M: Mode> Copier<M> {
    /// Objects of at least this size are copied part by part (default 200 MiB; CopyObject
    /// itself stops at 1 GB).
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes;
        self
    }

    /// Size of each copied part (default 64 MiB, at least 100 KiB, grown to stay within
    /// 10,000 parts).
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// How many parts are copied at the same time (default 4, at least 1).
    pub fn parallelism(mut self, parts: usize) -> Self {
        self.parallelism = parts.max(1);
        self
    }

    /// Called with `(bytes copied, Some(size))` after each part.
    pub fn progress(mut self, f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> Self {
        self.progress = Some(crate::progress::callback(f));
        self
    }

    async fn execute(self) -> Result<CopyOutput> {
        check_bucket_name(&self.source_bucket)?;
        check_key(&self.source_key)?;
        check_key(&self.key)?;
        let client = async_client(&self.client);
        let source = other_bucket(&client, &self.source_bucket);
        let head = source.head_object(&self.source_key).await?;
        let size = head.content_length.ok_or_else(|| Error::InvalidResponse {
            message: format!("HeadObject of {:?} has no Content-Length", self.source_key),
            request_id: head.request_id().to_string(),
        })?;
        let progress = SharedProgress::new(self.progress.clone(), Some(size));
        let check = client.config.enable_crc;
        if size < self.threshold || size == 0 {
            let mut b = client.copy_object(&self.source_bucket, &self.source_key, &self.key);
            let replace = self.headers.content_type.is_some() || !self.headers.metadata.is_empty();
            if replace {
                b = b.metadata_directive(crate::types::MetadataDirective::Replace);
                if let Some(t) = &self.headers.content_type {
                    b = b.content_type(t.clone());
                }
                for (k, v) in &self.headers.metadata {
                    b = b.metadata(k.clone(), v.clone());
                }
            }
            for (k, v) in &self.headers.headers {
                b = b.header(k.clone(), v.clone());
            }
            if !head.etag.is_empty() {
                b = b.header(
                    osskit_proto::headers::COPY_SOURCE_IF_MATCH,
                    crate::ops::download::quote_etag(head.etag.clone()),
                );
            }
            let out = b.await?;
            if check {
                check_crc("copy", head.crc64, out.crc64, out.meta.request_id())?;
            }
            progress.add(size);
            return Ok(CopyOutput {
                etag: out.etag,
                crc64: out.crc64,
                size,
                upload_id: None,
                parts: 1,
            });
        }
        // The new object keeps the source's type and metadata unless others are given.
        let mut headers = self.headers.clone();
        if headers.content_type.is_none() && headers.metadata.is_empty() {
            headers.content_type = head.content_type.clone();
            headers.metadata = head.metadata.clone().into_iter().collect();
        }
        let part_size = determine_part_size(size, self.part_size)?;
        let upload_id = remote::init(&client, &self.key, &headers).await?;
        let result = self
            .copy_parts(&client, &upload_id, size, part_size, &head.etag, &progress)
            .await;
        let mut parts = match result {
            Ok(p) => p,
            Err(e) => {
                let _ = remote::abort(&client, &self.key, &upload_id).await;
                return Err(e);
            }
        };
        parts.sort_by_key(|p| p.number);
        let (etag, crc64) = match remote::complete(&client, &self.key, &upload_id, &parts).await {
            Ok(v) => v,
            Err(e) => {
                let _ = remote::abort(&client, &self.key, &upload_id).await;
                return Err(e);
            }
        };
        if check {
            let label = format!("(upload id {upload_id})");
            check_crc("copy: parts", combined_crc(&parts), crc64, &label)?;
            check_crc("copy", head.crc64, crc64, &label)?;
        }
        Ok(CopyOutput {
            etag,
            crc64,
            size,
            parts: parts.len() as u32,
            upload_id: Some(upload_id),
        })
    }

    async fn copy_parts(
        &self,
        client: &BucketClient<Async>,
        upload_id: &str,
        size: u64,
        part_size: u64,
        source_etag: &str,
        progress: &SharedProgress,
    ) -> Result<Vec<DonePart>> {
        let mut todo: VecDeque<_> = split(size, part_size).into();
        let mut tasks = JoinSet::new();
        let mut out = Vec::with_capacity(todo.len());
        loop {
            while tasks.len() < self.parallelism {
                let Some(part) = todo.pop_front() else { break };
                let client = client.clone();
                let source_bucket = self.source_bucket.clone();
                let source_key = self.source_key.clone();
                let etag = (!source_etag.is_empty()).then(|| source_etag.to_string());
                let key = self.key.clone();
                let id = upload_id.to_string();
                tasks.spawn(async move {
                    let range = ByteRange::new(Some(part.offset), Some(part.last()));
                    let (etag, crc64) = remote::upload_part_copy(
                        &client,
                        &source_bucket,
                        &source_key,
                        range,
                        etag.as_deref(),
                        &key,
                        &id,
                        part.number,
                    )
                    .await?;
                    Ok::<_, Error>(DonePart {
                        number: part.number,
                        etag,
                        size: part.len,
                        crc64,
                    })
                });
            }
            match tasks.join_next().await {
                None => return Ok(out),
                Some(Ok(Ok(part))) => {
                    progress.add(part.size);
                    out.push(part);
                }
                Some(Ok(Err(e))) => return Err(e),
                Some(Err(e)) => return Err(join_error(e)),
            }
        }
    }
}

impl<M: Mode> BucketClient<M> {
    /// Copies `source_bucket/source_key` to `key` in this bucket, whatever its size.
    ///
    /// Below [`multipart_threshold`](Copier::multipart_threshold) (200 MiB) this is one
    /// CopyObject; above, a multipart upload whose parts (64 MiB) are copied on the server
    /// side with UploadPartCopy, `parallelism` (4) at a time, guarded by
    /// `x-oss-copy-source-if-match` on the source's ETag. The new object keeps the source's
    /// Content-Type and metadata unless others are set. Its CRC-64 is checked against the
    /// source's; a failed multipart copy is aborted.
    pub fn copy(
        &self,
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        key: impl Into<String>,
    ) -> Copier<M> {
        Copier {
            client: self.clone(),
            source_bucket: source_bucket.into(),
            source_key: source_key.into(),
            key: key.into(),
            headers: ObjectHeaders::default(),
            part_size: DEFAULT_COPY_PART_SIZE,
            parallelism: DEFAULT_PARALLELISM,
            threshold: DEFAULT_COPY_THRESHOLD,
            progress: None,
        }
    }
}
