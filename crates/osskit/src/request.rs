//! One OSS request before it is sent: target, query, headers and body. Turning it into an
//! HTTP request (URL, signature) happens per attempt in [`crate::transport`].

use http::Method;

use std::sync::Arc;

use crate::body::Body;
use crate::config::ClientConfig;
use crate::hooks::RequestHook;
use crate::progress::ProgressFn;

/// The per-call escape hatches every builder offers: extra headers and query parameters
/// (oss2's `headers=` and `params=`). They are applied last and replace headers of the same
/// name. A wrapper of the client (client-side encryption) may add a [`RequestHook`].
#[derive(Clone, Default)]
pub(crate) struct RequestOptions {
    pub headers: Vec<(String, String)>,
    pub params: Vec<(String, String)>,
    pub hook: Option<Arc<dyn RequestHook>>,
}

impl std::fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestOptions")
            .field("headers", &self.headers)
            .field("params", &self.params)
            .field("hook", &self.hook.is_some())
            .finish()
    }
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
    /// Run by [`crate::transport::execute`] before the request is sent.
    pub hook: Option<Arc<dyn RequestHook>>,
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
            hook: None,
        }
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
