//! Public access blocks, for the account and for a bucket:
//! [`osskit_proto::xml::public_access_block`].

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use crate::service::ServiceClient;
use osskit_proto::xml::public_access_block::PublicAccessBlockConfiguration;

config_models!(PublicAccessBlockConfiguration);

config_family! {
    ServiceClient, service;
    PublicAccessBlockConfiguration {
        put put_public_access_block = PutPublicAccessBlock;
        get get_public_access_block = GetPublicAccessBlock;
        delete delete_public_access_block = DeletePublicAccessBlock;
    }
}

config_family! {
    BucketClient, bucket;
    PublicAccessBlockConfiguration {
        put put_bucket_public_access_block = PutBucketPublicAccessBlock;
        get get_bucket_public_access_block = GetBucketPublicAccessBlock;
        delete delete_bucket_public_access_block = DeleteBucketPublicAccessBlock;
    }
}

impl<M: crate::mode::Mode> BucketClient<M> {
    /// `PutAccessPointPublicAccessBlock`: blocks (or allows) public access through the
    /// access point `name`.
    pub fn put_access_point_public_access_block(
        &self,
        name: &str,
        input: impl Into<crate::ops::config::ConfigInput<PublicAccessBlockConfiguration>>,
    ) -> crate::ops::config::PutConfig<M, PublicAccessBlockConfiguration> {
        crate::ops::config::PutConfig::bucket(
            self,
            osskit_proto::ops::OpId::PutAccessPointPublicAccessBlock,
            input.into(),
        )
        .param(osskit_proto::headers::ACCESS_POINT_NAME, name)
    }

    /// `GetAccessPointPublicAccessBlock`: the public access block of the access point `name`.
    pub fn get_access_point_public_access_block(
        &self,
        name: &str,
    ) -> crate::ops::config::GetConfig<M, PublicAccessBlockConfiguration> {
        crate::ops::config::GetConfig::bucket(
            self,
            osskit_proto::ops::OpId::GetAccessPointPublicAccessBlock,
        )
        .param(osskit_proto::headers::ACCESS_POINT_NAME, name)
    }

    /// `DeleteAccessPointPublicAccessBlock`: removes the block of the access point `name`.
    pub fn delete_access_point_public_access_block(
        &self,
        name: &str,
    ) -> crate::ops::config::DeleteConfig<M> {
        crate::ops::config::DeleteConfig::bucket(
            self,
            osskit_proto::ops::OpId::DeleteAccessPointPublicAccessBlock,
        )
        .param(osskit_proto::headers::ACCESS_POINT_NAME, name)
    }
}
