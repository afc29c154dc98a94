//! The operations: one fluent builder per call, generic over the execution [`Mode`].
//!
//! [`Mode`]: crate::mode::Mode

pub mod bucket;
pub mod config;
pub mod download;
pub(crate) mod families;
pub mod list;
pub mod multipart;
pub mod object;
pub mod object_extras;
pub mod presign;
pub mod service;
pub mod versions;

pub use families::model_call::ModelCall;

use bytes::Bytes;

use crate::body::{ByteStream, Tally};
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::result::ResponseMeta;
use crate::transport::RawResponse;

/// Adds the `.header()` and `.param()` escape hatches to a builder with an `options` field.
macro_rules! builder_options {
    ($($b:ident),* $(,)?) => {$(
        impl<M: $crate::mode::Mode> $b<M> {
            /// Adds (or replaces) a request header, as oss2's `headers=`.
            pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                let name = name.into();
                $crate::request::set_header(&mut self.options.headers, &name, value.into());
                self
            }

            /// Adds (or replaces) a query parameter, as oss2's `params=` (`""` = bare flag).
            pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                let name = name.into();
                self.options.params.retain(|(k, _)| *k != name);
                self.options.params.push((name, value.into()));
                self
            }

            /// Installs a hook run around the request (client-side encryption).
            #[allow(dead_code)]
            pub(crate) fn hook(mut self, hook: std::sync::Arc<dyn $crate::hooks::RequestHook>) -> Self {
                self.options.hook = Some(hook);
                self
            }

            /// The most this call may take, its retries and the waits between them
            /// included, until the response head arrives (a body is then read within the
            /// read timeout of each chunk). Replaces the client's
            /// [`operation_timeout`](crate::bucket::BucketBuilder::operation_timeout) for
            /// this call. Running out is a timeout error ([`Error::is_timeout`](crate::Error::is_timeout)).
            pub fn timeout(mut self, total: std::time::Duration) -> Self {
                self.options.timeout = Some(total);
                self
            }
        }
    )*};
}
pub(crate) use builder_options;

/// Adds `.version_id()` to a builder of a call that accepts `versionId` (its declaration
/// lists the parameter) and has an `options` field.
macro_rules! version_option {
    ($($b:ident),* $(,)?) => {$(
        impl<M: $crate::mode::Mode> $b<M> {
            /// Acts on this version of the object (`versionId`; `null` names the null
            /// version) instead of its current one.
            pub fn version_id(self, version_id: impl Into<String>) -> Self {
                self.param("versionId", version_id)
            }
        }
    )*};
}
pub(crate) use version_option;

/// Makes a builder awaitable in async mode and sendable in blocking mode. The builder needs
/// a `client` field (holding the mode) and an `async fn execute(self) -> Result<$out>`.
macro_rules! impl_send {
    ($b:ident => $out:ty) => {
        $crate::ops::impl_send!(@async $b => $out);

        impl $b<$crate::mode::Blocking> {
            /// Sends the request and waits for the result.
            ///
            /// # Panics
            /// When called from inside an async runtime.
            pub fn send(self) -> $crate::error::Result<$out> {
                let mode = self.client.mode.clone();
                mode.block_on(self.execute())
            }
        }
    };
    ($b:ident => $out:ty, blocking $bout:ty) => {
        $crate::ops::impl_send!(@async $b => $out);

        impl $b<$crate::mode::Blocking> {
            /// Sends the request and waits for the response; the body is read through
            /// [`std::io::Read`] on the result.
            ///
            /// # Panics
            /// When called from inside an async runtime.
            pub fn send(self) -> $crate::error::Result<$bout> {
                let mode = self.client.mode.clone();
                let out = mode.block_on(self.execute())?;
                Ok(<$bout>::new(out, mode))
            }
        }
    };
    (@async $b:ident => $out:ty) => {
        impl $b<$crate::mode::Async> {
            /// Sends the request (the builder can also be `.await`ed directly).
            pub async fn send(self) -> $crate::error::Result<$out> {
                self.execute().await
            }
        }

        impl std::future::IntoFuture for $b<$crate::mode::Async> {
            type Output = $crate::error::Result<$out>;
            type IntoFuture = futures_util::future::BoxFuture<'static, $crate::error::Result<$out>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.execute())
            }
        }
    };
}
pub(crate) use impl_send;

/// Checks an object key before any request.
pub(crate) fn check_key(key: &str) -> Result<()> {
    osskit_proto::names::validate_object_key(key).map_err(|e| {
        let shown: String = key.chars().take(64).collect();
        let ellipsis = if key.chars().count() > 64 { "…" } else { "" };
        Error::client(format!(
            "the object key {shown:?}{ellipsis} is invalid: {e}"
        ))
    })
}

/// Reads a whole response body.
pub(crate) async fn read_body(
    config: &ClientConfig,
    raw: RawResponse,
) -> Result<(ResponseMeta, Bytes)> {
    let meta = ResponseMeta::new(raw.status, raw.headers.clone());
    let stream = ByteStream::from_response(
        raw.response,
        config.read_timeout,
        Tally::new(false),
        None,
        raw.what,
        config.session.limiter().cloned(),
    );
    let body = stream.collect_bytes().await?;
    Ok((meta, body))
}

/// Reads a whole response body and parses it as XML.
pub(crate) async fn read_xml<T: serde::de::DeserializeOwned>(
    config: &ClientConfig,
    raw: RawResponse,
) -> Result<(ResponseMeta, T)> {
    let what = raw.what.clone();
    let (meta, body) = read_body(config, raw).await?;
    let parsed = osskit_proto::xml::from_xml_bytes(&body).map_err(|e| Error::InvalidResponse {
        message: format!("cannot parse the response of {what}: {e}"),
        request_id: meta.request_id().to_string(),
    })?;
    Ok((meta, parsed))
}

/// Drains (and drops) a response body so the connection can be reused.
pub(crate) async fn finish(config: &ClientConfig, raw: RawResponse) -> Result<ResponseMeta> {
    Ok(read_body(config, raw).await?.0)
}

/// Compares a client CRC with the server's; both must be known to be compared.
pub(crate) fn check_crc(
    operation: &str,
    client: Option<u64>,
    server: Option<u64>,
    request_id: &str,
) -> Result<()> {
    match (client, server) {
        (Some(c), Some(s)) if c != s => Err(Error::Inconsistent {
            message: format!(
                "{operation}: the CRC-64 of the client ({c}) does not match the one of OSS ({s})"
            ),
            client_crc: Some(c),
            server_crc: Some(s),
            request_id: request_id.to_string(),
        }),
        _ => Ok(()),
    }
}
