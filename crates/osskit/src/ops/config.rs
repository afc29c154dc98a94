//! Configuration calls (`put_bucket_cors`, `get_bucket_lifecycle`, …) and [`Call`], the
//! builder of any declared operation.
//!
//! Every configuration family is three thin methods over the generic builders here: a
//! [`PutConfig`] sends a document, a [`GetConfig`] returns the model with its raw body, a
//! [`DeleteConfig`] removes it. Method, sub-resources, Content-MD5 and retries come from
//! the operation's declaration ([`osskit_proto::ops`]).
//!
//! A put takes the model or the document itself, as oss2's `input` does: `&str`, `String`,
//! bytes, or any [`Body`] (a file with [`Body::from_file`], a reader, a stream sent chunked).
//!
//! ```
//! use osskit::proto::xml::cors::{CorsConfiguration, CorsRule};
//! use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), osskit::Error> {
//! # let server = TestServer::start().await;
//! let bucket = osskit::Bucket::new(
//!     osskit::Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
//!     &server.endpoint(),
//!     "config-example",
//! )?;
//! bucket.create_bucket().await?;
//!
//! // The model…
//! let rule = CorsRule::new(["https://app.example.com"], ["GET"]).max_age_seconds(600);
//! bucket.put_bucket_cors(CorsConfiguration::new(vec![rule])).await?;
//! // …or the document as text.
//! bucket
//!     .put_bucket_cors(
//!         "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
//!          <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
//!     )
//!     .await?;
//!
//! let got = bucket.get_bucket_cors().await?;
//! assert_eq!(got.config.rules[0].allowed_origins, ["*"]);
//! assert!(got.raw_body().starts_with(b"<?xml"));
//!
//! bucket.delete_bucket_cors().await?;
//! let missing = bucket.get_bucket_cors().await.unwrap_err();
//! assert_eq!(missing.code(), Some("NoSuchCORSConfiguration"));
//! # Ok(())
//! # }
//! ```

use std::marker::PhantomData;

use bytes::Bytes;
use osskit_proto::ops::{Md5Rule, OpId, Payload};
use osskit_proto::xml::Document;

use crate::body::Body;
use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::{Async, Blocking, Mode};
use crate::ops::{finish, read_body};
use crate::request::{set_header, OssRequest, RequestOptions};
use crate::result::{impl_response, RequestResult, ResponseMeta};
use crate::service::ServiceClient;
use crate::transport::execute;

/// What a configuration put sends: the model, or the document itself.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigInput<T> {
    /// A typed model, written as its document.
    Model(T),
    /// The document as the caller has it (text, bytes, a file, a reader, a stream).
    Raw(Body),
}

/// Lets each model be given where its configuration is expected (one line per model).
#[macro_export]
#[doc(hidden)]
macro_rules! __config_models {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for $crate::ops::config::ConfigInput<$t> {
            fn from(model: $t) -> Self {
                $crate::ops::config::ConfigInput::Model(model)
            }
        }
    )*};
}

macro_rules! raw_input {
    ($($t:ty),*) => {$(
        impl<T: Document> From<$t> for ConfigInput<T> {
            fn from(doc: $t) -> Self {
                ConfigInput::Raw(Body::from(doc))
            }
        }
    )*};
}
raw_input!(&'static str, String, Vec<u8>, Bytes, &'static [u8]);

impl<T: Document> From<Body> for ConfigInput<T> {
    fn from(body: Body) -> Self {
        ConfigInput::Raw(body)
    }
}

impl<T: Document> ConfigInput<T> {
    pub(crate) fn into_body(self) -> Result<Body> {
        match self {
            ConfigInput::Model(m) => {
                let doc = m
                    .to_document()
                    .map_err(|e| Error::client(format!("cannot write the document: {e}")))?;
                Ok(Body::from(doc))
            }
            ConfigInput::Raw(b) => Ok(b),
        }
    }
}

/// Where a configuration call goes: a bucket or the account.
#[derive(Debug, Clone)]
pub(crate) enum Target<M: Mode> {
    Bucket(BucketClient<M>),
    Service(ServiceClient<M>),
}

