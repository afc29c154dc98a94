//! The one error type of the SDK.
//!
//! Every operation returns [`Result<T>`](Result). Match on [`Error`] to tell apart bad
//! arguments ([`Error::Client`], raised before anything is sent), answers of the server
//! ([`Error::Server`]), transport failures ([`Error::Request`]), integrity failures
//! ([`Error::Inconsistent`]), local file errors ([`Error::Io`]) and missing credentials
//! ([`Error::Credentials`]). The helpers ([`Error::code`], [`Error::status`],
//! [`Error::is_not_found`], …) work on any variant, and [`Error::kind`] sorts every error
//! into an [`ErrorKind`] (not found, precondition failed, access denied, throttled, timeout,
//! …) to match on without knowing OSS codes.
//!
//! ```
//! use osskit::Error;
//! let e = Error::client("the object key is empty");
//! assert_eq!(e.to_string(), "invalid argument: the object key is empty");
//! assert!(!e.is_retryable());
//! assert_eq!(e.code(), None);
//! ```

use bytes::Bytes;
use http::HeaderMap;
use osskit_proto::xml::error::ErrorBody;

/// `Result<T, osskit::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in an OSS call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was rejected before any request was sent.
    #[error("invalid argument: {message}")]
    Client {
        /// What was wrong.
        message: String,
    },
    /// The server answered with an error status.
    #[error("{0}")]
    Server(Box<ServerError>),
    /// The request could not be sent or its response could not be read.
    #[error("{message}: {source}")]
    Request {
        /// What was being done (method and URL).
        message: String,
        /// The underlying transport error.
        #[source]
        source: BoxError,
        /// Whether it was a connect or read timeout.
        timeout: bool,
    },
    /// The data received or stored differs from what was sent or announced (CRC-64 or length).
    #[error(
        "{message} (client CRC {client_crc:?}, server CRC {server_crc:?}, request id {request_id})"
    )]
    Inconsistent {
        /// What differed.
        message: String,
        /// CRC-64 computed by the client, if any.
        client_crc: Option<u64>,
        /// CRC-64 announced by the server, if any.
        server_crc: Option<u64>,
        /// Request id of the response.
        request_id: String,
    },
    /// A successful response could not be understood (e.g. malformed XML).
    #[error("invalid response: {message} [request id {request_id}]")]
    InvalidResponse {
        /// What could not be parsed.
        message: String,
        /// Request id of the response.
        request_id: String,
    },
    /// A local file could not be read or written.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// No credentials could be obtained.
    #[error("credentials unavailable: {message}")]
    Credentials {
        /// Why.
        message: String,
    },
}

