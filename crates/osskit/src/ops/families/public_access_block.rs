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
