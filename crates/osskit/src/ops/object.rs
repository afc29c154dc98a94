//! Writing and removing objects: PutObject (from bytes, readers, streams and files),
//! AppendObject, CopyObject, UpdateObjectMeta, DeleteObject and batch delete.

use osskit_proto::ops::OpId;
use std::path::PathBuf;

use osskit_proto::headers as h;

use crate::body::Body;
use crate::bucket::{check_bucket_name, BucketClient};
use crate::error::{Error, Result};
use crate::mode::{Async, Mode};
use crate::ops::{builder_options, check_crc, check_key, finish, impl_send, read_xml};
use crate::progress::ProgressFn;
use crate::request::{OssRequest, RequestOptions};
use crate::result::{impl_response, ResponseMeta};
use crate::transport::execute;
use crate::types::{MetadataDirective, ObjectAcl, StorageClass};

/// Maximum number of keys in one DeleteMultipleObjects request.
pub const BATCH_DELETE_LIMIT: usize = 1000;

/// Where the bytes of an upload come from.
enum Source {
    Body(Body),
    File(PathBuf),
}

/// How the `Content-MD5` header is obtained.
#[derive(Debug, Clone)]
enum Md5 {
    None,
    Given(String),
    Compute,
}

/// Headers common to uploads: type, user metadata, ACL, storage class, tags.
#[derive(Debug, Clone, Default)]
struct UploadHeaders {
    content_type: Option<String>,
    metadata: Vec<(String, String)>,
    acl: Option<ObjectAcl>,
    storage_class: Option<StorageClass>,
    tagging: Option<osskit_proto::xml::tagging::Tagging>,
}

impl UploadHeaders {
    fn apply(self, mut req: OssRequest, type_from_name: &str) -> OssRequest {
        let content_type = self
            .content_type
            .or_else(|| crate::mime::content_type_by_name(type_from_name).map(str::to_string));
        req = req.header_opt("Content-Type", content_type);
        for (k, v) in self.metadata {
            req = req.header(&format!("{}{}", h::META_PREFIX, k), v);
        }
        req = req.header_opt(h::OBJECT_ACL, self.acl.map(|a| a.as_str()));
        req = req.header_opt(h::TAGGING, self.tagging.map(|t| t.to_header()));
        req.header_opt(h::STORAGE_CLASS, self.storage_class.map(|s| s.as_str()))
    }
}

/// Adds the setters of [`UploadHeaders`] to a builder with an `upload` field.
macro_rules! upload_setters {
    ($b:ident) => {
        impl<M: Mode> $b<M> {
            /// `Content-Type` (guessed from the name when not given).
            pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
                self.upload.content_type = Some(content_type.into());
                self
            }

            /// User metadata, sent as `x-oss-meta-<name>`.
            pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.upload.metadata.push((name.into(), value.into()));
                self
            }

            /// Canned ACL of the object.
            pub fn acl(mut self, acl: ObjectAcl) -> Self {
                self.upload.acl = Some(acl);
                self
            }

            /// Storage class of the object.
            pub fn storage_class(mut self, class: StorageClass) -> Self {
                self.upload.storage_class = Some(class);
                self
            }

            /// Tags of the object (`x-oss-tagging`; an append takes them when it creates
            /// the object, a copy with [`TaggingDirective::Replace`](crate::types::TaggingDirective)).
            pub fn tagging(mut self, tagging: osskit_proto::xml::tagging::Tagging) -> Self {
                self.upload.tagging = Some(tagging);
                self
            }

            /// Called with `(bytes sent, total)` as the body goes out.
            pub fn progress(
                mut self,
                f: impl Fn(u64, Option<u64>) + Send + Sync + 'static,
            ) -> Self {
                self.progress = Some(crate::progress::callback(f));
                self
            }
        }
    };
}

/// Adds `traffic_limit` to upload builders.
macro_rules! traffic_limit_setter {
    ($($b:ident),*) => {$(
        impl<M: Mode> $b<M> {
            /// `x-oss-traffic-limit`: OSS reads the body no faster than `bits_per_sec`
            /// (245760 to 838860800, that is 30 KB/s to 100 MB/s).
            pub fn traffic_limit(mut self, bits_per_sec: u64) -> Self {
                crate::request::set_header(
                    &mut self.options.headers,
                    "x-oss-traffic-limit",
                    bits_per_sec.to_string(),
                );
                self
            }
        }
    )*};
}
pub(crate) use traffic_limit_setter;

