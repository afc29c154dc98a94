//! QoS: bandwidth and request-rate limits of the account (`GetUserQosInfo`), of a bucket
//! (`PutBucketQosInfo` and friends), of a requester on a bucket or in a resource pool
//! (`PutBucketRequesterQosInfo`, `PutResourcePoolRequesterQosInfo`, …), and the resource
//! pools (`ListResourcePools`, `GetResourcePoolInfo`, `ListResourcePoolBuckets`).
//!
//! Bandwidths are in Gbit/s, rates in requests per second; `-1` means not limited on its
//! own, `0` forbids that kind of access.
//!
//! ```
//! use osskit_proto::xml::{qos::{self, QoSConfiguration}, Document};
//! let bucket = QoSConfiguration::new().total_upload_bandwidth(10).intranet_upload_bandwidth(2);
//! let doc = bucket.to_document().unwrap();
//! assert!(doc.contains("<TotalUploadBandwidth>10</TotalUploadBandwidth>"));
//! // Unset limits are stored as -1.
//! assert_eq!(bucket.clone().filled().total_qps, Some(-1));
//! // Limits are checked against the account's.
//! let account = QoSConfiguration::new().total_upload_bandwidth(5).filled();
//! assert!(qos::validate(&bucket, &account).unwrap_err().contains("TotalUploadBandwidth"));
//! ```

use serde::{Deserialize, Serialize};

macro_rules! qos_fields {
    ($(#[$m:meta])* $name:ident { $($extra:tt)* }) => {
        #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        $(#[$m])*
        #[non_exhaustive]
        pub struct $name {
            $($extra)*
            /// Total upload bandwidth (Gbit/s).
            #[serde(rename = "TotalUploadBandwidth", default, skip_serializing_if = "Option::is_none")]
            pub total_upload_bandwidth: Option<i64>,
            /// Upload bandwidth over the internal network.
            #[serde(rename = "IntranetUploadBandwidth", default, skip_serializing_if = "Option::is_none")]
            pub intranet_upload_bandwidth: Option<i64>,
            /// Upload bandwidth over the Internet.
            #[serde(rename = "ExtranetUploadBandwidth", default, skip_serializing_if = "Option::is_none")]
            pub extranet_upload_bandwidth: Option<i64>,
            /// Total download bandwidth (Gbit/s).
            #[serde(rename = "TotalDownloadBandwidth", default, skip_serializing_if = "Option::is_none")]
            pub total_download_bandwidth: Option<i64>,
            /// Download bandwidth over the internal network.
            #[serde(rename = "IntranetDownloadBandwidth", default, skip_serializing_if = "Option::is_none")]
            pub intranet_download_bandwidth: Option<i64>,
            /// Download bandwidth over the Internet.
            #[serde(rename = "ExtranetDownloadBandwidth", default, skip_serializing_if = "Option::is_none")]
            pub extranet_download_bandwidth: Option<i64>,
            /// Total requests per second.
            #[serde(rename = "TotalQps", default, skip_serializing_if = "Option::is_none")]
            pub total_qps: Option<i64>,
            /// Requests per second over the internal network.
            #[serde(rename = "IntranetQps", default, skip_serializing_if = "Option::is_none")]
            pub intranet_qps: Option<i64>,
            /// Requests per second over the Internet.
            #[serde(rename = "ExtranetQps", default, skip_serializing_if = "Option::is_none")]
            pub extranet_qps: Option<i64>,
        }
    };
}

qos_fields!(
    /// `<QoSConfiguration>`: the limits of a bucket or of a requester.
    #[serde(rename = "QoSConfiguration")]
    QoSConfiguration {}
);

qos_fields!(
    /// `<QoSConfiguration>` as `GetUserQosInfo` answers it: the account's limits in a region.
    #[serde(rename = "QoSConfiguration")]
    UserQosInfo {
        /// The region the limits apply to.
        #[serde(rename = "Region", default, skip_serializing_if = "Option::is_none")]
        pub region: Option<String>,
    }
);

macro_rules! setters {
    ($($field:ident),*) => {
        impl QoSConfiguration {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                pub fn $field(mut self, value: i64) -> Self {
                    self.$field = Some(value);
                    self
                }
            )*

            /// Every limit with its element name.
            pub fn limits(&self) -> [(&'static str, Option<i64>); 9] {
                [$( (element(stringify!($field)), self.$field) ),*]
            }

            /// Unset limits become `-1` (not limited), as OSS stores them.
            pub fn filled(mut self) -> Self {
                $( self.$field.get_or_insert(-1); )*
                self
            }
        }

        impl UserQosInfo {
            /// The limits without the region.
            pub fn limits(&self) -> QoSConfiguration {
                QoSConfiguration { $( $field: self.$field, )* }
            }

            /// The account's limits `qos` in `region`.
            pub fn new(region: impl Into<String>, qos: &QoSConfiguration) -> Self {
                UserQosInfo { region: Some(region.into()), $( $field: qos.$field, )* }
            }
        }
    };
}

setters!(
    total_upload_bandwidth,
    intranet_upload_bandwidth,
    extranet_upload_bandwidth,
    total_download_bandwidth,
    intranet_download_bandwidth,
    extranet_download_bandwidth,
    total_qps,
    intranet_qps,
    extranet_qps
);

fn element(field: &str) -> &'static str {
    match field {
        "total_upload_bandwidth" => "TotalUploadBandwidth",
        "intranet_upload_bandwidth" => "IntranetUploadBandwidth",
        "extranet_upload_bandwidth" => "ExtranetUploadBandwidth",
        "total_download_bandwidth" => "TotalDownloadBandwidth",
        "intranet_download_bandwidth" => "IntranetDownloadBandwidth",
        "extranet_download_bandwidth" => "ExtranetDownloadBandwidth",
        "total_qps" => "TotalQps",
        "intranet_qps" => "IntranetQps",
        _ => "ExtranetQps",
    }
}