impl<M: Mode> Target<M> {
    pub(crate) fn config(&self) -> &crate::config::ClientConfig {
        match self {
            Target::Bucket(b) => &b.config,
            Target::Service(s) => &s.config,
        }
    }

    pub(crate) fn mode(&self) -> &M {
        match self {
            Target::Bucket(b) => &b.mode,
            Target::Service(s) => &s.mode,
        }
    }

    pub(crate) fn request(&self, op: OpId) -> OssRequest {
        match self {
            Target::Bucket(b) => OssRequest::new(op).bucket(&b.name),
            Target::Service(_) => OssRequest::new(op),
        }
    }
}

/// Builds the request of `op` with `body`: the declaration's content type and Content-MD5.
pub(crate) async fn with_body(mut req: OssRequest, op: OpId, body: Body) -> Result<OssRequest> {
    let spec = op.spec();
    let content_type = match spec.request {
        Payload::Json => "application/json",
        Payload::Text => "text/plain",
        Payload::Data => "application/octet-stream",
        _ => "application/xml",
    };
    req = req.header("Content-Type", content_type);
    let md5 = match spec.md5 {
        Md5Rule::No => None,
        // In-memory documents get one whenever OSS checks it; others when it is required.
        Md5Rule::Optional if body.as_bytes().is_some() => Some(body.content_md5().await?),
        Md5Rule::Optional => None,
        Md5Rule::Required => Some(body.content_md5().await?),
    };
    Ok(req.header_opt("Content-MD5", md5).body(body))
}

/// Sends a document: a configuration put. Awaiting it gives a [`RequestResult`].
pub struct PutConfig<M: Mode, T> {
    target: Target<M>,
    op: OpId,
    input: ConfigInput<T>,
    options: RequestOptions,
}

/// Reads a document: a configuration get. Awaiting it gives a [`ConfigOutput`].
pub struct GetConfig<M: Mode, T> {
    target: Target<M>,
    op: OpId,
    options: RequestOptions,
    _model: PhantomData<fn() -> T>,
}

/// Removes a configuration (or runs any call without a body whose answer is only its
/// status). Awaiting it gives a [`RequestResult`].
pub struct DeleteConfig<M: Mode> {
    target: Target<M>,
    op: OpId,
    options: RequestOptions,
}

/// The answer of a configuration get: the model and the document it was read from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConfigOutput<T> {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The configuration.
    pub config: T,
    /// The body as OSS sent it.
    pub raw: Bytes,
}

impl<T> ConfigOutput<T> {
    pub(crate) fn new(meta: ResponseMeta, config: T, raw: Bytes) -> Self {
        ConfigOutput { meta, config, raw }
    }

    /// The body as OSS sent it (the XML or JSON document).
    pub fn raw_body(&self) -> &[u8] {
        &self.raw
    }

    /// `x-oss-request-id`.
    pub fn request_id(&self) -> &str {
        self.meta.request_id()
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.meta.status
    }
}

impl<T> crate::result::OssResponse for ConfigOutput<T> {
    fn meta(&self) -> &ResponseMeta {
        &self.meta
    }
}

/// The escape hatches every builder has: extra headers and query parameters.
macro_rules! generic_options {
    ($b:ident < $($g:ident),* >) => {
        impl<M: Mode, $($g),*> $b<M, $($g),*> {
            /// Adds (or replaces) a request header, as oss2's `headers=`.
            pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                let name = name.into();
                set_header(&mut self.options.headers, &name, value.into());
                self
            }

            /// Adds (or replaces) a query parameter, as oss2's `params=` (`""` = bare flag).
            pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                let name = name.into();
                self.options.params.retain(|(k, _)| *k != name);
                self.options.params.push((name, value.into()));
                self
            }
        }
    };
}

generic_options!(PutConfig<T>);
generic_options!(GetConfig<T>);

