//! Multipart uploads: InitiateMultipartUpload, UploadPart, UploadPartCopy,
//! CompleteMultipartUpload (with a part list or `x-oss-complete-all`),
//! AbortMultipartUpload, and the listings [`ListParts`] and [`ListMultipartUploads`].
//!
//! Parts are numbered 1 to 10000; every part but the last must hold at least 100 KiB.
//! With CRC checks on (the default), the CRC-64 of each part sent is compared with the one
//! OSS returns, and the CRC-64 of the completed object with the combination of the parts'
//! CRCs when every [`PartInfo`] carries its size and CRC.
//!
//! ```
//! use osskit::{Auth, Bucket, PartInfo};
//! use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start().await;
//! let auth = Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
//! let bucket = Bucket::new(auth, &server.endpoint(), "multipart-example")?;
//! bucket.create_bucket().await?;
//!
//! let init = bucket.init_multipart_upload("big.bin").content_type("application/octet-stream").await?;
//! let first = bucket.upload_part("big.bin", &init.upload_id, 1, vec![b'a'; 100 * 1024]).await?;
//! let second = bucket.upload_part("big.bin", &init.upload_id, 2, "the end").await?;
//! assert_eq!(first.size, 100 * 1024);
//!
//! let parts = vec![PartInfo::from(&second), PartInfo::from(&first)]; // sorted before sending
//! let done = bucket.complete_multipart_upload("big.bin", &init.upload_id, parts).await?;
//! assert!(done.etag.ends_with("-2"));
//!
//! let head = bucket.head_object("big.bin").await?;
//! assert_eq!(head.content_length, Some(100 * 1024 + 7));
//! # Ok(())
//! # }
//! ```

mod list;

pub use list::{
    ListMultipartUploads, ListMultipartUploadsOutput, ListParts, ListPartsOutput,
    MultipartUploadSummary, PartSummary, UploadItem,
};

use osskit_proto::headers as h;
use osskit_proto::ops::OpId;
use osskit_proto::range::ByteRange;
use osskit_proto::xml::multipart as x;

use crate::body::Body;
use crate::bucket::{check_bucket_name, BucketClient};
use crate::error::{Error, Result};
use crate::mode::{Async, Mode};
use crate::ops::{builder_options, check_crc, check_key, finish, impl_send, read_xml};
use crate::progress::ProgressFn;
use crate::request::{OssRequest, RequestOptions};
use crate::result::{impl_response, RequestResult, ResponseMeta};
use crate::transport::execute;
use crate::types::{ObjectAcl, StorageClass};

/// The highest part number of a multipart upload (parts are numbered from 1).
pub const MAX_PART_NUMBER: u32 = osskit_proto::ops::MAX_PART_NUMBER as u32;

/// Checks a part number before any request.
pub(crate) fn check_part_number(number: u32) -> Result<()> {
    if (1..=MAX_PART_NUMBER).contains(&number) {
        Ok(())
    } else {
        Err(Error::client(format!(
            "the part number {number} is out of range: parts are numbered 1 to {MAX_PART_NUMBER}"
        )))
    }
}

/// Checks an upload id before any request.
pub(crate) fn check_upload_id(upload_id: &str) -> Result<()> {
    if upload_id.trim().is_empty() {
        Err(Error::client(
            "the upload id is empty: pass the upload_id returned by init_multipart_upload",
        ))
    } else {
        Ok(())
    }
}

/// The key and upload id every request about one upload carries.
fn upload_request(op: OpId, client_name: &str, key: &str, upload_id: &str) -> Result<OssRequest> {
    check_key(key)?;
    check_upload_id(upload_id)?;
    Ok(OssRequest::new(op)
        .bucket(client_name)
        .key(key)
        .param("uploadId", upload_id))
}

/// A part of a multipart upload as CompleteMultipartUpload needs it: number and ETag, plus
/// the size and CRC-64 of its bytes when known (then the CRC-64 of the completed object is
/// checked).
///
/// ```
/// use osskit::PartInfo;
/// let part = PartInfo::new(3, "\"5B3C1A\"").size(102400).crc64(42);
/// assert_eq!(part.part_number, 3);
/// assert_eq!(part.etag, "5B3C1A");
/// assert_eq!((part.size, part.crc64), (Some(102400), Some(42)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartInfo {
    /// Part number, 1 to 10000.
    pub part_number: u32,
    /// ETag of the part (quotes optional).
    pub etag: String,
    /// Size of the part in bytes.
    pub size: Option<u64>,
    /// CRC-64 of the part.
    pub crc64: Option<u64>,
}

