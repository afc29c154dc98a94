//! Reading objects: GetObject (streamed), GetObject to a file, HeadObject, GetObjectMeta
//! and `object_exists`.

use osskit_proto::ops::OpId;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use osskit_proto::headers as h;
use osskit_proto::range::ByteRange;
use tokio::io::AsyncWriteExt;

use crate::body::{ByteStream, Tally};
use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::{Async, Mode};
use crate::ops::{builder_options, check_crc, check_key, finish, impl_send};
use crate::progress::ProgressFn;
use crate::request::{OssRequest, RequestOptions};
use crate::result::{impl_response, ResponseMeta};
use crate::transport::execute;

/// Object attributes read from response headers.
struct Attributes {
    content_length: Option<u64>,
    content_type: Option<String>,
    etag: String,
    last_modified: Option<i64>,
    object_type: Option<String>,
    storage_class: Option<String>,
    metadata: BTreeMap<String, String>,
    crc64: Option<u64>,
    next_position: Option<u64>,
    content_range: Option<String>,
    version_id: Option<String>,
}

impl Attributes {
    fn parse(meta: &ResponseMeta) -> Attributes {
        let text = |n: &str| meta.header(n).map(str::to_string);
        Attributes {
            content_length: meta.header_u64("content-length"),
            content_type: text("content-type"),
            etag: meta.etag().unwrap_or_default(),
            last_modified: meta.last_modified(),
            object_type: text(h::OBJECT_TYPE),
            storage_class: text(h::STORAGE_CLASS),
            metadata: meta.user_metadata(),
            crc64: meta.crc64(),
            next_position: meta.header_u64(h::NEXT_APPEND_POSITION),
            content_range: text("content-range"),
            version_id: meta.version_id(),
        }
    }
}

/// Conditions, range and response overrides of a GET.
#[derive(Debug, Clone, Default)]
pub(crate) struct GetSpec {
    pub(crate) range: Option<ByteRange>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) params: Vec<(&'static str, String)>,
}

