//! Metadata indexing and queries.

use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{ConfigInput, DeleteConfig, DocCall, GetConfig};
use osskit_proto::ops::OpId;
use osskit_proto::xml::meta_query::{MetaQuery, MetaQueryResult, MetaQueryStatus};

crate::ops::config::config_models!(MetaQuery);

impl<M: Mode> BucketClient<M> {
    /// `OpenMetaQuery`: turns metadata indexing on.
    pub fn open_bucket_meta_query(&self) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::OpenMetaQuery)
    }

    /// `GetMetaQueryStatus`: the state of the index (`Running` once it answers queries).
    pub fn get_bucket_meta_query_status(&self) -> GetConfig<M, MetaQueryStatus> {
        GetConfig::bucket(self, OpId::GetMetaQueryStatus)
    }

    /// `DoMetaQuery`: the objects matching a query, sorted and paged, with aggregations
    /// (the model, or the `<MetaQuery>` document).
    pub fn do_bucket_meta_query(
        &self,
        query: impl Into<ConfigInput<MetaQuery>>,
    ) -> DocCall<M, MetaQueryResult> {
        DocCall::bucket(self, OpId::DoMetaQuery).input(query.into())
    }

    /// `CloseMetaQuery`: turns metadata indexing off.
    pub fn close_bucket_meta_query(&self) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::CloseMetaQuery)
    }
}