impl PartInfo {
    /// A part known by number and ETag (surrounding quotes are removed).
    pub fn new(part_number: u32, etag: impl Into<String>) -> PartInfo {
        let etag = etag.into();
        PartInfo {
            part_number,
            etag: osskit_proto::digest::strip_etag_quotes(&etag).to_string(),
            size: None,
            crc64: None,
        }
    }

    /// Sets the size of the part.
    pub fn size(mut self, size: u64) -> PartInfo {
        self.size = Some(size);
        self
    }

    /// Sets the CRC-64 of the part.
    pub fn crc64(mut self, crc64: u64) -> PartInfo {
        self.crc64 = Some(crc64);
        self
    }
}

impl From<&UploadPartOutput> for PartInfo {
    fn from(out: &UploadPartOutput) -> PartInfo {
        PartInfo {
            part_number: out.part_number,
            etag: out.etag.clone(),
            size: Some(out.size),
            crc64: out.crc64,
        }
    }
}

impl From<UploadPartOutput> for PartInfo {
    fn from(out: UploadPartOutput) -> PartInfo {
        PartInfo::from(&out)
    }
}

impl From<&PartSummary> for PartInfo {
    fn from(part: &PartSummary) -> PartInfo {
        PartInfo {
            part_number: part.part_number,
            etag: part.etag.clone(),
            size: Some(part.size),
            crc64: part.crc64,
        }
    }
}

/// The CRC-64 of an object made of `parts` (in order), `None` unless every part has both
/// its size and its CRC-64.
pub(crate) fn combined_crc(parts: &[PartInfo]) -> Option<u64> {
    parts.iter().try_fold(0u64, |acc, p| {
        Some(osskit_proto::crc64::combine(acc, p.crc64?, p.size?))
    })
}

/// Headers of the object a multipart upload creates.
#[derive(Debug, Clone, Default)]
struct ObjectHeaders {
    content_type: Option<String>,
    metadata: Vec<(String, String)>,
    acl: Option<ObjectAcl>,
    storage_class: Option<StorageClass>,
    tagging: Option<osskit_proto::xml::tagging::Tagging>,
}

/// The output of InitiateMultipartUpload.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InitMultipartUploadOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The id of the new upload, passed to every later call about it.
    pub upload_id: String,
    /// The key of the object being uploaded.
    pub key: String,
}

/// InitiateMultipartUpload: see [`BucketClient::init_multipart_upload`].
pub struct InitMultipartUpload<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    object: ObjectHeaders,
    options: RequestOptions,
}

builder_options!(InitMultipartUpload);
impl_send!(InitMultipartUpload => InitMultipartUploadOutput);
impl_response!(InitMultipartUploadOutput);

impl<M: Mode> InitMultipartUpload<M> {
    /// `Content-Type` of the object (guessed from the key when not given).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.object.content_type = Some(content_type.into());
        self
    }

    /// User metadata of the object, sent as `x-oss-meta-<name>`.
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.object.metadata.push((name.into(), value.into()));
        self
    }

    /// Canned ACL of the object.
    pub fn acl(mut self, acl: ObjectAcl) -> Self {
        self.object.acl = Some(acl);
        self
    }

    /// Storage class of the object.
    pub fn storage_class(mut self, class: StorageClass) -> Self {
        self.object.storage_class = Some(class);
        self
    }

    /// Tags of the completed object (`x-oss-tagging`).
    pub fn tagging(mut self, tagging: osskit_proto::xml::tagging::Tagging) -> Self {
        self.object.tagging = Some(tagging);
        self
    }

    async fn execute(self) -> Result<InitMultipartUploadOutput> {
        check_key(&self.key)?;
        let config = &self.client.config;
        let content_type = self
            .object
            .content_type
            .or_else(|| crate::mime::content_type_by_name(&self.key).map(str::to_string));
        let mut req = OssRequest::new(OpId::InitiateMultipartUpload)
            .bucket(&self.client.name)
            .key(&self.key)
            .header_opt("Content-Type", content_type);
        for (k, v) in self.object.metadata {
            req = req.header(&format!("{}{}", h::META_PREFIX, k), v);
        }
        req = req
            .header_opt(h::OBJECT_ACL, self.object.acl.map(|a| a.as_str()))
            .header_opt(
                h::STORAGE_CLASS,
                self.object.storage_class.map(|s| s.as_str()),
            )
            .header_opt(h::TAGGING, self.object.tagging.map(|t| t.to_header()))
            .options(self.options);
        let (meta, mut doc): (ResponseMeta, x::InitiateMultipartUploadResult) =
            read_xml(config, execute(config, req).await?).await?;
        doc.decode_url();
        if doc.upload_id.is_empty() {
            return Err(Error::InvalidResponse {
                message: "InitiateMultipartUpload: the response has an empty UploadId".into(),
                request_id: meta.request_id().to_string(),
            });
        }
        Ok(InitMultipartUploadOutput {
            meta,
            upload_id: doc.upload_id,
            key: if doc.key.is_empty() {
                self.key
            } else {
                doc.key
            },
        })
    }
}