impl<M: Mode> DeleteConfig<M> {
    /// Adds (or replaces) a request header, as oss2's `headers=`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        set_header(&mut self.options.headers, &name, value.into());
        self
    }

    /// Adds (or replaces) a query parameter, as oss2's `params=` (`""` = bare flag).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.options.params.retain(|(k, _)| *k != name);
        self.options.params.push((name, value.into()));
        self
    }
}

impl<M: Mode, T: Document + Send + 'static> PutConfig<M, T> {
    pub(crate) fn bucket(client: &BucketClient<M>, op: OpId, input: ConfigInput<T>) -> Self {
        PutConfig {
            target: Target::Bucket(client.clone()),
            op,
            input,
            options: RequestOptions::default(),
        }
    }

    pub(crate) fn service(client: &ServiceClient<M>, op: OpId, input: ConfigInput<T>) -> Self {
        PutConfig {
            target: Target::Service(client.clone()),
            op,
            input,
            options: RequestOptions::default(),
        }
    }

    async fn execute(self) -> Result<RequestResult> {
        let body = self.input.into_body()?;
        let req = with_body(self.target.request(self.op), self.op, body).await?;
        let config = self.target.config();
        let meta = finish(config, execute(config, req.options(self.options)).await?).await?;
        Ok(RequestResult { meta })
    }
}

impl<M: Mode, T: Document + Send + 'static> GetConfig<M, T> {
    pub(crate) fn bucket(client: &BucketClient<M>, op: OpId) -> Self {
        GetConfig {
            target: Target::Bucket(client.clone()),
            op,
            options: RequestOptions::default(),
            _model: PhantomData,
        }
    }

    pub(crate) fn service(client: &ServiceClient<M>, op: OpId) -> Self {
        GetConfig {
            target: Target::Service(client.clone()),
            op,
            options: RequestOptions::default(),
            _model: PhantomData,
        }
    }

    async fn execute(self) -> Result<ConfigOutput<T>> {
        let config = self.target.config();
        let req = self.target.request(self.op).options(self.options);
        let (meta, raw) = read_body(config, execute(config, req).await?).await?;
        let parsed = T::from_document(&raw).map_err(|e| Error::InvalidResponse {
            message: format!("cannot read the answer of {}: {e}", self.op.name()),
            request_id: meta.request_id().to_string(),
        })?;
        Ok(ConfigOutput {
            meta,
            config: parsed,
            raw,
        })
    }
}

impl<M: Mode> DeleteConfig<M> {
    pub(crate) fn bucket(client: &BucketClient<M>, op: OpId) -> Self {
        DeleteConfig {
            target: Target::Bucket(client.clone()),
            op,
            options: RequestOptions::default(),
        }
    }

    pub(crate) fn service(client: &ServiceClient<M>, op: OpId) -> Self {
        DeleteConfig {
            target: Target::Service(client.clone()),
            op,
            options: RequestOptions::default(),
        }
    }

    async fn execute(self) -> Result<RequestResult> {
        let config = self.target.config();
        let req = self.target.request(self.op).options(self.options);
        let meta = finish(config, execute(config, req).await?).await?;
        Ok(RequestResult { meta })
    }
}

/// Implements `.await`/`send()` for a generic builder.
macro_rules! generic_send {
    ($b:ident < $($g:ident),* > => $out:ty) => {
        impl<$($g: Document + Send + 'static),*> $b<Async, $($g),*> {
            /// Sends the request (the builder can also be `.await`ed directly).
            pub async fn send(self) -> Result<$out> {
                self.execute().await
            }
        }

        impl<$($g: Document + Send + 'static),*> std::future::IntoFuture for $b<Async, $($g),*> {
            type Output = Result<$out>;
            type IntoFuture = futures_util::future::BoxFuture<'static, Result<$out>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.execute())
            }
        }

        impl<$($g: Document + Send + 'static),*> $b<Blocking, $($g),*> {
            /// Sends the request and waits for the result.
            ///
            /// # Panics
            /// When called from inside an async runtime.
            pub fn send(self) -> Result<$out> {
                let mode = self.target.mode().clone();
                mode.block_on(self.execute())
            }
        }
    };
}

