//! [`OssStore`]: `ObjectStore`, `MultipartStore`, `PaginatedListStore` and `Signer` over a
//! [`Bucket`] of the SDK.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::list::{PaginatedListOptions, PaginatedListResult, PaginatedListStore};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::signer::{Method, SignedUrlOptions, Signer, Url};
use object_store::{
    Attribute, Attributes, CopyMode, CopyOptions, Extensions, GetOptions, GetRange, GetResult,
    GetResultPayload, ListResult, MultipartId, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
    RenameTargetMode, Result, TagSet,
};
use osskit::proto::headers as h;
use osskit::{Bucket, ByteRange, ByteStream, PartInfo};

use crate::error::{generic, map, map_shared};
use crate::upload::{decode_part, encode_part, OssUpload};

/// Settings of the adapter itself (the SDK's are in the [`Bucket`]).
#[derive(Debug, Clone)]
pub(crate) struct StoreOptions {
    /// Send no `x-oss-tagging`.
    pub disable_tagging: bool,
    /// Objects at least this large are copied part by part.
    pub copy_threshold: u64,
    /// Part size of multipart copies.
    pub copy_part_size: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            disable_tagging: false,
            copy_threshold: crate::builder::DEFAULT_COPY_MULTIPART_THRESHOLD,
            copy_part_size: crate::builder::DEFAULT_COPY_PART_SIZE,
        }
    }
}

/// The most keys OSS deletes in one DeleteMultipleObjects request.
const DELETE_BATCH: usize = 1000;
/// The most keys of one ListObjectsV2 page.
const LIST_PAGE: u32 = 1000;
/// The highest part number.
const MAX_PARTS: u64 = 10_000;
/// Parts copied at the same time by a multipart copy.
const COPY_PARALLELISM: usize = 4;
/// DeleteMultipleObjects requests in flight at the same time.
const DELETE_PARALLELISM: usize = 2;

/// An `object_store` backend for one OSS bucket.
///
/// Build it with [`OssBuilder`](crate::OssBuilder), or wrap a [`Bucket`] client of the SDK
/// configured as you need with [`OssStore::new`]. Cloning is cheap; clones share the
/// connection pool.
///
/// * Keys are the paths as they are (`a/b/c.parquet`); listing a prefix `p` lists `p/`.
/// * `PutMode::Create` sends `x-oss-forbid-overwrite: true`; OSS has no write conditional on
///   an ETag, so `PutMode::Update` answers `NotImplemented`.
/// * Ranged reads send `x-oss-range-behavior: standard`, so that a range past the end is an
///   error and a range reaching beyond the end is clamped, as `object_store` expects
///   (OSS would otherwise answer the whole object).
/// * Copies are one CopyObject below the copy threshold (1 GiB, CopyObject's limit) and a
///   multipart upload of UploadPartCopy parts above; `copy_if_not_exists` sends
///   `x-oss-forbid-overwrite` on the request that creates the object.
#[derive(Debug, Clone)]
pub struct OssStore {
    bucket: Bucket,
    options: Arc<StoreOptions>,
}

impl OssStore {
    /// A store over `bucket`, an SDK client with any settings (authentication, session,
    /// timeouts, retries).
    ///
    /// ```
    /// use osskit::{AuthV4, Bucket};
    /// use osskit_object_store::OssStore;
    /// let bucket = Bucket::builder(AuthV4::new("id", "secret"), "oss-cn-hangzhou.aliyuncs.com", "examplebucket")
    ///     .region("cn-hangzhou")
    ///     .build()
    ///     .unwrap();
    /// let store = OssStore::new(bucket);
    /// assert_eq!(store.to_string(), "OssStore(examplebucket)");
    /// ```
    pub fn new(bucket: Bucket) -> Self {
        Self::with_options(bucket, StoreOptions::default())
    }

    pub(crate) fn with_options(bucket: Bucket, options: StoreOptions) -> Self {
        OssStore {
            bucket,
            options: Arc::new(options),
        }
    }

    /// The SDK client underneath, for the calls `object_store` does not have.
    pub fn bucket(&self) -> &Bucket {
        &self.bucket
    }