/// How the `Content-MD5` header of a part is obtained.
#[derive(Debug, Clone)]
enum Md5 {
    None,
    Given(String),
    Compute,
}

/// The output of UploadPart.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UploadPartOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The part number.
    pub part_number: u32,
    /// ETag of the part, without quotes.
    pub etag: String,
    /// `x-oss-hash-crc64ecma` of the part.
    pub crc64: Option<u64>,
    /// Number of bytes sent.
    pub size: u64,
}

/// UploadPart: see [`BucketClient::upload_part`].
pub struct UploadPart<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    upload_id: String,
    part_number: u32,
    body: Body,
    content_md5: Md5,
    progress: Option<ProgressFn>,
    options: RequestOptions,
}

builder_options!(UploadPart);
impl_send!(UploadPart => UploadPartOutput);
impl_response!(UploadPartOutput);

crate::ops::object::traffic_limit_setter!(UploadPart);

impl<M: Mode> UploadPart<M> {
    /// Called with `(bytes sent, total)` as the part goes out.
    pub fn progress(mut self, f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> Self {
        self.progress = Some(crate::progress::callback(f));
        self
    }

    /// Sends this `Content-MD5` (base64 of the MD5 digest); OSS rejects a part that does
    /// not match with `InvalidDigest`.
    pub fn content_md5(mut self, md5_base64: impl Into<String>) -> Self {
        self.content_md5 = Md5::Given(md5_base64.into());
        self
    }

    /// Computes and sends `Content-MD5` (bytes and file bodies).
    pub fn with_content_md5(mut self) -> Self {
        self.content_md5 = Md5::Compute;
        self
    }

    async fn execute(self) -> Result<UploadPartOutput> {
        check_part_number(self.part_number)?;
        let config = &self.client.config;
        let req = upload_request(
            OpId::UploadPart,
            &self.client.name,
            &self.key,
            &self.upload_id,
        )?;
        let md5 = match self.content_md5 {
            Md5::None => None,
            Md5::Given(s) => Some(s),
            Md5::Compute => Some(self.body.content_md5().await?),
        };
        let mut req = req
            .param("partNumber", self.part_number.to_string())
            .header_opt("Content-MD5", md5)
            .body(self.body)
            .progress(self.progress)
            .options(self.options);
        req.upload_crc = config.enable_crc;
        let raw = execute(config, req).await?;
        let sent = raw.upload.as_ref().map(|t| (t.crc(), t.bytes()));
        let meta = finish(config, raw).await?;
        let (client_crc, size) = sent.unwrap_or((None, 0));
        if config.enable_crc {
            check_crc("UploadPart", client_crc, meta.crc64(), meta.request_id())?;
        }
        Ok(UploadPartOutput {
            part_number: self.part_number,
            etag: meta.etag().unwrap_or_default(),
            crc64: meta.crc64(),
            size,
            meta,
        })
    }
}

/// The output of UploadPartCopy.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UploadPartCopyOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// ETag of the part, without quotes.
    pub etag: String,
    /// `x-oss-hash-crc64ecma` of the part, when given.
    pub crc64: Option<u64>,
    /// Last-Modified of the part (Unix seconds), when given.
    pub last_modified: Option<i64>,
}

