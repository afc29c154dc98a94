//! Referer lists (hotlink protection): [`osskit_proto::xml::referer`]. OSS has no delete call
//! for them: put lists that allow everything (`RefererConfiguration::new(true, [])`) instead.

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use osskit_proto::xml::referer::RefererConfiguration;

config_models!(RefererConfiguration);

config_family! {
    BucketClient, bucket;
    RefererConfiguration {
        put put_bucket_referer = PutBucketReferer;
        get get_bucket_referer = GetBucketReferer;
    }
}
