//! ListParts (the parts of one upload) and ListMultipartUploads (the unfinished uploads of
//! a bucket), one page at a time or as streams of pages and items.

use futures_util::stream::BoxStream;
use osskit_proto::ops::OpId;
use osskit_proto::xml::multipart as x;

use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::{Async, Blocking, Mode};
use crate::ops::multipart::upload_request;
use crate::ops::{builder_options, impl_send, read_xml};
use crate::paginate::{flatten_pages, paginate_by, BlockingIter};
use crate::request::{OssRequest, RequestOptions};
use crate::result::{impl_response, ResponseMeta};
use crate::transport::execute;

/// One part of an upload, as ListParts reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartSummary {
    /// Part number.
    pub part_number: u32,
    /// ETag without quotes.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// When the part was uploaded, Unix seconds.
    pub last_modified: Option<i64>,
    /// CRC-64 of the part, when reported.
    pub crc64: Option<u64>,
}

impl From<x::PartSummary> for PartSummary {
    fn from(p: x::PartSummary) -> Self {
        PartSummary {
            part_number: p.part_number,
            etag: osskit_proto::digest::strip_etag_quotes(&p.etag).to_string(),
            size: p.size,
            last_modified: osskit_proto::date::iso8601_to_unixtime(&p.last_modified).ok(),
            crc64: p.hash_crc64ecma,
        }
    }
}

/// One page of ListParts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ListPartsOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Key of the upload.
    pub key: String,
    /// The upload id.
    pub upload_id: String,
    /// The marker of this page (parts after this number).
    pub part_number_marker: u32,
    /// Marker of the next page.
    pub next_part_number_marker: u32,
    /// Page size.
    pub max_parts: u32,
    /// More pages follow.
    pub is_truncated: bool,
    /// The parts, by ascending number.
    pub parts: Vec<PartSummary>,
}

/// One unfinished upload of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MultipartUploadSummary {
    /// Key (decoded).
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// When the upload was started, Unix seconds.
    pub initiated: Option<i64>,
}

/// An entry of ListMultipartUploads: an upload or a common prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadItem {
    /// An unfinished upload.
    Upload(MultipartUploadSummary),
    /// A prefix folded by the delimiter (ends with it).
    CommonPrefix(String),
}

impl UploadItem {
    /// The key or prefix.
    pub fn key(&self) -> &str {
        match self {
            UploadItem::Upload(u) => &u.key,
            UploadItem::CommonPrefix(p) => p,
        }
    }

    /// True for a common prefix.
    pub fn is_prefix(&self) -> bool {
        matches!(self, UploadItem::CommonPrefix(_))
    }
}

/// Uploads and prefixes of one page, sorted by key (uploads of one key keep their order).
fn page_items(uploads: Vec<MultipartUploadSummary>, prefixes: Vec<String>) -> Vec<UploadItem> {
    let mut items: Vec<UploadItem> = uploads
        .into_iter()
        .map(UploadItem::Upload)
        .chain(prefixes.into_iter().map(UploadItem::CommonPrefix))
        .collect();
    items.sort_by(|a, b| a.key().cmp(b.key()));
    items
}

/// One page of ListMultipartUploads.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ListMultipartUploadsOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Prefix.
    pub prefix: String,
    /// Delimiter.
    pub delimiter: String,
    /// Key marker of this page.
    pub key_marker: String,
    /// Upload id marker of this page.
    pub upload_id_marker: String,
    /// Page size.
    pub max_uploads: u32,
    /// More pages follow.
    pub is_truncated: bool,
    /// Key marker of the next page.
    pub next_key_marker: String,
    /// Upload id marker of the next page.
    pub next_upload_id_marker: String,
    /// Uploads, by key then initiation.
    pub uploads: Vec<MultipartUploadSummary>,
    /// Common prefixes.
    pub common_prefixes: Vec<String>,
}

