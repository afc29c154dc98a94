//! Data redundancy transitions: converting a bucket from LRS to ZRS.

use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{DeleteConfig, DocCall, GetConfig};
use crate::service::ServiceClient;
use osskit_proto::ops::OpId;
use osskit_proto::xml::redundancy_transition::{
    BucketDataRedundancyTransition, ListBucketDataRedundancyTransition,
};

const TASK_ID: &str = "x-oss-redundancy-transition-taskid";

impl<M: Mode> BucketClient<M> {
    /// `CreateBucketDataRedundancyTransition`: starts converting the bucket to `target`
    /// (`ZRS`); the answer names the task.
    pub fn create_bucket_data_redundancy_transition(
        &self,
        target: impl Into<String>,
    ) -> DocCall<M, BucketDataRedundancyTransition> {
        DocCall::bucket(self, OpId::CreateBucketDataRedundancyTransition)
            .param("x-oss-target-redundancy-type", target)
    }

    /// `GetBucketDataRedundancyTransition`: the state of task `task_id`.
    pub fn get_bucket_data_redundancy_transition(
        &self,
        task_id: impl Into<String>,
    ) -> GetConfig<M, BucketDataRedundancyTransition> {
        GetConfig::bucket(self, OpId::GetBucketDataRedundancyTransition).param(TASK_ID, task_id)
    }

    /// `DeleteBucketDataRedundancyTransition`: removes a task that is not `Processing`.
    pub fn delete_bucket_data_redundancy_transition(
        &self,
        task_id: impl Into<String>,
    ) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::DeleteBucketDataRedundancyTransition)
            .param(TASK_ID, task_id)
    }

    /// `ListBucketDataRedundancyTransition`: the bucket's tasks.
    pub fn list_bucket_data_redundancy_transition(
        &self,
    ) -> GetConfig<M, ListBucketDataRedundancyTransition> {
        GetConfig::bucket(self, OpId::ListBucketDataRedundancyTransition)
    }
}

impl<M: Mode> ServiceClient<M> {
    /// `ListUserDataRedundancyTransition`: every task of the account (paged with
    /// `continuation_token` and `max_keys`).
    pub fn list_user_data_redundancy_transition(
        &self,
    ) -> GetConfig<M, ListBucketDataRedundancyTransition> {
        GetConfig::service(self, OpId::ListUserDataRedundancyTransition)
    }
}
