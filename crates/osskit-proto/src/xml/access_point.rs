//! Access points (`CreateAccessPoint`, `GetAccessPoint`, `ListAccessPoints`,
//! `ListBucketAccessPoints`): named entry points to a bucket, each with its own policy and
//! public access block.
//!
//! ```
//! use osskit_proto::xml::{access_point::CreateAccessPointConfiguration, Document};
//! let doc = CreateAccessPointConfiguration::internet("ap-01").to_document().unwrap();
//! assert!(doc.contains("<AccessPointName>ap-01</AccessPointName>"));
//! assert!(doc.contains("<NetworkOrigin>internet</NetworkOrigin>"));
//! let vpc = CreateAccessPointConfiguration::vpc("ap-02", "vpc-1");
//! assert_eq!(vpc.vpc_configuration.unwrap().vpc_id, "vpc-1");
//! assert!(osskit_proto::xml::access_point::is_valid_name("ap-01"));
//! assert!(!osskit_proto::xml::access_point::is_valid_name("-ap"));
//! ```

use serde::{Deserialize, Serialize};

use super::public_access_block::PublicAccessBlockConfiguration;

/// `internet`: reachable from anywhere.
pub const NETWORK_INTERNET: &str = "internet";
/// `vpc`: reachable only from one VPC.
pub const NETWORK_VPC: &str = "vpc";

/// Whether `name` is a valid access point name: 3 to 19 characters, lower-case letters,
/// digits and hyphens, not starting or ending with a hyphen.
pub fn is_valid_name(name: &str) -> bool {
    (3..=19).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// `<VpcConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VpcConfiguration {
    /// The VPC id.
    #[serde(rename = "VpcId", default)]
    pub vpc_id: String,
}

/// `<CreateAccessPointConfiguration>`: the body of `CreateAccessPoint`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateAccessPointConfiguration")]
#[non_exhaustive]
pub struct CreateAccessPointConfiguration {
    /// The name.
    #[serde(rename = "AccessPointName", default)]
    pub access_point_name: String,
    /// `internet` or `vpc`.
    #[serde(rename = "NetworkOrigin", default)]
    pub network_origin: String,
    /// The VPC, for `vpc` access points.
    #[serde(
        rename = "VpcConfiguration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vpc_configuration: Option<VpcConfiguration>,
}

impl CreateAccessPointConfiguration {
    /// An access point reachable from the Internet.
    pub fn internet(name: impl Into<String>) -> Self {
        CreateAccessPointConfiguration {
            access_point_name: name.into(),
            network_origin: NETWORK_INTERNET.to_string(),
            vpc_configuration: None,
        }
    }

    /// An access point reachable from one VPC.
    pub fn vpc(name: impl Into<String>, vpc_id: impl Into<String>) -> Self {
        CreateAccessPointConfiguration {
            access_point_name: name.into(),
            network_origin: NETWORK_VPC.to_string(),
            vpc_configuration: Some(VpcConfiguration {
                vpc_id: vpc_id.into(),
            }),
        }
    }
}

/// `<CreateAccessPointResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CreateAccessPointResult")]
#[non_exhaustive]
pub struct CreateAccessPointResult {
    /// `acs:oss:REGION:UID:accesspoint/NAME`.
    #[serde(rename = "AccessPointArn", default)]
    pub access_point_arn: String,
    /// The alias, usable where a bucket name is expected.
    #[serde(rename = "Alias", default)]
    pub alias: String,
}

/// `<Endpoints>` of an access point.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessPointEndpoints {
    /// Public endpoint host.
    #[serde(rename = "PublicEndpoint", default)]
    pub public_endpoint: String,
    /// Internal endpoint host.
    #[serde(rename = "InternalEndpoint", default)]
    pub internal_endpoint: String,
}

/// `<GetAccessPointResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetAccessPointResult")]
#[non_exhaustive]
pub struct GetAccessPointResult {
    /// The name.
    #[serde(rename = "AccessPointName", default)]
    pub access_point_name: String,
    /// The bucket it leads to.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// The owner's account id.
    #[serde(rename = "AccountId", default)]
    pub account_id: String,
    /// `internet` or `vpc`.
    #[serde(rename = "NetworkOrigin", default)]
    pub network_origin: String,
    /// The VPC, for `vpc` access points.
    #[serde(
        rename = "VpcConfiguration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vpc_configuration: Option<VpcConfiguration>,
    /// Its ARN.
    #[serde(rename = "AccessPointArn", default)]
    pub access_point_arn: String,
    /// Creation time, Unix seconds.
    #[serde(rename = "CreationDate", default)]
    pub creation_date: String,
    /// The alias.
    #[serde(rename = "Alias", default)]
    pub alias: String,
    /// `enable`, `disable`, `creating` or `deleting`.
    #[serde(rename = "Status", default)]
    pub status: String,
    /// Its endpoints.
    #[serde(rename = "Endpoints", default)]
    pub endpoints: AccessPointEndpoints,
    /// Its public access block.
    #[serde(
        rename = "PublicAccessBlockConfiguration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub public_access_block_configuration: Option<PublicAccessBlockConfiguration>,
}

/// One `<AccessPoint>` of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessPointSummary {
    /// The bucket it leads to.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// The name.
    #[serde(rename = "AccessPointName", default)]
    pub access_point_name: String,
    /// The alias.
    #[serde(rename = "Alias", default)]
    pub alias: String,
    /// `internet` or `vpc`.
    #[serde(rename = "NetworkOrigin", default)]
    pub network_origin: String,
    /// The VPC, for `vpc` access points.
    #[serde(
        rename = "VpcConfiguration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vpc_configuration: Option<VpcConfiguration>,
    /// `enable`, …
    #[serde(rename = "Status", default)]
    pub status: String,
}

/// `<AccessPoints>` wrapper.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessPoints {
    /// The access points of the page.
    #[serde(rename = "AccessPoint", default)]
    pub items: Vec<AccessPointSummary>,
}

/// `<ListAccessPointsResult>`: a page of `ListAccessPoints` or `ListBucketAccessPoints`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListAccessPointsResult")]
#[non_exhaustive]
pub struct ListAccessPointsResult {
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
    /// The owner's account id.
    #[serde(rename = "AccountId", default)]
    pub account_id: String,
    /// Page size.
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: u32,
    /// The access points.
    #[serde(rename = "AccessPoints", default)]
    pub access_points: AccessPoints,
}

crate::xml_document!(
    CreateAccessPointConfiguration => "CreateAccessPointConfiguration",
    CreateAccessPointResult => "CreateAccessPointResult",
    GetAccessPointResult => "GetAccessPointResult",
    ListAccessPointsResult => "ListAccessPointsResult",
);
