//! ListObjects (v1) and ListObjectsV2, one page at a time or as streams of pages and items.
//!
//! Both always send `encoding-type=url` and decode keys, prefixes, markers and tokens, so
//! any key (spaces, `+`, `%`, control characters, unicode) comes back intact.

use futures_util::stream::BoxStream;
use osskit_proto::ops::OpId;
use osskit_proto::xml::list as x;

use crate::bucket::BucketClient;
use crate::error::Result;
use crate::mode::{Async, Blocking, Mode};
use crate::ops::{builder_options, impl_send, read_xml};
use crate::paginate::{flatten_pages, paginate, BlockingIter};
use crate::request::{OssRequest, RequestOptions};
use crate::result::{impl_response, ResponseMeta};
use crate::transport::execute;

pub use osskit_proto::xml::bucket::Owner;

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectSummary {
    /// Key (decoded).
    pub key: String,
    /// Last modification, Unix seconds.
    pub last_modified: Option<i64>,
    /// ETag without quotes.
    pub etag: String,
    /// `Normal`, `Appendable` or `Multipart`.
    pub object_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Storage class.
    pub storage_class: String,
    /// Owner (v1; v2 with `fetch_owner(true)`).
    pub owner: Option<Owner>,
    /// `RestoreInfo` of archived objects being restored or restored
    /// (`ongoing-request="true"`, or `ongoing-request="false", expiry-date="…"`).
    pub restore_info: Option<String>,
}

impl From<x::ObjectSummary> for ObjectSummary {
    fn from(o: x::ObjectSummary) -> Self {
        ObjectSummary {
            last_modified: osskit_proto::date::iso8601_to_unixtime(&o.last_modified).ok(),
            etag: osskit_proto::digest::strip_etag_quotes(&o.etag).to_string(),
            key: o.key,
            object_type: o.object_type,
            size: o.size,
            storage_class: o.storage_class,
            owner: o.owner,
            restore_info: o.restore_info,
        }
    }
}

/// An entry of a listing: an object or a common prefix ("directory").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListItem {
    /// An object.
    Object(ObjectSummary),
    /// A prefix folded by the delimiter (ends with it).
    CommonPrefix(String),
}

impl ListItem {
    /// The key or prefix.
    pub fn key(&self) -> &str {
        match self {
            ListItem::Object(o) => &o.key,
            ListItem::CommonPrefix(p) => p,
        }
    }

    /// True for a common prefix.
    pub fn is_prefix(&self) -> bool {
        matches!(self, ListItem::CommonPrefix(_))
    }
}

/// Objects and prefixes of one page, sorted by key as oss2's iterators yield them.
fn page_items(objects: Vec<ObjectSummary>, prefixes: Vec<String>) -> Vec<ListItem> {
    let mut items: Vec<ListItem> = objects
        .into_iter()
        .map(ListItem::Object)
        .chain(prefixes.into_iter().map(ListItem::CommonPrefix))
        .collect();
    items.sort_by(|a, b| a.key().cmp(b.key()));
    items
}

/// One page of ListObjects (v1).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ListObjectsOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Bucket name.
    pub name: String,
    /// Prefix.
    pub prefix: String,
    /// Marker of this page.
    pub marker: String,
    /// Delimiter.
    pub delimiter: String,
    /// Page size.
    pub max_keys: u32,
    /// More pages follow.
    pub is_truncated: bool,
    /// Marker of the next page.
    pub next_marker: Option<String>,
    /// Objects.
    pub objects: Vec<ObjectSummary>,
    /// Common prefixes.
    pub common_prefixes: Vec<String>,
}

impl ListObjectsOutput {
    /// Objects and prefixes of this page, sorted by key.
    pub fn items(&self) -> Vec<ListItem> {
        page_items(self.objects.clone(), self.common_prefixes.clone())
    }
}

/// One page of ListObjectsV2.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ListObjectsV2Output {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Bucket name.
    pub name: String,
    /// Prefix.
    pub prefix: String,
    /// Delimiter.
    pub delimiter: String,
    /// Page size.
    pub max_keys: u32,
    /// start-after of this request.
    pub start_after: Option<String>,
    /// Token of this page.
    pub continuation_token: Option<String>,
    /// Number of keys and prefixes in this page.
    pub key_count: u32,
    /// More pages follow.
    pub is_truncated: bool,
    /// Token of the next page.
    pub next_continuation_token: Option<String>,
    /// Objects.
    pub objects: Vec<ObjectSummary>,
    /// Common prefixes.
    pub common_prefixes: Vec<String>,
}

impl ListObjectsV2Output {
    /// Objects and prefixes of this page, sorted by key.
    pub fn items(&self) -> Vec<ListItem> {
        page_items(self.objects.clone(), self.common_prefixes.clone())
    }
}

impl_response!(ListObjectsOutput, ListObjectsV2Output);