    /// The headers of a new object from `attributes` and `tags`.
    fn object_headers(&self, attributes: &Attributes, tags: &TagSet) -> Result<ObjectHeaders> {
        let mut out = ObjectHeaders::default();
        for (attribute, value) in attributes {
            let value = value.as_ref().to_string();
            match attribute {
                Attribute::ContentType => out.content_type = Some(value),
                Attribute::CacheControl => out.headers.push(("Cache-Control".into(), value)),
                Attribute::ContentDisposition => {
                    out.headers.push(("Content-Disposition".into(), value))
                }
                Attribute::ContentEncoding => out.headers.push(("Content-Encoding".into(), value)),
                Attribute::ContentLanguage => out.headers.push(("Content-Language".into(), value)),
                Attribute::StorageClass => out.headers.push((h::STORAGE_CLASS.into(), value)),
                Attribute::Metadata(name) => out.metadata.push((name.to_string(), value)),
                other => {
                    return Err(object_store::Error::NotSupported {
                        source: format!("OSS has no object attribute {other:?}").into(),
                    })
                }
            }
        }
        if !self.options.disable_tagging && !tags.encoded().is_empty() {
            out.headers
                .push((h::TAGGING.into(), tags.encoded().to_string()));
        }
        Ok(out)
    }

    /// Objects (and, with a delimiter, common prefixes) under `prefix` after `offset`.
    fn list_pages(
        &self,
        prefix: &str,
        delimiter: bool,
        offset: Option<&str>,
    ) -> BoxStream<'static, Result<osskit::ListObjectsV2Output>> {
        let mut b = self.bucket.list_objects_v2().max_keys(LIST_PAGE);
        if !prefix.is_empty() {
            b = b.prefix(prefix);
        }
        if delimiter {
            b = b.delimiter(DELIMITER);
        }
        if let Some(o) = offset.filter(|o| !o.is_empty()) {
            b = b.start_after(o);
        }
        let shown = prefix.to_string();
        b.into_paginator().map_err(move |e| map(e, &shown)).boxed()
    }

    fn list_stream(
        &self,
        prefix: Option<&Path>,
        offset: Option<&Path>,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        let prefix = dir_prefix(prefix);
        self.list_pages(&prefix, false, offset.map(|o| o.as_ref()))
            .map_ok(|page| stream::iter(page.objects.into_iter().map(object_meta)))
            .try_flatten()
            .boxed()
    }

    /// HEAD with the conditions and version of `options`.
    async fn head_result(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let key = location.as_ref();
        let mut b = self.bucket.head_object(key);
        for (name, value) in conditions(&options) {
            b = b.header(name, value);
        }
        if let Some(v) = &options.version {
            b = b.param("versionId", v.clone());
        }
        let out = b.await.map_err(|e| map(e, key))?;
        let size = out
            .content_length
            .ok_or_else(|| generic(format!("HEAD {key}: the response has no Content-Length")))?;
        let meta = ObjectMeta {
            location: location.clone(),
            last_modified: last_modified(out.last_modified, key)?,
            size,
            e_tag: quote(&out.etag),
            version: out.version_id.clone(),
        };
        let range = match &options.range {
            Some(r) => r
                .as_range(size)
                .map_err(|e| generic(format!("{key}: {e}")))?,
            None => 0..size,
        };
        Ok(GetResult {
            payload: GetResultPayload::Stream(stream::empty().boxed()),
            meta,
            range,
            attributes: attributes(&out.meta.headers, &out.metadata),
            extensions: Extensions::new(),
        })
    }

    /// CopyObject of `from` onto `to` (objects below the copy threshold).
    async fn copy_whole(&self, from: &str, to: &str, create: bool) -> Result<()> {
        let mut b = self.bucket.copy_object(self.bucket.name(), from, to);
        if create {
            b = b.header(h::FORBID_OVERWRITE, "true");
        }
        b.await.map_err(|e| copy_error(e, from, to))?;
        Ok(())
    }

    /// A multipart copy of `from` onto `to`: the new object gets the source's headers and
    /// metadata; every part is pinned to the source's ETag.
    async fn copy_parts(
        &self,
        from: &str,
        to: &str,
        create: bool,
        source: &osskit::HeadObjectOutput,
        size: u64,
    ) -> Result<()> {
        let mut init = self.bucket.init_multipart_upload(to);
        if let Some(t) = &source.content_type {
            init = init.content_type(t.clone());
        }
        for (k, v) in &source.metadata {
            init = init.metadata(k.clone(), v.clone());
        }
        for name in COPIED_HEADERS {
            if let Some(v) = source.meta.header(name) {
                init = init.header(*name, v);
            }
        }
        if create {
            init = init.header(h::FORBID_OVERWRITE, "true");
        }
        let upload_id = init.await.map_err(|e| copy_error(e, from, to))?.upload_id;
        let result = self
            .copy_parts_into(from, to, create, source, size, &upload_id)
            .await;
        if result.is_err() {
            let _ = self.bucket.abort_multipart_upload(to, &upload_id).await;
        }
        result
    }

    async fn copy_parts_into(
        &self,
        from: &str,
        to: &str,
        create: bool,
        source: &osskit::HeadObjectOutput,
        size: u64,
        upload_id: &str,
    ) -> Result<()> {
        let part_size = self.options.copy_part_size.max(size.div_ceil(MAX_PARTS));
        let count = size.div_ceil(part_size);
        let bucket_name = self.bucket.name().to_string();
        let mut parts: Vec<PartInfo> = stream::iter(0..count)
            .map(|i| {
                let start = i * part_size;
                let last = (start + part_size).min(size) - 1;
                let mut b = self.bucket.upload_part_copy(
                    bucket_name.clone(),
                    from,
                    Some(ByteRange::new(Some(start), Some(last))),
                    to,
                    upload_id,
                    (i + 1) as u32,
                );
                if !source.etag.is_empty() {
                    b = b.source_if_match(source.etag.clone());
                }
                async move {
                    let out = b.await.map_err(|e| copy_error(e, from, to))?;
                    let mut part = PartInfo::new((i + 1) as u32, out.etag).size(last - start + 1);
                    if let Some(c) = out.crc64 {
                        part = part.crc64(c);
                    }
                    Ok::<_, object_store::Error>(part)
                }
            })
            .buffer_unordered(COPY_PARALLELISM)
            .try_collect()
            .await?;
        parts.sort_by_key(|p| p.part_number);
        let mut complete = self.bucket.complete_multipart_upload(to, upload_id, parts);
        if create {
            complete = complete.header(h::FORBID_OVERWRITE, "true");
        }
        let done = complete.await.map_err(|e| copy_error(e, from, to))?;
        if let (Some(a), Some(b)) = (source.crc64, done.crc64) {
            if a != b && self.bucket.crc_enabled() {
                return Err(generic(format!(
                    "copy of {from} to {to}: the CRC-64 of the copy ({b}) differs from the \
                     source's ({a})"
                )));
            }
        }
        Ok(())
    }

    /// Completes an upload with `parts` (an upload with none gets one empty part: OSS
    /// completes no upload without parts).
    pub(crate) async fn complete(
        bucket: &Bucket,
        key: &str,
        upload_id: &str,
        mut parts: Vec<PartInfo>,
    ) -> Result<PutResult> {
        if parts.is_empty() {
            let empty = bucket
                .upload_part(key, upload_id, 1, Bytes::new())
                .await
                .map_err(|e| map(e, key))?;
            parts.push(part_info(1, &empty.etag, Some(0), empty.crc64));
        }
        let done = bucket
            .complete_multipart_upload(key, upload_id, parts)
            .await
            .map_err(|e| map(e, key))?;
        Ok(PutResult {
            e_tag: quote(&done.etag),
            version: done.meta.version_id(),
            extensions: Extensions::new(),
        })
    }

    /// Starts a multipart upload of `key` with the headers of `opts`.
    async fn init_upload(&self, key: &str, opts: &PutMultipartOptions) -> Result<String> {
        let headers = self.object_headers(&opts.attributes, &opts.tags)?;
        let b = headers.apply_init(self.bucket.init_multipart_upload(key));
        Ok(b.await.map_err(|e| map(e, key))?.upload_id)
    }

    /// Uploads `data` as part `number` of an upload.
    pub(crate) async fn upload_part(
        bucket: &Bucket,
        key: &str,
        upload_id: &str,
        number: u32,
        data: PutPayload,
    ) -> Result<PartInfo> {
        let body = Bytes::from(data);
        let size = body.len() as u64;
        let out = bucket
            .upload_part(key, upload_id, number, body)
            .await
            .map_err(|e| map(e, key))?;
        Ok(part_info(number, &out.etag, Some(size), out.crc64))
    }

    async fn sign(
        &self,
        method: Method,
        path: &Path,
        expires_in: Duration,
        options: &SignedUrlOptions,
    ) -> Result<Url> {
        let key = path.as_ref();
        let mut b = self
            .bucket
            .sign_url(method, key, expires_in)
            .slash_safe(true);
        for (k, v) in &options.extra_query {
            b = b.param(k.clone(), v.clone());
        }
        for (name, value) in &options.signed_headers {
            let value = value
                .to_str()
                .map_err(|_| generic(format!("the signed header {name} is not text")))?;
            b = b.header(name.as_str(), value);
        }
        let url = b.build().await.map_err(|e| map(e, key))?;
        Url::parse(&url).map_err(|e| generic(format!("the presigned URL {url:?} is invalid: {e}")))
    }
}