impl QoSConfiguration {
    /// No limit set.
    pub fn new() -> Self {
        QoSConfiguration::default()
    }
}

/// Checks limits against the ceiling they live under (the account's, or a resource pool's):
/// every value is `-1`, `0` or positive; a total is at most the ceiling's total (when the
/// ceiling has one); an internal or Internet limit is at most the total it belongs to (the
/// one given, else the ceiling's).
pub fn validate(qos: &QoSConfiguration, ceiling: &QoSConfiguration) -> Result<(), String> {
    for (name, value) in qos.limits() {
        if let Some(v) = value {
            if v < -1 {
                return Err(format!(
                    "{name} must be -1, 0 or a positive number, not {v}."
                ));
            }
        }
    }
    let limited = |v: Option<i64>| v.filter(|v| *v >= 0);
    let groups = [
        (
            (
                "TotalUploadBandwidth",
                qos.total_upload_bandwidth,
                ceiling.total_upload_bandwidth,
            ),
            [
                ("IntranetUploadBandwidth", qos.intranet_upload_bandwidth),
                ("ExtranetUploadBandwidth", qos.extranet_upload_bandwidth),
            ],
        ),
        (
            (
                "TotalDownloadBandwidth",
                qos.total_download_bandwidth,
                ceiling.total_download_bandwidth,
            ),
            [
                ("IntranetDownloadBandwidth", qos.intranet_download_bandwidth),
                ("ExtranetDownloadBandwidth", qos.extranet_download_bandwidth),
            ],
        ),
        (
            ("TotalQps", qos.total_qps, ceiling.total_qps),
            [
                ("IntranetQps", qos.intranet_qps),
                ("ExtranetQps", qos.extranet_qps),
            ],
        ),
    ];
    for ((total_name, total, ceiling_total), parts) in groups {
        if let (Some(t), Some(c)) = (limited(total), limited(ceiling_total)) {
            if t > c {
                return Err(format!(
                    "{total_name} ({t}) exceeds the limit it is set under ({c})."
                ));
            }
        }
        let bound = limited(total).or(limited(ceiling_total));
        for (name, value) in parts {
            if let (Some(v), Some(b)) = (limited(value), bound) {
                if v > b {
                    return Err(format!("{name} ({v}) exceeds {total_name} ({b})."));
                }
            }
        }
    }
    Ok(())
}

/// `<RequesterQoSInfo>`: a requester's limits.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "RequesterQoSInfo")]
#[non_exhaustive]
pub struct RequesterQoSInfo {
    /// The requester's UID.
    #[serde(rename = "Requester", default)]
    pub requester: String,
    /// Its limits.
    #[serde(rename = "QoSConfiguration", default)]
    pub qos_configuration: QoSConfiguration,
}

impl RequesterQoSInfo {
    /// `requester`'s limits.
    pub fn new(requester: impl Into<String>, qos: QoSConfiguration) -> Self {
        RequesterQoSInfo {
            requester: requester.into(),
            qos_configuration: qos,
        }
    }
}

/// `<ListBucketRequesterQoSInfosResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListBucketRequesterQoSInfosResult")]
#[non_exhaustive]
pub struct ListBucketRequesterQoSInfosResult {
    /// The bucket.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// The token this page started at.
    #[serde(rename = "ContinuationToken", default)]
    pub continuation_token: String,
    /// Where the next page starts (empty on the last page).
    #[serde(rename = "NextContinuationToken", default)]
    pub next_continuation_token: String,
    /// More pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// The requesters.
    #[serde(rename = "RequesterQoSInfo", default)]
    pub requester_qos_infos: Vec<RequesterQoSInfo>,
}

