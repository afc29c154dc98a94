//! Presigned URLs ([`BucketClient::sign_url`]) and requests to such URLs
//! ([`BucketClient::put_object_with_url`], [`BucketClient::get_object_with_url`]).

use osskit_proto::ops::OpId;
use std::time::Duration;

use http::Method;
use osskit_proto::sign::{SignableRequest, SigningContext, SigningVersion};

use crate::auth::AuthConfig;
use crate::body::Body;
use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::{Async, Blocking, Mode};
use crate::ops::download::{apply_spec, fetch_object, get_setters, GetObjectOutput, GetSpec};
use crate::ops::object::PutObjectOutput;
use crate::ops::{builder_options, check_crc, check_key, finish, impl_send};
use crate::progress::ProgressFn;
use crate::request::{set_header, OssRequest, RequestOptions};
use crate::transport::{execute, signing_time};

use osskit_proto::range::ByteRange;

/// A presigned URL in the making: see [`BucketClient::sign_url`].
#[derive(Debug, Clone)]
pub struct SignUrl<M: Mode = Async> {
    client: BucketClient<M>,
    method: Method,
    key: String,
    expires: Duration,
    slash_safe: bool,
    additional_headers: Vec<String>,
    options: RequestOptions,
}

builder_options!(SignUrl);

impl<M: Mode> SignUrl<M> {
    /// Keep `/` unescaped in the path.
    pub fn slash_safe(mut self, yes: bool) -> Self {
        self.slash_safe = yes;
        self
    }

    /// Also sign the header `name` (set it with `.header()`; it must be sent with the
    /// request): listed in `x-oss-additional-headers` under V2 and V4, as oss2's
    /// `sign_url(..., additional_headers=...)`. Ignored when the request does not carry the
    /// header, and under V1 (which signs no other headers).
    pub fn additional_header(mut self, name: impl Into<String>) -> Self {
        self.additional_headers
            .push(name.into().to_ascii_lowercase());
        self
    }

    /// Signs at `unix` (Unix seconds), or now (corrected by the offset to the server's
    /// clock that the client has learned).
    async fn sign(self, unix: Option<i64>) -> Result<String> {
        check_key(&self.key)?;
        let config = &self.client.config;
        let unix = unix.unwrap_or_else(|| signing_time(config));
        let addressing = config.addressing(&self.client.name);
        let mut url =
            config
                .endpoint
                .object_url(addressing, &self.client.name, &self.key, self.slash_safe);
        let mut params = self.options.params.clone();
        if let AuthConfig::Signed { version, provider } = &config.auth {
            let credentials = provider.credentials().await?.for_signing();
            let signable = SignableRequest {
                method: self.method.as_str(),
                bucket: Some(&self.client.name),
                key: Some(&self.key),
                params: &self.options.params,
                headers: &self.options.headers,
            };
            let additional: Vec<&str> =
                self.additional_headers.iter().map(String::as_str).collect();
            let mut ctx = match version {
                SigningVersion::V1 => SigningContext::v1(&credentials, unix),
                SigningVersion::V2 => SigningContext::v2(&credentials, unix),
                SigningVersion::V4 => {
                    let region = config.region.as_deref().ok_or_else(|| {
                        Error::client("signature version 4 needs a region: set it with .region(..)")
                    })?;
                    SigningContext::v4(&credentials, unix, region)
                }
            };
            ctx.additional_headers = &additional;
            let added = osskit_proto::sign::presign(&signable, &ctx, self.expires.as_secs())
                .map_err(|e| Error::client(e.to_string()))?;
            params.extend(added);
        }
        if !params.is_empty() {
            url.push('?');
            url.push_str(&osskit_proto::encoding::presign_query(&params));
        }
        Ok(url)
    }
}

impl SignUrl<Async> {
    /// Signs now and returns the URL. Headers given with `.header()` are part of the
    /// signature and must be sent with the request. Async because the credentials provider
    /// may have to fetch credentials.
    pub async fn build(self) -> Result<String> {
        self.sign(None).await
    }

    /// Signs as if the time were `unix` (Unix seconds).
    pub async fn build_at(self, unix: i64) -> Result<String> {
        self.sign(Some(unix)).await
    }
}

impl SignUrl<Blocking> {
    /// Signs now and returns the URL. Headers given with `.header()` are part of the
    /// signature and must be sent with the request.
    ///
    /// # Panics
    /// When called from inside an async runtime.
    pub fn build(self) -> Result<String> {
        let mode = self.client.mode.clone();
        mode.block_on(self.sign(None))
    }

    /// Signs as if the time were `unix` (Unix seconds).
    ///
    /// # Panics
    /// When called from inside an async runtime.
    pub fn build_at(self, unix: i64) -> Result<String> {
        let mode = self.client.mode.clone();
        mode.block_on(self.sign(Some(unix)))
    }
}

