//! XML bodies of OSS requests and responses.
//!
//! Models are plain serde structs whose field names follow the OSS element names; they are
//! used by the SDK (to parse responses and build requests) and by the server (the other way
//! round). Documents carry no namespace, as OSS sends them.
//!
//! ```
//! use osskit_proto::xml::{self, bucket::LocationConstraint};
//! let doc = xml::to_xml(&LocationConstraint { value: "oss-cn-hangzhou".into() });
//! assert!(doc.contains("<LocationConstraint>oss-cn-hangzhou</LocationConstraint>"));
//! let back: LocationConstraint = xml::from_xml(&doc).unwrap();
//! assert_eq!(back.value, "oss-cn-hangzhou");
//! ```

pub mod bucket;
pub mod cors;
pub mod error;
pub mod list;
pub mod multipart;
pub mod object;
pub mod public_access_block;
// Lifecycle, versioning, retention, encryption, tags (of buckets and objects), restores,
// statistics.
pub mod encryption;
pub mod lifecycle;
pub mod stat;
pub mod tagging;
pub mod versioning;
pub mod worm;
// Browser-facing families: hotlink protection, static websites, access logs.
pub mod logging;
pub mod referer;
pub mod website;

// Access control and data movement between buckets.
pub mod access_point;
pub mod boolean;
pub mod inventory;
pub mod replication;
pub mod request_payment;

// Account and bucket settings served from configuration, tasks and indexes.
pub mod access_monitor;
pub mod archive_direct_read;
pub mod async_fetch;
pub mod callback_policy;
pub mod cname;
pub(crate) mod flex;
pub mod https_config;
pub mod live_channel;
pub mod meta_query;
pub mod qos;
pub mod redundancy_transition;
pub mod regions;
pub mod resource_group;
pub mod style;
pub mod transfer_acceleration;

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::Reader;

/// The declaration every document written here starts with.
pub const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// A body that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed XML: {0}")]
pub struct XmlError(pub String);

/// Serialises `value` as a document with an `<?xml version="1.0" encoding="UTF-8"?>`
/// declaration. The root element is the struct's serde name.
///
/// # Panics
///
/// If `T`'s serde shape has no XML form (for example a bare sequence or a map with
/// non-string keys). That is a property of the type, never of the data: every model in
/// this module serialises. Use [`try_to_xml`] for other types.
pub fn to_xml<T: serde::Serialize>(value: &T) -> String {
    match try_to_xml(value) {
        Ok(doc) => doc,
        Err(e) => panic!(
            "{} cannot be written as XML: {e}",
            std::any::type_name::<T>()
        ),
    }
}

/// Like [`to_xml`], reporting a type without XML form as an error.
pub fn try_to_xml<T: serde::Serialize>(value: &T) -> Result<String, XmlError> {
    let mut doc = String::with_capacity(256);
    doc.push_str(DECLARATION);
    let mut ser = quick_xml::se::Serializer::new(&mut doc);
    ser.expand_empty_elements(true);
    value.serialize(ser).map_err(|e| XmlError(e.to_string()))?;
    Ok(doc)
}

/// Parses a document (declaration optional) into `T`.
///
/// Unknown elements are ignored and whitespace between elements is insignificant, but the
/// text of a leaf element is kept exactly, including leading and trailing spaces (object
/// keys may have them).
pub fn from_xml<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T, XmlError> {
    let doc = protect_leaf_whitespace(doc)?;
    quick_xml::de::from_str(&doc).map_err(|e| XmlError(e.to_string()))
}

/// Parses a UTF-8 byte body into `T`.
pub fn from_xml_bytes<T: serde::de::DeserializeOwned>(doc: &[u8]) -> Result<T, XmlError> {
    let s = std::str::from_utf8(doc).map_err(|e| XmlError(e.to_string()))?;
    from_xml(s)
}

/// A document a configuration call sends or returns (the `input` of oss2's `put_bucket_*`
/// calls): an XML model (see [`xml_document!`](crate::xml_document)) or a JSON text.
pub trait Document: Sized {
    /// The media type of its body.
    const CONTENT_TYPE: &'static str;
    /// The root element of the XML form (empty for JSON).
    const ROOT: &'static str;
    /// The document's body.
    fn to_document(&self) -> Result<String, XmlError>;
    /// Reads a body; a document of another root element is refused.
    fn from_document(body: &[u8]) -> Result<Self, XmlError>;
}

