//! XML bodies of OSS requests and responses.
//!
//! Models are plain serde structs whose field names follow the OSS element names; they are
//! used by the SDK (to parse responses and build requests) and by the server (the other way
//! round). Documents carry no namespace, as OSS sends them.
//!
//! ```
//! use oss_proto::xml::{self, bucket::LocationConstraint};
//! let doc = xml::to_xml(&LocationConstraint { value: "oss-cn-hangzhou".into() });
//! assert!(doc.contains("<LocationConstraint>oss-cn-hangzhou</LocationConstraint>"));
//! let back: LocationConstraint = xml::from_xml(&doc).unwrap();
//! assert_eq!(back.value, "oss-cn-hangzhou");
//! ```

pub mod bucket;
pub mod error;
pub mod list;
pub mod multipart;
pub mod object;

/// A body that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed XML: {0}")]
pub struct XmlError(pub String);

/// Serialises `value` as a document with an `<?xml version="1.0" encoding="UTF-8"?>`
/// declaration. The root element is the struct's serde name.
pub fn to_xml<T: serde::Serialize>(value: &T) -> String {
    let _ = value;
    todo!()
}

/// Parses a document (declaration optional) into `T`.
pub fn from_xml<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T, XmlError> {
    let _ = doc;
    todo!()
}

/// Parses a UTF-8 byte body into `T`.
pub fn from_xml_bytes<T: serde::de::DeserializeOwned>(doc: &[u8]) -> Result<T, XmlError> {
    let s = std::str::from_utf8(doc).map_err(|e| XmlError(e.to_string()))?;
    from_xml(s)
}

/// Escapes text for use inside an element.
pub fn escape(s: &str) -> String {
    let _ = s;
    todo!()
}