impl ListMultipartUploadsOutput {
    /// Uploads and prefixes of this page, sorted by key.
    pub fn items(&self) -> Vec<UploadItem> {
        page_items(self.uploads.clone(), self.common_prefixes.clone())
    }
}

impl_response!(ListPartsOutput, ListMultipartUploadsOutput);

/// ListParts: see [`BucketClient::list_parts`].
#[derive(Clone)]
pub struct ListParts<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    upload_id: String,
    part_number_marker: Option<u32>,
    max_parts: Option<u32>,
    options: RequestOptions,
}

builder_options!(ListParts);
impl_send!(ListParts => ListPartsOutput);

impl<M: Mode> ListParts<M> {
    /// Only parts numbered above this one.
    pub fn part_number_marker(mut self, marker: u32) -> Self {
        self.part_number_marker = Some(marker);
        self
    }

    /// Page size (1–1000; OSS defaults to 1000).
    pub fn max_parts(mut self, n: u32) -> Self {
        self.max_parts = Some(n);
        self
    }

    async fn fetch(self, marker: Option<u32>) -> Result<ListPartsOutput> {
        let config = &self.client.config;
        let req = upload_request(
            OpId::ListParts,
            &self.client.name,
            &self.key,
            &self.upload_id,
        )?
        .param_opt("part-number-marker", marker.map(|m| m.to_string()))
        .param_opt("max-parts", self.max_parts.map(|n| n.to_string()))
        .options(self.options);
        let (meta, doc): (ResponseMeta, x::ListPartsResult) =
            read_xml(config, execute(config, req).await?).await?;
        Ok(ListPartsOutput {
            meta,
            key: doc.key,
            upload_id: doc.upload_id,
            part_number_marker: doc.part_number_marker,
            next_part_number_marker: doc.next_part_number_marker,
            max_parts: doc.max_parts,
            is_truncated: doc.is_truncated,
            parts: doc.parts.into_iter().map(Into::into).collect(),
        })
    }

    async fn execute(self) -> Result<ListPartsOutput> {
        let marker = self.part_number_marker;
        self.fetch(marker).await
    }

    fn page_stream(self) -> BoxStream<'static, Result<ListPartsOutput>> {
        let first = self.part_number_marker;
        paginate_by(first, "ListParts", move |marker| {
            let this = self.clone();
            async move {
                let page = this.fetch(marker).await?;
                let next = page.is_truncated.then_some(page.next_part_number_marker);
                Ok((page, next))
            }
        })
    }

    fn item_stream(self) -> BoxStream<'static, Result<PartSummary>> {
        flatten_pages(self.page_stream(), |p: ListPartsOutput| p.parts)
    }
}

impl ListParts<Async> {
    /// Every page, following `next_part_number_marker` until the last.
    pub fn into_paginator(self) -> BoxStream<'static, Result<ListPartsOutput>> {
        self.page_stream()
    }

    /// Every part across pages, by ascending number.
    pub fn into_items(self) -> BoxStream<'static, Result<PartSummary>> {
        self.item_stream()
    }

    /// Same as [`ListParts::into_items`].
    pub fn items(self) -> BoxStream<'static, Result<PartSummary>> {
        self.item_stream()
    }
}

impl ListParts<Blocking> {
    /// Every page, following `next_part_number_marker` until the last.
    pub fn into_paginator(self) -> BlockingIter<ListPartsOutput> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.page_stream(), mode)
    }

    /// Every part across pages, by ascending number.
    pub fn into_items(self) -> BlockingIter<PartSummary> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.item_stream(), mode)
    }

    /// Same as [`ListParts::into_items`].
    pub fn items(self) -> BlockingIter<PartSummary> {
        self.into_items()
    }
}

/// The position in a ListMultipartUploads listing: key marker and upload id marker.
type UploadMarker = (String, String);

