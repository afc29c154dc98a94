//! QoS beyond the bucket's own limits: the account's limits (`get_user_qos_info`), the
//! limits of a requester on a bucket or in a resource pool, and the resource pools.

use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{ConfigInput, DeleteConfig, GetConfig, PutConfig};
use crate::service::ServiceClient;
use osskit_proto::ops::OpId;
use osskit_proto::xml::qos::{
    ListBucketRequesterQoSInfosResult, ListResourcePoolBucketsResult,
    ListResourcePoolRequesterQoSInfosResult, ListResourcePoolsResult, QoSConfiguration,
    RequesterQoSInfo, ResourcePoolInfo, UserQosInfo,
};

const REQUESTER: &str = "qosRequester";
const POOL: &str = "resourcePool";

/// `continuation-token` and `max-keys` on the QoS listings.
macro_rules! paging {
    ($($t:ty),*) => {$(
        impl<M: Mode> GetConfig<M, $t> {
            /// Starts the page at this token (from the previous page's
            /// `next_continuation_token`).
            pub fn continuation_token(self, token: impl Into<String>) -> Self {
                self.param("continuation-token", token)
            }

            /// Entries per page (1 to 1000, default 100).
            pub fn max_keys(self, n: u32) -> Self {
                self.param("max-keys", n.to_string())
            }
        }
    )*};
}

paging!(
    ListBucketRequesterQoSInfosResult,
    ListResourcePoolRequesterQoSInfosResult,
    ListResourcePoolsResult,
    ListResourcePoolBucketsResult,
    osskit_proto::xml::redundancy_transition::ListBucketDataRedundancyTransition
);

impl<M: Mode> BucketClient<M> {
    /// `PutBucketRequesterQosInfo`: sets the limits of requester `uid` on this bucket.
    pub fn put_bucket_requester_qos_info(
        &self,
        uid: impl Into<String>,
        qos: impl Into<ConfigInput<QoSConfiguration>>,
    ) -> PutConfig<M, QoSConfiguration> {
        PutConfig::bucket(self, OpId::PutBucketRequesterQosInfo, qos.into()).param(REQUESTER, uid)
    }

    /// `GetBucketRequesterQosInfo`: the limits of requester `uid` on this bucket.
    pub fn get_bucket_requester_qos_info(
        &self,
        uid: impl Into<String>,
    ) -> GetConfig<M, RequesterQoSInfo> {
        GetConfig::bucket(self, OpId::GetBucketRequesterQosInfo).param(REQUESTER, uid)
    }

    /// `ListBucketRequesterQosInfos`: the requesters with limits on this bucket.
    pub fn list_bucket_requester_qos_infos(
        &self,
    ) -> GetConfig<M, ListBucketRequesterQoSInfosResult> {
        GetConfig::bucket(self, OpId::ListBucketRequesterQosInfos)
    }

    /// `DeleteBucketRequesterQosInfo`: removes the limits of requester `uid`.
    pub fn delete_bucket_requester_qos_info(&self, uid: impl Into<String>) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::DeleteBucketRequesterQosInfo).param(REQUESTER, uid)
    }
}

impl<M: Mode> ServiceClient<M> {
    /// `GetUserQosInfo`: the account's limits in this region.
    pub fn get_user_qos_info(&self) -> GetConfig<M, UserQosInfo> {
        GetConfig::service(self, OpId::GetUserQosInfo)
    }

    /// `ListResourcePools`: the account's resource pools in this region.
    pub fn list_resource_pools(&self) -> GetConfig<M, ListResourcePoolsResult> {
        GetConfig::service(self, OpId::ListResourcePools)
    }

    /// `GetResourcePoolInfo`: a resource pool and its limits.
    pub fn get_resource_pool_info(
        &self,
        pool: impl Into<String>,
    ) -> GetConfig<M, ResourcePoolInfo> {
        GetConfig::service(self, OpId::GetResourcePoolInfo).param(POOL, pool)
    }

    /// `ListResourcePoolBuckets`: the buckets of a resource pool.
    pub fn list_resource_pool_buckets(
        &self,
        pool: impl Into<String>,
    ) -> GetConfig<M, ListResourcePoolBucketsResult> {
        GetConfig::service(self, OpId::ListResourcePoolBuckets).param(POOL, pool)
    }

    /// `PutResourcePoolRequesterQosInfo`: sets the limits of requester `uid` in a pool.
    pub fn put_resource_pool_requester_qos_info(
        &self,
        uid: impl Into<String>,
        pool: impl Into<String>,
        qos: impl Into<ConfigInput<QoSConfiguration>>,
    ) -> PutConfig<M, QoSConfiguration> {
        PutConfig::service(self, OpId::PutResourcePoolRequesterQosInfo, qos.into())
            .param(REQUESTER, uid)
            .param(POOL, pool)
    }

    /// `GetResourcePoolRequesterQosInfo`: the limits of requester `uid` in a pool.
    pub fn get_resource_pool_requester_qos_info(
        &self,
        uid: impl Into<String>,
        pool: impl Into<String>,
    ) -> GetConfig<M, RequesterQoSInfo> {
        GetConfig::service(self, OpId::GetResourcePoolRequesterQosInfo)
            .param(REQUESTER, uid)
            .param(POOL, pool)
    }

    /// `ListResourcePoolRequesterQosInfos`: the requesters with limits in a pool.
    pub fn list_resource_pool_requester_qos_infos(
        &self,
        pool: impl Into<String>,
    ) -> GetConfig<M, ListResourcePoolRequesterQoSInfosResult> {
        GetConfig::service(self, OpId::ListResourcePoolRequesterQosInfos).param(POOL, pool)
    }

    /// `DeleteResourcePoolRequesterQosInfo`: removes the limits of requester `uid` in a pool.
    pub fn delete_resource_pool_requester_qos_info(
        &self,
        uid: impl Into<String>,
        pool: impl Into<String>,
    ) -> DeleteConfig<M> {
        DeleteConfig::service(self, OpId::DeleteResourcePoolRequesterQosInfo)
            .param(REQUESTER, uid)
            .param(POOL, pool)
    }
}