/// UploadPartCopy: see [`BucketClient::upload_part_copy`].
pub struct UploadPartCopy<M: Mode = Async> {
    client: BucketClient<M>,
    source_bucket: String,
    source_key: String,
    range: Option<ByteRange>,
    key: String,
    upload_id: String,
    part_number: u32,
    source_version_id: Option<String>,
    source_conditions: Vec<(&'static str, String)>,
    options: RequestOptions,
}

builder_options!(UploadPartCopy);
impl_send!(UploadPartCopy => UploadPartCopyOutput);
impl_response!(UploadPartCopyOutput);

impl<M: Mode> UploadPartCopy<M> {
    /// Copies this version of the source (`?versionId=` in `x-oss-copy-source`).
    pub fn source_version_id(mut self, version_id: impl Into<String>) -> Self {
        self.source_version_id = Some(version_id.into());
        self
    }

    /// `x-oss-copy-source-if-match`: copy only while the source has this ETag (else 412).
    pub fn source_if_match(mut self, etag: impl Into<String>) -> Self {
        self.source_conditions.push((
            h::COPY_SOURCE_IF_MATCH,
            crate::ops::download::quote_etag(etag.into()),
        ));
        self
    }

    /// `x-oss-copy-source-if-unmodified-since`: copy only if the source has not changed
    /// since this time (Unix seconds; else 412).
    pub fn source_if_unmodified_since(mut self, unix_seconds: i64) -> Self {
        self.source_conditions.push((
            h::COPY_SOURCE_IF_UNMODIFIED_SINCE,
            osskit_proto::date::http_date(unix_seconds),
        ));
        self
    }

    async fn execute(self) -> Result<UploadPartCopyOutput> {
        check_bucket_name(&self.source_bucket)?;
        check_key(&self.source_key).map_err(|e| match e {
            Error::Client { message } => Error::client(format!("copy source: {message}")),
            other => other,
        })?;
        check_part_number(self.part_number)?;
        let config = &self.client.config;
        let mut source = format!(
            "/{}/{}",
            self.source_bucket,
            osskit_proto::encoding::quote(&self.source_key, "")
        );
        if let Some(v) = &self.source_version_id {
            source.push_str("?versionId=");
            source.push_str(&osskit_proto::encoding::quote(v, ""));
        }
        let mut req = upload_request(
            OpId::UploadPartCopy,
            &self.client.name,
            &self.key,
            &self.upload_id,
        )?
        .param("partNumber", self.part_number.to_string())
        .header(h::COPY_SOURCE, source)
        .header_opt(
            h::COPY_SOURCE_RANGE,
            self.range.and_then(|r| r.header_value()),
        );
        for (name, value) in self.source_conditions {
            req = req.header(name, value);
        }
        req = req.options(self.options);
        let (meta, doc): (ResponseMeta, x::CopyPartResult) =
            read_xml(config, execute(config, req).await?).await?;
        let etag = if doc.etag.is_empty() {
            meta.etag().unwrap_or_default()
        } else {
            osskit_proto::digest::strip_etag_quotes(&doc.etag).to_string()
        };
        Ok(UploadPartCopyOutput {
            etag,
            crc64: meta.crc64(),
            last_modified: osskit_proto::date::iso8601_to_unixtime(&doc.last_modified).ok(),
            meta,
        })
    }
}

/// The output of CompleteMultipartUpload.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CompleteMultipartUploadOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// ETag of the object, without quotes (`HEX-N` for N parts).
    pub etag: String,
    /// `x-oss-hash-crc64ecma` of the object.
    pub crc64: Option<u64>,
    /// Key of the object.
    pub key: String,
    /// URL of the object, as OSS reports it.
    pub location: String,
    /// Version id (versioned buckets).
    pub version_id: Option<String>,
}

/// CompleteMultipartUpload: see [`BucketClient::complete_multipart_upload`].
pub struct CompleteMultipartUpload<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    upload_id: String,
    parts: Vec<PartInfo>,
    complete_all: bool,
    options: RequestOptions,
}

builder_options!(CompleteMultipartUpload);
impl_send!(CompleteMultipartUpload => CompleteMultipartUploadOutput);
impl_response!(CompleteMultipartUploadOutput);

