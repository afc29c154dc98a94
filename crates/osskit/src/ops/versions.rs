//! Object versions: ListObjectVersions (one page at a time or as streams of pages and
//! items) and the batch delete of versions.
//!
//! The listing always sends `encoding-type=url` and decodes keys, prefixes and markers.

use futures_util::stream::BoxStream;
use osskit_proto::ops::OpId;
use osskit_proto::xml::list as x;
use osskit_proto::xml::object as xo;

use crate::body::Body;
use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::{Async, Blocking, Mode};
use crate::ops::{builder_options, check_key, impl_send, read_xml};
use crate::paginate::{flatten_pages, paginate_by, BlockingIter};
use crate::request::{OssRequest, RequestOptions};
use crate::result::{impl_response, ResponseMeta};
use crate::transport::execute;

pub use osskit_proto::xml::bucket::Owner;

/// Most entries of one DeleteMultipleObjects request.
const BATCH_LIMIT: usize = 1000;

/// One version of an object, or a delete marker.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectVersion {
    /// Key (decoded).
    pub key: String,
    /// Version id (`null` for the null version).
    pub version_id: String,
    /// Whether it is the newest version of its key.
    pub is_latest: bool,
    /// Whether it is a delete marker (then it has no size, ETag, type or storage class).
    pub is_delete_marker: bool,
    /// Last modification, Unix seconds.
    pub last_modified: Option<i64>,
    /// ETag without quotes.
    pub etag: String,
    /// `Normal`, `Appendable`, `Multipart` or `Symlink`.
    pub object_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Storage class.
    pub storage_class: String,
    /// Owner.
    pub owner: Option<Owner>,
    /// `RestoreInfo` of archived versions being restored or restored.
    pub restore_info: Option<String>,
}

impl From<x::ObjectVersion> for ObjectVersion {
    fn from(v: x::ObjectVersion) -> Self {
        ObjectVersion {
            last_modified: osskit_proto::date::iso8601_to_unixtime(&v.last_modified).ok(),
            etag: osskit_proto::digest::strip_etag_quotes(&v.etag).to_string(),
            key: v.key,
            version_id: v.version_id,
            is_latest: v.is_latest,
            is_delete_marker: false,
            object_type: v.object_type,
            size: v.size,
            storage_class: v.storage_class,
            owner: v.owner,
            restore_info: v.restore_info,
        }
    }
}

impl From<x::DeleteMarkerEntry> for ObjectVersion {
    fn from(m: x::DeleteMarkerEntry) -> Self {
        ObjectVersion {
            last_modified: osskit_proto::date::iso8601_to_unixtime(&m.last_modified).ok(),
            key: m.key,
            version_id: m.version_id,
            is_latest: m.is_latest,
            is_delete_marker: true,
            etag: String::new(),
            object_type: String::new(),
            size: 0,
            storage_class: String::new(),
            owner: m.owner,
            restore_info: None,
        }
    }
}

/// An entry of a listing of versions: a version (or delete marker) or a common prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionItem {
    /// A version or a delete marker.
    Version(ObjectVersion),
    /// A prefix folded by the delimiter (ends with it).
    CommonPrefix(String),
}

/// One page of ListObjectVersions.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ListObjectVersionsOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Bucket name.
    pub name: String,
    /// Prefix.
    pub prefix: String,
    /// Key marker of this page.
    pub key_marker: String,
    /// Version id marker of this page.
    pub version_id_marker: String,
    /// Delimiter.
    pub delimiter: String,
    /// Page size.
    pub max_keys: u32,
    /// More pages follow.
    pub is_truncated: bool,
    /// Key marker of the next page.
    pub next_key_marker: Option<String>,
    /// Version id marker of the next page.
    pub next_version_id_marker: Option<String>,
    /// Versions and delete markers, by key, newest first per key.
    pub versions: Vec<ObjectVersion>,
    /// Common prefixes.
    pub common_prefixes: Vec<String>,
}

impl ListObjectVersionsOutput {
    /// The versions of this page that are not delete markers.
    pub fn object_versions(&self) -> impl Iterator<Item = &ObjectVersion> {
        self.versions.iter().filter(|v| !v.is_delete_marker)
    }

    /// The delete markers of this page.
    pub fn delete_markers(&self) -> impl Iterator<Item = &ObjectVersion> {
        self.versions.iter().filter(|v| v.is_delete_marker)
    }
}

impl_response!(ListObjectVersionsOutput);

/// Versions and delete markers merged by key (stable, so each key keeps its newest-first
/// order by modification time), then common prefixes.
fn page_items(versions: Vec<ObjectVersion>, prefixes: Vec<String>) -> Vec<VersionItem> {
    versions
        .into_iter()
        .map(VersionItem::Version)
        .chain(prefixes.into_iter().map(VersionItem::CommonPrefix))
        .collect()
}