/// ListObjects (v1): see [`BucketClient::list_objects`].
#[derive(Clone)]
pub struct ListObjects<M: Mode = Async> {
    client: BucketClient<M>,
    prefix: Option<String>,
    delimiter: Option<String>,
    marker: Option<String>,
    max_keys: Option<u32>,
    options: RequestOptions,
}

builder_options!(ListObjects);
impl_send!(ListObjects => ListObjectsOutput);

impl<M: Mode> ListObjects<M> {
    /// Only keys starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Fold keys at the first `delimiter` after the prefix into common prefixes.
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// Start after this key.
    pub fn marker(mut self, marker: impl Into<String>) -> Self {
        self.marker = Some(marker.into());
        self
    }

    /// Page size (1–1000; OSS defaults to 100).
    pub fn max_keys(mut self, n: u32) -> Self {
        self.max_keys = Some(n);
        self
    }

    async fn fetch(self, marker: Option<String>) -> Result<ListObjectsOutput> {
        let config = &self.client.config;
        let req = OssRequest::new(OpId::ListObjects)
            .bucket(&self.client.name)
            .param_opt("prefix", self.prefix)
            .param_opt("delimiter", self.delimiter)
            .param_opt("marker", marker)
            .param_opt("max-keys", self.max_keys.map(|n| n.to_string()))
            .param("encoding-type", "url")
            .options(self.options);
        let (meta, mut doc): (ResponseMeta, x::ListBucketResult) =
            read_xml(config, execute(config, req).await?).await?;
        doc.decode_url();
        let objects: Vec<ObjectSummary> = doc.contents.into_iter().map(Into::into).collect();
        let common_prefixes: Vec<String> =
            doc.common_prefixes.into_iter().map(|p| p.prefix).collect();
        let mut next_marker = doc.next_marker.filter(|m| !m.is_empty());
        if doc.is_truncated && next_marker.is_none() {
            // Without NextMarker the next page starts after the last entry of this one.
            next_marker = objects
                .last()
                .map(|o| o.key.clone())
                .into_iter()
                .chain(common_prefixes.last().cloned())
                .max();
        }
        Ok(ListObjectsOutput {
            meta,
            name: doc.name,
            prefix: doc.prefix,
            marker: doc.marker,
            delimiter: doc.delimiter,
            max_keys: doc.max_keys,
            is_truncated: doc.is_truncated,
            next_marker,
            objects,
            common_prefixes,
        })
    }

    async fn execute(self) -> Result<ListObjectsOutput> {
        let marker = self.marker.clone();
        self.fetch(marker).await
    }

    fn page_stream(self) -> BoxStream<'static, Result<ListObjectsOutput>> {
        let first = self.marker.clone();
        paginate(first, "ListObjects", move |marker| {
            let this = self.clone();
            async move {
                let page = this.fetch(marker).await?;
                let next = if page.is_truncated {
                    page.next_marker.clone()
                } else {
                    None
                };
                Ok((page, next))
            }
        })
    }

    fn item_stream(self) -> BoxStream<'static, Result<ListItem>> {
        flatten_pages(self.page_stream(), |p: ListObjectsOutput| {
            page_items(p.objects, p.common_prefixes)
        })
    }
}

impl ListObjects<Async> {
    /// Every page, following `next_marker` until the last.
    pub fn into_paginator(self) -> BoxStream<'static, Result<ListObjectsOutput>> {
        self.page_stream()
    }

    /// Every object and common prefix across pages.
    pub fn into_items(self) -> BoxStream<'static, Result<ListItem>> {
        self.item_stream()
    }

    /// Same as [`ListObjects::into_items`].
    pub fn items(self) -> BoxStream<'static, Result<ListItem>> {
        self.item_stream()
    }
}

impl ListObjects<Blocking> {
    /// Every page, following `next_marker` until the last.
    pub fn into_paginator(self) -> BlockingIter<ListObjectsOutput> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.page_stream(), mode)
    }

    /// Every object and common prefix across pages.
    pub fn into_items(self) -> BlockingIter<ListItem> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.item_stream(), mode)
    }

    /// Same as [`ListObjects::into_items`].
    pub fn items(self) -> BlockingIter<ListItem> {
        self.into_items()
    }
}

/// ListObjectsV2: see [`BucketClient::list_objects_v2`].
#[derive(Clone)]
pub struct ListObjectsV2<M: Mode = Async> {
    client: BucketClient<M>,
    prefix: Option<String>,
    delimiter: Option<String>,
    continuation_token: Option<String>,
    start_after: Option<String>,
    fetch_owner: Option<bool>,
    max_keys: Option<u32>,
    options: RequestOptions,
}

builder_options!(ListObjectsV2);
impl_send!(ListObjectsV2 => ListObjectsV2Output);