/// ListMultipartUploads: see [`BucketClient::list_multipart_uploads`].
#[derive(Clone)]
pub struct ListMultipartUploads<M: Mode = Async> {
    client: BucketClient<M>,
    prefix: Option<String>,
    delimiter: Option<String>,
    key_marker: Option<String>,
    upload_id_marker: Option<String>,
    max_uploads: Option<u32>,
    options: RequestOptions,
}

builder_options!(ListMultipartUploads);
impl_send!(ListMultipartUploads => ListMultipartUploadsOutput);

impl<M: Mode> ListMultipartUploads<M> {
    /// Only uploads of keys starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Fold keys at the first `delimiter` after the prefix into common prefixes.
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// Start after this key (with [`upload_id_marker`](Self::upload_id_marker): after that
    /// upload of this key).
    pub fn key_marker(mut self, marker: impl Into<String>) -> Self {
        self.key_marker = Some(marker.into());
        self
    }

    /// Start after this upload of the key marker's key.
    pub fn upload_id_marker(mut self, marker: impl Into<String>) -> Self {
        self.upload_id_marker = Some(marker.into());
        self
    }

    /// Page size (1–1000; OSS defaults to 1000).
    pub fn max_uploads(mut self, n: u32) -> Self {
        self.max_uploads = Some(n);
        self
    }

    fn first_marker(&self) -> Option<UploadMarker> {
        if self.key_marker.is_none() && self.upload_id_marker.is_none() {
            return None;
        }
        Some((
            self.key_marker.clone().unwrap_or_default(),
            self.upload_id_marker.clone().unwrap_or_default(),
        ))
    }

    async fn fetch(self, marker: Option<UploadMarker>) -> Result<ListMultipartUploadsOutput> {
        let config = &self.client.config;
        let (key_marker, upload_id_marker) = marker.unwrap_or_default();
        let req = OssRequest::new(OpId::ListMultipartUploads)
            .bucket(&self.client.name)
            .param_opt("prefix", self.prefix)
            .param_opt("delimiter", self.delimiter)
            .param_opt("key-marker", Some(key_marker).filter(|m| !m.is_empty()))
            .param_opt(
                "upload-id-marker",
                Some(upload_id_marker).filter(|m| !m.is_empty()),
            )
            .param_opt("max-uploads", self.max_uploads.map(|n| n.to_string()))
            .param("encoding-type", "url")
            .options(self.options);
        let (meta, mut doc): (ResponseMeta, x::ListMultipartUploadsResult) =
            read_xml(config, execute(config, req).await?).await?;
        doc.decode_url();
        Ok(ListMultipartUploadsOutput {
            meta,
            prefix: doc.prefix,
            delimiter: doc.delimiter,
            key_marker: doc.key_marker,
            upload_id_marker: doc.upload_id_marker,
            max_uploads: doc.max_uploads,
            is_truncated: doc.is_truncated,
            next_key_marker: doc.next_key_marker,
            next_upload_id_marker: doc.next_upload_id_marker,
            uploads: doc
                .uploads
                .into_iter()
                .map(|u| MultipartUploadSummary {
                    initiated: osskit_proto::date::iso8601_to_unixtime(&u.initiated).ok(),
                    key: u.key,
                    upload_id: u.upload_id,
                })
                .collect(),
            common_prefixes: doc.common_prefixes.into_iter().map(|p| p.prefix).collect(),
        })
    }

    async fn execute(self) -> Result<ListMultipartUploadsOutput> {
        let marker = self.first_marker();
        self.fetch(marker).await
    }