/// What went wrong, in categories to match on, beside the exact OSS code
/// ([`Error::code`]): see [`Error::kind`].
///
/// The categories are stable; new ones may be added, so a `match` needs a catch-all arm.
///
/// | kind | from |
/// |---|---|
/// | [`NotFound`](ErrorKind::NotFound) | 404 (`NoSuchKey`, `NoSuchBucket`, `NoSuchUpload`, …) |
/// | [`PreconditionFailed`](ErrorKind::PreconditionFailed) | 412 (`If-Match`, `If-Unmodified-Since`) |
/// | [`NotModified`](ErrorKind::NotModified) | 304 (`If-None-Match`, `If-Modified-Since`) |
/// | [`AccessDenied`](ErrorKind::AccessDenied) | 403 `AccessDenied` and other refusals of a valid identity |
/// | [`InvalidCredentials`](ErrorKind::InvalidCredentials) | unknown key, bad signature, invalid or expired STS token, request time too skewed |
/// | [`AlreadyExists`](ErrorKind::AlreadyExists) | `BucketAlreadyExists`, `FileAlreadyExists` (forbidden overwrite) |
/// | [`Conflict`](ErrorKind::Conflict) | other 409s: `BucketNotEmpty`, `PositionNotEqualToLength`, `ObjectNotAppendable`, … |
/// | [`InvalidArgument`](ErrorKind::InvalidArgument) | [`Error::Client`], other 400s, 411, 416 (`InvalidRange`) |
/// | [`Throttled`](ErrorKind::Throttled) | 429, 503 `SlowDown`/`ServiceUnavailable`, `*RateLimitExceeded` |
/// | [`Timeout`](ErrorKind::Timeout) | transport timeouts, the operation timeout, `RequestTimeout` |
/// | [`ServerError`](ErrorKind::ServerError) | other 5xx |
/// | [`Network`](ErrorKind::Network) | connection and transport failures ([`Error::Request`] that are not timeouts) |
/// | [`Integrity`](ErrorKind::Integrity) | [`Error::Inconsistent`] (CRC-64 or length mismatch) |
/// | [`InvalidResponse`](ErrorKind::InvalidResponse) | [`Error::InvalidResponse`] |
/// | [`Credentials`](ErrorKind::Credentials) | [`Error::Credentials`]: no credentials could be obtained |
/// | [`Io`](ErrorKind::Io) | [`Error::Io`] |
/// | [`Unsupported`](ErrorKind::Unsupported) | 405, 501 |
/// | [`Other`](ErrorKind::Other) | anything else |
///
/// ```
/// use osskit::{Error, ErrorKind};
/// fn describe(e: &Error) -> &'static str {
///     match e.kind() {
///         ErrorKind::NotFound => "missing",
///         ErrorKind::PreconditionFailed => "changed meanwhile",
///         ErrorKind::AccessDenied | ErrorKind::InvalidCredentials => "not allowed",
///         _ => "failed",
///     }
/// }
/// assert_eq!(describe(&Error::client("empty key")), "failed");
/// assert_eq!(Error::client("empty key").kind(), ErrorKind::InvalidArgument);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bucket, object, upload or configuration does not exist.
    NotFound,
    /// A condition of the request (`If-Match`, `If-Unmodified-Since`) does not hold.
    PreconditionFailed,
    /// The object has not changed (`If-None-Match`, `If-Modified-Since`).
    NotModified,
    /// The identity is known but not allowed to do this (ACL, policy).
    AccessDenied,
    /// The credentials were refused: unknown key, wrong signature, invalid or expired STS
    /// token, or a request time too far from the server's clock.
    InvalidCredentials,
    /// The bucket name is taken, or the object exists and may not be overwritten.
    AlreadyExists,
    /// The request conflicts with the resource's state (non-empty bucket, wrong append
    /// position, object not appendable).
    Conflict,
    /// An argument was rejected, by the SDK before sending or by the server.
    InvalidArgument,
    /// Too many requests: slow down and try again.
    Throttled,
    /// A connect, read or operation timeout, or the server's `RequestTimeout`.
    Timeout,
    /// A failure of the server (5xx) other than throttling.
    ServerError,
    /// The request could not be sent or its answer not read (connection refused, reset, DNS,
    /// TLS).
    Network,
    /// The data received or stored differs from what was sent or announced.
    Integrity,
    /// A successful answer could not be understood.
    InvalidResponse,
    /// No credentials could be obtained from the configured providers.
    Credentials,
    /// A local file could not be read or written.
    Io,
    /// The method or feature is not supported by the server (405, 501).
    Unsupported,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// The kind of a server answer with `status` and OSS `code`.
    pub fn from_status_and_code(status: u16, code: &str) -> ErrorKind {
        match code {
            "BucketAlreadyExists" | "FileAlreadyExists" | "ObjectAlreadyExists" => {
                return ErrorKind::AlreadyExists
            }
            "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "InvalidSecurityToken"
            | "SecurityTokenExpired"
            | "RequestTimeTooSkewed" => return ErrorKind::InvalidCredentials,
            "RequestTimeout" => return ErrorKind::Timeout,
            "SlowDown" | "ServiceUnavailable" if status == 503 => return ErrorKind::Throttled,
            c if c.ends_with("RateLimitExceeded") || c.ends_with("QpsLimitExceeded") => {
                return ErrorKind::Throttled
            }
            _ => {}
        }
        match status {
            304 => ErrorKind::NotModified,
            400 | 411 | 413 | 414 | 416 => ErrorKind::InvalidArgument,
            401 => ErrorKind::InvalidCredentials,
            403 => ErrorKind::AccessDenied,
            404 => ErrorKind::NotFound,
            405 | 501 => ErrorKind::Unsupported,
            408 => ErrorKind::Timeout,
            409 => ErrorKind::Conflict,
            412 => ErrorKind::PreconditionFailed,
            429 => ErrorKind::Throttled,
            500..=599 => ErrorKind::ServerError,
            _ => ErrorKind::Other,
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::PreconditionFailed => "precondition failed",
            ErrorKind::NotModified => "not modified",
            ErrorKind::AccessDenied => "access denied",
            ErrorKind::InvalidCredentials => "invalid credentials",
            ErrorKind::AlreadyExists => "already exists",
            ErrorKind::Conflict => "conflict",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Timeout => "timeout",
            ErrorKind::ServerError => "server error",
            ErrorKind::Network => "network error",
            ErrorKind::Integrity => "integrity error",
            ErrorKind::InvalidResponse => "invalid response",
            ErrorKind::Credentials => "credentials unavailable",
            ErrorKind::Io => "I/O error",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Other => "other error",
        })
    }
}