generic_send!(PutConfig<T> => RequestResult);
generic_send!(GetConfig<T> => ConfigOutput<T>);
generic_send!(DeleteConfig<> => RequestResult);

/// Any declared operation, built from its declaration: `bucket.call(OpId::GetBucketCors)`.
/// Set the key, parameters, headers and body the operation takes; the answer's body is
/// read whole (use the typed calls for object data).
///
/// ```
/// use osskit::proto::ops::OpId;
/// use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), osskit::Error> {
/// # let server = TestServer::start().await;
/// let bucket = osskit::Bucket::new(
///     osskit::Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
///     &server.endpoint(),
///     "call-example",
/// )?;
/// bucket.call(OpId::PutBucket).send().await?;
/// let out = bucket.call(OpId::GetBucketAcl).send().await?;
/// assert!(String::from_utf8_lossy(&out.body).contains("<Grant>private</Grant>"));
/// # Ok(())
/// # }
/// ```
pub struct Call<M: Mode = Async> {
    target: Target<M>,
    op: OpId,
    key: Option<String>,
    body: Option<Body>,
    options: RequestOptions,
}

/// The answer of a [`Call`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The whole body.
    pub body: Bytes,
}

impl_response!(CallOutput);

crate::ops::builder_options!(Call);

impl<M: Mode> Call<M> {
    pub(crate) fn bucket(client: &BucketClient<M>, op: OpId) -> Self {
        Call {
            target: Target::Bucket(client.clone()),
            op,
            key: None,
            body: None,
            options: RequestOptions::default(),
        }
    }

    pub(crate) fn service(client: &ServiceClient<M>, op: OpId) -> Self {
        Call {
            target: Target::Service(client.clone()),
            op,
            key: None,
            body: None,
            options: RequestOptions::default(),
        }
    }

    /// The object key, for object-level operations.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The request body (content type and Content-MD5 follow the declaration unless set
    /// with [`Call::header`]).
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = Some(body.into());
        self
    }

    async fn execute(self) -> Result<CallOutput> {
        let mut req = self.target.request(self.op);
        if let Some(key) = &self.key {
            crate::ops::check_key(key)?;
            req = req.key(key);
        }
        if let Some(body) = self.body {
            req = with_body(req, self.op, body).await?;
        }
        let config = self.target.config();
        let (meta, body) =
            read_body(config, execute(config, req.options(self.options)).await?).await?;
        Ok(CallOutput { meta, body })
    }
}

impl Call<Async> {
    /// Sends the request (the builder can also be `.await`ed directly).
    pub async fn send(self) -> Result<CallOutput> {
        self.execute().await
    }
}

impl std::future::IntoFuture for Call<Async> {
    type Output = Result<CallOutput>;
    type IntoFuture = futures_util::future::BoxFuture<'static, Result<CallOutput>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.execute())
    }
}

impl Call<Blocking> {
    /// Sends the request and waits for the result.
    ///
    /// # Panics
    /// When called from inside an async runtime.
    pub fn send(self) -> Result<CallOutput> {
        let mode = self.target.mode().clone();
        mode.block_on(self.execute())
    }
}

impl<M: Mode> BucketClient<M> {
    /// Any declared operation of this bucket (or of one of its objects, with
    /// [`Call::key`]); see [`Call`].
    pub fn call(&self, op: OpId) -> Call<M> {
        Call::bucket(self, op)
    }
}

impl<M: Mode> ServiceClient<M> {
    /// Any declared account-level operation; see [`Call`].
    pub fn call(&self, op: OpId) -> Call<M> {
        Call::service(self, op)
    }
}