/// ListObjectVersions: see [`BucketClient::list_object_versions`].
#[derive(Clone)]
pub struct ListObjectVersions<M: Mode = Async> {
    client: BucketClient<M>,
    prefix: Option<String>,
    delimiter: Option<String>,
    key_marker: Option<String>,
    version_id_marker: Option<String>,
    max_keys: Option<u32>,
    options: RequestOptions,
}

builder_options!(ListObjectVersions);
impl_send!(ListObjectVersions => ListObjectVersionsOutput);

impl<M: Mode> ListObjectVersions<M> {
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

    /// Start after this key (after all its versions, unless a version id marker is given).
    pub fn key_marker(mut self, marker: impl Into<String>) -> Self {
        self.key_marker = Some(marker.into());
        self
    }

    /// With a key marker: start after this version of that key.
    pub fn version_id_marker(mut self, marker: impl Into<String>) -> Self {
        self.version_id_marker = Some(marker.into());
        self
    }

    /// Page size (1–1000; OSS defaults to 100).
    pub fn max_keys(mut self, n: u32) -> Self {
        self.max_keys = Some(n);
        self
    }

    fn first_marker(&self) -> Option<(String, String)> {
        match (&self.key_marker, &self.version_id_marker) {
            (None, None) => None,
            (k, v) => Some((k.clone().unwrap_or_default(), v.clone().unwrap_or_default())),
        }
    }

    async fn fetch(self, marker: Option<(String, String)>) -> Result<ListObjectVersionsOutput> {
        let config = &self.client.config;
        let (key_marker, version_marker) = marker.unwrap_or_default();
        let req = OssRequest::new(OpId::ListObjectVersions)
            .bucket(&self.client.name)
            .param("versions", "")
            .param_opt("prefix", self.prefix)
            .param_opt("delimiter", self.delimiter)
            .param_opt("key-marker", Some(key_marker).filter(|m| !m.is_empty()))
            .param_opt(
                "version-id-marker",
                Some(version_marker).filter(|m| !m.is_empty()),
            )
            .param_opt("max-keys", self.max_keys.map(|n| n.to_string()))
            .param("encoding-type", "url")
            .options(self.options);
        let (meta, mut doc): (ResponseMeta, x::ListVersionsResult) =
            read_xml(config, execute(config, req).await?).await?;
        doc.decode_url();
        let mut versions: Vec<ObjectVersion> = doc
            .versions
            .into_iter()
            .map(Into::into)
            .chain(doc.delete_markers.into_iter().map(Into::into))
            .collect();
        // One list, by key, newest first per key: the latest first, then by time.
        versions.sort_by(|a, b| {
            a.key
                .as_bytes()
                .cmp(b.key.as_bytes())
                .then(b.is_latest.cmp(&a.is_latest))
                .then(b.last_modified.cmp(&a.last_modified))
        });
        Ok(ListObjectVersionsOutput {
            meta,
            name: doc.name,
            prefix: doc.prefix,
            key_marker: doc.key_marker,
            version_id_marker: doc.version_id_marker,
            delimiter: doc.delimiter,
            max_keys: doc.max_keys,
            is_truncated: doc.is_truncated,
            next_key_marker: doc.next_key_marker,
            next_version_id_marker: doc.next_version_id_marker,
            versions,
            common_prefixes: doc.common_prefixes.into_iter().map(|p| p.prefix).collect(),
        })
    }

    async fn execute(self) -> Result<ListObjectVersionsOutput> {
        let marker = self.first_marker();
        self.fetch(marker).await
    }

    fn page_stream(self) -> BoxStream<'static, Result<ListObjectVersionsOutput>> {
        let first = self.first_marker();
        paginate_by(first, "ListObjectVersions", move |marker| {
            let this = self.clone();
            async move {
                let page = this.fetch(marker).await?;
                if !page.is_truncated {
                    return Ok((page, None));
                }
                let key = page.next_key_marker.clone().unwrap_or_default();
                let version = page.next_version_id_marker.clone().unwrap_or_default();
                if key.is_empty() {
                    return Err(Error::InvalidResponse {
                        message: "ListObjectVersions: a truncated page has no NextKeyMarker".into(),
                        request_id: page.meta.request_id().to_string(),
                    });
                }
                Ok((page, Some((key, version))))
            }
        })
    }

    fn item_stream(self) -> BoxStream<'static, Result<VersionItem>> {
        flatten_pages(self.page_stream(), |p: ListObjectVersionsOutput| {
            page_items(p.versions, p.common_prefixes)
        })
    }
}

impl ListObjectVersions<Async> {
    /// Every page, following the next key and version id markers until the last.
    pub fn into_paginator(self) -> BoxStream<'static, Result<ListObjectVersionsOutput>> {
        self.page_stream()
    }

    /// Every version, delete marker and common prefix across pages.
    pub fn into_items(self) -> BoxStream<'static, Result<VersionItem>> {
        self.item_stream()
    }
}

