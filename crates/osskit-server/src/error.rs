//! The error every handler returns: an OSS error code plus what the `<Error>` body and the
//! response headers should carry.

use crate::store::StoreError;
use osskit_proto::error_code::ErrorCode;

/// A failed request, rendered as an OSS `<Error>` document by the HTTP layer.
///
/// ```
/// use osskit_server::error::OssError;
/// use osskit_proto::error_code::ErrorCode;
/// let e = OssError::new(ErrorCode::NoSuchKey).with_detail("Key", "a.txt");
/// assert_eq!(e.status(), 404);
/// assert_eq!(e.message, "The specified key does not exist.");
/// assert_eq!(e.details, vec![("Key".to_string(), "a.txt".to_string())]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssError {
    /// The OSS code (gives the HTTP status).
    pub code: ErrorCode,
    /// `<Message>`.
    pub message: String,
    /// Extra elements after `<HostId>` (e.g. `BucketName`, `Key`, `StringToSign`).
    pub details: Vec<(String, String)>,
    /// Extra response headers (e.g. `x-oss-next-append-position`).
    pub headers: Vec<(String, String)>,
    /// EC overriding the code's default one.
    pub ec: Option<String>,
    /// What really went wrong, for the server's log only (internal errors carry file paths
    /// and database messages that clients must not see).
    detail: Option<Box<str>>,
}

impl OssError {
    /// An error with the code's usual message.
    pub fn new(code: ErrorCode) -> Self {
        OssError {
            code,
            message: code.default_message().to_string(),
            details: Vec::new(),
            headers: Vec::new(),
            ec: None,
            detail: None,
        }
    }

