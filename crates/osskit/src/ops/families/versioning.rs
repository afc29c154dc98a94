//! The versioning state: [`osskit_proto::xml::versioning`].

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models};
use osskit_proto::xml::versioning::VersioningConfiguration;

config_models!(VersioningConfiguration);

config_family! {
    BucketClient, bucket;
    VersioningConfiguration {
        put put_bucket_versioning = PutBucketVersioning;
        get get_bucket_versioning = GetBucketVersioning;
    }
}