impl ListObjectVersions<Blocking> {
    /// Every page, following the next key and version id markers until the last.
    pub fn into_paginator(self) -> BlockingIter<ListObjectVersionsOutput> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.page_stream(), mode)
    }

    /// Every version, delete marker and common prefix across pages.
    pub fn into_items(self) -> BlockingIter<VersionItem> {
        let mode = self.client.mode.clone();
        BlockingIter::new(self.item_stream(), mode)
    }
}

/// What a batch delete did to one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeletedVersion {
    /// The key (decoded).
    pub key: String,
    /// The version id given for the entry (deleted for good).
    pub version_id: Option<String>,
    /// Whether a delete marker was written, or the version deleted was one.
    pub delete_marker: bool,
    /// The version id of that delete marker.
    pub delete_marker_version_id: Option<String>,
}

/// The output of a batch delete of versions: per-entry outcomes over every request sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeleteObjectVersionsOutput {
    /// Status and headers of the last request.
    pub meta: ResponseMeta,
    /// Request ids of every request (one per 1000 entries).
    pub request_ids: Vec<String>,
    /// The entries OSS reports as deleted, in response order.
    pub deleted: Vec<DeletedVersion>,
}

impl_response!(DeleteObjectVersionsOutput);

/// DeleteMultipleObjects with a version id per entry: see
/// [`BucketClient::delete_object_versions`].
pub struct DeleteObjectVersions<M: Mode = Async> {
    client: BucketClient<M>,
    entries: Vec<(String, Option<String>)>,
    quiet: bool,
    options: RequestOptions,
}

builder_options!(DeleteObjectVersions);
impl_send!(DeleteObjectVersions => DeleteObjectVersionsOutput);

impl<M: Mode> DeleteObjectVersions<M> {
    /// Quiet mode: OSS answers with failures only, so `deleted` stays empty.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    async fn execute(self) -> Result<DeleteObjectVersionsOutput> {
        if self.entries.is_empty() {
            return Err(Error::client("the list of versions to delete is empty"));
        }
        for (k, _) in &self.entries {
            check_key(k)?;
        }
        let config = &self.client.config;
        let mut out = DeleteObjectVersionsOutput {
            meta: ResponseMeta::default(),
            request_ids: vec![],
            deleted: vec![],
        };
        for chunk in self.entries.chunks(BATCH_LIMIT) {
            let doc = xo::Delete {
                quiet: self.quiet,
                objects: chunk
                    .iter()
                    .map(|(k, v)| xo::DeleteObject {
                        key: k.clone(),
                        version_id: v.clone(),
                    })
                    .collect(),
            };
            let xml = osskit_proto::xml::to_xml(&doc);
            let req = OssRequest::new(OpId::DeleteMultipleObjects)
                .bucket(&self.client.name)
                .param("encoding-type", "url")
                .header(
                    "Content-MD5",
                    osskit_proto::digest::content_md5(xml.as_bytes()),
                )
                .header("Content-Type", "application/xml")
                .body(Body::from(xml))
                .options(self.options.clone());
            let (meta, mut result): (ResponseMeta, xo::DeleteResult) =
                read_xml(config, execute(config, req).await?).await?;
            result.decode_url();
            out.deleted
                .extend(result.deleted.into_iter().map(|d| DeletedVersion {
                    key: d.key,
                    version_id: d.version_id,
                    delete_marker: d.delete_marker.unwrap_or(false),
                    delete_marker_version_id: d.delete_marker_version_id,
                }));
            out.request_ids.push(meta.request_id().to_string());
            out.meta = meta;
        }
        Ok(out)
    }
}

impl<M: Mode> BucketClient<M> {
    /// ListObjectVersions (`GET /bucket?versions`): versions and delete markers, by key and
    /// newest first per key.
    pub fn list_object_versions(&self) -> ListObjectVersions<M> {
        ListObjectVersions {
            client: self.clone(),
            prefix: None,
            delimiter: None,
            key_marker: None,
            version_id_marker: None,
            max_keys: None,
            options: RequestOptions::default(),
        }
    }

    /// DeleteMultipleObjects with a version id per entry (oss2's `delete_object_versions`):
    /// each `(key, Some(version id))` deletes that version for good; `(key, None)` deletes
    /// the key as a plain delete would (a delete marker in a versioned bucket). Sent 1000
    /// entries a request.
    pub fn delete_object_versions<K, V>(
        &self,
        entries: impl IntoIterator<Item = (K, Option<V>)>,
    ) -> DeleteObjectVersions<M>
    where
        K: Into<String>,
        V: Into<String>,
    {
        DeleteObjectVersions {
            client: self.clone(),
            entries: entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.map(Into::into)))
                .collect(),
            quiet: false,
            options: RequestOptions::default(),
        }
    }
}