/// An error answer of the OSS server: status, the parsed `<Error>` document and the headers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerError {
    /// HTTP status.
    pub status: u16,
    /// `<Code>`, e.g. `NoSuchKey` (empty when the body had none).
    pub code: String,
    /// `<Message>`.
    pub message: String,
    /// `x-oss-request-id` (or `<RequestId>` when the header is missing).
    pub request_id: String,
    /// `<EC>` (or the `x-oss-ec` header).
    pub ec: Option<String>,
    /// `<HostId>`.
    pub host_id: String,
    /// Every child element of `<Error>`, tag → text, in document order.
    pub details: Vec<(String, String)>,
    /// Response headers.
    pub headers: HeaderMap,
    /// The first 4 KiB of the response body (for HEAD, the decoded `x-oss-err` header).
    pub body: Bytes,
}

/// How many body bytes an error keeps.
pub(crate) const ERROR_BODY_LIMIT: usize = 4096;

impl ServerError {
    /// Builds the error from a response's status, headers and (truncated) body. For HEAD
    /// responses, which have no body, the error document comes from the base64 `x-oss-err`
    /// header.
    pub fn from_response(status: u16, headers: HeaderMap, body: Bytes) -> ServerError {
        let mut body = body;
        if body.is_empty() {
            if let Some(decoded) = headers
                .get(osskit_proto::headers::ERR)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD
                        .decode(v.trim())
                        .ok()
                })
            {
                body = Bytes::from(decoded);
            }
        }
        if body.len() > ERROR_BODY_LIMIT {
            body = body.slice(..ERROR_BODY_LIMIT);
        }
        let parsed = ErrorBody::parse(&body).unwrap_or_default();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = header(osskit_proto::headers::REQUEST_ID)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| parsed.request_id.clone());
        let ec = parsed
            .ec
            .clone()
            .or_else(|| header(osskit_proto::headers::EC));
        ServerError {
            status,
            code: parsed.code,
            message: parsed.message,
            request_id,
            ec,
            host_id: parsed.host_id,
            details: parsed.details,
            headers,
            body,
        }
    }

    /// The text of a child element of `<Error>` (e.g. `Key`, `BucketName`, `StringToSign`).
    pub fn detail(&self, tag: &str) -> Option<&str> {
        self.details
            .iter()
            .find(|(k, _)| k == tag)
            .map(|(_, v)| v.as_str())
    }

    /// For `PositionNotEqualToLength`: the position the next append must use
    /// (`x-oss-next-append-position`).
    pub fn next_position(&self) -> Option<u64> {
        self.headers
            .get(osskit_proto::headers::NEXT_APPEND_POSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    }
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OSS error {}", self.status)?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(ec) = &self.ec {
            write!(f, " (EC {ec})")?;
        }
        write!(
            f,
            " [request id {}]",
            if self.request_id.is_empty() {
                "-"
            } else {
                &self.request_id
            }
        )
    }
}

impl std::error::Error for ServerError {}

impl Error {
    /// A [`Error::Client`] with `message`.
    pub fn client(message: impl Into<String>) -> Error {
        Error::Client {
            message: message.into(),
        }
    }

    /// A [`Error::Credentials`] with `message`.
    pub fn credentials(message: impl Into<String>) -> Error {
        Error::Credentials {
            message: message.into(),
        }
    }