    /// An error with a specific message.
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        let mut e = OssError::new(code);
        e.message = message.into();
        e
    }

    /// `InvalidArgument` naming the argument and its value, as OSS does.
    pub fn invalid_argument(message: impl Into<String>, name: &str, value: &str) -> Self {
        OssError::with_message(ErrorCode::InvalidArgument, message)
            .with_detail("ArgumentName", name)
            .with_detail("ArgumentValue", value)
    }

    /// `InternalError` with OSS's usual message; `what` (which may name files) goes to the
    /// server's log, not to the client.
    ///
    /// ```
    /// use osskit_server::error::OssError;
    /// let e = OssError::internal("open /var/lib/oss/blobs/ab/ab12: permission denied");
    /// assert_eq!(e.message, "We encountered an internal error. Please try again.");
    /// assert!(e.detail().unwrap().contains("/var/lib/oss"));
    /// ```
    pub fn internal(what: impl std::fmt::Display) -> Self {
        OssError::new(ErrorCode::InternalError).with_log_detail(what)
    }

    /// Adds what really went wrong, for the server's log only.
    pub fn with_log_detail(mut self, what: impl std::fmt::Display) -> Self {
        self.detail = Some(what.to_string().into_boxed_str());
        self
    }

    /// What really went wrong, when the server knows more than it tells the client.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Adds an element to the `<Error>` body.
    pub fn with_detail(mut self, tag: &str, text: &str) -> Self {
        self.details.push((tag.to_string(), text.to_string()));
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Overrides the EC.
    pub fn with_ec(mut self, ec: &str) -> Self {
        self.ec = Some(ec.to_string());
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The EC sent in `<EC>` and `x-oss-ec`.
    pub fn ec(&self) -> &str {
        self.ec.as_deref().unwrap_or_else(|| self.code.ec())
    }

    /// Maps a storage failure, naming the bucket (and key) it concerns.
    pub fn from_store(e: StoreError, bucket: &str, key: Option<&str>) -> Self {
        match e {
            StoreError::NoSuchBucket => {
                OssError::new(ErrorCode::NoSuchBucket).with_detail("BucketName", bucket)
            }
            StoreError::BucketAlreadyExists => {
                OssError::new(ErrorCode::BucketAlreadyExists).with_detail("BucketName", bucket)
            }
            StoreError::BucketNotEmpty => {
                OssError::new(ErrorCode::BucketNotEmpty).with_detail("BucketName", bucket)
            }
            StoreError::NoSuchKey => {
                OssError::new(ErrorCode::NoSuchKey).with_detail("Key", key.unwrap_or_default())
            }
            StoreError::NoSuchVersion => {
                OssError::new(ErrorCode::NoSuchVersion).with_detail("Key", key.unwrap_or_default())
            }
            StoreError::DeleteMarker(version) => OssError::new(ErrorCode::MethodNotAllowed)
                .with_header(osskit_proto::headers::DELETE_MARKER, "true")
                .with_header(osskit_proto::headers::VERSION_ID, version.id().to_string()),
            StoreError::ObjectNotAppendable => OssError::new(ErrorCode::ObjectNotAppendable),
            StoreError::PositionNotEqualToLength(len) => {
                OssError::new(ErrorCode::PositionNotEqualToLength)
                    .with_header(osskit_proto::headers::NEXT_APPEND_POSITION, len.to_string())
            }
            StoreError::ObjectAlreadyExists => OssError::new(ErrorCode::FileAlreadyExists),
            StoreError::NoSuchUpload => OssError::new(ErrorCode::NoSuchUpload),
            StoreError::InvalidPart => OssError::new(ErrorCode::InvalidPart),
            StoreError::InvalidPartOrder => OssError::new(ErrorCode::InvalidPartOrder),
            StoreError::EntityTooSmall => OssError::new(ErrorCode::EntityTooSmall),
            StoreError::InvalidArgument(what) => {
                OssError::with_message(ErrorCode::InvalidArgument, what)
            }
            StoreError::Immutable(key) => {
                OssError::new(ErrorCode::FileImmutable).with_detail("Key", &key)
            }
            StoreError::Changed => OssError::new(ErrorCode::PreconditionFailed),
            StoreError::DiskFull => OssError::disk_full(),
            StoreError::Unavailable(what) => {
                OssError::new(ErrorCode::ServiceUnavailable).with_log_detail(what)
            }
            StoreError::Internal(what) => OssError::internal(what),
        }
    }

    /// `InsufficientStorage` (507): the server's disk is full; nothing was stored.
    pub fn disk_full() -> Self {
        OssError::with_message(
            ErrorCode::InsufficientStorage,
            "There is not enough free space on the server's disk to store the data; nothing \
             was stored. Free space (deleting objects works) and retry.",
        )
    }

    /// Maps an I/O failure of `what`: a full disk is [`OssError::disk_full`], anything else
    /// an internal error.
    pub fn from_io(e: std::io::Error, what: &str) -> Self {
        if crate::store::data::is_disk_full(&e) {
            OssError::disk_full()
        } else {
            OssError::internal(format!("{what}: {e}"))
        }
    }
}

impl std::fmt::Display for OssError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status(), self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, " [{detail}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for OssError {}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerStartError {
    /// The storage engine could not be opened.
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The failure.
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_oss_codes() {
        let e = OssError::from_store(StoreError::NoSuchBucket, "b", None);
        assert_eq!(e.code, ErrorCode::NoSuchBucket);
        assert_eq!(e.details, vec![("BucketName".to_string(), "b".to_string())]);
        let e = OssError::from_store(StoreError::PositionNotEqualToLength(7), "b", Some("k"));
        assert_eq!(e.status(), 409);
        assert_eq!(
            e.headers,
            vec![("x-oss-next-append-position".to_string(), "7".to_string())]
        );
        let e = OssError::from_store(StoreError::NoSuchKey, "b", Some("k"));
        assert_eq!(e.details, vec![("Key".to_string(), "k".to_string())]);
        let e = OssError::from_store(
            StoreError::Internal("open /srv/x: denied".into()),
            "b",
            None,
        );
        assert_eq!(e.status(), 500);
        assert!(!e.message.contains("/srv/x"), "no path for clients");
        assert_eq!(e.detail(), Some("open /srv/x: denied"));
        let e = OssError::from_store(StoreError::DiskFull, "b", None);
        assert_eq!((e.status(), e.code), (507, ErrorCode::InsufficientStorage));
        let e = OssError::from_store(StoreError::Unavailable("reopening".into()), "b", None);
        assert_eq!(e.status(), 503);
    }

    #[test]
    fn multipart_store_errors_map_to_oss_codes() {
        let cases = [
            (StoreError::NoSuchUpload, ErrorCode::NoSuchUpload, 404),
            (StoreError::InvalidPart, ErrorCode::InvalidPart, 400),
            (
                StoreError::InvalidPartOrder,
                ErrorCode::InvalidPartOrder,
                400,
            ),
            (StoreError::EntityTooSmall, ErrorCode::EntityTooSmall, 400),
        ];
        for (err, code, status) in cases {
            let e = OssError::from_store(err, "b", Some("k"));
            assert_eq!((e.code, e.status()), (code, status));
            assert_eq!(e.message, code.default_message());
        }
        let e = OssError::from_store(
            StoreError::InvalidArgument("part number 0 is out of range".into()),
            "b",
            Some("k"),
        );
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        assert_eq!(e.message, "part number 0 is out of range");
    }

    #[test]
    fn ec_can_be_overridden() {
        let e = OssError::new(ErrorCode::InvalidArgument);
        assert_eq!(e.ec(), ErrorCode::InvalidArgument.ec());
        assert_eq!(e.with_ec("0002-00000226").ec(), "0002-00000226");
    }
}
