//! Access logging: [`osskit_proto::xml::logging`]. A get answers a
//! [`BucketLoggingStatus`] without `LoggingEnabled` when logging is off.

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use osskit_proto::xml::logging::BucketLoggingStatus;

config_models!(BucketLoggingStatus);

config_family! {
    BucketClient, bucket;
    BucketLoggingStatus {
        put put_bucket_logging = PutBucketLogging;
        get get_bucket_logging = GetBucketLogging;
        delete delete_bucket_logging = DeleteBucketLogging;
    }
}