impl std::fmt::Display for OssStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OssStore({})", self.bucket.name())
    }
}

/// The path delimiter.
const DELIMITER: &str = "/";

/// Standard headers a multipart copy carries over from the source (CopyObject copies them
/// itself).
const COPIED_HEADERS: &[&str] = &[
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
    h::STORAGE_CLASS,
];

/// Headers of a new object: type, user metadata and the others.
#[derive(Debug, Default)]
struct ObjectHeaders {
    content_type: Option<String>,
    metadata: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

macro_rules! apply_headers {
    ($name:ident, $builder:ty) => {
        fn $name(self, mut b: $builder) -> $builder {
            if let Some(t) = self.content_type {
                b = b.content_type(t);
            }
            for (k, v) in self.metadata {
                b = b.metadata(k, v);
            }
            for (k, v) in self.headers {
                b = b.header(k, v);
            }
            b
        }
    };
}

impl ObjectHeaders {
    apply_headers!(apply_put, osskit::ops::object::PutObject);
    apply_headers!(apply_init, osskit::ops::multipart::InitMultipartUpload);
}

/// `p/` for a path `p`, `""` for the root.
fn dir_prefix(prefix: Option<&Path>) -> String {
    match prefix.map(|p| p.as_ref()).filter(|p| !p.is_empty()) {
        Some(p) => format!("{p}{DELIMITER}"),
        None => String::new(),
    }
}

/// An ETag as HTTP writes it (quoted); `None` when OSS gave none.
fn quote(etag: &str) -> Option<String> {
    let bare = etag.trim().trim_matches('"');
    (!bare.is_empty()).then(|| format!("\"{bare}\""))
}

/// An ETag list of a condition header, each one quoted (`*` as it is).
fn quote_list(etags: &str) -> String {
    etags
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            if e == "*" || e.starts_with('"') || e.starts_with("W/") {
                e.to_string()
            } else {
                format!("\"{e}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The conditional headers of a GET or HEAD.
fn conditions(options: &GetOptions) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(v) = &options.if_match {
        out.push(("If-Match", quote_list(v)));
    }
    if let Some(v) = &options.if_none_match {
        out.push(("If-None-Match", quote_list(v)));
    }
    if let Some(d) = options.if_modified_since {
        out.push(("If-Modified-Since", osskit::utils::http_date(d.timestamp())));
    }
    if let Some(d) = options.if_unmodified_since {
        out.push((
            "If-Unmodified-Since",
            osskit::utils::http_date(d.timestamp()),
        ));
    }
    out
}

/// The `Range` header of a [`GetRange`].
fn range_header(range: &GetRange) -> String {
    match range {
        GetRange::Bounded(r) => format!("bytes={}-{}", r.start, r.end.saturating_sub(1)),
        GetRange::Offset(o) => format!("bytes={o}-"),
        GetRange::Suffix(n) => format!("bytes=-{n}"),
    }
}

/// `bytes a-b/size` → (`a..b+1`, size).
fn parse_content_range(value: &str) -> Option<(Range<u64>, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (span, size) = rest.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    let size: u64 = size.trim().parse().ok()?;
    (a <= b && b < size).then_some((a..b + 1, size))
}

fn last_modified(unix: Option<i64>, key: &str) -> Result<DateTime<Utc>> {
    unix.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        .ok_or_else(|| generic(format!("{key}: the response has no valid Last-Modified")))
}

/// The attributes `object_store` knows from response headers.
fn attributes(
    headers: &object_store::HeaderMap,
    metadata: &std::collections::BTreeMap<String, String>,
) -> Attributes {
    let mut out = Attributes::new();
    let known = [
        ("cache-control", Attribute::CacheControl),
        ("content-disposition", Attribute::ContentDisposition),
        ("content-encoding", Attribute::ContentEncoding),
        ("content-language", Attribute::ContentLanguage),
        ("content-type", Attribute::ContentType),
    ];
    for (name, attribute) in known {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            out.insert(attribute, v.to_string().into());
        }
    }
    for (k, v) in metadata {
        out.insert(Attribute::Metadata(k.clone().into()), v.clone().into());
    }
    out
}

/// A listed object.
fn object_meta(o: osskit::ObjectSummary) -> Result<ObjectMeta> {
    Ok(ObjectMeta {
        last_modified: last_modified(o.last_modified, &o.key)?,
        e_tag: quote(&o.etag),
        size: o.size,
        version: None,
        location: Path::parse(&o.key)?,
    })
}

fn part_info(number: u32, etag: &str, size: Option<u64>, crc64: Option<u64>) -> PartInfo {
    let mut p = PartInfo::new(number, etag);
    if let Some(s) = size {
        p = p.size(s);
    }
    if let Some(c) = crc64 {
        p = p.crc64(c);
    }
    p
}

/// A copy error: a missing source is reported for `from`, anything else for `to`.
fn copy_error(e: osskit::Error, from: &str, to: &str) -> object_store::Error {
    if e.code() == Some("NoSuchKey") {
        map(e, from)
    } else {
        map(e, to)
    }
}

/// Deletes the paths of one batch; errors of the input stay in place.
async fn delete_batch(bucket: Bucket, batch: Vec<Result<Path>>) -> Vec<Result<Path>> {
    let keys: Vec<String> = batch
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|p| p.as_ref().to_string()))
        .collect();
    if keys.is_empty() {
        return batch;
    }
    match bucket.batch_delete_objects(keys).await {
        Ok(out) => {
            let failed: HashSet<String> = out.not_deleted.into_iter().collect();
            batch
                .into_iter()
                .map(|r| {
                    r.and_then(|p| {
                        if failed.contains(p.as_ref()) {
                            Err(generic(format!(
                                "OSS did not report {p} as deleted (request ids {:?})",
                                out.request_ids
                            )))
                        } else {
                            Ok(p)
                        }
                    })
                })
                .collect()
        }
        Err(e) => batch
            .into_iter()
            .map(|r| r.and_then(|p| Err(map_shared(&e, p.as_ref()))))
            .collect(),
    }
}