/// Adds the GET setters (range, conditions, response overrides, progress) to a builder
/// with `spec` and `progress` fields.
macro_rules! get_setters {
    ($b:ident) => {
        impl<M: Mode> $b<M> {
            /// Only these bytes: oss2's `(start, last)` (both inclusive), `(None, n)` for the
            /// last `n` bytes, `(n, None)` from `n` to the end; also `a..b` and `a..`.
            pub fn range(mut self, range: impl Into<ByteRange>) -> Self {
                self.spec.range = Some(range.into());
                self
            }

            /// `If-Match`: fail with `PreconditionFailed` unless the ETag matches.
            pub fn if_match(mut self, etag: impl Into<String>) -> Self {
                self.spec
                    .headers
                    .push(("If-Match", $crate::ops::download::quote_etag(etag.into())));
                self
            }

            /// `If-None-Match`: answer 304 when the ETag matches.
            pub fn if_none_match(mut self, etag: impl Into<String>) -> Self {
                self.spec.headers.push((
                    "If-None-Match",
                    $crate::ops::download::quote_etag(etag.into()),
                ));
                self
            }

            /// `If-Modified-Since` (Unix seconds).
            pub fn if_modified_since(mut self, unix: i64) -> Self {
                self.spec
                    .headers
                    .push(("If-Modified-Since", osskit_proto::date::http_date(unix)));
                self
            }

            /// `If-Unmodified-Since` (Unix seconds).
            pub fn if_unmodified_since(mut self, unix: i64) -> Self {
                self.spec
                    .headers
                    .push(("If-Unmodified-Since", osskit_proto::date::http_date(unix)));
                self
            }

            /// `x-oss-traffic-limit`: OSS sends the body no faster than `bits_per_sec`
            /// (245760 to 838860800, that is 30 KB/s to 100 MB/s).
            pub fn traffic_limit(mut self, bits_per_sec: u64) -> Self {
                self.spec
                    .headers
                    .push(("x-oss-traffic-limit", bits_per_sec.to_string()));
                self
            }

            /// Asks for the body gzip-compressed (`Accept-Encoding: gzip`): OSS compresses
            /// text, JSON, XML and script objects of 1 KiB or more on the way out. The body
            /// read is decompressed, and its CRC-64 (that of the object) is still checked
            /// against the server's when the whole object is read.
            pub fn accept_gzip(mut self) -> Self {
                self.spec
                    .headers
                    .push(("Accept-Encoding", "gzip".to_string()));
                self
            }

            /// Overrides the `Content-Type` of the response.
            pub fn response_content_type(mut self, v: impl Into<String>) -> Self {
                self.spec.params.push(("response-content-type", v.into()));
                self
            }

            /// Overrides the `Content-Disposition` of the response.
            pub fn response_content_disposition(mut self, v: impl Into<String>) -> Self {
                self.spec
                    .params
                    .push(("response-content-disposition", v.into()));
                self
            }

            /// Overrides the `Cache-Control` of the response.
            pub fn response_cache_control(mut self, v: impl Into<String>) -> Self {
                self.spec.params.push(("response-cache-control", v.into()));
                self
            }

            /// Overrides the `Content-Encoding` of the response.
            pub fn response_content_encoding(mut self, v: impl Into<String>) -> Self {
                self.spec
                    .params
                    .push(("response-content-encoding", v.into()));
                self
            }

            /// Overrides the `Content-Language` of the response.
            pub fn response_content_language(mut self, v: impl Into<String>) -> Self {
                self.spec
                    .params
                    .push(("response-content-language", v.into()));
                self
            }

            /// Overrides the `Expires` of the response.
            pub fn response_expires(mut self, v: impl Into<String>) -> Self {
                self.spec.params.push(("response-expires", v.into()));
                self
            }

            /// Called with `(bytes received, Content-Length)` as the body is read.
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

pub(crate) use get_setters;

/// ETags are sent quoted, as OSS returns them.
pub(crate) fn quote_etag(etag: String) -> String {
    if etag.starts_with('"') || etag == "*" {
        etag
    } else {
        format!("\"{etag}\"")
    }
}

/// The output of GetObject: the attributes and the body stream.
#[derive(Debug)]
#[non_exhaustive]
pub struct GetObjectOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The object's bytes (or the requested range).
    pub body: ByteStream,
    /// `Content-Length` of this response.
    pub content_length: Option<u64>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// ETag without quotes.
    pub etag: String,
    /// Last-Modified, Unix seconds.
    pub last_modified: Option<i64>,
    /// `Normal`, `Appendable` or `Multipart`.
    pub object_type: Option<String>,
    /// Storage class.
    pub storage_class: Option<String>,
    /// User metadata (`x-oss-meta-*`, names without the prefix).
    pub metadata: BTreeMap<String, String>,
    /// `Content-Range` of a ranged GET.
    pub content_range: Option<String>,
    /// `x-oss-hash-crc64ecma` of the whole object.
    pub server_crc: Option<u64>,
    /// Version id.
    pub version_id: Option<String>,
    tally: Arc<Tally>,
}

impl GetObjectOutput {
    /// CRC-64 of the bytes read from [`GetObjectOutput::body`] so far (CRC checks on). After
    /// reading a whole object it equals [`GetObjectOutput::server_crc`].
    pub fn client_crc(&self) -> Option<u64> {
        self.tally.crc()
    }

    /// Reads the whole body and returns it.
    pub async fn bytes(self) -> Result<bytes::Bytes> {
        self.body.collect_bytes().await
    }
}

impl_response!(GetObjectOutput);

/// GetObject: see [`BucketClient::get_object`].
pub struct GetObject<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    spec: GetSpec,
    progress: Option<ProgressFn>,
    options: RequestOptions,
}

get_setters!(GetObject);
builder_options!(GetObject);
crate::ops::version_option!(GetObject, HeadObject, GetObjectMeta);
impl_send!(GetObject => GetObjectOutput, blocking crate::blocking::GetObjectReader);

/// Sends a GET for `key` and wraps the body.
async fn get<M: Mode>(
    client: &BucketClient<M>,
    key: &str,
    spec: GetSpec,
    progress: Option<ProgressFn>,
    options: RequestOptions,
    operation: &'static str,
) -> Result<GetObjectOutput> {
    check_key(key)?;
    let req = OssRequest::new(OpId::GetObject)
        .label(operation)
        .bucket(&client.name)
        .key(key);
    let req = apply_spec(req, spec).options(options);
    fetch_object(&client.config, req, progress).await
}

/// Adds range, conditions and response overrides to a GET.
pub(crate) fn apply_spec(mut req: OssRequest, spec: GetSpec) -> OssRequest {
    req = req.header_opt("Range", spec.range.and_then(|r| r.header_value()));
    for (k, v) in spec.headers {
        req = req.header(k, v);
    }
    for (k, v) in spec.params {
        req = req.param(k, v);
    }
    req
}

/// Sends a prepared GET and wraps the body.
pub(crate) async fn fetch_object(
    config: &crate::config::ClientConfig,
    req: OssRequest,
    progress: Option<ProgressFn>,
) -> Result<GetObjectOutput> {
    let hook = req.hook.clone();
    // Decompressed only when the caller asked for gzip (`accept_gzip`); a body that
    // is gzip-encoded because the object was stored so is returned as it is.
    let accepts_gzip = req.headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("accept-encoding") && v.to_ascii_lowercase().contains("gzip")
    });
    let raw = execute(config, req).await?;
    let meta = ResponseMeta::new(raw.status, raw.headers.clone());
    let tally = Tally::new(config.enable_crc);
    let a = Attributes::parse(&meta);
    let gzip = meta
        .header("content-encoding")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"))
        && accepts_gzip;
    let body = if gzip {
        ByteStream::from_gzip_response(
            raw.response,
            config.read_timeout,
            tally.clone(),
            progress,
            raw.what,
            a.crc64
                .filter(|_| a.content_range.is_none())
                .map(|crc| (crc, meta.request_id().to_string())),
            config.session.limiter().cloned(),
        )
    } else {
        ByteStream::from_response(
            raw.response,
            config.read_timeout,
            tally.clone(),
            progress,
            raw.what,
            config.session.limiter().cloned(),
        )
    };
    let out = GetObjectOutput {
        body,
        content_length: a.content_length,
        content_type: a.content_type,
        etag: a.etag,
        last_modified: a.last_modified,
        object_type: a.object_type,
        storage_class: a.storage_class,
        metadata: a.metadata,
        content_range: a.content_range,
        server_crc: a.crc64,
        version_id: a.version_id,
        tally,
        meta,
    };
    match hook {
        Some(hook) => hook.after_get(out).await,
        None => Ok(out),
    }
}

