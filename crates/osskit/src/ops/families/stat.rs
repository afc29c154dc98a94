//! Bucket statistics and storage capacity: [`osskit_proto::xml::stat`].

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use osskit_proto::xml::stat::{BucketStat, BucketUserQos};

config_models!(BucketStat, BucketUserQos);

config_family! {
    BucketClient, bucket;
    BucketStat {
        get get_bucket_stat = GetBucketStat;
    }
    BucketUserQos {
        put set_bucket_storage_capacity = PutBucketStorageCapacity;
        get get_bucket_storage_capacity = GetBucketStorageCapacity;
    }
}