/// Declares the put/get/delete methods of configuration families on a client type.
macro_rules! config_family {
    (
        $client:ident, $ctor:ident;
        $(
            $(#[$doc:meta])*
            $model:ty {
                $( put $put:ident = $put_op:ident; )?
                $( get $get:ident = $get_op:ident; )?
                $( delete $del:ident = $del_op:ident; )?
            }
        )*
    ) => {
        impl<M: $crate::mode::Mode> $client<M> {
            $(
                $(
                    #[doc = concat!("`", stringify!($put_op), "`: ", "sets the configuration (the model, or the document as text, bytes or any [`Body`](crate::Body)).")]
                    pub fn $put(&self, input: impl Into<$crate::ops::config::ConfigInput<$model>>) -> $crate::ops::config::PutConfig<M, $model> {
                        $crate::ops::config::PutConfig::$ctor(self, osskit_proto::ops::OpId::$put_op, input.into())
                    }
                )?
                $(
                    #[doc = concat!("`", stringify!($get_op), "`: ", "the configuration and its raw document.")]
                    pub fn $get(&self) -> $crate::ops::config::GetConfig<M, $model> {
                        $crate::ops::config::GetConfig::$ctor(self, osskit_proto::ops::OpId::$get_op)
                    }
                )?
                $(
                    #[doc = concat!("`", stringify!($del_op), "`: ", "removes the configuration.")]
                    pub fn $del(&self) -> $crate::ops::config::DeleteConfig<M> {
                        $crate::ops::config::DeleteConfig::$ctor(self, osskit_proto::ops::OpId::$del_op)
                    }
                )?
            )*
        }
    };
}
pub(crate) use __config_models as config_models;
pub(crate) use config_family;

// ---------------------------------------------------------------------------------------
// Calls whose answer is a document: a declared operation (with its selector values, and a
// body when it takes one) whose answer is read as a model.

/// A declared operation whose answer is a document, read as `T`: the calls that create
/// something and describe it (`create_bucket_cname_token`, `put_async_fetch_task`), queries
/// (`do_bucket_meta_query`). Awaiting it gives a [`ConfigOutput`].
pub struct DocCall<M: Mode, T> {
    call: Call<M>,
    body: Option<Result<Body>>,
    _model: PhantomData<fn() -> T>,
}

impl<M: Mode, T: Document + Send + 'static> DocCall<M, T> {
    pub(crate) fn bucket(client: &BucketClient<M>, op: OpId) -> Self {
        DocCall {
            call: Call::bucket(client, op),
            body: None,
            _model: PhantomData,
        }
    }

    /// The request body: a model, or the document as text, bytes or any [`Body`] (a model
    /// that cannot be written is reported when the call is sent).
    pub(crate) fn input<I: Document>(mut self, input: ConfigInput<I>) -> Self {
        self.body = Some(input.into_body());
        self
    }

    /// Adds (or replaces) a request header, as oss2's `headers=`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.call = self.call.header(name, value);
        self
    }

    /// Adds (or replaces) a query parameter, as oss2's `params=` (`""` = bare flag).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.call = self.call.param(name, value);
        self
    }

    async fn execute(self) -> Result<ConfigOutput<T>> {
        let op = self.call.op;
        let mut call = self.call;
        if let Some(body) = self.body {
            call = call.body(body?);
        }
        let out = call.execute().await?;
        let config = T::from_document(&out.body).map_err(|e| Error::InvalidResponse {
            message: format!("cannot read the answer of {}: {e}", op.name()),
            request_id: out.meta.request_id().to_string(),
        })?;
        Ok(ConfigOutput {
            meta: out.meta,
            config,
            raw: out.body,
        })
    }
}

impl<T: Document + Send + 'static> DocCall<Async, T> {
    /// Sends the request (the builder can also be `.await`ed directly).
    pub async fn send(self) -> Result<ConfigOutput<T>> {
        self.execute().await
    }
}

impl<T: Document + Send + 'static> std::future::IntoFuture for DocCall<Async, T> {
    type Output = Result<ConfigOutput<T>>;
    type IntoFuture = futures_util::future::BoxFuture<'static, Result<ConfigOutput<T>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.execute())
    }
}

impl<T: Document + Send + 'static> DocCall<Blocking, T> {
    /// Sends the request and waits for the result.
    ///
    /// # Panics
    /// When called from inside an async runtime.
    pub fn send(self) -> Result<ConfigOutput<T>> {
        let mode = self.call.target.mode().clone();
        mode.block_on(self.execute())
    }
}
