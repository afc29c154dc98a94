//! Lenient readers for values OSS accepts in more than one spelling.
//!
//! oss2 writes booleans with Python's `str()`, so `True` and `False` arrive next to `true`
//! and `false`; OSS accepts both. Anything else is refused, so a document saying
//! `<Enabled>aa</Enabled>` still fails to parse (and the server answers `MalformedXML`).

use serde::{Deserialize, Deserializer};

/// Parses `true`/`false` in any letter case, with surrounding whitespace ignored.
pub fn parse_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A boolean element (`deserialize_with = "crate::xml::flex::bool"`).
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s = String::deserialize(d)?;
    parse_bool(&s)
        .ok_or_else(|| serde::de::Error::custom(format!("expected true or false, found {s:?}")))
}

/// An optional boolean element: absent gives `None` (use with `default`).
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    bool(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Doc {
        #[serde(rename = "B", deserialize_with = "bool")]
        b: bool,
        #[serde(rename = "O", default, deserialize_with = "opt_bool")]
        o: Option<bool>,
    }

    #[test]
    fn python_spellings_are_accepted_and_others_refused() {
        let d: Doc = crate::xml::from_xml("<Doc><B>True</B><O>false</O></Doc>").unwrap();
        assert!(d.b);
        assert_eq!(d.o, Some(false));
        let d: Doc = crate::xml::from_xml("<Doc><B>FALSE</B></Doc>").unwrap();
        assert!(!d.b);
        assert_eq!(d.o, None);
        assert!(crate::xml::from_xml::<Doc>("<Doc><B>aa</B></Doc>").is_err());
        assert!(crate::xml::from_xml::<Doc>("<Doc><B></B></Doc>").is_err());
    }
}
