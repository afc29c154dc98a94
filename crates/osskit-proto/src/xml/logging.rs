//! Access logging (`PutBucketLogging`, `GetBucketLogging`): where a bucket's access logs go,
//! and the access log format.
//!
//! OSS writes a bucket's access logs as objects named
//! `<TargetPrefix><SourceBucket>YYYY-mm-DD-HH-MM-SS-<UniqueString>` into the target bucket,
//! one line per request, fields separated by spaces (see [`AccessLogRecord::to_line`]).
//!
//! ```
//! use osskit_proto::xml::logging::BucketLoggingStatus;
//! use osskit_proto::xml::Document;
//!
//! let on = BucketLoggingStatus::new("log-bucket", "access/");
//! let doc = on.to_document().unwrap();
//! assert!(doc.contains("<TargetBucket>log-bucket</TargetBucket>"));
//! assert_eq!(BucketLoggingStatus::from_document(doc.as_bytes()).unwrap(), on);
//! // What OSS answers when logging is off.
//! let off = BucketLoggingStatus::from_document(b"<BucketLoggingStatus/>").unwrap();
//! assert!(off.logging_enabled.is_none());
//! ```

use serde::{Deserialize, Serialize};

/// Longest `TargetPrefix`, in bytes.
pub const MAX_PREFIX_LEN: usize = 32;

/// `<BucketLoggingStatus>`: logging is on when it holds `LoggingEnabled`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "BucketLoggingStatus")]
#[non_exhaustive]
pub struct BucketLoggingStatus {
    /// Where the logs go; `None` when logging is off.
    #[serde(
        rename = "LoggingEnabled",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub logging_enabled: Option<LoggingEnabled>,
}

/// `<LoggingEnabled>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoggingEnabled {
    /// The bucket the log objects are written to.
    #[serde(rename = "TargetBucket", default)]
    pub target_bucket: String,
    /// The prefix of the log objects' names (may be empty).
    #[serde(rename = "TargetPrefix", default)]
    pub target_prefix: String,
}

crate::xml_document!(BucketLoggingStatus => "BucketLoggingStatus");

impl BucketLoggingStatus {
    /// Logging into `target_bucket` under `target_prefix`.
    pub fn new(target_bucket: impl Into<String>, target_prefix: impl Into<String>) -> Self {
        BucketLoggingStatus {
            logging_enabled: Some(LoggingEnabled {
                target_bucket: target_bucket.into(),
                target_prefix: target_prefix.into(),
            }),
        }
    }

    /// Logging off.
    pub fn disabled() -> Self {
        BucketLoggingStatus::default()
    }

    /// The target bucket ("" when logging is off), as oss2's `target_bucket`.
    pub fn target_bucket(&self) -> &str {
        self.logging_enabled
            .as_ref()
            .map(|l| l.target_bucket.as_str())
            .unwrap_or_default()
    }

    /// The target prefix ("" when logging is off), as oss2's `target_prefix`.
    pub fn target_prefix(&self) -> &str {
        self.logging_enabled
            .as_ref()
            .map(|l| l.target_prefix.as_str())
            .unwrap_or_default()
    }
}

/// Checks a logging status as OSS does (the target bucket's existence is the server's to
/// check); the error says what is wrong.
pub fn validate(status: &BucketLoggingStatus) -> Result<(), String> {
    let Some(on) = &status.logging_enabled else {
        return Ok(());
    };
    if !crate::names::is_valid_bucket_name(&on.target_bucket) {
        return Err(format!(
            "The target bucket name \"{}\" is not valid.",
            on.target_bucket
        ));
    }
    if on.target_prefix.len() > MAX_PREFIX_LEN {
        return Err(format!(
            "The TargetPrefix is longer than {MAX_PREFIX_LEN} bytes."
        ));
    }
    if on.target_prefix.starts_with('/') || on.target_prefix.starts_with('\\') {
        return Err("The TargetPrefix must not start with / or \\.".to_string());
    }
    Ok(())
}

/// The name of a log object: `<prefix><source bucket>YYYY-mm-DD-HH-MM-SS-<unique>`, the
/// time being the object's creation time (UTC, seconds since the epoch).
///
/// ```
/// use osskit_proto::xml::logging::log_object_name;
/// assert_eq!(
///     log_object_name("MyLog-", "oss-example", 1347249600, "0000"),
///     "MyLog-oss-example2012-09-10-04-00-00-0000"
/// );
/// ```
pub fn log_object_name(prefix: &str, source_bucket: &str, unix_secs: i64, unique: &str) -> String {
    let (y, mo, d, h, mi, s) = crate::date::civil_from_unix(unix_secs);
    format!("{prefix}{source_bucket}{y:04}-{mo:02}-{d:02}-{h:02}-{mi:02}-{s:02}-{unique}")
}

