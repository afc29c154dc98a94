//! Booleans as OSS and its clients write them: OSS answers `true`/`false`, but clients also
//! send `True`/`False` (oss2 writes Python's `str(bool)`), which OSS accepts.
//!
//! ```
//! use serde::Deserialize;
//! #[derive(Deserialize)]
//! struct C {
//!     #[serde(rename = "On", deserialize_with = "osskit_proto::xml::boolean::lenient")]
//!     on: bool,
//! }
//! let c: C = osskit_proto::xml::from_xml("<C><On>True</On></C>").unwrap();
//! assert!(c.on);
//! assert_eq!(osskit_proto::xml::boolean::parse(" FALSE "), Some(false));
//! assert_eq!(osskit_proto::xml::boolean::parse("yes"), None);
//! ```

use serde::{Deserialize, Deserializer};

/// `true`/`false` in any case, surrounding blanks ignored.
pub fn parse(text: &str) -> Option<bool> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Deserializes a boolean written in any case.
pub fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let text = String::deserialize(d)?;
    parse(&text).ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a boolean")))
}

/// Like [`lenient`], for an optional element.
pub fn lenient_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    match text {
        None => Ok(None),
        Some(t) => parse(&t)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{t:?} is not a boolean"))),
    }
}
