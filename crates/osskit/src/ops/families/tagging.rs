//! Bucket tags: [`osskit_proto::xml::tagging`].

use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{config_family, config_models, DeleteConfig};
use osskit_proto::xml::tagging::Tagging;

config_models!(Tagging);

config_family! {
    BucketClient, bucket;
    Tagging {
        put put_bucket_tagging = PutBucketTags;
        get get_bucket_tagging = GetBucketTags;
        delete delete_bucket_tagging = DeleteBucketTags;
    }
}

impl<M: Mode> BucketClient<M> {
    /// `DeleteBucketTags` of the named keys only (`?tagging=k1,k2`); the other tags stay.
    pub fn delete_bucket_tagging_keys<I>(&self, keys: I) -> DeleteConfig<M>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let keys: Vec<String> = keys.into_iter().map(|k| k.as_ref().to_string()).collect();
        self.delete_bucket_tagging()
            .param("tagging", keys.join(","))
    }
}