/// The body of a GET as `object_store` wants it; at its end the length, and for a whole
/// object the CRC-64, are checked.
fn body_stream(
    mut out: osskit::GetObjectOutput,
    key: String,
    whole: bool,
) -> BoxStream<'static, Result<Bytes>> {
    let body = std::mem::replace(&mut out.body, ByteStream::from_bytes(Bytes::new()));
    let expected = out.content_length;
    stream::try_unfold(
        (body, out, key, 0u64),
        move |(mut body, out, key, received)| async move {
            match body.next().await {
                Some(Ok(chunk)) => {
                    let received = received + chunk.len() as u64;
                    Ok(Some((chunk, (body, out, key, received))))
                }
                Some(Err(e)) => Err(map(e, &key)),
                None => {
                    if let Some(n) = expected.filter(|n| *n != received) {
                        return Err(generic(format!(
                            "GET {key}: received {received} bytes of {n} (request id {})",
                            out.meta.request_id()
                        )));
                    }
                    if let (true, Some(client), Some(server)) =
                        (whole, out.client_crc(), out.server_crc)
                    {
                        if client != server {
                            return Err(generic(format!(
                                "GET {key}: the CRC-64 of the bytes received ({client}) differs \
                                 from the object's ({server}) (request id {})",
                                out.meta.request_id()
                            )));
                        }
                    }
                    Ok(None)
                }
            }
        },
    )
    .boxed()
}

