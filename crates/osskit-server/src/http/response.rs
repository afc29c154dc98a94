//! Building responses: the common headers every OSS response carries, and error documents.

use super::base64;
use super::body::ResponseBody;
use crate::error::OssError;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use osskit_proto::headers as h;
use osskit_proto::xml::error::ErrorBody;

/// A response under construction: status, headers (lower-case names) and body.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// Headers whose values are bytes to send as they are (user metadata), after `headers`.
    pub byte_headers: Vec<(String, Vec<u8>)>,
    /// Body.
    pub body: ResponseBody,
}

impl Reply {
    /// The same reply with its body changed by `f`.
    pub fn map_body(mut self, f: impl FnOnce(ResponseBody) -> ResponseBody) -> Self {
        self.body = f(std::mem::replace(&mut self.body, ResponseBody::empty()));
        self
    }

    /// An empty response with `status`.
    pub fn new(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            byte_headers: Vec::new(),
            body: ResponseBody::empty(),
        }
    }

    /// 200 with an XML document.
    pub fn xml(doc: String) -> Self {
        let len = doc.len();
        Reply::new(200)
            .header("content-type", "application/xml")
            .header("content-length", len.to_string())
            .with_body(ResponseBody::full(doc))
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Adds a header whose value is sent byte for byte (it need not be UTF-8).
    pub fn header_bytes(mut self, name: &str, value: &[u8]) -> Self {
        self.byte_headers
            .push((name.to_ascii_lowercase(), value.to_vec()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: ResponseBody) -> Self {
        self.body = body;
        self
    }

    /// The first value of header `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A fresh request id: 24 upper-case hex characters.
pub fn new_request_id() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    now_millis() / 1000
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The reply for a failed request: the `<Error>` document (or, for HEAD, no body and the
/// document base64-encoded in `x-oss-err`), `x-oss-ec` and the error's own headers.
pub fn error_reply(err: &OssError, request_id: &str, host: &str, is_head: bool) -> Reply {
    let mut body = ErrorBody::new(err.code.as_str(), &err.message, request_id, host);
    for (k, v) in &err.details {
        body = body.with_detail(k, v);
    }
    let ec = err.ec().to_string();
    body = body.with_ec(&ec);
    let doc = body.to_xml();
    let mut reply = Reply::new(err.status())
        .header("content-type", "application/xml")
        .header(h::EC, ec);
    for (k, v) in &err.headers {
        reply = reply.header(k, v.clone());
    }
    if is_head {
        reply
            .header(h::ERR, base64::encode(doc.as_bytes()))
            .header("content-length", "0")
    } else {
        let len = doc.len();
        reply
            .header("content-length", len.to_string())
            .with_body(ResponseBody::full(doc))
    }
}

/// Turns a reply into the HTTP response, adding `x-oss-request-id`, `Date`, `Server` and
/// (when the handler did not set it) `Content-Length`. Header values that cannot be sent
/// are dropped with a warning.
pub fn finish(reply: Reply, request_id: &str) -> Response<ResponseBody> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let has_length = reply.get("content-length").is_some();
    let mut resp = Response::new(ResponseBody::empty());
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    let mut put = |name: &str, value: &str| match (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_bytes(value.as_bytes()),
    ) {
        (Ok(n), Ok(v)) => {
            headers.append(n, v);
        }
        _ => tracing::warn!(header = name, "dropping a header that cannot be sent"),
    };
    put(h::REQUEST_ID, request_id);
    put("date", &osskit_proto::date::http_date(now_secs()));
    put("server", "AliyunOSS");
    for (k, v) in &reply.headers {
        put(k, v);
    }

    // A body of unknown length (a compressed one) goes chunked.
    let known = http_body::Body::size_hint(&reply.body).exact();
    let unknown = known.is_none() && !http_body::Body::is_end_stream(&reply.body);
    if !has_length
        && !unknown
        && status != StatusCode::NOT_MODIFIED
        && status != StatusCode::NO_CONTENT
    {
        put("content-length", &known.unwrap_or(0).to_string());
    }
    for (k, v) in &reply.byte_headers {
        match (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_bytes(v),
        ) {
            (Ok(n), Ok(v)) => {
                headers.append(n, v);
            }
            _ => tracing::warn!(header = %k, "dropping a header that cannot be sent"),
        }
    }
    *resp.body_mut() = reply.body;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_24_upper_hex_and_unique() {
        let a = new_request_id();
        let b = new_request_id();
        assert_eq!(a.len(), 24);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn reply_headers_are_case_insensitive() {
        let r = Reply::new(200).header("ETag", "\"x\"");
        assert_eq!(r.get("etag"), Some("\"x\""));
        assert_eq!(r.get("ETAG"), Some("\"x\""));
        assert_eq!(r.get("other"), None);
    }
}
