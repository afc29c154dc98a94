//! `<ArchiveDirectReadConfiguration>`: whether Archive objects can be read without being
//! restored first (`PutBucketArchiveDirectRead`, `GetBucketArchiveDirectRead`).
//!
//! ```
//! use osskit_proto::xml::{archive_direct_read::ArchiveDirectReadConfiguration, Document};
//! let doc = ArchiveDirectReadConfiguration::new(true).to_document().unwrap();
//! assert!(doc.contains("<Enabled>true</Enabled>"));
//! assert!(ArchiveDirectReadConfiguration::from_document(
//!     b"<ArchiveDirectReadConfiguration><Enabled>aa</Enabled></ArchiveDirectReadConfiguration>"
//! ).is_err());
//! ```

use serde::{Deserialize, Serialize};

/// `<ArchiveDirectReadConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ArchiveDirectReadConfiguration")]
#[non_exhaustive]
pub struct ArchiveDirectReadConfiguration {
    /// Whether Archive objects are readable directly.
    #[serde(rename = "Enabled", deserialize_with = "crate::xml::flex::bool")]
    pub enabled: bool,
}

impl ArchiveDirectReadConfiguration {
    /// Direct reads on (`true`) or off.
    pub fn new(enabled: bool) -> Self {
        ArchiveDirectReadConfiguration { enabled }
    }
}

crate::xml_document!(ArchiveDirectReadConfiguration => "ArchiveDirectReadConfiguration");