/// The output of PutObject.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PutObjectOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// ETag without quotes.
    pub etag: String,
    /// `x-oss-hash-crc64ecma` of the stored object.
    pub crc64: Option<u64>,
    /// Version id (versioned buckets).
    pub version_id: Option<String>,
}

/// PutObject: see [`BucketClient::put_object`].
pub struct PutObject<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    source: Source,
    upload: UploadHeaders,
    content_md5: Md5,
    forbid_overwrite: Option<bool>,
    progress: Option<ProgressFn>,
    options: RequestOptions,
}

upload_setters!(PutObject);
traffic_limit_setter!(PutObject);
builder_options!(PutObject);
impl_send!(PutObject => PutObjectOutput);
impl_response!(PutObjectOutput);

impl<M: Mode> PutObject<M> {
    /// Sends this `Content-MD5` (base64 of the MD5 digest); OSS rejects a body that does not
    /// match with `InvalidDigest`.
    pub fn content_md5(mut self, md5_base64: impl Into<String>) -> Self {
        self.content_md5 = Md5::Given(md5_base64.into());
        self
    }

    /// Computes and sends `Content-MD5` (bytes and file bodies).
    pub fn with_content_md5(mut self) -> Self {
        self.content_md5 = Md5::Compute;
        self
    }

    /// `x-oss-forbid-overwrite`: with `true`, an existing object makes the call fail with
    /// `FileAlreadyExists`.
    pub fn forbid_overwrite(mut self, yes: bool) -> Self {
        self.forbid_overwrite = Some(yes);
        self
    }

    async fn execute(self) -> Result<PutObjectOutput> {
        check_key(&self.key)?;
        let (body, type_name) = match self.source {
            Source::Body(b) => (b, self.key.clone()),
            Source::File(p) => {
                let b = Body::from_file(&p).await?;
                (b, p.to_string_lossy().into_owned())
            }
        };
        let md5 = match self.content_md5 {
            Md5::None => None,
            Md5::Given(s) => Some(s),
            Md5::Compute => Some(body.content_md5().await?),
        };
        let config = &self.client.config;
        let mut req = OssRequest::new(OpId::PutObject)
            .bucket(&self.client.name)
            .key(&self.key);
        req = self.upload.apply(req, &type_name);
        req = req
            .header_opt("Content-MD5", md5)
            .header_opt(
                h::FORBID_OVERWRITE,
                self.forbid_overwrite.map(|b| b.to_string()),
            )
            .body(body)
            .progress(self.progress)
            .options(self.options);
        req.upload_crc = config.enable_crc;
        let raw = execute(config, req).await?;
        let client_crc = raw.upload.as_ref().and_then(|t| t.crc());
        let meta = finish(config, raw).await?;
        if config.enable_crc {
            check_crc("PutObject", client_crc, meta.crc64(), meta.request_id())?;
        }
        Ok(PutObjectOutput {
            etag: meta.etag().unwrap_or_default(),
            crc64: meta.crc64(),
            version_id: meta.version_id(),
            meta,
        })
    }
}

/// The output of AppendObject.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AppendObjectOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The position of the next append (`x-oss-next-append-position`).
    pub next_position: u64,
    /// CRC-64 of the whole object after this append.
    pub crc64: Option<u64>,
    /// ETag without quotes.
    pub etag: String,
}

/// AppendObject: see [`BucketClient::append_object`].
pub struct AppendObject<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    position: u64,
    body: Body,
    init_crc: Option<u64>,
    upload: UploadHeaders,
    progress: Option<ProgressFn>,
    options: RequestOptions,
}

upload_setters!(AppendObject);
traffic_limit_setter!(AppendObject);
builder_options!(AppendObject);
impl_send!(AppendObject => AppendObjectOutput);
impl_response!(AppendObjectOutput);

