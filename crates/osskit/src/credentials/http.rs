//! The HTTP calls of credential providers (STS, instance metadata, credentials URIs).

use std::time::Duration;

use bytes::Bytes;

use crate::error::{Error, Result};

/// HTTP settings of a credentials provider.
///
/// Connections are not kept between calls: credentials are fetched rarely, and a
/// provider may be called from async code and from blocking calls, each running its own
/// runtime, which must not share connections.
///
/// ```
/// use std::time::Duration;
/// use osskit::credentials::HttpOptions;
/// let options = HttpOptions::new()
///     .connect_timeout(Duration::from_secs(2))
///     .read_timeout(Duration::from_secs(5));
/// ```
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) client: Option<reqwest::Client>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions::new()
    }
}

impl HttpOptions {
    /// 5 s to connect, 10 s to read (the official SDKs' defaults for STS and URIs).
    pub fn new() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            client: None,
        }
    }

    /// Time allowed to connect.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time allowed for the answer once connected.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// Sends through `client` (its proxy, certificates and pool) instead of a client of
    /// the provider's own.
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }
}

/// An HTTP client for one provider.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    total: Duration,
}

/// An answer: status and body.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Answer {
    /// The whole body as text (lossy), trimmed.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).trim().to_string()
    }

    /// The body as text (lossy), shortened to 512 characters, for messages.
    pub fn text(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        if text.chars().count() > 512 {
            format!("{}…", text.chars().take(512).collect::<String>())
        } else {
            text.to_string()
        }
    }
}

impl Http {
    /// A client with `options`; `use_proxy` false for link-local services (the instance
    /// metadata service is never reached through a proxy).
    pub fn new(options: &HttpOptions, use_proxy: bool) -> Result<Http> {
        let client = match &options.client {
            Some(c) => c.clone(),
            None => {
                let mut b = reqwest::Client::builder()
                    .connect_timeout(options.connect_timeout)
                    .read_timeout(options.read_timeout)
                    .pool_max_idle_per_host(0)
                    .redirect(reqwest::redirect::Policy::none());
                if !use_proxy {
                    b = b.no_proxy();
                }
                b.build().map_err(|e| {
                    Error::credentials(format!("cannot create the HTTP client of a provider: {e}"))
                })?
            }
        };
        Ok(Http {
            client,
            total: options.connect_timeout + options.read_timeout,
        })
    }

    /// Sends `request` and reads the whole answer (at most 1 MiB), within the connect
    /// plus read timeout; `what` names the call in errors.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> std::result::Result<Answer, CallError> {
        let call = async {
            let mut response = request.send().await?;
            let status = response.status().as_u16();
            let mut body = bytes::BytesMut::new();
            while let Some(chunk) = response.chunk().await? {
                body.extend_from_slice(&chunk);
                if body.len() > 1 << 20 {
                    break;
                }
            }
            Ok::<_, reqwest::Error>(Answer {
                status,
                body: body.freeze(),
            })
        };
        match tokio::time::timeout(self.total, call).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => Err(CallError {
                connect: e.is_connect(),
                message: format!("{what} failed: {}", error_chain(&e)),
            }),
            Err(_) => Err(CallError {
                connect: false,
                message: format!("{what} failed: no answer within {:?}", self.total),
            }),
        }
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// `error: cause: cause`.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// A failed call.
#[derive(Debug)]
pub(crate) struct CallError {
    /// The connection could not be made.
    pub connect: bool,
    /// What failed and why.
    pub message: String,
}

impl From<CallError> for Error {
    fn from(e: CallError) -> Error {
        Error::credentials(e.message)
    }
}
