//! [`ModelCall`]: a call that may send a document and answers one (`create_access_point`,
//! `list_access_points`, …), for the calls the put/get/delete builders do not fit.

use std::marker::PhantomData;

use osskit_proto::ops::OpId;
use osskit_proto::xml::Document;

use crate::body::Body;
use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::{Async, Blocking, Mode};
use crate::ops::config::{with_body, ConfigInput, ConfigOutput, Target};
use crate::ops::read_body;
use crate::request::{set_header, RequestOptions};
use crate::service::ServiceClient;
use crate::transport::execute;

/// A call answering the document `O` (with the raw body kept). Awaiting it (or `send()` in
/// blocking mode) gives a [`ConfigOutput<O>`].
pub struct ModelCall<M: Mode, O> {
    target: Target<M>,
    op: OpId,
    body: Option<Result<Body>>,
    options: RequestOptions,
    _out: PhantomData<fn() -> O>,
}

impl<M: Mode, O: Document + Send + 'static> ModelCall<M, O> {
    pub(crate) fn bucket(client: &BucketClient<M>, op: OpId) -> Self {
        ModelCall {
            target: Target::Bucket(client.clone()),
            op,
            body: None,
            options: RequestOptions::default(),
            _out: PhantomData,
        }
    }

    pub(crate) fn service(client: &ServiceClient<M>, op: OpId) -> Self {
        ModelCall {
            target: Target::Service(client.clone()),
            op,
            body: None,
            options: RequestOptions::default(),
            _out: PhantomData,
        }
    }

    /// Sends `input` (a model, or its document as text, bytes or any [`Body`]).
    pub(crate) fn input<I: Document>(mut self, input: ConfigInput<I>) -> Self {
        self.body = Some(input.into_body());
        self
    }

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

    async fn execute(self) -> Result<ConfigOutput<O>> {
        let mut req = self.target.request(self.op);
        if let Some(body) = self.body {
            req = with_body(req, self.op, body?).await?;
        }
        let config = self.target.config();
        let (meta, raw) =
            read_body(config, execute(config, req.options(self.options)).await?).await?;
        let parsed = O::from_document(&raw).map_err(|e| Error::InvalidResponse {
            message: format!("cannot read the answer of {}: {e}", self.op.name()),
            request_id: meta.request_id().to_string(),
        })?;
        Ok(ConfigOutput::new(meta, parsed, raw))
    }
}

impl<O: Document + Send + 'static> ModelCall<Async, O> {
    /// Sends the request (the builder can also be `.await`ed directly).
    pub async fn send(self) -> Result<ConfigOutput<O>> {
        self.execute().await
    }
}

impl<O: Document + Send + 'static> std::future::IntoFuture for ModelCall<Async, O> {
    type Output = Result<ConfigOutput<O>>;
    type IntoFuture = futures_util::future::BoxFuture<'static, Result<ConfigOutput<O>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.execute())
    }
}

impl<O: Document + Send + 'static> ModelCall<Blocking, O> {
    /// Sends the request and waits for the result.
    ///
    /// # Panics
    /// When called from inside an async runtime.
    pub fn send(self) -> Result<ConfigOutput<O>> {
        let mode = self.target.mode().clone();
        mode.block_on(self.execute())
    }
}