/// PutObject to a presigned URL: see [`BucketClient::put_object_with_url`].
pub struct PutObjectWithUrl<M: Mode = Async> {
    client: BucketClient<M>,
    url: String,
    body: Body,
    progress: Option<ProgressFn>,
    options: RequestOptions,
}

builder_options!(PutObjectWithUrl);
impl_send!(PutObjectWithUrl => PutObjectOutput);

impl<M: Mode> PutObjectWithUrl<M> {
    /// Called with `(bytes sent, total)` as the body goes out.
    pub fn progress(mut self, f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> Self {
        self.progress = Some(crate::progress::callback(f));
        self
    }

    async fn execute(self) -> Result<PutObjectOutput> {
        let config = &self.client.config;
        let mut req = OssRequest::new(OpId::PutObject)
            .label("PutObjectWithUrl")
            .body(self.body)
            .progress(self.progress);
        for (k, v) in self.options.headers {
            set_header(&mut req.headers, &k, v);
        }
        req.raw_url = Some(self.url);
        req.timeout = self.options.timeout;
        req.upload_crc = config.enable_crc;
        req.hook = self.options.hook;
        let raw = execute(config, req).await?;
        let client_crc = raw.upload.as_ref().and_then(|t| t.crc());
        let meta = finish(config, raw).await?;
        if config.enable_crc {
            check_crc(
                "PutObjectWithUrl",
                client_crc,
                meta.crc64(),
                meta.request_id(),
            )?;
        }
        Ok(PutObjectOutput {
            etag: meta.etag().unwrap_or_default(),
            crc64: meta.crc64(),
            version_id: meta.version_id(),
            meta,
        })
    }
}

/// GetObject from a presigned URL: see [`BucketClient::get_object_with_url`].
pub struct GetObjectWithUrl<M: Mode = Async> {
    client: BucketClient<M>,
    url: String,
    spec: GetSpec,
    progress: Option<ProgressFn>,
    options: RequestOptions,
}

get_setters!(GetObjectWithUrl);
builder_options!(GetObjectWithUrl);
impl_send!(GetObjectWithUrl => GetObjectOutput, blocking crate::blocking::GetObjectReader);

impl<M: Mode> GetObjectWithUrl<M> {
    async fn execute(self) -> Result<GetObjectOutput> {
        let mut req = OssRequest::new(OpId::GetObject).label("GetObjectWithUrl");
        req.raw_url = Some(self.url);
        let mut req = apply_spec(req, self.spec);
        for (k, v) in self.options.headers {
            set_header(&mut req.headers, &k, v);
        }
        req.hook = self.options.hook;
        req.timeout = self.options.timeout;
        fetch_object(&self.client.config, req, self.progress).await
    }
}

impl<M: Mode> BucketClient<M> {
    /// A presigned URL for `method` on `key`, valid for `expires` (V1 or V4 per the
    /// client's auth). Anyone holding the URL can make that request until it expires.
    ///
    /// ```
    /// use std::time::Duration;
    /// use osskit::{Auth, Bucket};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let bucket = Bucket::new(Auth::new("ak", "sk"), "http://127.0.0.1:9000", "examplebucket").unwrap();
    /// let url = bucket
    ///     .sign_url(http::Method::GET, "dir/a.txt", Duration::from_secs(60))
    ///     .build()
    ///     .await
    ///     .unwrap();
    /// assert!(url.starts_with("http://127.0.0.1:9000/examplebucket/dir%2Fa.txt?"));
    /// assert!(url.contains("OSSAccessKeyId=ak"));
    /// # }
    /// ```
    pub fn sign_url(
        &self,
        method: Method,
        key: impl Into<String>,
        expires: Duration,
    ) -> SignUrl<M> {
        SignUrl {
            client: self.clone(),
            method,
            key: key.into(),
            expires,
            slash_safe: false,
            additional_headers: Vec::new(),
            options: RequestOptions::default(),
        }
    }

    /// PUT `body` to a presigned URL (no signing; headers must match the signed ones).
    pub fn put_object_with_url(
        &self,
        url: impl Into<String>,
        body: impl Into<Body>,
    ) -> PutObjectWithUrl<M> {
        PutObjectWithUrl {
            client: self.clone(),
            url: url.into(),
            body: body.into(),
            progress: None,
            options: RequestOptions::default(),
        }
    }

    /// GET a presigned URL (no signing).
    pub fn get_object_with_url(&self, url: impl Into<String>) -> GetObjectWithUrl<M> {
        GetObjectWithUrl {
            client: self.clone(),
            url: url.into(),
            spec: GetSpec::default(),
            progress: None,
            options: RequestOptions::default(),
        }
    }
}
