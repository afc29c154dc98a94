//! `<BucketResourceGroupConfiguration>`: the resource group a bucket belongs to
//! (`PutBucketResourceGroup`, `GetBucketResourceGroup`).
//!
//! ```
//! use osskit_proto::xml::{resource_group::BucketResourceGroupConfiguration, Document};
//! let doc = BucketResourceGroupConfiguration::new("rg-aek2z7k").to_document().unwrap();
//! assert!(doc.contains("<ResourceGroupId>rg-aek2z7k</ResourceGroupId>"));
//! ```

use serde::{Deserialize, Serialize};

/// `<BucketResourceGroupConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "BucketResourceGroupConfiguration")]
#[non_exhaustive]
pub struct BucketResourceGroupConfiguration {
    /// The resource group id.
    #[serde(rename = "ResourceGroupId", default)]
    pub resource_group_id: String,
}

impl BucketResourceGroupConfiguration {
    /// The bucket in resource group `id`.
    pub fn new(id: impl Into<String>) -> Self {
        BucketResourceGroupConfiguration {
            resource_group_id: id.into(),
        }
    }
}

crate::xml_document!(BucketResourceGroupConfiguration => "BucketResourceGroupConfiguration");
