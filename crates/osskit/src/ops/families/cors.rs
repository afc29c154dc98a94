//! CORS rules: [`osskit_proto::xml::cors`].

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use osskit_proto::xml::cors::CorsConfiguration;

config_models!(CorsConfiguration);

config_family! {
    BucketClient, bucket;
    CorsConfiguration {
        put put_bucket_cors = PutBucketCors;
        get get_bucket_cors = GetBucketCors;
        delete delete_bucket_cors = DeleteBucketCors;
    }
}