#[async_trait]
impl ObjectStore for OssStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let key = location.as_ref();
        let forbid = match &opts.mode {
            PutMode::Overwrite => false,
            PutMode::Create => true,
            PutMode::Update(_) => {
                return Err(object_store::Error::NotImplemented {
                    operation: "put_opts with PutMode::Update (OSS has no write conditional \
                                on an ETag)"
                        .into(),
                    implementer: self.to_string(),
                })
            }
        };
        let headers = self.object_headers(&opts.attributes, &opts.tags)?;
        let mut b = headers.apply_put(self.bucket.put_object(key, Bytes::from(payload)));
        if forbid {
            b = b.forbid_overwrite(true);
        }
        let out = b.await.map_err(|e| map(e, key))?;
        Ok(PutResult {
            e_tag: quote(&out.etag),
            version: out.version_id,
            extensions: Extensions::new(),
        })
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let key = location.as_ref().to_string();
        let upload_id = self.init_upload(&key, &opts).await?;
        Ok(Box::new(OssUpload::new(
            self.bucket.clone(),
            key,
            upload_id,
        )))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let key = location.as_ref();
        if let Some(r) = &options.range {
            r.is_valid().map_err(|e| generic(format!("{key}: {e}")))?;
        }
        if options.head {
            return self.head_result(location, options).await;
        }
        let mut b = self.bucket.get_object(key);
        for (name, value) in conditions(&options) {
            b = b.header(name, value);
        }
        if let Some(v) = &options.version {
            b = b.param("versionId", v.clone());
        }
        if let Some(r) = &options.range {
            b = b
                .header("Range", range_header(r))
                .header(h::RANGE_BEHAVIOR, "standard");
        }
        let out = b.await.map_err(|e| map(e, key))?;
        let content_range = out.content_range.as_deref().and_then(parse_content_range);
        let (range, size) = match (&options.range, content_range) {
            (Some(_), Some((range, size))) if out.meta.status == 206 => (range, size),
            (Some(_), _) => {
                return Err(generic(format!(
                    "GET {key} with a range: the answer is not a partial one (status {}, \
                     Content-Range {:?})",
                    out.meta.status, out.content_range
                )))
            }
            (None, _) => {
                let size = out.content_length.ok_or_else(|| {
                    generic(format!("GET {key}: the response has no Content-Length"))
                })?;
                (0..size, size)
            }
        };
        let meta = ObjectMeta {
            location: location.clone(),
            last_modified: last_modified(out.last_modified, key)?,
            size,
            e_tag: quote(&out.etag),
            version: out.version_id.clone(),
        };
        let attributes = attributes(&out.meta.headers, &out.metadata);
        let whole = options.range.is_none();
        Ok(GetResult {
            payload: GetResultPayload::Stream(body_stream(out, key.to_string(), whole)),
            meta,
            range,
            attributes,
            extensions: Extensions::new(),
        })
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let bucket = self.bucket.clone();
        locations
            .ready_chunks(DELETE_BATCH)
            .map(move |batch| delete_batch(bucket.clone(), batch))
            .buffered(DELETE_PARALLELISM)
            .flat_map(stream::iter)
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.list_stream(prefix, None)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.list_stream(prefix, Some(offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let prefix = dir_prefix(prefix);
        let mut pages = self.list_pages(&prefix, true, None);
        let mut result = ListResult {
            common_prefixes: Vec::new(),
            objects: Vec::new(),
            extensions: Extensions::new(),
        };
        while let Some(page) = pages.try_next().await? {
            for p in page.common_prefixes {
                result.common_prefixes.push(Path::parse(&p)?);
            }
            for o in page.objects {
                result.objects.push(object_meta(o)?);
            }
        }
        Ok(result)
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        let (from, to) = (from.as_ref(), to.as_ref());
        let create = options.mode == CopyMode::Create;
        let source = self
            .bucket
            .head_object(from)
            .await
            .map_err(|e| map(e, from))?;
        let size = source.content_length.unwrap_or(0);
        if size < self.options.copy_threshold || size == 0 {
            self.copy_whole(from, to, create).await
        } else {
            self.copy_parts(from, to, create, &source, size).await
        }
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        let create = options.target_mode == RenameTargetMode::Create;
        if from == to {
            // A copy onto itself succeeds on OSS: the delete that follows would remove the
            // object. Renaming onto itself keeps it (or is refused in Create mode).
            let key = from.as_ref();
            self.bucket
                .head_object(key)
                .await
                .map_err(|e| map(e, key))?;
            if create {
                return Err(object_store::Error::AlreadyExists {
                    path: key.to_string(),
                    source: "a rename onto the object itself in Create mode".into(),
                });
            }
            return Ok(());
        }
        let mode = if create {
            CopyMode::Create
        } else {
            CopyMode::Overwrite
        };
        let copy = CopyOptions::new()
            .with_mode(mode)
            .with_extensions(options.extensions);
        self.copy_opts(from, to, copy).await?;
        self.delete(from).await
    }
}

