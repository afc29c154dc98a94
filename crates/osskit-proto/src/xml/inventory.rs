//! Bucket inventories (`PutBucketInventory`, `GetBucketInventory`, `ListBucketInventory`,
//! `DeleteBucketInventory`): periodic CSV listings of a bucket's objects written into a
//! destination bucket.
//!
//! ```
//! use osskit_proto::xml::{inventory::*, Document};
//! let config = InventoryConfiguration::new(
//!     "report1",
//!     InventoryDestination::new("1000000000000000", "acs:ram::1000000000000000:role/AliyunOSSRole", "dest-bucket"),
//!     FREQUENCY_DAILY,
//! )
//! .prefix("photos/")
//! .optional_fields([FIELD_SIZE, FIELD_ETAG]);
//! let doc = config.to_document().unwrap();
//! assert!(doc.contains("<Bucket>acs:oss:::dest-bucket</Bucket>"));
//! let back = InventoryConfiguration::from_document(doc.as_bytes()).unwrap();
//! assert_eq!(back.destination.bucket_destination.bucket_name(), "dest-bucket");
//! assert_eq!(back.optional_fields.fields, ["Size", "ETag"]);
//! ```

use serde::{Deserialize, Serialize};

/// `Daily`.
pub const FREQUENCY_DAILY: &str = "Daily";
/// `Weekly`.
pub const FREQUENCY_WEEKLY: &str = "Weekly";
/// `All`: every version of every object.
pub const VERSIONS_ALL: &str = "All";
/// `Current`: current versions only.
pub const VERSIONS_CURRENT: &str = "Current";
/// `CSV`, the one report format.
pub const FORMAT_CSV: &str = "CSV";
/// Optional field `Size`.
pub const FIELD_SIZE: &str = "Size";
/// Optional field `LastModifiedDate`.
pub const FIELD_LAST_MODIFIED_DATE: &str = "LastModifiedDate";
/// Optional field `ETag`.
pub const FIELD_ETAG: &str = "ETag";
/// Optional field `StorageClass`.
pub const FIELD_STORAGE_CLASS: &str = "StorageClass";
/// Optional field `IsMultipartUploaded`.
pub const FIELD_IS_MULTIPART_UPLOADED: &str = "IsMultipartUploaded";
/// Optional field `EncryptionStatus`.
pub const FIELD_ENCRYPTION_STATUS: &str = "EncryptionStatus";
/// Every optional field OSS knows.
pub const FIELDS: &[&str] = &[
    FIELD_SIZE,
    FIELD_LAST_MODIFIED_DATE,
    FIELD_ETAG,
    FIELD_STORAGE_CLASS,
    FIELD_IS_MULTIPART_UPLOADED,
    FIELD_ENCRYPTION_STATUS,
    "TransitionTime",
    "ObjectType",
    "ObjectAcl",
    "TaggingCount",
    "Crc64",
];

/// The prefix OSS writes before the destination bucket's name.
pub const BUCKET_ARN_PREFIX: &str = "acs:oss:::";

/// `<SSE-KMS>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SseKms {
    /// The KMS key.
    #[serde(rename = "KeyId", default)]
    pub key_id: String,
}

/// `<SSE-OSS>` (no content).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SseOss {}

/// `<Encryption>` of the reports.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InventoryEncryption {
    /// Encrypted with a KMS key.
    #[serde(rename = "SSE-KMS", default, skip_serializing_if = "Option::is_none")]
    pub sse_kms: Option<SseKms>,
    /// Encrypted with OSS-managed keys.
    #[serde(rename = "SSE-OSS", default, skip_serializing_if = "Option::is_none")]
    pub sse_oss: Option<SseOss>,
}

/// `<OSSBucketDestination>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BucketDestination {
    /// `CSV`.
    #[serde(rename = "Format", default)]
    pub format: String,
    /// The account the reports are written for.
    #[serde(rename = "AccountId", default)]
    pub account_id: String,
    /// The RAM role OSS writes as.
    #[serde(rename = "RoleArn", default)]
    pub role_arn: String,
    /// `acs:oss:::BUCKET`.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// Key prefix of the reports.
    #[serde(rename = "Prefix", default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// How the reports are encrypted.
    #[serde(
        rename = "Encryption",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encryption: Option<InventoryEncryption>,
}

impl BucketDestination {
    /// The destination bucket's name (without `acs:oss:::`).
    pub fn bucket_name(&self) -> &str {
        self.bucket
            .strip_prefix(BUCKET_ARN_PREFIX)
            .unwrap_or(&self.bucket)
    }
}

/// `<Destination>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InventoryDestination {
    /// The bucket the reports go to.
    #[serde(rename = "OSSBucketDestination", default)]
    pub bucket_destination: BucketDestination,
}