impl<M: Mode> GetObject<M> {
    async fn execute(self) -> Result<GetObjectOutput> {
        get(
            &self.client,
            &self.key,
            self.spec,
            self.progress,
            self.options,
            "GetObject",
        )
        .await
    }
}

/// The output of GetObject to a file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GetObjectToFileOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Bytes written.
    pub content_length: u64,
    /// ETag without quotes.
    pub etag: String,
    /// Last-Modified, Unix seconds.
    pub last_modified: Option<i64>,
    /// Object type.
    pub object_type: Option<String>,
    /// User metadata.
    pub metadata: BTreeMap<String, String>,
    /// `Content-Range` of a ranged GET.
    pub content_range: Option<String>,
    /// CRC-64 announced by OSS.
    pub server_crc: Option<u64>,
    /// CRC-64 of the bytes written (CRC checks on).
    pub client_crc: Option<u64>,
}

impl_response!(GetObjectToFileOutput);

/// GetObject into a file: see [`BucketClient::get_object_to_file`].
pub struct GetObjectToFile<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    path: PathBuf,
    spec: GetSpec,
    progress: Option<ProgressFn>,
    options: RequestOptions,
}

get_setters!(GetObjectToFile);
builder_options!(GetObjectToFile);
impl_send!(GetObjectToFile => GetObjectToFileOutput);

/// Removes a temporary file unless the download completed (also when the future is
/// dropped half-way).
struct TempFileGuard {
    path: Option<PathBuf>,
}

