//! Static website hosting: [`osskit_proto::xml::website`].

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use osskit_proto::xml::website::WebsiteConfiguration;

config_models!(WebsiteConfiguration);

config_family! {
    BucketClient, bucket;
    WebsiteConfiguration {
        put put_bucket_website = PutBucketWebsite;
        get get_bucket_website = GetBucketWebsite;
        delete delete_bucket_website = DeleteBucketWebsite;
    }
}
