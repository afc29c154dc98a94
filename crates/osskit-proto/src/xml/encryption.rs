//! `<ServerSideEncryptionRule>`: a bucket's default server-side encryption
//! (`PutBucketEncryption`, `GetBucketEncryption`, and inside `GetBucketInfo`), and the
//! checks OSS makes on it.
//!
//! ```
//! use osskit_proto::xml::encryption::ServerSideEncryptionRule;
//! use osskit_proto::xml::Document;
//!
//! let rule = ServerSideEncryptionRule::kms(Some("key-1".into())).kms_data_encryption("SM4");
//! let doc = rule.to_document().unwrap();
//! assert!(doc.contains("<SSEAlgorithm>KMS</SSEAlgorithm><KMSMasterKeyID>key-1</KMSMasterKeyID>"));
//! let back = ServerSideEncryptionRule::from_document(doc.as_bytes()).unwrap();
//! assert_eq!(back.apply.kms_data_encryption.as_deref(), Some("SM4"));
//! ```

use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;

/// `AES256`: keys managed by OSS.
pub const AES256: &str = "AES256";
/// `KMS`: a KMS key.
pub const KMS: &str = "KMS";
/// `SM4`: the SM4 algorithm with keys managed by OSS.
pub const SM4: &str = "SM4";

/// `<ServerSideEncryptionRule>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ServerSideEncryptionRule")]
#[non_exhaustive]
pub struct ServerSideEncryptionRule {
    /// The default encryption.
    #[serde(rename = "ApplyServerSideEncryptionByDefault", default)]
    pub apply: ApplyServerSideEncryptionByDefault,
}

crate::xml_document!(ServerSideEncryptionRule => "ServerSideEncryptionRule");

/// `<ApplyServerSideEncryptionByDefault>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApplyServerSideEncryptionByDefault {
    /// `AES256`, `KMS` or `SM4` (`None` inside `GetBucketInfo` when no rule is set).
    #[serde(rename = "SSEAlgorithm", default)]
    pub sse_algorithm: String,
    /// The KMS key (only with `KMS`; without it OSS uses the account's default key).
    #[serde(
        rename = "KMSMasterKeyID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub kms_master_key_id: Option<String>,
    /// `SM4` to encrypt the data with SM4 under a KMS key (only with `KMS`).
    #[serde(
        rename = "KMSDataEncryption",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub kms_data_encryption: Option<String>,
}

impl ServerSideEncryptionRule {
    /// A rule with `algorithm` (`AES256`, `KMS`, `SM4`).
    pub fn new(algorithm: impl Into<String>) -> Self {
        ServerSideEncryptionRule {
            apply: ApplyServerSideEncryptionByDefault {
                sse_algorithm: algorithm.into(),
                kms_master_key_id: None,
                kms_data_encryption: None,
            },
        }
    }

    /// `AES256`.
    pub fn aes256() -> Self {
        Self::new(AES256)
    }

    /// `KMS` with `key_id` (or the default key).
    pub fn kms(key_id: Option<String>) -> Self {
        let mut rule = Self::new(KMS);
        rule.apply.kms_master_key_id = key_id;
        rule
    }

    /// Sets `KMSDataEncryption` (`SM4`).
    pub fn kms_data_encryption(mut self, algorithm: impl Into<String>) -> Self {
        self.apply.kms_data_encryption = Some(algorithm.into());
        self
    }

    /// The rule as OSS keeps it after [`validate`]: an empty key id is no key id, and the
    /// data algorithm is kept only with `KMS`.
    pub fn normalized(mut self) -> Self {
        if self.apply.kms_master_key_id.as_deref() == Some("") {
            self.apply.kms_master_key_id = None;
        }
        if self.apply.sse_algorithm != KMS || self.apply.kms_data_encryption.as_deref() == Some("")
        {
            self.apply.kms_data_encryption = None;
        }
        self
    }
}

/// Checks a rule as OSS does: the algorithm (`InvalidEncryptionAlgorithmError` when
/// unknown), a key id only with `KMS`, `KMSDataEncryption` only `SM4`.
pub fn validate(rule: &ServerSideEncryptionRule) -> Result<(), (ErrorCode, String)> {
    let a = &rule.apply;
    if ![AES256, KMS, SM4].contains(&a.sse_algorithm.as_str()) {
        return Err((
            ErrorCode::InvalidEncryptionAlgorithmError,
            format!(
                "The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4, got {:?}.",
                a.sse_algorithm
            ),
        ));
    }
    if a.sse_algorithm != KMS
        && a.kms_master_key_id
            .as_deref()
            .is_some_and(|k| !k.is_empty())
    {
        return Err((
            ErrorCode::InvalidArgument,
            format!(
                "KMSMasterKeyID is not applicable if the default sse algorithm is not KMS (it is {}).",
                a.sse_algorithm
            ),
        ));
    }
    if let Some(d) = a.kms_data_encryption.as_deref() {
        if !d.is_empty() && d != SM4 {
            return Err((
                ErrorCode::InvalidArgument,
                format!("KMSDataEncryption must be SM4, got {d:?}."),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn checks_and_normal_form() {
        let bad = ServerSideEncryptionRule::new("random");
        assert_eq!(
            validate(&bad).unwrap_err().0,
            ErrorCode::InvalidEncryptionAlgorithmError
        );
        let mut aes_key = ServerSideEncryptionRule::aes256();
        aes_key.apply.kms_master_key_id = Some("test".into());
        assert_eq!(
            validate(&aes_key).unwrap_err().0,
            ErrorCode::InvalidArgument
        );
        let kms = ServerSideEncryptionRule::kms(Some(String::new()));
        validate(&kms).unwrap();
        assert_eq!(kms.normalized().apply.kms_master_key_id, None);
        let aes_sm4 = ServerSideEncryptionRule::aes256().kms_data_encryption("SM4");
        validate(&aes_sm4).unwrap();
        assert_eq!(aes_sm4.normalized().apply.kms_data_encryption, None);
        let doc = b"<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault>\
            <SSEAlgorithm>SM4</SSEAlgorithm></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>";
        let r = ServerSideEncryptionRule::from_document(doc).unwrap();
        assert_eq!(r.apply.sse_algorithm, SM4);
    }
}