#[async_trait]
impl MultipartStore for OssStore {
    async fn create_multipart(&self, path: &Path) -> Result<MultipartId> {
        self.create_multipart_opts(path, PutMultipartOptions::default())
            .await
    }

    async fn create_multipart_opts(
        &self,
        path: &Path,
        opts: PutMultipartOptions,
    ) -> Result<MultipartId> {
        self.init_upload(path.as_ref(), &opts).await
    }

    async fn put_part(
        &self,
        path: &Path,
        id: &MultipartId,
        part_idx: usize,
        data: PutPayload,
    ) -> Result<PartId> {
        let number = part_idx
            .checked_add(1)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| u64::from(*n) <= MAX_PARTS)
            .ok_or_else(|| {
                generic(format!(
                    "part index {part_idx} is out of range: OSS numbers parts 1 to {MAX_PARTS}"
                ))
            })?;
        let part = Self::upload_part(&self.bucket, path.as_ref(), id, number, data).await?;
        Ok(PartId {
            content_id: encode_part(&part),
        })
    }

    async fn complete_multipart(
        &self,
        path: &Path,
        id: &MultipartId,
        parts: Vec<PartId>,
    ) -> Result<PutResult> {
        let parts = parts
            .iter()
            .enumerate()
            .map(|(i, p)| decode_part((i + 1) as u32, &p.content_id))
            .collect();
        Self::complete(&self.bucket, path.as_ref(), id, parts).await
    }

    async fn abort_multipart(&self, path: &Path, id: &MultipartId) -> Result<()> {
        let key = path.as_ref();
        self.bucket
            .abort_multipart_upload(key, id)
            .await
            .map_err(|e| map(e, key))?;
        Ok(())
    }
}