    fn page_stream(self) -> BoxStream<'static, Result<ListMultipartUploadsOutput>> {
        let first = self.first_marker();
        paginate_by(first, "ListMultipartUploads", move |marker| {
            let this = self.clone();
            async move {
                let page = this.fetch(marker).await?;
                if !page.is_truncated {
                    return Ok((page, None));
                }
                if page.next_key_marker.is_empty() && page.next_upload_id_marker.is_empty() {
                    return Err(Error::InvalidResponse {
                        message: "ListMultipartUploads: a truncated page has no NextKeyMarker \
                                  nor NextUploadIdMarker"
                            .into(),
                        request_id: page.meta.request_id().to_string(),
                    });
                }
                let next = (
                    page.next_key_marker.clone(),
                    page.next_upload_id_marker.clone(),
                );
                Ok((page, Some(next)))
            }
        })
    }

    fn item_stream(self) -> BoxStream<'static, Result<UploadItem>> {
        flatten_pages(self.page_stream(), |p: ListMultipartUploadsOutput| {
            page_items(p.uploads, p.common_prefixes)
        })
    }
}

impl ListMultipartUploads<Async> {
    /// Every page, following the next key and upload id markers until the last.
    pub fn into_paginator(self) -> BoxStream<'static, Result<ListMultipartUploadsOutput>> {
        self.page_stream()
    }

    /// Every upload and common prefix across pages.
    pub fn into_items(self) -> BoxStream<'static, Result<UploadItem>> {
        self.item_stream()
    }

    /// Same as [`ListMultipartUploads::into_items`].
    pub fn items(self) -> BoxStream<'static, Result<UploadItem>> {
        self.item_stream()
    }
}

impl ListMultipartUploads<Blocking> {
    /// Every page, following the next key and upload id markers until the last.
    pub fn into_paginator(self) -> BlockingIter<ListMultipartUploadsOutput> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.page_stream(), mode)
    }

    /// Every upload and common prefix across pages.
    pub fn into_items(self) -> BlockingIter<UploadItem> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.item_stream(), mode)
    }

    /// Same as [`ListMultipartUploads::into_items`].
    pub fn items(self) -> BlockingIter<UploadItem> {
        self.into_items()
    }
}

impl<M: Mode> BucketClient<M> {
    /// ListParts: the parts uploaded so far to an upload of `key`.
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// use osskit::{Auth, Bucket};
    /// use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = TestServer::start().await;
    /// let auth = Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    /// let bucket = Bucket::new(auth, &server.endpoint(), "list-parts-example")?;
    /// bucket.create_bucket().await?;
    /// let id = bucket.init_multipart_upload("log.txt").await?.upload_id;
    /// for n in 1..=3 {
    ///     bucket.upload_part("log.txt", &id, n, format!("line {n}\n")).await?;
    /// }
    ///
    /// // One part per page, followed to the end.
    /// let parts: Vec<(u32, u64)> = bucket
    ///     .list_parts("log.txt", &id)
    ///     .max_parts(1)
    ///     .into_items()
    ///     .map_ok(|p| (p.part_number, p.size))
    ///     .try_collect()
    ///     .await?;
    /// assert_eq!(parts, [(1, 7), (2, 7), (3, 7)]);
    ///
    /// // Uploads still open in the bucket.
    /// let open = bucket.list_multipart_uploads().prefix("log").send().await?;
    /// assert_eq!(open.uploads[0].upload_id, id);
    ///
    /// bucket.abort_multipart_upload("log.txt", &id).await?;
    /// let gone = bucket.list_parts("log.txt", &id).await.unwrap_err();
    /// assert_eq!(gone.code(), Some("NoSuchUpload"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_parts(&self, key: impl Into<String>, upload_id: impl Into<String>) -> ListParts<M> {
        ListParts {
            client: self.clone(),
            key: key.into(),
            upload_id: upload_id.into(),
            part_number_marker: None,
            max_parts: None,
            options: RequestOptions::default(),
        }
    }

    /// ListMultipartUploads: the unfinished uploads of the bucket (always with
    /// `encoding-type=url`; keys, prefixes and markers come back decoded).
    pub fn list_multipart_uploads(&self) -> ListMultipartUploads<M> {
        ListMultipartUploads {
            client: self.clone(),
            prefix: None,
            delimiter: None,
            key_marker: None,
            upload_id_marker: None,
            max_uploads: None,
            options: RequestOptions::default(),
        }
    }
}