/// `<ListResourcePoolRequesterQoSInfosResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListResourcePoolRequesterQoSInfosResult")]
#[non_exhaustive]
pub struct ListResourcePoolRequesterQoSInfosResult {
    /// The resource pool.
    #[serde(rename = "ResourcePool", default)]
    pub resource_pool: String,
    /// The token this page started at.
    #[serde(rename = "ContinuationToken", default)]
    pub continuation_token: String,
    /// Where the next page starts (empty on the last page).
    #[serde(rename = "NextContinuationToken", default)]
    pub next_continuation_token: String,
    /// More pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// The requesters.
    #[serde(rename = "RequesterQoSInfo", default)]
    pub requester_qos_infos: Vec<RequesterQoSInfo>,
}

/// `<ListResourcePoolsResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListResourcePoolsResult")]
#[non_exhaustive]
pub struct ListResourcePoolsResult {
    /// The region.
    #[serde(rename = "Region", default)]
    pub region: String,
    /// The account's UID.
    #[serde(rename = "Owner", default)]
    pub owner: String,
    /// The token this page started at.
    #[serde(rename = "ContinuationToken", default)]
    pub continuation_token: String,
    /// Where the next page starts (empty on the last page).
    #[serde(rename = "NextContinuationToken", default)]
    pub next_continuation_token: String,
    /// More pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// The pools.
    #[serde(rename = "ResourcePool", default)]
    pub resource_pools: Vec<ResourcePoolSummary>,
}

/// `<ResourcePool>` of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourcePoolSummary {
    /// Name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// When it was created (ISO 8601).
    #[serde(rename = "CreateTime", default)]
    pub create_time: String,
}

/// `<GetResourcePoolInfoResponse>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "GetResourcePoolInfoResponse")]
#[non_exhaustive]
pub struct ResourcePoolInfo {
    /// The region.
    #[serde(rename = "Region", default)]
    pub region: String,
    /// Name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// The account's UID.
    #[serde(rename = "Owner", default)]
    pub owner: String,
    /// When it was created (ISO 8601).
    #[serde(rename = "CreateTime", default)]
    pub create_time: String,
    /// The pool's limits.
    #[serde(rename = "QoSConfiguration", default)]
    pub qos_configuration: QoSConfiguration,
}

/// `<ListResourcePoolBucketsResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListResourcePoolBucketsResult")]
#[non_exhaustive]
pub struct ListResourcePoolBucketsResult {
    /// The resource pool.
    #[serde(rename = "ResourcePool", default)]
    pub resource_pool: String,
    /// The token this page started at.
    #[serde(rename = "ContinuationToken", default)]
    pub continuation_token: String,
    /// Where the next page starts (empty on the last page).
    #[serde(rename = "NextContinuationToken", default)]
    pub next_continuation_token: String,
    /// More pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// The buckets.
    #[serde(rename = "ResourcePoolBucket", default)]
    pub buckets: Vec<ResourcePoolBucket>,
}

/// `<ResourcePoolBucket>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourcePoolBucket {
    /// Bucket name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// When it joined the pool (ISO 8601).
    #[serde(rename = "JoinTime", default)]
    pub join_time: String,
}

/// Continuation-token paging of the QoS listings: the token this page started at, where the
/// next starts (empty on the last page), whether more follow.
macro_rules! paged {
    ($($t:ident),*) => {$(
        impl $t {
            /// Sets the paging fields.
            pub fn page(
                mut self,
                continuation_token: impl Into<String>,
                next_continuation_token: impl Into<String>,
                is_truncated: bool,
            ) -> Self {
                self.continuation_token = continuation_token.into();
                self.next_continuation_token = next_continuation_token.into();
                self.is_truncated = is_truncated;
                self
            }
        }
    )*};
}

paged!(
    ListBucketRequesterQoSInfosResult,
    ListResourcePoolRequesterQoSInfosResult,
    ListResourcePoolsResult,
    ListResourcePoolBucketsResult
);

impl ListBucketRequesterQoSInfosResult {
    /// The requesters of `bucket` (one page, see [`page`](Self::page)).
    pub fn new(bucket: impl Into<String>, requester_qos_infos: Vec<RequesterQoSInfo>) -> Self {
        ListBucketRequesterQoSInfosResult {
            bucket: bucket.into(),
            requester_qos_infos,
            ..Self::default()
        }
    }
}

impl ListResourcePoolRequesterQoSInfosResult {
    /// The requesters of a pool (one page, see [`page`](Self::page)).
    pub fn new(
        resource_pool: impl Into<String>,
        requester_qos_infos: Vec<RequesterQoSInfo>,
    ) -> Self {
        ListResourcePoolRequesterQoSInfosResult {
            resource_pool: resource_pool.into(),
            requester_qos_infos,
            ..Self::default()
        }
    }
}