impl<M: Mode> CompleteMultipartUpload<M> {
    /// Completes with every part uploaded so far (`x-oss-complete-all: yes`, no body). The
    /// part list must then be empty.
    pub fn complete_all(mut self) -> Self {
        self.complete_all = true;
        self
    }

    async fn execute(self) -> Result<CompleteMultipartUploadOutput> {
        let config = &self.client.config;
        // A completed upload is gone: a second completion fails with NoSuchUpload, so it is
        // retried only when the request never left (the declaration says so).
        let req = upload_request(
            OpId::CompleteMultipartUpload,
            &self.client.name,
            &self.key,
            &self.upload_id,
        )?;
        let mut parts = self.parts;
        parts.sort_by_key(|p| p.part_number);
        let req = if self.complete_all {
            if !parts.is_empty() {
                return Err(Error::client(format!(
                    "complete_all() completes with every uploaded part and sends no part list, \
                     but {} parts were given",
                    parts.len()
                )));
            }
            req.header(h::COMPLETE_ALL, "yes")
        } else {
            if parts.is_empty() {
                return Err(Error::client(
                    "the part list is empty: give the uploaded parts, or call complete_all()",
                ));
            }
            for p in &parts {
                check_part_number(p.part_number)?;
            }
            let doc = x::CompleteMultipartUpload {
                parts: parts
                    .iter()
                    .map(|p| x::CompletePart {
                        part_number: p.part_number,
                        etag: format!("\"{}\"", osskit_proto::digest::strip_etag_quotes(&p.etag)),
                    })
                    .collect(),
            };
            req.header("Content-Type", "application/xml")
                .body(Body::from(osskit_proto::xml::to_xml(&doc)))
        };
        let req = req.options(self.options);
        let (meta, mut doc): (ResponseMeta, x::CompleteMultipartUploadResult) =
            read_xml(config, execute(config, req).await?).await?;
        doc.decode_url();
        if config.enable_crc && !parts.is_empty() {
            check_crc(
                "CompleteMultipartUpload",
                combined_crc(&parts),
                meta.crc64(),
                meta.request_id(),
            )?;
        }
        let etag = if doc.etag.is_empty() {
            meta.etag().unwrap_or_default()
        } else {
            osskit_proto::digest::strip_etag_quotes(&doc.etag).to_string()
        };
        Ok(CompleteMultipartUploadOutput {
            etag,
            crc64: meta.crc64(),
            version_id: meta.version_id(),
            key: if doc.key.is_empty() {
                self.key
            } else {
                doc.key
            },
            location: doc.location,
            meta,
        })
    }
}

/// AbortMultipartUpload: see [`BucketClient::abort_multipart_upload`].
pub struct AbortMultipartUpload<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    upload_id: String,
    options: RequestOptions,
}

builder_options!(AbortMultipartUpload);
impl_send!(AbortMultipartUpload => RequestResult);

impl<M: Mode> AbortMultipartUpload<M> {
    async fn execute(self) -> Result<RequestResult> {
        let config = &self.client.config;
        let req = upload_request(
            OpId::AbortMultipartUpload,
            &self.client.name,
            &self.key,
            &self.upload_id,
        )?
        .options(self.options);
        let meta = finish(config, execute(config, req).await?).await?;
        Ok(RequestResult { meta })
    }
}

impl<M: Mode> BucketClient<M> {
    /// InitiateMultipartUpload: starts a multipart upload of `key` and returns its upload
    /// id. `Content-Type` is guessed from the key when not given.
    pub fn init_multipart_upload(&self, key: impl Into<String>) -> InitMultipartUpload<M> {
        InitMultipartUpload {
            client: self.clone(),
            key: key.into(),
            object: ObjectHeaders::default(),
            options: RequestOptions::default(),
        }
    }

    /// UploadPart: uploads `body` as part `part_number` (1 to 10000) of an upload;
    /// uploading the same number again replaces the part. The CRC-64 of the bytes sent is
    /// checked against the one OSS returns (unless CRC checks are off).
    pub fn upload_part(
        &self,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        part_number: u32,
        body: impl Into<Body>,
    ) -> UploadPart<M> {
        UploadPart {
            client: self.clone(),
            key: key.into(),
            upload_id: upload_id.into(),
            part_number,
            body: body.into(),
            content_md5: Md5::None,
            progress: None,
            options: RequestOptions::default(),
        }
    }