#[async_trait]
impl PaginatedListStore for OssStore {
    async fn list_paginated(
        &self,
        prefix: Option<&str>,
        opts: PaginatedListOptions,
    ) -> Result<PaginatedListResult> {
        let prefix = prefix.unwrap_or("");
        let mut b = self.bucket.list_objects_v2();
        if !prefix.is_empty() {
            b = b.prefix(prefix);
        }
        if let Some(d) = &opts.delimiter {
            b = b.delimiter(d.to_string());
        }
        if let Some(n) = opts.max_keys {
            b = b.max_keys(n.clamp(1, LIST_PAGE as usize) as u32);
        }
        if let Some(t) = &opts.page_token {
            b = b.continuation_token(t.clone());
        }
        if let Some(o) = opts.offset.as_ref().filter(|o| !o.is_empty()) {
            b = b.start_after(o.clone());
        }
        let page = b.await.map_err(|e| map(e, prefix))?;
        let common_prefixes = page
            .common_prefixes
            .iter()
            .map(Path::parse)
            .collect::<Result<_, _>>()?;
        let objects = page
            .objects
            .into_iter()
            .map(object_meta)
            .collect::<Result<_>>()?;
        Ok(PaginatedListResult {
            result: ListResult {
                common_prefixes,
                objects,
                extensions: Extensions::new(),
            },
            page_token: page
                .is_truncated
                .then_some(page.next_continuation_token)
                .flatten(),
        })
    }
}

