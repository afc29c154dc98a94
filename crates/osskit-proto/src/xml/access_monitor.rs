//! `<AccessMonitorConfiguration>`: access tracking, which records when objects were last
//! read so that lifecycle rules can act on the last access time (`PutBucketAccessMonitor`,
//! `GetBucketAccessMonitor`).
//!
//! ```
//! use osskit_proto::xml::{access_monitor::AccessMonitorConfiguration, Document};
//! let doc = AccessMonitorConfiguration::new(true).to_document().unwrap();
//! assert!(doc.contains("<Status>Enabled</Status>"));
//! let back = AccessMonitorConfiguration::from_document(doc.as_bytes()).unwrap();
//! assert!(back.is_enabled());
//! assert!(osskit_proto::xml::access_monitor::validate(&back).is_ok());
//! ```

use serde::{Deserialize, Serialize};

/// `Status` when tracking is on.
pub const ENABLED: &str = "Enabled";
/// `Status` when tracking is off.
pub const DISABLED: &str = "Disabled";

/// `<AccessMonitorConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AccessMonitorConfiguration")]
#[non_exhaustive]
pub struct AccessMonitorConfiguration {
    /// `Enabled` or `Disabled`.
    #[serde(rename = "Status")]
    pub status: String,
}

impl AccessMonitorConfiguration {
    /// Tracking on (`true`) or off.
    pub fn new(enabled: bool) -> Self {
        AccessMonitorConfiguration {
            status: if enabled { ENABLED } else { DISABLED }.to_string(),
        }
    }

    /// Whether `Status` is `Enabled`.
    pub fn is_enabled(&self) -> bool {
        self.status == ENABLED
    }
}

crate::xml_document!(AccessMonitorConfiguration => "AccessMonitorConfiguration");

/// Checks a configuration as OSS does: `Status` is `Enabled` or `Disabled`.
pub fn validate(config: &AccessMonitorConfiguration) -> Result<(), String> {
    match config.status.as_str() {
        ENABLED | DISABLED => Ok(()),
        other => Err(format!(
            "Status must be Enabled or Disabled, not {other:?}."
        )),
    }
}
