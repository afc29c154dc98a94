//! The `<Error>` body of failed requests.
//!
//! ```
//! use oss_proto::xml::error::ErrorBody;
//! let body = ErrorBody::new("NoSuchKey", "The specified key does not exist.", "5C3D9778CC1C2AEDF85BC3B4", "b.oss-cn-hangzhou.aliyuncs.com")
//!     .with_detail("Key", "a.txt")
//!     .with_ec("0026-00000001");
//! let doc = body.to_xml();
//! let parsed = ErrorBody::parse(doc.as_bytes()).unwrap();
//! assert_eq!(parsed.code, "NoSuchKey");
//! assert_eq!(parsed.detail("Key"), Some("a.txt"));
//! assert_eq!(parsed.ec.as_deref(), Some("0026-00000001"));
//! ```

/// An OSS error document: the well-known fields plus every child element in `details`
/// (tag → text, in document order), as oss2 keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorBody {
    /// `<Code>`.
    pub code: String,
    /// `<Message>`.
    pub message: String,
    /// `<RequestId>`.
    pub request_id: String,
    /// `<HostId>`.
    pub host_id: String,
    /// `<EC>`.
    pub ec: Option<String>,
    /// Every child element, including the ones above.
    pub details: Vec<(String, String)>,
}

impl ErrorBody {
    /// An error body with the four standard fields.
    pub fn new(code: &str, message: &str, request_id: &str, host_id: &str) -> Self {
        let mut b = ErrorBody {
            code: code.into(),
            message: message.into(),
            request_id: request_id.into(),
            host_id: host_id.into(),
            ec: None,
            details: Vec::new(),
        };
        b.details.push(("Code".into(), code.into()));
        b.details.push(("Message".into(), message.into()));
        b.details.push(("RequestId".into(), request_id.into()));
        b.details.push(("HostId".into(), host_id.into()));
        b
    }

    /// Adds an extra element (e.g. `Key`, `BucketName`, `StringToSign`).
    pub fn with_detail(mut self, tag: &str, text: &str) -> Self {
        self.details.push((tag.into(), text.into()));
        self
    }

    /// Sets `<EC>` (written last, as OSS does).
    pub fn with_ec(mut self, ec: &str) -> Self {
        self.ec = Some(ec.into());
        self
    }

    /// The text of a child element.
    pub fn detail(&self, tag: &str) -> Option<&str> {
        self.details.iter().find(|(k, _)| k == tag).map(|(_, v)| v.as_str())
    }

    /// Serialises as `<?xml …?><Error><Code>…</Code>…<EC>…</EC></Error>` (no namespace).
    pub fn to_xml(&self) -> String {
        todo!()
    }

    /// Parses an error document. A root other than `<Error>` gives `None` (as oss2, which
    /// then reports no details); an unparsable body falls back to scanning for
    /// `<Code>`/`<Message>` when `<Error>` is present.
    pub fn parse(body: &[u8]) -> Option<ErrorBody> {
        let _ = body;
        todo!()
    }
}