    /// UploadPartCopy: copies `range` of `source_bucket/source_key` (all of it for `None`)
    /// into part `part_number` of an upload of `key` in this bucket. The range is oss2's
    /// `(start, last)`, both ends inclusive.
    ///
    /// In blocking mode, splitting an object into two parts on the server:
    ///
    /// ```
    /// use osskit::{blocking, Auth};
    /// use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let rt = tokio::runtime::Runtime::new()?;
    /// # let server = rt.block_on(TestServer::start());
    /// let auth = Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    /// let bucket = blocking::Bucket::new(auth, &server.endpoint(), "part-copy-example")?;
    /// bucket.create_bucket().send()?;
    /// bucket.put_object("source", vec![7u8; 150 * 1024]).send()?;
    ///
    /// let id = bucket.init_multipart_upload("copy").send()?.upload_id;
    /// let first = (0, 100 * 1024 - 1).into();
    /// let rest = (100 * 1024..).into();
    /// bucket.upload_part_copy("part-copy-example", "source", Some(first), "copy", &id, 1).send()?;
    /// bucket.upload_part_copy("part-copy-example", "source", Some(rest), "copy", &id, 2).send()?;
    /// bucket.complete_multipart_upload("copy", &id, vec![]).complete_all().send()?;
    ///
    /// assert_eq!(bucket.head_object("copy").send()?.content_length, Some(150 * 1024));
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_part_copy(
        &self,
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        range: Option<ByteRange>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        part_number: u32,
    ) -> UploadPartCopy<M> {
        UploadPartCopy {
            client: self.clone(),
            source_bucket: source_bucket.into(),
            source_key: source_key.into(),
            range,
            key: key.into(),
            upload_id: upload_id.into(),
            part_number,
            source_version_id: None,
            source_conditions: Vec::new(),
            options: RequestOptions::default(),
        }
    }

    /// CompleteMultipartUpload: assembles `parts` (sorted by part number before sending)
    /// into the object. When CRC checks are on and every part has its size and CRC-64, the
    /// CRC-64 of the object is checked against their combination. Use
    /// [`complete_all`](CompleteMultipartUpload::complete_all) with an empty list to
    /// complete with every uploaded part.
    pub fn complete_multipart_upload(
        &self,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        parts: Vec<PartInfo>,
    ) -> CompleteMultipartUpload<M> {
        CompleteMultipartUpload {
            client: self.clone(),
            key: key.into(),
            upload_id: upload_id.into(),
            parts,
            complete_all: false,
            options: RequestOptions::default(),
        }
    }

    /// AbortMultipartUpload: discards an upload and its parts; later calls about it fail
    /// with `NoSuchUpload`.
    pub fn abort_multipart_upload(
        &self,
        key: impl Into<String>,
        upload_id: impl Into<String>,
    ) -> AbortMultipartUpload<M> {
        AbortMultipartUpload {
            client: self.clone(),
            key: key.into(),
            upload_id: upload_id.into(),
            options: RequestOptions::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_numbers_outside_1_to_10000_are_refused() {
        assert!(check_part_number(1).is_ok());
        assert!(check_part_number(10_000).is_ok());
        for n in [0, 10_001, u32::MAX] {
            let err = check_part_number(n).unwrap_err();
            assert!(
                err.to_string().contains(&format!("part number {n}")),
                "{err}"
            );
        }
    }

    #[test]
    fn empty_upload_ids_are_refused() {
        assert!(check_upload_id("0004B9894A22E5B1888A1E29F823****").is_ok());
        for id in ["", "  "] {
            let err = check_upload_id(id).unwrap_err();
            assert!(err.to_string().contains("upload id is empty"), "{err}");
        }
    }

    #[test]
    fn combined_crc_needs_every_size_and_crc() {
        let c1 = osskit_proto::crc64::crc64(b"12345");
        let c2 = osskit_proto::crc64::crc64(b"67890");
        let parts = vec![
            PartInfo::new(1, "a").size(5).crc64(c1),
            PartInfo::new(2, "b").size(5).crc64(c2),
        ];
        assert_eq!(combined_crc(&parts), Some(12811388247244714686));
        let partial = vec![parts[0].clone(), PartInfo::new(2, "b").crc64(c2)];
        assert_eq!(combined_crc(&partial), None);
        assert_eq!(combined_crc(&[]), Some(0));
    }
}