impl ListResourcePoolsResult {
    /// The pools of the account in `region` (one page, see [`page`](Self::page)).
    pub fn new(
        region: impl Into<String>,
        owner: impl Into<String>,
        resource_pools: Vec<ResourcePoolSummary>,
    ) -> Self {
        ListResourcePoolsResult {
            region: region.into(),
            owner: owner.into(),
            resource_pools,
            ..Self::default()
        }
    }
}

impl ListResourcePoolBucketsResult {
    /// The buckets of a pool (one page, see [`page`](Self::page)).
    pub fn new(resource_pool: impl Into<String>, buckets: Vec<ResourcePoolBucket>) -> Self {
        ListResourcePoolBucketsResult {
            resource_pool: resource_pool.into(),
            buckets,
            ..Self::default()
        }
    }
}

impl ResourcePoolSummary {
    /// A pool created at `create_time` (ISO 8601).
    pub fn new(name: impl Into<String>, create_time: impl Into<String>) -> Self {
        ResourcePoolSummary {
            name: name.into(),
            create_time: create_time.into(),
        }
    }
}

impl ResourcePoolBucket {
    /// A bucket that joined at `join_time` (ISO 8601).
    pub fn new(name: impl Into<String>, join_time: impl Into<String>) -> Self {
        ResourcePoolBucket {
            name: name.into(),
            join_time: join_time.into(),
        }
    }
}

impl ResourcePoolInfo {
    /// A pool of the account `owner` in `region`.
    pub fn new(
        region: impl Into<String>,
        name: impl Into<String>,
        owner: impl Into<String>,
        create_time: impl Into<String>,
        qos_configuration: QoSConfiguration,
    ) -> Self {
        ResourcePoolInfo {
            region: region.into(),
            name: name.into(),
            owner: owner.into(),
            create_time: create_time.into(),
            qos_configuration,
        }
    }
}

crate::xml_document!(
    QoSConfiguration => "QoSConfiguration",
    UserQosInfo => "QoSConfiguration",
    RequesterQoSInfo => "RequesterQoSInfo",
    ListBucketRequesterQoSInfosResult => "ListBucketRequesterQoSInfosResult",
    ListResourcePoolRequesterQoSInfosResult => "ListResourcePoolRequesterQoSInfosResult",
    ListResourcePoolsResult => "ListResourcePoolsResult",
    ResourcePoolInfo => "GetResourcePoolInfoResponse",
    ListResourcePoolBucketsResult => "ListResourcePoolBucketsResult",
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn oss2_documents_parse() {
        let doc = b"<QoSConfiguration><TotalUploadBandwidth>-1</TotalUploadBandwidth>\
            <IntranetUploadBandwidth>2</IntranetUploadBandwidth></QoSConfiguration>";
        let q = QoSConfiguration::from_document(doc).unwrap();
        assert_eq!(q.total_upload_bandwidth, Some(-1));
        assert_eq!(q.intranet_upload_bandwidth, Some(2));
        assert_eq!(q.total_qps, None);
        let user = UserQosInfo::from_document(
            b"<QoSConfiguration><Region>oss-cn-hangzhou</Region><TotalQps>-1</TotalQps></QoSConfiguration>",
        )
        .unwrap();
        assert_eq!(user.region.as_deref(), Some("oss-cn-hangzhou"));
        assert_eq!(user.limits().total_qps, Some(-1));
    }

    #[test]
    fn limits_are_checked_against_their_totals() {
        let account = QoSConfiguration::new()
            .total_upload_bandwidth(10)
            .total_download_bandwidth(10)
            .filled();
        let ok = QoSConfiguration::new()
            .total_upload_bandwidth(-1)
            .intranet_upload_bandwidth(2);
        assert!(validate(&ok, &account).is_ok());
        let over_total = QoSConfiguration::new().total_upload_bandwidth(11);
        assert!(validate(&over_total, &account).is_err());
        let part_over = QoSConfiguration::new()
            .total_download_bandwidth(5)
            .extranet_download_bandwidth(6);
        assert!(validate(&part_over, &account)
            .unwrap_err()
            .contains("ExtranetDownloadBandwidth"));
        let part_over_account = QoSConfiguration::new().intranet_upload_bandwidth(11);
        assert!(validate(&part_over_account, &account).is_err());
        let negative = QoSConfiguration::new().total_qps(-2);
        assert!(validate(&negative, &account).is_err());
        // -1 everywhere in the ceiling: nothing to exceed.
        let unlimited = QoSConfiguration::new().filled();
        assert!(validate(&QoSConfiguration::new().total_qps(1_000_000), &unlimited).is_ok());
    }
}
