//! ListBuckets.

use futures_util::stream::BoxStream;
use osskit_proto::ops::OpId;
use osskit_proto::xml::bucket as x;

use crate::error::Result;
use crate::mode::{Async, Blocking, Mode};
use crate::ops::{builder_options, impl_send, read_xml};
use crate::paginate::{flatten_pages, paginate, BlockingIter};
use crate::request::{OssRequest, RequestOptions};
use crate::result::{impl_response, ResponseMeta};
use crate::service::ServiceClient;
use crate::transport::execute;

pub use osskit_proto::xml::bucket::BucketSummary;

/// One page of ListBuckets.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ListBucketsOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The buckets of this page.
    pub buckets: Vec<BucketSummary>,
    /// More pages follow.
    pub is_truncated: bool,
    /// Marker of the next page.
    pub next_marker: Option<String>,
    /// The account owner.
    pub owner: x::Owner,
}

impl_response!(ListBucketsOutput);

/// ListBuckets: see [`ServiceClient::list_buckets`].
#[derive(Clone)]
pub struct ListBuckets<M: Mode = Async> {
    client: ServiceClient<M>,
    prefix: Option<String>,
    marker: Option<String>,
    max_keys: Option<u32>,
    options: RequestOptions,
}

builder_options!(ListBuckets);
impl_send!(ListBuckets => ListBucketsOutput);

impl<M: Mode> ListBuckets<M> {
    /// Only buckets whose name starts with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Start after this bucket name.
    pub fn marker(mut self, marker: impl Into<String>) -> Self {
        self.marker = Some(marker.into());
        self
    }

    /// Page size (1–1000; OSS defaults to 100).
    pub fn max_keys(mut self, n: u32) -> Self {
        self.max_keys = Some(n);
        self
    }

    async fn fetch(self, marker: Option<String>) -> Result<ListBucketsOutput> {
        let config = &self.client.config;
        let req = OssRequest::new(OpId::ListBuckets)
            .param_opt("prefix", self.prefix)
            .param_opt("marker", marker)
            .param_opt("max-keys", self.max_keys.map(|n| n.to_string()))
            .options(self.options);
        let (meta, doc): (ResponseMeta, x::ListAllMyBucketsResult) =
            read_xml(config, execute(config, req).await?).await?;
        let is_truncated = doc.is_truncated.unwrap_or(false);
        let mut next_marker = doc.next_marker.filter(|m| !m.is_empty());
        if is_truncated && next_marker.is_none() {
            next_marker = doc.buckets.bucket.last().map(|b| b.name.clone());
        }
        Ok(ListBucketsOutput {
            meta,
            buckets: doc.buckets.bucket,
            is_truncated,
            next_marker,
            owner: doc.owner,
        })
    }

    async fn execute(self) -> Result<ListBucketsOutput> {
        let marker = self.marker.clone();
        self.fetch(marker).await
    }

    fn page_stream(self) -> BoxStream<'static, Result<ListBucketsOutput>> {
        let first = self.marker.clone();
        paginate(first, "ListBuckets", move |marker| {
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
}

impl ListBuckets<Async> {
    /// Every bucket across pages.
    pub fn into_paginator(self) -> BoxStream<'static, Result<BucketSummary>> {
        flatten_pages(self.page_stream(), |p: ListBucketsOutput| p.buckets)
    }

    /// Every page.
    pub fn into_pages(self) -> BoxStream<'static, Result<ListBucketsOutput>> {
        self.page_stream()
    }
}

impl ListBuckets<Blocking> {
    /// Every bucket across pages.
    pub fn into_paginator(self) -> BlockingIter<BucketSummary> {
        let mode = self.client.mode.clone();
        BlockingIter::new(
            flatten_pages(self.page_stream(), |p: ListBucketsOutput| p.buckets),
            mode,
        )
    }

    /// Every page.
    pub fn into_pages(self) -> BlockingIter<ListBucketsOutput> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.page_stream(), mode)
    }
}

impl<M: Mode> ServiceClient<M> {
    /// ListBuckets.
    pub fn list_buckets(&self) -> ListBuckets<M> {
        ListBuckets {
            client: self.clone(),
            prefix: None,
            marker: None,
            max_keys: None,
            options: RequestOptions::default(),
        }
    }
}
