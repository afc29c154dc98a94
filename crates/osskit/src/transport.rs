//! Sending a request: sign per attempt, send, map errors, retry per the [`RetryPolicy`].
//!
//! * Credentials are asked for before each attempt, so a retry after a refresh signs with
//!   the new ones.
//! * Clock skew: when OSS answers `RequestTimeTooSkewed`, the offset between its clock and
//!   ours (from `<ServerTime>`, else `x-oss-server-time`, else `Date`) is kept in the
//!   client's configuration and the request is signed again, once, right away; later
//!   requests of the client sign with the corrected time.
//! * Retries: per the policy, for retryable errors, when the body can be sent again. A
//!   request that is not idempotent (an append, a multipart completion) is retried only
//!   when it provably never reached the server: the connection could not be made.
//! * The operation timeout bounds all of it, attempts and waits included.
//!
//! [`RetryPolicy`]: crate::RetryPolicy

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH, USER_AGENT};
use osskit_proto::sign::{SignableRequest, SigningContext, SigningVersion};

use crate::auth::AuthConfig;
use crate::body::{instrument_upload, instrument_whole, Tally};
use crate::config::ClientConfig;
use crate::error::{Error, Result, ServerError, ERROR_BODY_LIMIT};

use crate::request::OssRequest;

/// A successful (2xx) response whose body has not been read yet.
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub response: reqwest::Response,
    /// What the upload stream really sent (bytes, CRC when requested).
    pub upload: Option<Arc<Tally>>,
    /// `METHOD url`, for messages.
    pub what: String,
}

impl RawResponse {
    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `x-oss-request-id`.
    pub fn request_id(&self) -> String {
        self.header(osskit_proto::headers::REQUEST_ID)
            .unwrap_or("")
            .to_string()
    }
}

/// Unix seconds now.
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The time to sign with: ours, corrected by the offset learned from the server's clock.
pub(crate) fn signing_time(config: &ClientConfig) -> i64 {
    now_unix() + config.clock_offset.load(Ordering::Relaxed)
}

/// The headers that sign `req` at `time` (none for anonymous access).
pub(crate) async fn signature_headers(
    config: &ClientConfig,
    req: &OssRequest,
    time: i64,
) -> Result<Vec<(String, String)>> {
    let AuthConfig::Signed { version, provider } = &config.auth else {
        return Ok(Vec::new());
    };
    if req.raw_url.is_some() {
        return Ok(Vec::new());
    }
    let credentials = provider.credentials().await?.for_signing();
    let signable = SignableRequest {
        method: req.method.as_str(),
        bucket: req.bucket.as_deref(),
        key: req.key.as_deref(),
        params: &req.params,
        headers: &req.headers,
    };
    let ctx = match version {
        SigningVersion::V1 => SigningContext::v1(&credentials, time),
        SigningVersion::V2 => SigningContext::v2(&credentials, time),
        SigningVersion::V4 => {
            let region = config.region.as_deref().ok_or_else(|| {
                Error::client("signature version 4 needs a region: set it with .region(..)")
            })?;
            SigningContext::v4(&credentials, time, region)
        }
    };
    osskit_proto::sign::sign_headers(&signable, &ctx).map_err(|e| Error::client(e.to_string()))
}

fn header_map(headers: &[(String, String)]) -> Result<HeaderMap> {
    let mut map = HeaderMap::with_capacity(headers.len() + 4);
    for (k, v) in headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| Error::client(format!("{k:?} is not a valid HTTP header name")))?;
        let value = HeaderValue::from_str(v).map_err(|_| {
            Error::client(format!(
                "the value of the header {k} is not a valid HTTP header value: {v:?}"
            ))
        })?;
        map.insert(name, value);
    }
    Ok(map)
}