impl<M: Mode> AppendObject<M> {
    /// The CRC-64 of the object before this append (the `crc64` of the previous append).
    /// When given (and CRC checks are on) the CRC returned by OSS is checked against
    /// `combine(init_crc, crc(body), len(body))`.
    pub fn init_crc(mut self, crc: u64) -> Self {
        self.init_crc = Some(crc);
        self
    }

    async fn execute(self) -> Result<AppendObjectOutput> {
        check_key(&self.key)?;
        let config = &self.client.config;
        let check = config.enable_crc && self.init_crc.is_some();
        let mut req = OssRequest::new(OpId::AppendObject)
            .bucket(&self.client.name)
            .key(&self.key)
            .param("position", self.position.to_string());
        req = self.upload.apply(req, &self.key);
        req = req
            .body(self.body)
            .progress(self.progress)
            .options(self.options);
        req.upload_crc = check;
        let raw = execute(config, req).await?;
        let sent = raw.upload.as_ref().map(|t| (t.crc(), t.bytes()));
        let meta = finish(config, raw).await?;
        if let (true, Some(init), Some((Some(body_crc), len))) = (check, self.init_crc, sent) {
            let expected = osskit_proto::crc64::combine(init, body_crc, len);
            check_crc(
                "AppendObject",
                Some(expected),
                meta.crc64(),
                meta.request_id(),
            )?;
        }
        let next_position =
            meta.header_u64(h::NEXT_APPEND_POSITION)
                .ok_or_else(|| Error::InvalidResponse {
                    message: "AppendObject: the response has no valid x-oss-next-append-position"
                        .into(),
                    request_id: meta.request_id().to_string(),
                })?;
        Ok(AppendObjectOutput {
            next_position,
            crc64: meta.crc64(),
            etag: meta.etag().unwrap_or_default(),
            meta,
        })
    }
}

/// The output of CopyObject and UpdateObjectMeta.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CopyObjectOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// ETag of the new object, without quotes.
    pub etag: String,
    /// Last-Modified of the new object (Unix seconds), when given.
    pub last_modified: Option<i64>,
    /// CRC-64 of the new object.
    pub crc64: Option<u64>,
    /// Version id (versioned buckets).
    pub version_id: Option<String>,
}

/// CopyObject: see [`BucketClient::copy_object`].
pub struct CopyObject<M: Mode = Async> {
    client: BucketClient<M>,
    source_bucket: String,
    source_key: String,
    source_version_id: Option<String>,
    key: String,
    directive: Option<MetadataDirective>,
    upload: UploadHeaders,
    progress: Option<ProgressFn>,
    options: RequestOptions,
    operation: &'static str,
}

upload_setters!(CopyObject);
builder_options!(CopyObject);
impl_send!(CopyObject => CopyObjectOutput);
impl_response!(CopyObjectOutput);

impl<M: Mode> CopyObject<M> {
    /// Copies this version of the source (`?versionId=` in `x-oss-copy-source`) instead of
    /// its current one.
    pub fn source_version_id(mut self, version_id: impl Into<String>) -> Self {
        self.source_version_id = Some(version_id.into());
        self
    }

    /// `COPY` keeps the source's metadata (the default), `REPLACE` uses the request's.
    pub fn metadata_directive(mut self, directive: MetadataDirective) -> Self {
        self.directive = Some(directive);
        self
    }