impl<M: Mode> ListObjectsV2<M> {
    /// Only keys starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Fold keys at the first `delimiter` after the prefix into common prefixes.
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// Continue from a previous page's `next_continuation_token`.
    pub fn continuation_token(mut self, token: impl Into<String>) -> Self {
        self.continuation_token = Some(token.into());
        self
    }

    /// Start after this key.
    pub fn start_after(mut self, key: impl Into<String>) -> Self {
        self.start_after = Some(key.into());
        self
    }

    /// Include each object's owner.
    pub fn fetch_owner(mut self, yes: bool) -> Self {
        self.fetch_owner = Some(yes);
        self
    }

    /// Page size (1–1000; OSS defaults to 100).
    pub fn max_keys(mut self, n: u32) -> Self {
        self.max_keys = Some(n);
        self
    }

    async fn fetch(self, token: Option<String>) -> Result<ListObjectsV2Output> {
        let config = &self.client.config;
        let req = OssRequest::new(OpId::ListObjectsV2)
            .bucket(&self.client.name)
            .param_opt("prefix", self.prefix)
            .param_opt("delimiter", self.delimiter)
            .param_opt("continuation-token", token)
            .param_opt("start-after", self.start_after)
            .param_opt("fetch-owner", self.fetch_owner.map(|b| b.to_string()))
            .param_opt("max-keys", self.max_keys.map(|n| n.to_string()))
            .param("encoding-type", "url")
            .options(self.options);
        let (meta, mut doc): (ResponseMeta, x::ListBucketV2Result) =
            read_xml(config, execute(config, req).await?).await?;
        doc.decode_url();
        Ok(ListObjectsV2Output {
            meta,
            name: doc.name,
            prefix: doc.prefix,
            delimiter: doc.delimiter,
            max_keys: doc.max_keys,
            start_after: doc.start_after,
            continuation_token: doc.continuation_token,
            key_count: doc.key_count,
            is_truncated: doc.is_truncated,
            next_continuation_token: doc.next_continuation_token.filter(|t| !t.is_empty()),
            objects: doc.contents.into_iter().map(Into::into).collect(),
            common_prefixes: doc.common_prefixes.into_iter().map(|p| p.prefix).collect(),
        })
    }

    async fn execute(self) -> Result<ListObjectsV2Output> {
        let token = self.continuation_token.clone();
        self.fetch(token).await
    }

    fn page_stream(self) -> BoxStream<'static, Result<ListObjectsV2Output>> {
        let first = self.continuation_token.clone();
        paginate(first, "ListObjectsV2", move |token| {
            let this = self.clone();
            async move {
                let page = this.fetch(token).await?;
                let next = if page.is_truncated {
                    page.next_continuation_token.clone()
                } else {
                    None
                };
                if page.is_truncated && next.is_none() {
                    return Err(crate::error::Error::InvalidResponse {
                        message: "ListObjectsV2: a truncated page has no NextContinuationToken"
                            .into(),
                        request_id: page.meta.request_id().to_string(),
                    });
                }
                Ok((page, next))
            }
        })
    }

    fn item_stream(self) -> BoxStream<'static, Result<ListItem>> {
        flatten_pages(self.page_stream(), |p: ListObjectsV2Output| {
            page_items(p.objects, p.common_prefixes)
        })
    }
}

impl ListObjectsV2<Async> {
    /// Every page, following `next_continuation_token` until the last.
    pub fn into_paginator(self) -> BoxStream<'static, Result<ListObjectsV2Output>> {
        self.page_stream()
    }

    /// Every object and common prefix across pages.
    pub fn into_items(self) -> BoxStream<'static, Result<ListItem>> {
        self.item_stream()
    }

    /// Same as [`ListObjectsV2::into_items`].
    pub fn items(self) -> BoxStream<'static, Result<ListItem>> {
        self.item_stream()
    }
}

impl ListObjectsV2<Blocking> {
    /// Every page, following `next_continuation_token` until the last.
    pub fn into_paginator(self) -> BlockingIter<ListObjectsV2Output> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.page_stream(), mode)
    }

    /// Every object and common prefix across pages.
    pub fn into_items(self) -> BlockingIter<ListItem> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.item_stream(), mode)
    }

    /// Same as [`ListObjectsV2::into_items`].
    pub fn items(self) -> BlockingIter<ListItem> {
        self.into_items()
    }
}

impl<M: Mode> BucketClient<M> {
    /// ListObjects (v1).
    pub fn list_objects(&self) -> ListObjects<M> {
        ListObjects {
            client: self.clone(),
            prefix: None,
            delimiter: None,
            marker: None,
            max_keys: None,
            options: RequestOptions::default(),
        }
    }

    /// ListObjectsV2.
    pub fn list_objects_v2(&self) -> ListObjectsV2<M> {
        ListObjectsV2 {
            client: self.clone(),
            prefix: None,
            delimiter: None,
            continuation_token: None,
            start_after: None,
            fetch_owner: None,
            max_keys: None,
            options: RequestOptions::default(),
        }
    }
}
