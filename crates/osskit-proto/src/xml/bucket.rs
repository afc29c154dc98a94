//! Bucket-level bodies: ListBuckets, CreateBucket, GetBucketInfo, location, ACL.

use serde::{Deserialize, Serialize};

/// `<Owner>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Owner {
    /// Owner id.
    #[serde(rename = "ID", default)]
    pub id: String,
    /// Display name.
    #[serde(rename = "DisplayName", default)]
    pub display_name: String,
}

/// `GET /` (ListBuckets) response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListAllMyBucketsResult")]
pub struct ListAllMyBucketsResult {
    /// Prefix the listing was filtered by.
    #[serde(rename = "Prefix", default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Marker the listing started after.
    #[serde(rename = "Marker", default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// Page size.
    #[serde(rename = "MaxKeys", default, skip_serializing_if = "Option::is_none")]
    pub max_keys: Option<u32>,
    /// More pages follow.
    #[serde(
        rename = "IsTruncated",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_truncated: Option<bool>,
    /// Marker of the next page.
    #[serde(
        rename = "NextMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_marker: Option<String>,
    /// Account owner.
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
    /// The buckets.
    #[serde(rename = "Buckets", default)]
    pub buckets: Buckets,
}

/// `<Buckets>` wrapper.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Buckets {
    /// One element per bucket.
    #[serde(rename = "Bucket", default)]
    pub bucket: Vec<BucketSummary>,
}

/// One bucket of a ListBuckets page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BucketSummary {
    /// Bucket name.
    #[serde(rename = "Name")]
    pub name: String,
    /// `oss-cn-hangzhou`.
    #[serde(rename = "Location", default)]
    pub location: String,
    /// ISO8601 creation time.
    #[serde(rename = "CreationDate", default)]
    pub creation_date: String,
    /// Public endpoint host.
    #[serde(rename = "ExtranetEndpoint", default)]
    pub extranet_endpoint: String,
    /// Internal endpoint host.
    #[serde(rename = "IntranetEndpoint", default)]
    pub intranet_endpoint: String,
    /// Storage class.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// Region id, e.g. `cn-hangzhou`.
    #[serde(rename = "Region", default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Resource group id.
    #[serde(
        rename = "ResourceGroupId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_group_id: Option<String>,
}

/// PutBucket request body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateBucketConfiguration")]
pub struct CreateBucketConfiguration {
    /// `Standard`, `IA`, `Archive`, `ColdArchive`, `DeepColdArchive`.
    #[serde(
        rename = "StorageClass",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_class: Option<String>,
    /// `LRS` or `ZRS`.
    #[serde(
        rename = "DataRedundancyType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub data_redundancy_type: Option<String>,
}

/// `GET /?location` response: `<LocationConstraint>oss-cn-hangzhou</LocationConstraint>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "LocationConstraint")]
pub struct LocationConstraint {
    /// The location.
    #[serde(rename = "$text", default)]
    pub value: String,
}

/// `<AccessControlList>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccessControlList {
    /// `private`, `public-read`, `public-read-write` (objects: also `default`).
    #[serde(rename = "Grant", default)]
    pub grant: String,
}

/// `GET /?acl` (and object `?acl`) response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AccessControlPolicy")]
pub struct AccessControlPolicy {
    /// Owner.
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
    /// The ACL.
    #[serde(rename = "AccessControlList", default)]
    pub access_control_list: AccessControlList,
}

/// `GET /?bucketInfo` response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "BucketInfo")]
pub struct BucketInfoResult {
    /// The bucket.
    #[serde(rename = "Bucket")]
    pub bucket: BucketInfo,
}

/// `<Bucket>` inside `<BucketInfo>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BucketInfo {
    /// Name.
    #[serde(rename = "Name")]
    pub name: String,
    /// `Enabled`/`Disabled`.
    #[serde(
        rename = "AccessMonitor",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub access_monitor: Option<String>,
    /// Location, e.g. `oss-cn-hangzhou`.
    #[serde(rename = "Location", default)]
    pub location: String,
    /// ISO8601 creation time.
    #[serde(rename = "CreationDate", default)]
    pub creation_date: String,
    /// Public endpoint host.
    #[serde(rename = "ExtranetEndpoint", default)]
    pub extranet_endpoint: String,
    /// Internal endpoint host.
    #[serde(rename = "IntranetEndpoint", default)]
    pub intranet_endpoint: String,
    /// Storage class.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// `LRS` or `ZRS`.
    #[serde(
        rename = "DataRedundancyType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub data_redundancy_type: Option<String>,
    /// Transfer acceleration.
    #[serde(
        rename = "TransferAcceleration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transfer_acceleration: Option<String>,
    /// Cross-region replication.
    #[serde(
        rename = "CrossRegionReplication",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cross_region_replication: Option<String>,
    /// Versioning status.
    #[serde(
        rename = "Versioning",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub versioning: Option<String>,
    /// Owner.
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
    /// ACL.
    #[serde(rename = "AccessControlList", default)]
    pub access_control_list: AccessControlList,
    /// Comment.
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Resource group id.
    #[serde(
        rename = "ResourceGroupId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_group_id: Option<String>,
    /// The default server-side encryption (`SSEAlgorithm` is `None` when no rule is set).
    #[serde(
        rename = "ServerSideEncryptionRule",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub server_side_encryption_rule:
        Option<crate::xml::encryption::ApplyServerSideEncryptionByDefault>,
}