/// Implements [`Document`] for serde XML models: `xml_document!(Model => "RootElement", …)`.
#[macro_export]
macro_rules! xml_document {
    ($($t:ty => $root:literal),* $(,)?) => {$(
        impl $crate::xml::Document for $t {
            const CONTENT_TYPE: &'static str = "application/xml";
            const ROOT: &'static str = $root;
            fn to_document(&self) -> Result<String, $crate::xml::XmlError> {
                $crate::xml::try_to_xml(self)
            }
            fn from_document(body: &[u8]) -> Result<Self, $crate::xml::XmlError> {
                $crate::xml::check_root(body, $root)?;
                $crate::xml::from_xml_bytes(body)
            }
        }
    )*};
}

/// The name of the root element of `doc`.
pub fn root_name(doc: &[u8]) -> Result<String, XmlError> {
    let text = std::str::from_utf8(doc).map_err(|e| XmlError(e.to_string()))?;
    let mut reader = Reader::from_str(text);
    loop {
        match reader
            .read_event()
            .map_err(|e| XmlError(format!("at byte {}: {e}", reader.error_position())))?
        {
            Event::Start(e) | Event::Empty(e) => {
                return Ok(String::from_utf8_lossy(e.name().as_ref()).into_owned())
            }
            Event::Eof => return Err(XmlError("the document has no root element".into())),
            _ => {}
        }
    }
}

/// Checks that `doc`'s root element is `root`.
pub fn check_root(doc: &[u8], root: &str) -> Result<(), XmlError> {
    let found = root_name(doc)?;
    if found == root {
        Ok(())
    } else {
        Err(XmlError(format!(
            "the root element is <{found}>, expected <{root}>"
        )))
    }
}

/// Escapes text for use inside an element: `&`, `<`, `>`, `"` and `'` become entities, and
/// control characters other than tab, newline and carriage return become character
/// references (`&#12;`), which [`error::ErrorBody::parse`] and [`from_xml`] read back.
///
/// ```
/// assert_eq!(osskit_proto::xml::escape("a<b & \"c\"\u{c}"), "a&lt;b &amp; &quot;c&quot;&#12;");
/// ```
pub fn escape(s: &str) -> String {
    let needs = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || is_escaped_control(c);
    if !s.contains(needs) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if is_escaped_control(c) => {
                out.push_str("&#");
                out.push_str(&u32::from(c).to_string());
                out.push(';');
            }
            c => out.push(c),
        }
    }
    out
}

fn is_escaped_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r') && u32::from(c) < 0x80
}

