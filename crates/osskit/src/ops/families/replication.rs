//! Replication between buckets: [`osskit_proto::xml::replication`].

use osskit_proto::ops::OpId;
use osskit_proto::xml::replication::{
    ReplicationConfiguration, ReplicationLocation, ReplicationProgress, ReplicationRule,
    ReplicationRules,
};

use super::model_call::ModelCall;
use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{config_family, config_models, ConfigInput, PutConfig};

config_models!(ReplicationConfiguration, ReplicationRules);

impl From<ReplicationRule> for ConfigInput<ReplicationConfiguration> {
    fn from(rule: ReplicationRule) -> Self {
        ConfigInput::Model(ReplicationConfiguration::new(rule))
    }
}

config_family! {
    BucketClient, bucket;
    ReplicationConfiguration {
        put put_bucket_replication = PutBucketReplication;
        get get_bucket_replication = GetBucketReplication;
    }
}

impl<M: Mode> BucketClient<M> {
    /// `DeleteBucketReplication`: stops the rule `rule_id` (it is `closing` until the
    /// replication service removes it).
    pub fn delete_bucket_replication(&self, rule_id: &str) -> PutConfig<M, ReplicationRules> {
        PutConfig::bucket(
            self,
            OpId::DeleteBucketReplication,
            ConfigInput::Model(ReplicationRules::new(rule_id)),
        )
    }

    /// `GetBucketReplicationLocation`: the regions replicas can go to.
    pub fn get_bucket_replication_location(&self) -> ModelCall<M, ReplicationLocation> {
        ModelCall::bucket(self, OpId::GetBucketReplicationLocation)
    }

    /// `GetBucketReplicationProgress`: how far the rule `rule_id` got.
    pub fn get_bucket_replication_progress(
        &self,
        rule_id: &str,
    ) -> ModelCall<M, ReplicationProgress> {
        ModelCall::bucket(self, OpId::GetBucketReplicationProgress).param("rule-id", rule_id)
    }
}
