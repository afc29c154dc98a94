//! The `<Error>` body of failed requests.
//!
//! ```
//! use osskit_proto::xml::error::ErrorBody;
//! let body = ErrorBody::new("NoSuchKey", "The specified key does not exist.", "5C3D9778CC1C2AEDF85BC3B4", "b.oss-cn-hangzhou.aliyuncs.com")
//!     .with_detail("Key", "a.txt")
//!     .with_ec("0026-00000001");
//! let doc = body.to_xml();
//! let parsed = ErrorBody::parse(doc.as_bytes()).unwrap();
//! assert_eq!(parsed.code, "NoSuchKey");
//! assert_eq!(parsed.detail("Key"), Some("a.txt"));
//! assert_eq!(parsed.ec.as_deref(), Some("0026-00000001"));
//! ```

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

/// The four standard children, written first when `details` lacks them.
const STANDARD_TAGS: [&str; 4] = ["Code", "Message", "RequestId", "HostId"];

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
        self.details
            .iter()
            .find(|(k, _)| k == tag)
            .map(|(_, v)| v.as_str())
    }

    /// Serialises as `<?xml …?><Error><Code>…</Code>…<EC>…</EC></Error>` (no namespace).
    ///
    /// Children are written in `details` order; the standard fields missing from `details`
    /// come first, and `<EC>` (from `ec`, else from `details`) always comes last. Text is
    /// escaped with [`super::escape`].
    pub fn to_xml(&self) -> String {
        let mut children: Vec<(&str, &str)> = Vec::with_capacity(self.details.len() + 5);
        let standard = [
            self.code.as_str(),
            self.message.as_str(),
            self.request_id.as_str(),
            self.host_id.as_str(),
        ];
        for (tag, value) in STANDARD_TAGS.iter().zip(standard) {
            if self.detail(tag).is_none() {
                children.push((tag, value));
            }
        }
        children.extend(
            self.details
                .iter()
                .filter(|(tag, _)| tag != "EC")
                .map(|(tag, text)| (tag.as_str(), text.as_str())),
        );
        if let Some(ec) = self.ec.as_deref().or_else(|| self.detail("EC")) {
            children.push(("EC", ec));
        }

        let mut writer = Writer::new_with_indent(Vec::with_capacity(512), b' ', 2);
        // Writing into a Vec cannot fail, so the io::Result values are always Ok.
        let _ = writer.write_event(Event::Start(BytesStart::new("Error")));
        for (tag, text) in children {
            let escaped = super::escape(text);
            let _ = writer
                .create_element(tag)
                .write_text_content(BytesText::from_escaped(escaped));
        }
        let _ = writer.write_event(Event::End(BytesEnd::new("Error")));
        let body = String::from_utf8_lossy(&writer.into_inner()).into_owned();
        format!("{}{}\n", super::DECLARATION, body)
    }

    /// Parses an error document. A root other than `<Error>` gives `None` (as oss2, which
    /// then reports no details); an unparsable body falls back to scanning for
    /// `<Code>`/`<Message>` when `<Error>` is present.
    ///
    /// Text is read with the predefined entities, numeric character references (including
    /// ones XML forbids, such as `&#12;`) and CDATA sections resolved; a child with child
    /// elements of its own contributes only its direct text.
    pub fn parse(body: &[u8]) -> Option<ErrorBody> {
        let text = String::from_utf8_lossy(body);
        match parse_document(&text) {
            Ok(Some(details)) => Some(ErrorBody::from_details(details)),
            Ok(None) => None,
            Err(()) => guess_details(&text).map(ErrorBody::from_details),
        }
    }

    /// Fills the well-known fields from `details`.
    fn from_details(details: Vec<(String, String)>) -> ErrorBody {
        let mut body = ErrorBody {
            details,
            ..ErrorBody::default()
        };
        let field = |b: &ErrorBody, tag: &str| b.detail(tag).unwrap_or_default().to_owned();
        body.code = field(&body, "Code");
        body.message = field(&body, "Message");
        body.request_id = field(&body, "RequestId");
        body.host_id = field(&body, "HostId");
        body.ec = body.detail("EC").map(str::to_owned);
        body
    }
}

/// The children of an `<Error>` root; `Ok(None)` for another root, `Err` when the document
/// is not well-formed.
fn parse_document(doc: &str) -> Result<Option<Vec<(String, String)>>, ()> {
    let mut reader = Reader::from_str(doc);
    reader.config_mut().trim_text(false);
    let mut details = Vec::new();
    // Depth 0: before the root; 1: inside the root; 2: inside a child; deeper: grandchildren.
    let mut depth = 0usize;
    let mut current: Option<(String, String)> = None;
    loop {
        match reader.read_event().map_err(|_| ())? {
            Event::Start(e) => {
                if depth == 0 {
                    if e.name().as_ref() != b"Error" {
                        return Ok(None);
                    }
                } else if depth == 1 {
                    let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    current = Some((tag, String::new()));
                }
                depth += 1;
            }
            Event::Empty(e) => {
                if depth == 0 {
                    if e.name().as_ref() != b"Error" {
                        return Ok(None);
                    }
                    return Ok(Some(details));
                }
                if depth == 1 {
                    let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    details.push((tag, String::new()));
                }
            }
            Event::Text(t) => {
                if let (2, Some((_, text))) = (depth, current.as_mut()) {
                    let raw = String::from_utf8_lossy(&t);
                    text.push_str(&super::unescape_lenient(&raw));
                } else if depth == 0 && t.iter().any(|b| !b.is_ascii_whitespace()) {
                    return Err(());
                }
            }
            Event::CData(c) => {
                if let (2, Some((_, text))) = (depth, current.as_mut()) {
                    text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::End(_) => {
                depth = depth.checked_sub(1).ok_or(())?;
                if depth == 1 {
                    if let Some(child) = current.take() {
                        details.push(child);
                    }
                } else if depth == 0 {
                    return Ok(Some(details));
                }
            }
            Event::Eof => return Err(()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

/// oss2's fallback for bodies that do not parse: when `<Error>…</Error>` is present, the
/// text between the first `<Code>` and the following `</Code>` on the same line (likewise
/// for `<Message>`).
fn guess_details(doc: &str) -> Option<Vec<(String, String)>> {
    if !doc.contains("<Error>") || !doc.contains("</Error>") {
        return None;
    }
    let mut details = Vec::new();
    for tag in ["Code", "Message"] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let found = doc.find(&open).and_then(|start| {
            let rest = &doc[start + open.len()..];
            let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
            line.rfind(&close).map(|end| line[..end].to_owned())
        });
        if let Some(text) = found {
            details.push((tag.to_owned(), text));
        }
    }
    Some(details)
}