    pub(crate) fn request(
        message: impl Into<String>,
        source: impl Into<BoxError>,
        timeout: bool,
    ) -> Error {
        Error::Request {
            message: message.into(),
            source: source.into(),
            timeout,
        }
    }

    /// The server error, if this is one.
    pub fn as_server(&self) -> Option<&ServerError> {
        match self {
            Error::Server(e) => Some(e),
            _ => None,
        }
    }

    /// The OSS error code (`NoSuchKey`, …) of a server error.
    pub fn code(&self) -> Option<&str> {
        self.as_server()
            .map(|e| e.code.as_str())
            .filter(|c| !c.is_empty())
    }

    /// The HTTP status of a server error.
    pub fn status(&self) -> Option<u16> {
        self.as_server().map(|e| e.status)
    }

    /// The request id of a server or consistency error.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Server(e) => Some(e.request_id.as_str()),
            Error::Inconsistent { request_id, .. } | Error::InvalidResponse { request_id, .. } => {
                Some(request_id.as_str())
            }
            _ => None,
        }
    }

    /// The EC (fine-grained error code) of a server error.
    pub fn ec(&self) -> Option<&str> {
        self.as_server().and_then(|e| e.ec.as_deref())
    }

    /// The category of this error, to match on: see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Client { .. } => ErrorKind::InvalidArgument,
            Error::Server(e) => ErrorKind::from_status_and_code(e.status, &e.code),
            Error::Request { timeout: true, .. } => ErrorKind::Timeout,
            Error::Request { .. } => ErrorKind::Network,
            Error::Inconsistent { .. } => ErrorKind::Integrity,
            Error::InvalidResponse { .. } => ErrorKind::InvalidResponse,
            Error::Io(_) => ErrorKind::Io,
            Error::Credentials { .. } => ErrorKind::Credentials,
        }
    }

    /// True for a 404 answer (`NoSuchKey`, `NoSuchBucket`, …).
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// True for a 412 answer: a condition (`If-Match`, `If-Unmodified-Since`) did not hold.
    pub fn is_precondition_failed(&self) -> bool {
        self.kind() == ErrorKind::PreconditionFailed
    }

    /// True for a 304 answer: the object has not changed.
    pub fn is_not_modified(&self) -> bool {
        self.kind() == ErrorKind::NotModified
    }

    /// True when the server refused the request for lack of permission or because of the
    /// credentials ([`ErrorKind::AccessDenied`] or [`ErrorKind::InvalidCredentials`]).
    pub fn is_access_denied(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::AccessDenied | ErrorKind::InvalidCredentials
        )
    }

    /// True when the bucket name is taken or the object may not be overwritten.
    pub fn is_already_exists(&self) -> bool {
        self.kind() == ErrorKind::AlreadyExists
    }

    /// True when the server asks to slow down (429, 503 `SlowDown`, rate limits).
    pub fn is_throttled(&self) -> bool {
        self.kind() == ErrorKind::Throttled
    }

    /// True for a timeout: connect, read, the operation's total time, or the server's
    /// `RequestTimeout`.
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// Whether trying the same request again may succeed: transport errors, 5xx but 501, 429 and
    /// `RequestTimeout`. Other 4xx answers and client-side errors are final.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Request { .. } => true,
            // 501 says the operation does not exist there: asking again cannot help.
            Error::Server(e) => {
                (e.status >= 500 && e.status != 501)
                    || e.status == 429
                    || e.code == "RequestTimeout"
            }
            _ => false,
        }
    }

    /// For `PositionNotEqualToLength`: the position the next append must use.
    pub fn next_position(&self) -> Option<u64> {
        self.as_server().and_then(ServerError::next_position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: u16, code: &str) -> Error {
        Error::Server(Box::new(ServerError {
            status,
            code: code.into(),
            message: String::new(),
            request_id: "rid".into(),
            ec: None,
            host_id: String::new(),
            details: vec![],
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }))
    }

    #[test]
    fn retryable_classification() {
        assert!(server(500, "InternalError").is_retryable());
        assert!(server(503, "").is_retryable());
        assert!(server(429, "").is_retryable());
        assert!(server(400, "RequestTimeout").is_retryable());
        assert!(!server(404, "NoSuchKey").is_retryable());
        assert!(!server(403, "AccessDenied").is_retryable());
        assert!(!server(409, "BucketNotEmpty").is_retryable());
        assert!(!Error::client("x").is_retryable());
        assert!(Error::request("GET /", std::io::Error::other("reset"), false).is_retryable());
    }

    #[test]
    fn helpers() {
        let e = server(404, "NoSuchKey");
        assert!(e.is_not_found());
        assert_eq!(e.code(), Some("NoSuchKey"));
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.request_id(), Some("rid"));
        assert!(!server(403, "AccessDenied").is_not_found());
        let t = Error::request("GET /", std::io::Error::other("t"), true);
        assert!(t.is_timeout());
        assert_eq!(t.code(), None);
    }

    #[test]
    fn kinds() {
        let kind = |status, code| server(status, code).kind();
        assert_eq!(kind(404, "NoSuchKey"), ErrorKind::NotFound);
        assert_eq!(kind(404, "NoSuchUpload"), ErrorKind::NotFound);
        assert_eq!(
            kind(412, "PreconditionFailed"),
            ErrorKind::PreconditionFailed
        );
        assert_eq!(kind(304, ""), ErrorKind::NotModified);
        assert_eq!(kind(403, "AccessDenied"), ErrorKind::AccessDenied);
        assert_eq!(
            kind(403, "SignatureDoesNotMatch"),
            ErrorKind::InvalidCredentials
        );
        assert_eq!(
            kind(403, "SecurityTokenExpired"),
            ErrorKind::InvalidCredentials
        );
        assert_eq!(
            kind(403, "RequestTimeTooSkewed"),
            ErrorKind::InvalidCredentials
        );
        assert_eq!(kind(409, "BucketAlreadyExists"), ErrorKind::AlreadyExists);
        assert_eq!(kind(409, "FileAlreadyExists"), ErrorKind::AlreadyExists);
        assert_eq!(kind(409, "BucketNotEmpty"), ErrorKind::Conflict);
        assert_eq!(kind(409, "PositionNotEqualToLength"), ErrorKind::Conflict);
        assert_eq!(kind(400, "InvalidArgument"), ErrorKind::InvalidArgument);
        assert_eq!(kind(416, "InvalidRange"), ErrorKind::InvalidArgument);
        assert_eq!(kind(429, ""), ErrorKind::Throttled);
        assert_eq!(kind(503, "SlowDown"), ErrorKind::Throttled);
        assert_eq!(
            kind(503, "DownloadTrafficRateLimitExceeded"),
            ErrorKind::Throttled
        );
        assert_eq!(kind(400, "RequestTimeout"), ErrorKind::Timeout);
        assert_eq!(kind(500, "InternalError"), ErrorKind::ServerError);
        assert_eq!(kind(503, ""), ErrorKind::ServerError);
        assert_eq!(kind(501, "NotImplemented"), ErrorKind::Unsupported);
        assert_eq!(kind(302, ""), ErrorKind::Other);
        assert_eq!(Error::client("x").kind(), ErrorKind::InvalidArgument);
        assert_eq!(Error::credentials("x").kind(), ErrorKind::Credentials);
        let t = Error::request("GET /", std::io::Error::other("t"), true);
        assert_eq!(t.kind(), ErrorKind::Timeout);
        let n = Error::request("GET /", std::io::Error::other("refused"), false);
        assert_eq!(n.kind(), ErrorKind::Network);
        assert!(server(403, "InvalidAccessKeyId").is_access_denied());
        assert!(server(412, "PreconditionFailed").is_precondition_failed());
        assert!(server(304, "").is_not_modified());
        assert!(server(409, "FileAlreadyExists").is_already_exists());
        assert!(server(429, "").is_throttled());
        assert!(server(400, "RequestTimeout").is_timeout());
        assert_eq!(ErrorKind::NotFound.to_string(), "not found");
    }

    #[test]
    fn next_position_from_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-oss-next-append-position",
            http::HeaderValue::from_static("42"),
        );
        let e = ServerError::from_response(409, headers, Bytes::new());
        assert_eq!(e.next_position(), Some(42));
    }
}