    /// `Copy` keeps the source's tags (the default), `Replace` takes those of
    /// [`tagging`](Self::tagging) (none when not given).
    pub fn tagging_directive(mut self, directive: crate::types::TaggingDirective) -> Self {
        self.options
            .headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("x-oss-tagging-directive"));
        self.options.headers.push((
            "x-oss-tagging-directive".to_string(),
            directive.as_str().to_string(),
        ));
        self
    }

    async fn execute(self) -> Result<CopyObjectOutput> {
        check_bucket_name(&self.source_bucket)?;
        check_key(&self.source_key)?;
        check_key(&self.key)?;
        let _ = self.progress;
        let config = &self.client.config;
        let source = osskit_proto::ops::copy_source::format(
            &self.source_bucket,
            &self.source_key,
            self.source_version_id.as_deref(),
        );
        let mut req = OssRequest::new(OpId::CopyObject)
            .label(self.operation)
            .bucket(&self.client.name)
            .key(&self.key)
            .header(h::COPY_SOURCE, source)
            .header_opt(h::METADATA_DIRECTIVE, self.directive.map(|d| d.as_str()));
        // An empty name guesses no type: only an explicit Content-Type is sent.
        req = self.upload.apply(req, "");
        req = req.options(self.options);
        let raw = execute(config, req).await?;
        let (meta, doc): (ResponseMeta, osskit_proto::xml::object::CopyObjectResult) =
            read_xml(config, raw).await?;
        Ok(CopyObjectOutput {
            etag: osskit_proto::digest::strip_etag_quotes(&doc.etag).to_string(),
            last_modified: osskit_proto::date::iso8601_to_unixtime(&doc.last_modified).ok(),
            crc64: meta.crc64(),
            version_id: meta.version_id(),
            meta,
        })
    }
}

/// The output of DeleteObject.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeleteObjectOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Version id (versioned buckets).
    pub version_id: Option<String>,
    /// Whether a delete marker was created (`x-oss-delete-marker: true`).
    pub delete_marker: bool,
}

/// DeleteObject: see [`BucketClient::delete_object`].
pub struct DeleteObject<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    options: RequestOptions,
}

builder_options!(DeleteObject);
crate::ops::version_option!(DeleteObject);
impl_send!(DeleteObject => DeleteObjectOutput);
impl_response!(DeleteObjectOutput);

impl<M: Mode> DeleteObject<M> {
    async fn execute(self) -> Result<DeleteObjectOutput> {
        check_key(&self.key)?;
        let config = &self.client.config;
        let req = OssRequest::new(OpId::DeleteObject)
            .bucket(&self.client.name)
            .key(&self.key)
            .options(self.options);
        let meta = finish(config, execute(config, req).await?).await?;
        Ok(DeleteObjectOutput {
            version_id: meta.version_id(),
            delete_marker: meta
                .header(h::DELETE_MARKER)
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            meta,
        })
    }
}

/// One key removed by a batch delete.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeletedKey {
    /// The key (decoded).
    pub key: String,
    /// Version id, on versioned buckets.
    pub version_id: Option<String>,
    /// Whether a delete marker was created.
    pub delete_marker: bool,
}

/// The output of a batch delete: per-key outcomes over every request sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BatchDeleteOutput {
    /// Status and headers of the last request.
    pub meta: ResponseMeta,
    /// Request ids of every request (one per 1000 keys).
    pub request_ids: Vec<String>,
    /// The keys OSS reports as deleted, in response order.
    pub deleted: Vec<DeletedKey>,
    /// Requested keys that OSS did not report as deleted.
    pub not_deleted: Vec<String>,
}

impl BatchDeleteOutput {
    /// The deleted keys (oss2's `deleted_keys`).
    pub fn deleted_keys(&self) -> Vec<&str> {
        self.deleted.iter().map(|d| d.key.as_str()).collect()
    }
}

/// DeleteMultipleObjects: see [`BucketClient::batch_delete_objects`].
pub struct BatchDeleteObjects<M: Mode = Async> {
    client: BucketClient<M>,
    keys: Vec<String>,
    options: RequestOptions,
}

builder_options!(BatchDeleteObjects);
impl_send!(BatchDeleteObjects => BatchDeleteOutput);
impl_response!(BatchDeleteOutput);