/// Reads at most [`ERROR_BODY_LIMIT`] bytes of an error response.
async fn read_error_body(response: reqwest::Response, config: &ClientConfig) -> Bytes {
    let mut out = BytesMut::new();
    let mut stream = response.bytes_stream();
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout(config.read_timeout, stream.next()).await {
        out.extend_from_slice(&chunk);
        if out.len() >= ERROR_BODY_LIMIT {
            out.truncate(ERROR_BODY_LIMIT);
            break;
        }
    }
    out.freeze()
}

/// One attempt: sign, send, and turn a non-2xx answer into [`Error::Server`].
async fn attempt(
    config: &ClientConfig,
    req: &mut OssRequest,
    url: &str,
    what: &str,
) -> Result<RawResponse> {
    let time = signing_time(config);
    let mut headers = req.headers.clone();
    for (k, v) in signature_headers(config, req, time).await? {
        crate::request::set_header(&mut headers, &k, v);
    }
    let mut map = header_map(&headers)?;
    if let Ok(ua) = HeaderValue::from_str(&config.user_agent) {
        map.insert(USER_AGENT, ua);
    }
    let mut builder = config.session.request(req.method.clone(), url);
    let mut upload = None;
    if let Some(body) = req.body.as_mut() {
        let tally = Tally::new(req.upload_crc);
        let limiter = config.session.limiter().cloned();
        let (http_body, len) = if let Some(bytes) = body.whole(req.progress.is_some()) {
            if let Some(limiter) = &limiter {
                limiter.acquire(bytes.len()).await;
            }
            instrument_whole(bytes, &tally, req.progress.as_ref());
            (reqwest::Body::from(bytes.clone()), Some(bytes.len() as u64))
        } else {
            let Some((stream, len)) = body.take_for_attempt().await? else {
                return Err(Error::client(
                    "the request body is a one-shot stream that was already sent",
                ));
            };
            let mut stream = instrument_upload(stream, tally.clone(), req.progress.clone(), len);
            if let Some(limiter) = limiter {
                stream = crate::rate::throttle(stream, limiter);
            }
            (reqwest::Body::wrap_stream(stream), len)
        };
        if let Some(len) = len {
            map.insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        upload = Some(tally);
        builder = builder.body(http_body);
    } else if matches!(req.method, http::Method::PUT | http::Method::POST) {
        map.insert(CONTENT_LENGTH, HeaderValue::from(0u64));
    }
    let builder = builder.headers(map);
    // Without a body, the wait for the response head is bounded here (connect + read
    // timeout). With a body, sending it may take any time: the session's connect and
    // per-read timeouts apply instead.
    let has_body = upload.is_some();
    let wait = config.session.connect_timeout() + config.read_timeout;
    let sent = if has_body {
        Ok(builder.send().await)
    } else {
        tokio::time::timeout(wait, builder.send()).await
    };
    let response = match sent {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let timeout = e.is_timeout();
            return Err(Error::request(format!("{what} failed"), e, timeout));
        }
        Err(_) => {
            return Err(Error::request(
                format!("{what} failed"),
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no response within {wait:?}"),
                ),
                true,
            ))
        }
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    if !(200..300).contains(&status) {
        let body = if req.method == http::Method::HEAD {
            Bytes::new()
        } else {
            read_error_body(response, config).await
        };
        return Err(Error::Server(Box::new(ServerError::from_response(
            status, headers, body,
        ))));
    }
    Ok(RawResponse {
        status,
        headers,
        response,
        upload,
        what: what.to_string(),
    })
}

/// Whether `err` shows that the request never reached the server: the connection could
/// not be made (refused, unreachable, DNS, TLS handshake, connect timeout).
pub(crate) fn never_reached_server(err: &Error) -> bool {
    let Error::Request { source, .. } = err else {
        return false;
    };
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
    while let Some(e) = current {
        if let Some(r) = e.downcast_ref::<reqwest::Error>() {
            return r.is_connect();
        }
        current = e.source();
    }
    false
}