/// One request as an access log line records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessLogRecord {
    /// Client address (`Remote IP`).
    pub remote_ip: String,
    /// When the request arrived (UTC seconds since the epoch).
    pub time: i64,
    /// Method, URI as sent (with its query string) and protocol: `GET /k?x HTTP/1.1`.
    pub request_line: String,
    /// HTTP status answered.
    pub status: u16,
    /// Bytes of the response body.
    pub sent_bytes: u64,
    /// Milliseconds from arrival to answer.
    pub request_time_ms: u64,
    /// `Referer` header.
    pub referer: String,
    /// `User-Agent` header.
    pub user_agent: String,
    /// `Host` header.
    pub host: String,
    /// `x-oss-request-id`.
    pub request_id: String,
    /// The requester's account id ("-" for anonymous requests).
    pub requester: String,
    /// Operation name (`GetObject`, `PutObject`, …).
    pub operation: String,
    /// The bucket.
    pub bucket: String,
    /// The object key ("-" for bucket-level requests).
    pub key: String,
    /// Size of the object read or written ("-" when none).
    pub object_size: Option<u64>,
    /// Milliseconds the server spent.
    pub server_cost_ms: u64,
    /// OSS error code ("-" on success).
    pub error_code: String,
    /// Bytes of the request (request line, headers and body).
    pub request_length: u64,
    /// Owner of the bucket.
    pub owner: String,
    /// Storage class of the object ("-" when none).
    pub storage_class: String,
    /// Access key id used ("-" for anonymous requests).
    pub access_key_id: String,
}

impl AccessLogRecord {
    /// The line, in OSS's field order: `Remote IP`, two reserved fields, `Time`,
    /// `"Request-URI"`, `HTTP Status`, `SentBytes`, `RequestTime (ms)`, `"Referer"`,
    /// `"User-Agent"`, `"HostName"`, `"Request ID"`, `"LoggingFlag"`,
    /// `"Requester Aliyun ID"`, `"Operation"`, `"Bucket"`, `"Key"`, `ObjectSize`,
    /// `Server Cost Time (ms)`, `"Error Code"`, `Request Length`, `"UserID"`,
    /// `Delta DataSize`, `"Sync Request"`, `"StorageClass"`, `"TargetStorageClass"`,
    /// `"TransmissionAccelerationAccessPoint"`, `"AccessKeyID"`; text fields are quoted and
    /// empty ones are `-`. No newline at the end.
    ///
    /// ```
    /// use osskit_proto::xml::logging::AccessLogRecord;
    /// let mut r = AccessLogRecord::default();
    /// r.remote_ip = "127.0.0.1".into();
    /// r.time = 1335916804;
    /// r.request_line = "GET /aliyun-logo.png HTTP/1.1".into();
    /// r.status = 200;
    /// let line = r.to_line();
    /// assert!(line.starts_with("127.0.0.1 - - [02/May/2012:00:00:04 +0000] \"GET /aliyun-logo.png HTTP/1.1\" 200 0 0 \"-\""), "{line}");
    /// ```
    pub fn to_line(&self) -> String {
        fn q(s: &str) -> String {
            if s.is_empty() {
                "\"-\"".to_string()
            } else {
                // Quotes and control characters would break the line apart.
                let clean: String = s
                    .chars()
                    .map(|c| {
                        if c == '"' {
                            '\''
                        } else if c.is_control() {
                            ' '
                        } else {
                            c
                        }
                    })
                    .collect();
                format!("\"{clean}\"")
            }
        }
        let dash = |s: &str| {
            if s.is_empty() {
                "-".to_string()
            } else {
                s.to_string()
            }
        };
        let size = self
            .object_size
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".to_string());
        [
            dash(&self.remote_ip),
            "-".into(),
            "-".into(),
            format!("[{}]", crate::date::unixtime_to_clf(self.time)),
            q(&self.request_line),
            self.status.to_string(),
            self.sent_bytes.to_string(),
            self.request_time_ms.to_string(),
            q(&self.referer),
            q(&self.user_agent),
            q(&self.host),
            q(&self.request_id),
            q("true"),
            q(&self.requester),
            q(&self.operation),
            q(&self.bucket),
            q(&self.key),
            size,
            self.server_cost_ms.to_string(),
            q(&self.error_code),
            self.request_length.to_string(),
            q(&self.owner),
            "-".into(),
            q(""),
            q(&self.storage_class),
            q(""),
            q(""),
            q(&self.access_key_id),
        ]
        .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn oss2_documents_parse() {
        let doc = "<BucketLoggingStatus><LoggingEnabled><TargetBucket>bkt</TargetBucket>\
            <TargetPrefix>日志+/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>";
        let s = BucketLoggingStatus::from_document(doc.as_bytes()).unwrap();
        assert_eq!((s.target_bucket(), s.target_prefix()), ("bkt", "日志+/"));
        assert!(validate(&s).is_ok());
        let empty_prefix = BucketLoggingStatus::from_document(
            b"<BucketLoggingStatus><LoggingEnabled><TargetBucket>b1b</TargetBucket><TargetPrefix/></LoggingEnabled></BucketLoggingStatus>",
        )
        .unwrap();
        assert_eq!(empty_prefix.target_prefix(), "");
    }

    #[test]
    fn validation_names_the_problem() {
        assert!(validate(&BucketLoggingStatus::new("Bad_Name", ""))
            .unwrap_err()
            .contains("not valid"));
        assert!(validate(&BucketLoggingStatus::new("good", "x".repeat(33)))
            .unwrap_err()
            .contains("32"));
        assert!(validate(&BucketLoggingStatus::disabled()).is_ok());
    }

    #[test]
    fn lines_have_every_field_and_no_breaks() {
        let r = AccessLogRecord {
            user_agent: "evil\"agent\nx".into(),
            object_size: Some(5),
            ..AccessLogRecord::default()
        };
        let line = r.to_line();
        assert!(!line.contains('\n'));
        assert!(line.contains("\"evil'agent x\""));
        // 28 fields; the time holds one space, the quoted ones none when empty.
        let plain = AccessLogRecord::default().to_line();
        assert_eq!(plain.split(' ').count(), 28 + 1, "{plain}");
    }
}
