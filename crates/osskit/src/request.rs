//! One OSS request before it is sent: target, query, headers and body. Turning it into an
//! HTTP request (URL, signature) happens per attempt in [`crate::transport`].
//!
//! A request starts from its operation's declaration ([`osskit_proto::ops`]): the method, the
//! selecting sub-resources and whether it may be retried come from there, and the finished
//! request is checked against it before anything is sent.

use std::time::Duration;

use http::Method;
use osskit_proto::ops::{HttpMethod, OpId, Selector};

use std::sync::Arc;

use crate::body::Body;
use crate::config::ClientConfig;
use crate::hooks::RequestHook;
use crate::progress::ProgressFn;

/// The per-call escape hatches every builder offers: extra headers and query parameters
/// (oss2's `headers=` and `params=`). They are applied last and replace headers of the same
/// name, and the call's own total timeout. A wrapper of the client (client-side encryption)
/// may add a [`RequestHook`].
#[derive(Clone, Default)]
pub(crate) struct RequestOptions {
    pub headers: Vec<(String, String)>,
    pub params: Vec<(String, String)>,
    pub hook: Option<Arc<dyn RequestHook>>,
    pub timeout: Option<Duration>,
}

impl std::fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestOptions")
            .field("headers", &self.headers)
            .field("params", &self.params)
            .field("hook", &self.hook.is_some())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A request ready to be signed and sent.
pub(crate) struct OssRequest {
    /// The operation.
    pub op: OpId,
    /// What the caller asked for, for logs (the operation's name unless a higher-level call
    /// such as `UpdateObjectMeta` says otherwise).
    pub operation: &'static str,
    pub method: Method,
    /// Whether a failed attempt may be sent again although it may have reached OSS.
    pub idempotent: bool,
    pub bucket: Option<String>,
    pub key: Option<String>,
    /// Decoded query parameters in order; an empty value is a bare flag (`?acl`).
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub progress: Option<ProgressFn>,
    /// Compute the CRC-64 of the uploaded bytes.
    pub upload_crc: bool,
    /// A complete (presigned) URL: sent as is, without signing.
    pub raw_url: Option<String>,
    /// Run by [`crate::transport::execute`] before the request is sent.
    pub hook: Option<Arc<dyn RequestHook>>,
    /// Total time of the request, retries and waits included (else the client's).
    pub timeout: Option<Duration>,
}

/// The `http` method of a declared one.
pub(crate) fn http_method(m: HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Post => Method::POST,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Options => Method::OPTIONS,
    }
}

impl OssRequest {
    /// A request of operation `op`: its method, and the sub-resources that select it
    /// (flags and fixed values; the caller adds those whose value it chooses).
    pub fn new(op: OpId) -> OssRequest {
        let spec = op.spec();
        let params = spec
            .select
            .iter()
            .filter_map(|s| match s {
                Selector::Flag(n) => Some((n.to_string(), String::new())),
                Selector::Value(n, v) => Some((n.to_string(), v.to_string())),
                Selector::OneOf(..) | Selector::Param(_) => None,
            })
            .collect();
        OssRequest {
            op,
            operation: spec.name,
            method: http_method(spec.method),
            idempotent: spec.idempotent,
            bucket: None,
            key: None,
            params,
            headers: Vec::new(),
            body: None,
            progress: None,
            upload_crc: false,
            raw_url: None,
            hook: None,
            timeout: None,
        }
    }

    /// Names the call in logs (a higher-level call made of this operation).
    pub fn label(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// Checks the request against its declaration: the selecting and required parameters
    /// present, integer parameters within their limits, and the addressed level.
    pub fn check(&self) -> crate::error::Result<()> {
        if self.raw_url.is_some() {
            return Ok(());
        }
        let spec = self.op.spec();
        spec.check_params(&self.params)
            .map_err(crate::error::Error::client)?;
        use osskit_proto::ops::Level;
        let level_ok = match spec.level {
            Level::Service => self.bucket.is_none(),
            Level::Bucket => self.bucket.is_some() && self.key.as_deref().unwrap_or("").is_empty(),
            Level::Object => self.bucket.is_some() && !self.key.as_deref().unwrap_or("").is_empty(),
            Level::BucketOrObject => self.bucket.is_some(),
        };
        if !level_ok {
            return Err(crate::error::Error::client(format!(
                "{} addresses {}",
                spec.name,
                match spec.level {
                    Level::Service => "the account, not a bucket",
                    Level::Bucket => "a bucket, not an object",
                    Level::Object => "an object: a key is needed",
                    Level::BucketOrObject => "a bucket or an object",
                }
            )));
        }
        Ok(())
    }

    pub fn bucket(mut self, bucket: &str) -> Self {
        self.bucket = Some(bucket.to_string());
        self
    }

    pub fn key(mut self, key: &str) -> Self {
        self.key = Some(key.to_string());
        self
    }

    /// Adds a query parameter (`""` = bare flag).
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.push((name.to_string(), value.into()));
        self
    }

    /// Adds a query parameter when `value` is set.
    pub fn param_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.param(name, v),
            None => self,
        }
    }

    /// Sets a header, replacing any of the same name.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        set_header(&mut self.headers, name, value.into());
        self
    }

    /// Sets a header when `value` is set.
    pub fn header_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }

    pub fn progress(mut self, progress: Option<ProgressFn>) -> Self {
        self.progress = progress;
        self
    }

    /// Applies the caller's extra headers (replacing) and parameters (replacing a parameter
    /// of the same name, else appended).
    pub fn options(mut self, options: RequestOptions) -> Self {
        if options.hook.is_some() {
            self.hook = options.hook;
        }
        if options.timeout.is_some() {
            self.timeout = options.timeout;
        }
        for (k, v) in options.headers {
            set_header(&mut self.headers, &k, v);
        }
        for (k, v) in options.params {
            match self.params.iter_mut().find(|(name, _)| *name == k) {
                Some(slot) => slot.1 = v,
                None => self.params.push((k, v)),
            }
        }
        self
    }

    /// The URL of this request (path per the client's addressing, query with oss2's form
    /// encoding).
    pub fn url(&self, config: &ClientConfig) -> String {
        if let Some(url) = &self.raw_url {
            return url.clone();
        }
        let mut url = match &self.bucket {
            Some(bucket) => {
                let addressing = config.addressing(bucket);
                config.endpoint.object_url(
                    addressing,
                    bucket,
                    self.key.as_deref().unwrap_or(""),
                    false,
                )
            }
            None => config.endpoint.service_url(),
        };
        if !self.params.is_empty() {
            url.push('?');
            url.push_str(&osskit_proto::encoding::form_query(&self.params));
        }
        url
    }
}

/// Replaces (case-insensitively) or appends a header.
pub(crate) fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}
