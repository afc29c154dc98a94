//! `<RegionInfoList>`: the regions and their endpoints (`DescribeRegions`), and the list of
//! OSS regions.
//!
//! ```
//! use osskit_proto::xml::regions::{oss_regions, RegionInfo};
//! let hangzhou = oss_regions().find(|r| r.region == "oss-cn-hangzhou").unwrap();
//! assert_eq!(hangzhou.internal_endpoint, "oss-cn-hangzhou-internal.aliyuncs.com");
//! assert_eq!(hangzhou.accelerate_endpoint, "oss-accelerate.aliyuncs.com");
//! let tokyo = RegionInfo::of_region("ap-northeast-1");
//! assert_eq!(tokyo.accelerate_endpoint, "oss-accelerate-overseas.aliyuncs.com");
//! ```

use serde::{Deserialize, Serialize};

/// `<RegionInfoList>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "RegionInfoList")]
#[non_exhaustive]
pub struct RegionInfoList {
    /// The regions.
    #[serde(rename = "RegionInfo", default)]
    pub regions: Vec<RegionInfo>,
}

/// `<RegionInfo>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegionInfo {
    /// Region id with the `oss-` prefix, e.g. `oss-cn-hangzhou`.
    #[serde(rename = "Region", default)]
    pub region: String,
    /// Public endpoint.
    #[serde(rename = "InternetEndpoint", default)]
    pub internet_endpoint: String,
    /// Internal (same-region) endpoint.
    #[serde(rename = "InternalEndpoint", default)]
    pub internal_endpoint: String,
    /// Transfer acceleration endpoint.
    #[serde(rename = "AccelerateEndpoint", default)]
    pub accelerate_endpoint: String,
}

impl RegionInfoList {
    /// A list of `regions`.
    pub fn new(regions: Vec<RegionInfo>) -> Self {
        RegionInfoList { regions }
    }
}

impl RegionInfo {
    /// A region and its endpoints.
    pub fn new(
        region: impl Into<String>,
        internet_endpoint: impl Into<String>,
        internal_endpoint: impl Into<String>,
        accelerate_endpoint: impl Into<String>,
    ) -> Self {
        RegionInfo {
            region: region.into(),
            internet_endpoint: internet_endpoint.into(),
            internal_endpoint: internal_endpoint.into(),
            accelerate_endpoint: accelerate_endpoint.into(),
        }
    }

    /// The endpoints OSS gives region `id` (with or without the `oss-` prefix): public
    /// `oss-<id>.aliyuncs.com`, internal `oss-<id>-internal.aliyuncs.com`, and the mainland
    /// or overseas acceleration endpoint.
    pub fn of_region(id: &str) -> RegionInfo {
        let id = id.strip_prefix("oss-").unwrap_or(id);
        let accelerate = if id.starts_with("cn-") && id != "cn-hongkong" {
            "oss-accelerate.aliyuncs.com"
        } else {
            "oss-accelerate-overseas.aliyuncs.com"
        };
        RegionInfo::new(
            format!("oss-{id}"),
            format!("oss-{id}.aliyuncs.com"),
            format!("oss-{id}-internal.aliyuncs.com"),
            accelerate,
        )
    }
}

crate::xml_document!(RegionInfoList => "RegionInfoList");

/// The public OSS regions (ids without the `oss-` prefix), as DescribeRegions lists them.
pub const OSS_REGION_IDS: &[&str] = &[
    "cn-hangzhou",
    "cn-shanghai",
    "cn-nanjing",
    "cn-fuzhou",
    "cn-wuhan-lr",
    "cn-qingdao",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    "cn-hongkong",
    "us-west-1",
    "us-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "eu-central-1",
    "eu-west-1",
    "me-east-1",
    "me-central-1",
];

/// Every public OSS region with its endpoints.
pub fn oss_regions() -> impl Iterator<Item = RegionInfo> {
    OSS_REGION_IDS.iter().map(|id| RegionInfo::of_region(id))
}