impl InventoryDestination {
    /// CSV reports written into `bucket` as `role_arn` of `account_id`.
    pub fn new(
        account_id: impl Into<String>,
        role_arn: impl Into<String>,
        bucket: impl Into<String>,
    ) -> Self {
        InventoryDestination {
            bucket_destination: BucketDestination {
                format: FORMAT_CSV.to_string(),
                account_id: account_id.into(),
                role_arn: role_arn.into(),
                bucket: format!("{BUCKET_ARN_PREFIX}{}", bucket.into()),
                prefix: None,
                encryption: None,
            },
        }
    }

    /// Writes the reports under `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.bucket_destination.prefix = Some(prefix.into());
        self
    }
}

/// `<Schedule>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InventorySchedule {
    /// `Daily` or `Weekly`.
    #[serde(rename = "Frequency", default)]
    pub frequency: String,
}

/// `<Filter>`: which objects are listed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InventoryFilter {
    /// Key prefix.
    #[serde(rename = "Prefix", default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Modified at or after this Unix time.
    #[serde(
        rename = "LastModifyBeginTimeStamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_modify_begin_time_stamp: Option<String>,
    /// Modified at or before this Unix time.
    #[serde(
        rename = "LastModifyEndTimeStamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_modify_end_time_stamp: Option<String>,
    /// At least this many bytes.
    #[serde(
        rename = "LowerSizeBound",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub lower_size_bound: Option<String>,
    /// At most this many bytes.
    #[serde(
        rename = "UpperSizeBound",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub upper_size_bound: Option<String>,
    /// Comma-separated storage classes.
    #[serde(
        rename = "StorageClass",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_class: Option<String>,
}

/// `<OptionalFields>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OptionalFields {
    /// The columns after `Bucket` and `Key`.
    #[serde(rename = "Field", default)]
    pub fields: Vec<String>,
}

/// `<InventoryConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "InventoryConfiguration")]
#[non_exhaustive]
pub struct InventoryConfiguration {
    /// The id (also the `inventoryId` parameter of the calls).
    #[serde(rename = "Id", default)]
    pub id: String,
    /// Whether reports are produced (`true`/`false`; `True` is accepted).
    #[serde(
        rename = "IsEnabled",
        default,
        deserialize_with = "crate::xml::boolean::lenient"
    )]
    pub is_enabled: bool,
    /// Which objects are listed.
    #[serde(rename = "Filter", default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<InventoryFilter>,
    /// Where the reports go.
    #[serde(rename = "Destination", default)]
    pub destination: InventoryDestination,
    /// How often.
    #[serde(rename = "Schedule", default)]
    pub schedule: InventorySchedule,
    /// `All` or `Current`.
    #[serde(rename = "IncludedObjectVersions", default)]
    pub included_object_versions: String,
    /// Extra columns.
    #[serde(rename = "OptionalFields", default)]
    pub optional_fields: OptionalFields,
}

impl InventoryConfiguration {
    /// An enabled inventory `id` of current versions to `destination`, every `frequency`.
    pub fn new(id: impl Into<String>, destination: InventoryDestination, frequency: &str) -> Self {
        InventoryConfiguration {
            id: id.into(),
            is_enabled: true,
            filter: None,
            destination,
            schedule: InventorySchedule {
                frequency: frequency.to_string(),
            },
            included_object_versions: VERSIONS_CURRENT.to_string(),
            optional_fields: OptionalFields::default(),
        }
    }

    /// Lists only keys starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.filter
            .get_or_insert_with(InventoryFilter::default)
            .prefix = Some(prefix.into());
        self
    }

    /// Sets the extra columns.
    pub fn optional_fields<F: IntoIterator>(mut self, fields: F) -> Self
    where
        F::Item: Into<String>,
    {
        self.optional_fields.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Turns the inventory on or off.
    pub fn enabled(mut self, yes: bool) -> Self {
        self.is_enabled = yes;
        self
    }
}

/// `<ListInventoryConfigurationsResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListInventoryConfigurationsResult")]
#[non_exhaustive]
pub struct ListInventoryConfigurationsResult {
    /// The configurations of the page.
    #[serde(rename = "InventoryConfiguration", default)]
    pub configurations: Vec<InventoryConfiguration>,
    /// The token the page was asked with.
    #[serde(
        rename = "ContinuationToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub continuation_token: Option<String>,
    /// Whether more pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// Token of the next page.
    #[serde(
        rename = "NextContinuationToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_continuation_token: Option<String>,
}

crate::xml_document!(
    InventoryConfiguration => "InventoryConfiguration",
    ListInventoryConfigurationsResult => "ListInventoryConfigurationsResult",
);
