//! Lifecycle rules: [`osskit_proto::xml::lifecycle`].

use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{config_family, config_models, PutConfig};
use osskit_proto::xml::lifecycle::LifecycleConfiguration;

config_models!(LifecycleConfiguration);

config_family! {
    BucketClient, bucket;
    LifecycleConfiguration {
        put put_bucket_lifecycle = PutBucketLifecycle;
        get get_bucket_lifecycle = GetBucketLifecycle;
        delete delete_bucket_lifecycle = DeleteBucketLifecycle;
    }
}

impl<M: Mode> PutConfig<M, LifecycleConfiguration> {
    /// Sets `x-oss-allow-same-action-overlap`: whether rules whose prefixes overlap may
    /// have actions of the same type (OSS refuses them otherwise).
    pub fn allow_same_action_overlap(self, yes: bool) -> Self {
        self.header(
            "x-oss-allow-same-action-overlap",
            if yes { "true" } else { "false" },
        )
    }
}