/// Resolves the five predefined entities and numeric character references; anything else
/// (an unknown entity, a lone `&`) is kept as written.
pub(crate) fn unescape_lenient(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let resolved = after.find(';').and_then(|semi| {
            let name = &after[..semi];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let code = if let Some(hex) = name.strip_prefix("#x") {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(dec) = name.strip_prefix('#') {
                        dec.parse::<u32>().ok()
                    } else {
                        None
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, semi))
        });
        match resolved {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The deserializer trims the text of every element. To keep leaf text intact, the
/// whitespace at the edges of leaf text is rewritten as character references (which the
/// deserializer decodes after trimming). One linear pass; the document is copied only when
/// such text exists.
fn protect_leaf_whitespace(doc: &str) -> Result<Cow<'_, str>, XmlError> {
    let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut reader = Reader::from_str(doc);
    reader.config_mut().trim_text(false);
    // Spans (byte ranges) of leaf texts that start or end with whitespace.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    // The text read right after a start tag, waiting to see whether an end tag follows.
    let mut pending: Option<(usize, usize)> = None;
    let mut after_start = false;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| XmlError(format!("at byte {}: {e}", reader.error_position())))?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Text(_) if after_start => {
                pending = Some((before, after));
                after_start = false;
                continue;
            }
            Event::End(_) => {
                if let Some((start, end)) = pending.take() {
                    let text = &doc.as_bytes()[start..end];
                    let edge = text.first().is_some_and(|b| is_ws(*b))
                        || text.last().is_some_and(|b| is_ws(*b));
                    if edge {
                        spans.push((start, end));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        pending = None;
        after_start = matches!(event, Event::Start(_));
    }
    if spans.is_empty() {
        return Ok(Cow::Borrowed(doc));
    }
    let mut out = String::with_capacity(doc.len() + spans.len() * 8);
    let mut copied = 0;
    for (start, end) in spans {
        out.push_str(&doc[copied..start]);
        let text = &doc[start..end];
        let body = text.trim_start_matches([' ', '\t', '\n', '\r']);
        let lead = &text[..text.len() - body.len()];
        let core = body.trim_end_matches([' ', '\t', '\n', '\r']);
        let trail = &body[core.len()..];
        push_char_refs(&mut out, lead);
        out.push_str(core);
        push_char_refs(&mut out, trail);
        copied = end;
    }
    out.push_str(&doc[copied..]);
    Ok(Cow::Owned(out))
}

fn push_char_refs(out: &mut String, ws: &str) {
    for c in ws.chars() {
        out.push_str("&#");
        out.push_str(&u32::from(c).to_string());
        out.push(';');
    }
}

/// `url` in `EncodingType` (compared case-insensitively).
pub(crate) fn is_url_encoding(encoding_type: Option<&str>) -> bool {
    encoding_type.is_some_and(|t| t.eq_ignore_ascii_case("url"))
}

/// Percent-encodes a field for `encoding-type=url` responses: every byte except
/// `A-Za-z0-9_.-~` and `/` becomes `%XX`, so a space is `%20`, `+` is `%2B`, `%` is `%25`
/// and control characters never reach the XML. Python's `unquote` (what oss2 decodes with)
/// and [`crate::encoding::unquote`] restore the original exactly.
pub fn url_encode_field(s: &mut String) {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.-~/".contains(&b))
    {
        return;
    }
    *s = crate::encoding::quote(s, "/");
}

/// Undoes [`url_encode_field`] (`%XX` → byte; `+` stays `+`).
pub fn url_decode_field(s: &mut String) {
    if s.contains('%') {
        *s = crate::encoding::unquote(s);
    }
}

/// [`url_encode_field`] on an optional field.
pub(crate) fn url_encode_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        url_encode_field(s);
    }
}

/// [`url_decode_field`] on an optional field.
pub(crate) fn url_decode_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        url_decode_field(s);
    }
}

/// Booleans as OSS reads them: `true`/`false` in any case (oss2 writes some as Python's
/// `True`/`False`); always written in lower case, as OSS answers.
pub(crate) mod lenient_bool {
    use serde::{Deserialize, Deserializer, Serializer};

    fn parse<E: serde::de::Error>(text: &str) -> Result<bool, E> {
        match text.trim() {
            t if t.eq_ignore_ascii_case("true") => Ok(true),
            t if t.eq_ignore_ascii_case("false") => Ok(false),
            other => Err(E::custom(format!(
                "{other:?} is not a boolean (true or false)"
            ))),
        }
    }

    pub fn serialize<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if *value { "true" } else { "false" })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        parse(&String::deserialize(d)?)
    }

    /// The same for optional elements (use with `default`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(value: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => super::serialize(v, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
            super::parse(&String::deserialize(d)?).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_unescape() {
        assert_eq!(unescape_lenient("a&lt;b&gt;&amp;&quot;&apos;"), "a<b>&\"'");
        assert_eq!(unescape_lenient("x&#12;y&#x41;"), "x\u{c}yA");
        assert_eq!(
            unescape_lenient("a & b &nbsp; &#xZZ; &"),
            "a & b &nbsp; &#xZZ; &"
        );
        assert_eq!(unescape_lenient("中文&#20013;"), "中文中");
    }

    #[test]
    fn leaf_whitespace_is_protected_only_in_leaves() {
        let doc = "<R>\n  <K> a </K>\n  <E>   </E><N>x</N>\n</R>";
        let out = protect_leaf_whitespace(doc).unwrap();
        assert_eq!(
            out,
            "<R>\n  <K>&#32;a&#32;</K>\n  <E>&#32;&#32;&#32;</E><N>x</N>\n</R>"
        );
        assert!(matches!(
            protect_leaf_whitespace("<R><K>a</K></R>").unwrap(),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_round_trips_through_unescape() {
        let s = "k&<>\"'\u{1}\u{1f}\t\n中";
        assert_eq!(unescape_lenient(&escape(s)), s);
    }
}
