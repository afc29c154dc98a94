//! Operation outputs. Each output has a [`ResponseMeta`] (status, request id, headers),
//! reachable through inherent `status()`, `request_id()` and `headers()` methods and the
//! [`OssResponse`] trait, plus typed fields.

use std::collections::BTreeMap;

use http::HeaderMap;

/// Status and headers of a response.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
}

impl ResponseMeta {
    pub(crate) fn new(status: u16, headers: HeaderMap) -> ResponseMeta {
        ResponseMeta { status, headers }
    }

    /// `x-oss-request-id` (empty when missing).
    pub fn request_id(&self) -> &str {
        self.header(osskit_proto::headers::REQUEST_ID).unwrap_or("")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A header parsed as an unsigned number.
    pub fn header_u64(&self, name: &str) -> Option<u64> {
        self.header(name).and_then(|v| v.trim().parse().ok())
    }

    /// `x-oss-hash-crc64ecma`.
    pub fn crc64(&self) -> Option<u64> {
        self.header_u64(osskit_proto::headers::HASH_CRC64)
    }

    /// `ETag` without its quotes.
    pub fn etag(&self) -> Option<String> {
        self.header("etag")
            .map(|e| osskit_proto::digest::strip_etag_quotes(e).to_string())
    }

    /// `x-oss-version-id`.
    pub fn version_id(&self) -> Option<String> {
        self.header(osskit_proto::headers::VERSION_ID)
            .map(str::to_string)
    }

    /// `Last-Modified` as Unix seconds.
    pub fn last_modified(&self) -> Option<i64> {
        self.header("last-modified")
            .and_then(|v| osskit_proto::date::http_to_unixtime(v).ok())
    }

    /// The `x-oss-meta-*` headers, names without the prefix (lower case).
    pub fn user_metadata(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (name, value) in &self.headers {
            if let Some(short) = name
                .as_str()
                .strip_prefix(osskit_proto::headers::META_PREFIX)
            {
                if let Ok(v) = value.to_str() {
                    out.insert(short.to_string(), v.to_string());
                }
            }
        }
        out
    }
}

/// Access to the response of an operation output.
pub trait OssResponse {
    /// Status and headers.
    fn meta(&self) -> &ResponseMeta;

    /// HTTP status.
    fn status(&self) -> u16 {
        self.meta().status
    }

    /// `x-oss-request-id`.
    fn request_id(&self) -> &str {
        self.meta().request_id()
    }

    /// Response headers.
    fn headers(&self) -> &HeaderMap {
        &self.meta().headers
    }
}

/// Implements [`OssResponse`] and the matching inherent methods for an output with a `meta`
/// field.
macro_rules! impl_response {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::result::OssResponse for $t {
            fn meta(&self) -> &$crate::result::ResponseMeta {
                &self.meta
            }
        }

        impl $t {
            /// HTTP status.
            pub fn status(&self) -> u16 {
                self.meta.status
            }

            /// `x-oss-request-id`.
            pub fn request_id(&self) -> &str {
                self.meta.request_id()
            }

            /// Response headers.
            pub fn headers(&self) -> &http::HeaderMap {
                &self.meta.headers
            }
        }
    )*};
}
pub(crate) use impl_response;

/// The output of operations that return nothing but the response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestResult {
    /// Status and headers.
    pub meta: ResponseMeta,
}

impl_response!(RequestResult);
