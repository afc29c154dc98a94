//! The default server-side encryption of a bucket: [`osskit_proto::xml::encryption`].

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use osskit_proto::xml::encryption::ServerSideEncryptionRule;

config_models!(ServerSideEncryptionRule);

config_family! {
    BucketClient, bucket;
    ServerSideEncryptionRule {
        put put_bucket_encryption = PutBucketEncryption;
        get get_bucket_encryption = GetBucketEncryption;
        delete delete_bucket_encryption = DeleteBucketEncryption;
    }
}
