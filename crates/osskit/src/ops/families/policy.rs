//! Bucket policies: [`osskit_proto::policy`].

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use osskit_proto::policy::Policy;

config_models!(Policy);

config_family! {
    BucketClient, bucket;
    Policy {
        put put_bucket_policy = PutBucketPolicy;
        get get_bucket_policy = GetBucketPolicy;
        delete delete_bucket_policy = DeleteBucketPolicy;
    }
}
