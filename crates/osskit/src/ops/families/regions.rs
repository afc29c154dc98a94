//! `describe_regions`: OSS's regions and their endpoints.

use crate::mode::Mode;
use crate::ops::config::GetConfig;
use crate::service::ServiceClient;
use osskit_proto::ops::OpId;
use osskit_proto::xml::regions::RegionInfoList;

impl<M: Mode> ServiceClient<M> {
    /// `DescribeRegions`: every region with its public, internal and acceleration
    /// endpoints (one region with [`GetConfig::region`]).
    pub fn describe_regions(&self) -> GetConfig<M, RegionInfoList> {
        GetConfig::service(self, OpId::DescribeRegions)
    }
}

impl<M: Mode> GetConfig<M, RegionInfoList> {
    /// Only this region (`oss-cn-chengdu`); `NoSuchRegion` when OSS has none of that name.
    pub fn region(self, region: impl Into<String>) -> Self {
        self.param("regions", region)
    }
}