#[async_trait]
impl Signer for OssStore {
    async fn signed_url(&self, method: Method, path: &Path, expires_in: Duration) -> Result<Url> {
        self.sign(method, path, expires_in, &SignedUrlOptions::default())
            .await
    }

    async fn signed_url_opts(
        &self,
        method: Method,
        path: &Path,
        expires_in: Duration,
        options: &SignedUrlOptions,
    ) -> Result<Url> {
        self.sign(method, path, expires_in, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_become_range_headers() {
        assert_eq!(range_header(&GetRange::Bounded(2..5)), "bytes=2-4");
        assert_eq!(range_header(&GetRange::Offset(3)), "bytes=3-");
        assert_eq!(range_header(&GetRange::Suffix(2)), "bytes=-2");
    }

    #[test]
    fn content_ranges_are_parsed() {
        assert_eq!(parse_content_range("bytes 2-4/14"), Some((2..5, 14)));
        assert_eq!(parse_content_range("bytes 0-13/14"), Some((0..14, 14)));
        for bad in ["bytes 4-2/14", "bytes 0-14/14", "bytes */14", "2-4/14", ""] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn etags_are_quoted() {
        assert_eq!(quote("ABC").as_deref(), Some("\"ABC\""));
        assert_eq!(quote("\"ABC\"").as_deref(), Some("\"ABC\""));
        assert_eq!(quote(""), None);
        assert_eq!(quote_list("a, \"b\",*"), "\"a\", \"b\", *");
    }

    #[test]
    fn prefixes_are_directories() {
        assert_eq!(dir_prefix(None), "");
        assert_eq!(dir_prefix(Some(&Path::from("/"))), "");
        assert_eq!(dir_prefix(Some(&Path::from("a/b"))), "a/b/");
    }

    #[test]
    fn attributes_become_headers_and_unknown_ones_are_refused() {
        let store = OssStore::new(
            Bucket::new(
                osskit::AnonymousAuth,
                "http://127.0.0.1:1",
                "attributes-test",
            )
            .unwrap(),
        );
        let attributes = Attributes::from_iter([
            (Attribute::ContentType, "text/plain"),
            (Attribute::CacheControl, "no-cache"),
            (Attribute::StorageClass, "IA"),
            (Attribute::Metadata("k".into()), "v"),
        ]);
        let mut tags = TagSet::default();
        tags.push("team", "a b");
        let h = store.object_headers(&attributes, &tags).unwrap();
        assert_eq!(h.content_type.as_deref(), Some("text/plain"));
        assert_eq!(h.metadata, [("k".to_string(), "v".to_string())]);
        assert!(h
            .headers
            .contains(&("Cache-Control".to_string(), "no-cache".to_string())));
        assert!(h
            .headers
            .contains(&(h::STORAGE_CLASS.to_string(), "IA".to_string())));
        assert!(h
            .headers
            .contains(&(h::TAGGING.to_string(), "team=a+b".to_string())));
        let quiet = OssStore::with_options(
            store.bucket().clone(),
            StoreOptions {
                disable_tagging: true,
                ..StoreOptions::default()
            },
        );
        let h = quiet.object_headers(&Attributes::new(), &tags).unwrap();
        assert!(h.headers.is_empty());
    }
}
