//! Async fetch tasks: OSS downloads a URL into an object in the background.

use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{ConfigInput, DocCall, GetConfig};
use osskit_proto::ops::OpId;
use osskit_proto::xml::async_fetch::{
    AsyncFetchTaskConfiguration, AsyncFetchTaskInfo, AsyncFetchTaskResult,
};

crate::ops::config::config_models!(AsyncFetchTaskConfiguration);

impl<M: Mode> BucketClient<M> {
    /// `PutAsyncFetchTask`: starts fetching a URL into an object; the answer names the task.
    pub fn put_async_fetch_task(
        &self,
        task: impl Into<ConfigInput<AsyncFetchTaskConfiguration>>,
    ) -> DocCall<M, AsyncFetchTaskResult> {
        DocCall::bucket(self, OpId::PutAsyncFetchTask).input(task.into())
    }

    /// `GetAsyncFetchTask`: the state of task `task_id`.
    pub fn get_async_fetch_task(
        &self,
        task_id: impl Into<String>,
    ) -> GetConfig<M, AsyncFetchTaskInfo> {
        GetConfig::bucket(self, OpId::GetAsyncFetchTask).header("x-oss-task-id", task_id)
    }
}