/// The server's clock at the time of a `RequestTimeTooSkewed` answer: `<ServerTime>`,
/// else `x-oss-server-time` (seconds or milliseconds), else `Date`.
pub(crate) fn server_time(err: &ServerError) -> Option<i64> {
    if let Some(t) = err.detail("ServerTime") {
        if let Ok(t) = osskit_proto::date::rfc3339_to_unixtime(t.trim()) {
            return Some(t);
        }
    }
    let header = |name: &str| err.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(n) =
        header(osskit_proto::headers::SERVER_TIME).and_then(|v| v.trim().parse::<i64>().ok())
    {
        return Some(if n > 100_000_000_000 { n / 1000 } else { n });
    }
    header("date").and_then(|d| osskit_proto::date::http_to_unixtime(d.trim()).ok())
}

/// Sends `req`, trying again per the client's retry policy, within the operation timeout.
/// The request's hook (client-side encryption) runs first, then the request is checked
/// against its operation's declaration.
pub(crate) async fn execute(config: &ClientConfig, mut req: OssRequest) -> Result<RawResponse> {
    if let Some(hook) = req.hook.take() {
        hook.before(&mut req).await?;
    }
    req.check()?;
    match req.timeout.or(config.operation_timeout) {
        None => execute_attempts(config, req).await,
        Some(limit) => {
            let what = format!("{} {}", req.method, req.url(config));
            match tokio::time::timeout(limit, execute_attempts(config, req)).await {
                Ok(result) => result,
                Err(_) => Err(Error::request(
                    format!("{what} failed"),
                    std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("the operation did not complete within {limit:?}"),
                    ),
                    true,
                )),
            }
        }
    }
}

async fn execute_attempts(config: &ClientConfig, mut req: OssRequest) -> Result<RawResponse> {
    let url = req.url(config);
    let what = format!("{} {}", req.method, url);
    let replayable = req.body.as_ref().is_none_or(|b| b.is_replayable());
    let max_attempts = config.retry.max_attempts.max(1);
    let mut attempt_no = 1;
    let mut skew_corrected = false;
    loop {
        let started = Instant::now();
        let result = attempt(config, &mut req, &url, &what).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(resp) => {
                tracing::debug!(
                    target: "osskit",
                    operation = req.operation,
                    method = %req.method,
                    url = %url,
                    status = resp.status,
                    request_id = %resp.request_id(),
                    attempt = attempt_no,
                    elapsed_ms,
                    "request succeeded"
                );
                return Ok(resp);
            }
            Err(err) => {
                // A request refused for its time was not carried out: sign it again at
                // the server's time, once, whatever the retry policy.
                if let Some(server) = err.as_server().filter(|e| e.code == "RequestTimeTooSkewed") {
                    if let (false, true, Some(server_now)) =
                        (skew_corrected, replayable, server_time(server))
                    {
                        let offset = server_now - now_unix();
                        config.clock_offset.store(offset, Ordering::Relaxed);
                        skew_corrected = true;
                        tracing::warn!(
                            target: "osskit",
                            operation = req.operation,
                            offset_secs = offset,
                            "the request time was too far from the server's clock; signing again with the server's time"
                        );
                        continue;
                    }
                }
                let may_resend = req.idempotent || never_reached_server(&err);
                let retry =
                    err.is_retryable() && replayable && may_resend && attempt_no < max_attempts;
                tracing::debug!(
                    target: "osskit",
                    operation = req.operation,
                    method = %req.method,
                    url = %url,
                    status = err.status().unwrap_or(0),
                    request_id = err.request_id().unwrap_or(""),
                    attempt = attempt_no,
                    elapsed_ms,
                    retry,
                    error = %err,
                    "request failed"
                );
                if !retry {
                    return Err(err);
                }
                let delay = config.retry.backoff(attempt_no, &mut rand::thread_rng());
                tokio::time::sleep(delay).await;
                attempt_no += 1;
            }
        }
    }
}
