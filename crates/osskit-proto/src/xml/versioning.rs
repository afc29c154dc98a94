//! `<VersioningConfiguration>`: whether a bucket keeps object versions
//! (`PutBucketVersioning`, `GetBucketVersioning`).
//!
//! ```
//! use osskit_proto::xml::versioning::VersioningConfiguration;
//! use osskit_proto::xml::Document;
//!
//! let doc = VersioningConfiguration::enabled().to_document().unwrap();
//! assert!(doc.contains("<Status>Enabled</Status>"));
//! // A bucket that was never versioned answers an empty document.
//! let never = VersioningConfiguration::from_document(b"<VersioningConfiguration/>").unwrap();
//! assert_eq!(never.status, None);
//! ```

use serde::{Deserialize, Serialize};

/// `Enabled`.
pub const ENABLED: &str = "Enabled";
/// `Suspended`.
pub const SUSPENDED: &str = "Suspended";

/// `<VersioningConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "VersioningConfiguration")]
#[non_exhaustive]
pub struct VersioningConfiguration {
    /// `Enabled` or `Suspended`; `None` for a bucket that was never versioned.
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

crate::xml_document!(VersioningConfiguration => "VersioningConfiguration");

impl VersioningConfiguration {
    /// `Enabled`.
    pub fn enabled() -> Self {
        VersioningConfiguration {
            status: Some(ENABLED.to_string()),
        }
    }

    /// `Suspended`.
    pub fn suspended() -> Self {
        VersioningConfiguration {
            status: Some(SUSPENDED.to_string()),
        }
    }
}

/// Checks a put body: the status must be `Enabled` or `Suspended` (a bucket never returns
/// to unversioned).
pub fn validate(config: &VersioningConfiguration) -> Result<(), String> {
    match config.status.as_deref() {
        Some(ENABLED) | Some(SUSPENDED) => Ok(()),
        Some(other) => Err(format!(
            "The versioning Status must be Enabled or Suspended, not {other:?}."
        )),
        None => Err("The versioning configuration must contain a Status.".to_string()),
    }
}
