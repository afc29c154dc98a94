//! `<PublicAccessBlockConfiguration>`: whether public access (public ACLs, public bucket
//! policies) is blocked, account-wide, per bucket or per access point.
//!
//! ```
//! use osskit_proto::xml::{public_access_block::PublicAccessBlockConfiguration, Document};
//! let doc = PublicAccessBlockConfiguration::new(true).to_document().unwrap();
//! assert!(doc.contains("<BlockPublicAccess>true</BlockPublicAccess>"));
//! ```

use serde::{Deserialize, Serialize};

/// `<PublicAccessBlockConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "PublicAccessBlockConfiguration")]
#[non_exhaustive]
pub struct PublicAccessBlockConfiguration {
    /// Whether public access is blocked.
    #[serde(
        rename = "BlockPublicAccess",
        default,
        deserialize_with = "crate::xml::boolean::lenient"
    )]
    pub block_public_access: bool,
}

impl PublicAccessBlockConfiguration {
    /// A configuration blocking (`true`) or allowing public access.
    pub fn new(block_public_access: bool) -> Self {
        PublicAccessBlockConfiguration {
            block_public_access,
        }
    }
}

crate::xml_document!(PublicAccessBlockConfiguration => "PublicAccessBlockConfiguration");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn reads_what_oss2_writes() {
        // oss2 writes Python's str(bool).
        let doc = b"<PublicAccessBlockConfiguration><BlockPublicAccess>True</BlockPublicAccess></PublicAccessBlockConfiguration>";
        assert!(
            PublicAccessBlockConfiguration::from_document(doc)
                .unwrap()
                .block_public_access
        );
        let doc = b"<PublicAccessBlockConfiguration></PublicAccessBlockConfiguration>";
        assert!(
            !PublicAccessBlockConfiguration::from_document(doc)
                .unwrap()
                .block_public_access
        );
        let doc = b"<PublicAccessBlockConfiguration><BlockPublicAccess>maybe</BlockPublicAccess></PublicAccessBlockConfiguration>";
        assert!(PublicAccessBlockConfiguration::from_document(doc).is_err());
    }
}