impl Drop for TempFileGuard {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// `.<name>.tmp-<random>` next to `target`.
fn temp_path(target: &Path) -> Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| Error::client(format!("{} does not name a file", target.display())))?;
    let suffix: u64 = rand::random();
    let temp_name = format!(".{}.tmp-{suffix:016x}", name.to_string_lossy());
    Ok(match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(temp_name),
        _ => PathBuf::from(temp_name),
    })
}

impl<M: Mode> GetObjectToFile<M> {
    async fn execute(self) -> Result<GetObjectToFileOutput> {
        let ranged = self.spec.range.is_some_and(|r| r.header_value().is_some());
        let temp = temp_path(&self.path)?;
        let mut out = get(
            &self.client,
            &self.key,
            self.spec,
            self.progress,
            self.options,
            "GetObjectToFile",
        )
        .await?;
        let mut guard = TempFileGuard {
            path: Some(temp.clone()),
        };
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await
            .map_err(|e| {
                Error::Io(std::io::Error::new(
                    e.kind(),
                    format!("cannot create {}: {e}", temp.display()),
                ))
            })?;
        let mut written = 0u64;
        while let Some(chunk) = out.body.next().await {
            let chunk = chunk?;
            file.write_all(&chunk).await?;
            written += chunk.len() as u64;
        }
        file.flush().await?;
        let request_id = out.meta.request_id().to_string();
        if let Some(expected) = out.content_length {
            if expected != written {
                return Err(Error::Inconsistent {
                    message: format!(
                        "GetObjectToFile: received {written} bytes but Content-Length is {expected} (incomplete read)"
                    ),
                    client_crc: out.client_crc(),
                    server_crc: out.server_crc,
                    request_id,
                });
            }
        }
        if self.client.config.enable_crc && !ranged {
            check_crc(
                "GetObjectToFile",
                out.client_crc(),
                out.server_crc,
                &request_id,
            )?;
        }
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&temp, &self.path).await.map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!(
                    "cannot rename {} to {}: {e}",
                    temp.display(),
                    self.path.display()
                ),
            ))
        })?;
        guard.path = None;
        Ok(GetObjectToFileOutput {
            content_length: written,
            etag: out.etag.clone(),
            last_modified: out.last_modified,
            object_type: out.object_type.clone(),
            metadata: out.metadata.clone(),
            content_range: out.content_range.clone(),
            server_crc: out.server_crc,
            client_crc: out.client_crc(),
            meta: out.meta.clone(),
        })
    }
}

/// The output of HeadObject.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HeadObjectOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Size in bytes.
    pub content_length: Option<u64>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// ETag without quotes.
    pub etag: String,
    /// Last-Modified, Unix seconds.
    pub last_modified: Option<i64>,
    /// `Normal`, `Appendable` or `Multipart`.
    pub object_type: Option<String>,
    /// Storage class.
    pub storage_class: Option<String>,
    /// User metadata (`x-oss-meta-*`, names without the prefix).
    pub metadata: BTreeMap<String, String>,
    /// CRC-64 of the object.
    pub crc64: Option<u64>,
    /// For appendable objects, the next append position.
    pub next_position: Option<u64>,
    /// Version id.
    pub version_id: Option<String>,
}

impl_response!(HeadObjectOutput);

/// HeadObject: see [`BucketClient::head_object`].
pub struct HeadObject<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    options: RequestOptions,
}

builder_options!(HeadObject);
impl_send!(HeadObject => HeadObjectOutput);

impl<M: Mode> HeadObject<M> {
    async fn execute(self) -> Result<HeadObjectOutput> {
        check_key(&self.key)?;
        let config = &self.client.config;
        let req = OssRequest::new(OpId::HeadObject)
            .bucket(&self.client.name)
            .key(&self.key)
            .options(self.options);
        let meta = finish(config, execute(config, req).await?).await?;
        let a = Attributes::parse(&meta);
        Ok(HeadObjectOutput {
            content_length: a.content_length,
            content_type: a.content_type,
            etag: a.etag,
            last_modified: a.last_modified,
            object_type: a.object_type,
            storage_class: a.storage_class,
            metadata: a.metadata,
            crc64: a.crc64,
            next_position: a.next_position,
            version_id: a.version_id,
            meta,
        })
    }
}

