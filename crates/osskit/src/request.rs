//! One OSS request before it is sent: target, query, headers and body. Turning it into an
//! HTTP request (URL, signature) happens per attempt in [`crate::transport`].

use std::time::Duration;

use http::Method;

use crate::body::Body;
use crate::config::ClientConfig;
use crate::progress::ProgressFn;

/// The per-call escape hatches every builder offers: extra headers and query parameters
/// (oss2's `headers=` and `params=`), applied last and replacing headers of the same name,
/// and the call's own total timeout.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestOptions {
    pub headers: Vec<(String, String)>,
    pub params: Vec<(String, String)>,
    pub timeout: Option<Duration>,
}

/// A request ready to be signed and sent.
pub(crate) struct OssRequest {
    /// Operation name, for logs.
    pub operation: &'static str,
    pub method: Method,
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
    /// Whether sending the request twice has the effect of sending it once. A request that
    /// is not is retried only when it provably never reached the server (the connection
    /// could not be made).
    pub idempotent: bool,
    /// Total time of the request, retries and waits included (else the client's).
    pub timeout: Option<Duration>,
}

impl OssRequest {
    pub fn new(operation: &'static str, method: Method) -> OssRequest {
        OssRequest {
            operation,
            method,
            bucket: None,
            key: None,
            params: Vec::new(),
            headers: Vec::new(),
            body: None,
            progress: None,
            upload_crc: false,
            raw_url: None,
            idempotent: true,
            timeout: None,
        }
    }

    /// Marks the request as not idempotent (see [`OssRequest::idempotent`]).
    pub fn not_idempotent(mut self) -> Self {
        self.idempotent = false;
        self
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
