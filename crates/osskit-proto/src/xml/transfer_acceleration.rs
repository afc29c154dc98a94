//! `<TransferAccelerationConfiguration>`: whether transfer acceleration is on
//! (`PutBucketTransferAcceleration`, `GetBucketTransferAcceleration`).
//!
//! ```
//! use osskit_proto::xml::{transfer_acceleration::TransferAccelerationConfiguration, Document};
//! let doc = TransferAccelerationConfiguration::new(true).to_document().unwrap();
//! assert!(doc.contains("<Enabled>true</Enabled>"));
//! // oss2 writes Python's `str(True)`.
//! let c = TransferAccelerationConfiguration::from_document(
//!     b"<TransferAccelerationConfiguration><Enabled>True</Enabled></TransferAccelerationConfiguration>",
//! ).unwrap();
//! assert!(c.enabled);
//! ```

use serde::{Deserialize, Serialize};

/// `<TransferAccelerationConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "TransferAccelerationConfiguration")]
#[non_exhaustive]
pub struct TransferAccelerationConfiguration {
    /// Whether transfer acceleration is on.
    #[serde(rename = "Enabled", deserialize_with = "crate::xml::flex::bool")]
    pub enabled: bool,
}

impl TransferAccelerationConfiguration {
    /// Acceleration on (`true`) or off.
    pub fn new(enabled: bool) -> Self {
        TransferAccelerationConfiguration { enabled }
    }
}

crate::xml_document!(TransferAccelerationConfiguration => "TransferAccelerationConfiguration");