impl<M: Mode> BatchDeleteObjects<M> {
    async fn execute(self) -> Result<BatchDeleteOutput> {
        if self.keys.is_empty() {
            return Err(Error::client("the list of keys to delete is empty"));
        }
        for k in &self.keys {
            check_key(k)?;
        }
        let config = &self.client.config;
        let mut out = BatchDeleteOutput {
            meta: ResponseMeta::default(),
            request_ids: vec![],
            deleted: vec![],
            not_deleted: vec![],
        };
        for chunk in self.keys.chunks(BATCH_DELETE_LIMIT) {
            let doc = osskit_proto::xml::object::Delete {
                quiet: false,
                objects: chunk
                    .iter()
                    .map(|k| osskit_proto::xml::object::DeleteObject {
                        key: k.clone(),
                        version_id: None,
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
            let raw = execute(config, req).await?;
            let (meta, result): (ResponseMeta, osskit_proto::xml::object::DeleteResult) =
                read_xml(config, raw).await?;
            let encoded = result.encoding_type.as_deref() == Some("url");
            let mut seen = std::collections::HashSet::new();
            for d in result.deleted {
                let key = if encoded {
                    osskit_proto::encoding::unquote(&d.key)
                } else {
                    d.key
                };
                seen.insert(key.clone());
                out.deleted.push(DeletedKey {
                    key,
                    version_id: d.version_id,
                    delete_marker: d.delete_marker.unwrap_or(false),
                });
            }
            out.not_deleted
                .extend(chunk.iter().filter(|k| !seen.contains(*k)).cloned());
            out.request_ids.push(meta.request_id().to_string());
            out.meta = meta;
        }
        Ok(out)
    }
}

impl<M: Mode> BucketClient<M> {
    /// PutObject: uploads `body` (bytes, a string, a file, a reader or a stream) as `key`.
    ///
    /// The CRC-64 of the bytes sent is checked against the one OSS returns (unless CRC checks
    /// are off). `Content-Type` is guessed from the key when not given.
    pub fn put_object(&self, key: impl Into<String>, body: impl Into<Body>) -> PutObject<M> {
        PutObject {
            client: self.clone(),
            key: key.into(),
            source: Source::Body(body.into()),
            upload: UploadHeaders::default(),
            content_md5: Md5::None,
            forbid_overwrite: None,
            progress: None,
            options: RequestOptions::default(),
        }
    }

    /// PutObject with the contents of a file; `Content-Type` is guessed from the file name
    /// when not given. The file is read again if the request is retried.
    pub fn put_object_from_file(
        &self,
        key: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> PutObject<M> {
        let mut b = self.put_object(key, Body::empty());
        b.source = Source::File(path.into());
        b
    }

    /// AppendObject: appends `body` at `position` (0 creates an appendable object; later
    /// appends use the previous `next_position`).
    pub fn append_object(
        &self,
        key: impl Into<String>,
        position: u64,
        body: impl Into<Body>,
    ) -> AppendObject<M> {
        AppendObject {
            client: self.clone(),
            key: key.into(),
            position,
            body: body.into(),
            init_crc: None,
            upload: UploadHeaders::default(),
            progress: None,
            options: RequestOptions::default(),
        }
    }

    /// CopyObject: copies `source_bucket/source_key` to `key` in this bucket.
    pub fn copy_object(
        &self,
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        key: impl Into<String>,
    ) -> CopyObject<M> {
        CopyObject {
            client: self.clone(),
            source_bucket: source_bucket.into(),
            source_key: source_key.into(),
            source_version_id: None,
            key: key.into(),
            directive: None,
            upload: UploadHeaders::default(),
            progress: None,
            options: RequestOptions::default(),
            operation: "CopyObject",
        }
    }

    /// Replaces the metadata of `key` (a copy onto itself with `REPLACE`): set the new
    /// metadata and Content-Type on the returned builder.
    pub fn update_object_meta(&self, key: impl Into<String>) -> CopyObject<M> {
        let key = key.into();
        let mut b = self.copy_object(self.name.to_string(), key.clone(), key);
        b.directive = Some(MetadataDirective::Replace);
        b.operation = "UpdateObjectMeta";
        b
    }

    /// DeleteObject (succeeds for a missing key, as OSS does).
    pub fn delete_object(&self, key: impl Into<String>) -> DeleteObject<M> {
        DeleteObject {
            client: self.clone(),
            key: key.into(),
            options: RequestOptions::default(),
        }
    }

    /// DeleteMultipleObjects: deletes `keys`, 1000 per request. An empty list is rejected.
    pub fn batch_delete_objects<I, K>(&self, keys: I) -> BatchDeleteObjects<M>
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        BatchDeleteObjects {
            client: self.clone(),
            keys: keys.into_iter().map(Into::into).collect(),
            options: RequestOptions::default(),
        }
    }
}