/// The output of GetObjectMeta.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GetObjectMetaOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Size in bytes.
    pub content_length: Option<u64>,
    /// ETag without quotes.
    pub etag: String,
    /// Last-Modified, Unix seconds.
    pub last_modified: Option<i64>,
    /// CRC-64, when returned.
    pub crc64: Option<u64>,
    /// Version id (versioned buckets).
    pub version_id: Option<String>,
}

impl_response!(GetObjectMetaOutput);

/// GetObjectMeta: see [`BucketClient::get_object_meta`].
pub struct GetObjectMeta<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    options: RequestOptions,
}

builder_options!(GetObjectMeta);
impl_send!(GetObjectMeta => GetObjectMetaOutput);

async fn object_meta<M: Mode>(
    client: &BucketClient<M>,
    key: &str,
    options: RequestOptions,
) -> Result<GetObjectMetaOutput> {
    check_key(key)?;
    let config = &client.config;
    let req = OssRequest::new(OpId::GetObjectMeta)
        .bucket(&client.name)
        .key(key)
        .options(options);
    let meta = finish(config, execute(config, req).await?).await?;
    Ok(GetObjectMetaOutput {
        content_length: meta.header_u64("content-length"),
        etag: meta.etag().unwrap_or_default(),
        last_modified: meta.last_modified(),
        crc64: meta.crc64(),
        version_id: meta.version_id(),
        meta,
    })
}

impl<M: Mode> GetObjectMeta<M> {
    async fn execute(self) -> Result<GetObjectMetaOutput> {
        object_meta(&self.client, &self.key, self.options).await
    }
}

/// `object_exists`: see [`BucketClient::object_exists`].
pub struct ObjectExists<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    options: RequestOptions,
}

builder_options!(ObjectExists);
impl_send!(ObjectExists => bool);

impl<M: Mode> ObjectExists<M> {
    async fn execute(self) -> Result<bool> {
        match object_meta(&self.client, &self.key, self.options).await {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("NoSuchBucket") => Err(e),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl<M: Mode> BucketClient<M> {
    /// GetObject: the object's attributes and a body stream (never checked against the
    /// CRC by itself; compare `client_crc()` with `server_crc` after reading).
    pub fn get_object(&self, key: impl Into<String>) -> GetObject<M> {
        GetObject {
            client: self.clone(),
            key: key.into(),
            spec: GetSpec::default(),
            progress: None,
            options: RequestOptions::default(),
        }
    }

    /// Downloads `key` into `path`: the bytes go to `.<name>.tmp-<random>` in the same
    /// directory, the length (and, without a range, the CRC-64) is verified, then the file
    /// is synced and renamed. On any failure no file is left behind.
    pub fn get_object_to_file(
        &self,
        key: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> GetObjectToFile<M> {
        GetObjectToFile {
            client: self.clone(),
            key: key.into(),
            path: path.into(),
            spec: GetSpec::default(),
            progress: None,
            options: RequestOptions::default(),
        }
    }

    /// HeadObject: all attributes and user metadata.
    pub fn head_object(&self, key: impl Into<String>) -> HeadObject<M> {
        HeadObject {
            client: self.clone(),
            key: key.into(),
            options: RequestOptions::default(),
        }
    }

    /// GetObjectMeta (HEAD `?objectMeta`): size, ETag and Last-Modified.
    pub fn get_object_meta(&self, key: impl Into<String>) -> GetObjectMeta<M> {
        GetObjectMeta {
            client: self.clone(),
            key: key.into(),
            options: RequestOptions::default(),
        }
    }

    /// Whether `key` exists: `false` for a missing key, an error for a missing bucket.
    pub fn object_exists(&self, key: impl Into<String>) -> ObjectExists<M> {
        ObjectExists {
            client: self.clone(),
            key: key.into(),
            options: RequestOptions::default(),
        }
    }
}
