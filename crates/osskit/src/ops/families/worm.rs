//! Retention policies (WORM): [`osskit_proto::xml::worm`].
//!
//! ```
//! use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), osskit::Error> {
//! # let server = TestServer::start().await;
//! let bucket = osskit::Bucket::new(
//!     osskit::Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
//!     &server.endpoint(),
//!     "worm-example",
//! )?;
//! bucket.create_bucket().await?;
//! let init = bucket.init_bucket_worm(1).await?;
//! bucket.complete_bucket_worm(&init.worm_id).await?;
//! bucket.extend_bucket_worm(&init.worm_id, 30).await?;
//! let policy = bucket.get_bucket_worm().await?.config;
//! assert_eq!((policy.state.as_str(), policy.retention_period_in_days), ("Locked", 30));
//! # Ok(())
//! # }
//! ```

use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::{Async, Blocking, Mode};
use crate::ops::config::{config_family, config_models, ConfigInput, DeleteConfig, PutConfig};
use crate::result::{impl_response, ResponseMeta};
use osskit_proto::ops::OpId;
use osskit_proto::xml::worm::{
    ExtendWormConfiguration, InitiateWormConfiguration, WormConfiguration,
};

config_models!(
    InitiateWormConfiguration,
    ExtendWormConfiguration,
    WormConfiguration
);

config_family! {
    BucketClient, bucket;
    WormConfiguration {
        get get_bucket_worm = GetBucketWorm;
    }
}

/// `InitiateBucketWorm`: see [`BucketClient::init_bucket_worm`].
pub struct InitBucketWorm<M: Mode = Async> {
    put: PutConfig<M, InitiateWormConfiguration>,
    mode: M,
}

/// The answer of `InitiateBucketWorm`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InitBucketWormOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The id of the new (unlocked) policy, from `x-oss-worm-id`.
    pub worm_id: String,
}

impl_response!(InitBucketWormOutput);

impl<M: Mode> InitBucketWorm<M> {
    /// Adds (or replaces) a request header, as oss2's `headers=`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.put = self.put.header(name, value);
        self
    }

    async fn execute(self) -> Result<InitBucketWormOutput> {
        let meta = self.put.execute().await?.meta;
        let worm_id = meta
            .header("x-oss-worm-id")
            .map(str::to_string)
            .ok_or_else(|| Error::InvalidResponse {
                message: "InitiateBucketWorm: the answer has no x-oss-worm-id".to_string(),
                request_id: meta.request_id().to_string(),
            })?;
        Ok(InitBucketWormOutput { meta, worm_id })
    }
}

impl InitBucketWorm<Async> {
    /// Sends the request (the builder can also be `.await`ed directly).
    pub async fn send(self) -> Result<InitBucketWormOutput> {
        self.execute().await
    }
}

impl std::future::IntoFuture for InitBucketWorm<Async> {
    type Output = Result<InitBucketWormOutput>;
    type IntoFuture = futures_util::future::BoxFuture<'static, Result<InitBucketWormOutput>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.execute())
    }
}

impl InitBucketWorm<Blocking> {
    /// Sends the request and waits for the result.
    ///
    /// # Panics
    /// When called from inside an async runtime.
    pub fn send(self) -> Result<InitBucketWormOutput> {
        let mode = self.mode.clone();
        mode.block_on(self.execute())
    }
}

impl<M: Mode> BucketClient<M> {
    /// `InitiateBucketWorm`: creates an unlocked retention policy keeping objects
    /// `retention_period_days` days after their last modification; it lapses after 24
    /// hours unless [`complete_bucket_worm`](BucketClient::complete_bucket_worm) locks it.
    pub fn init_bucket_worm(&self, retention_period_days: u32) -> InitBucketWorm<M> {
        InitBucketWorm {
            put: PutConfig::bucket(
                self,
                OpId::InitiateBucketWorm,
                ConfigInput::Model(InitiateWormConfiguration::new(retention_period_days)),
            ),
            mode: self.mode.clone(),
        }
    }

    /// `AbortBucketWorm`: removes an unlocked retention policy.
    pub fn abort_bucket_worm(&self) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::AbortBucketWorm)
    }

    /// `CompleteBucketWorm`: locks the retention policy `worm_id`.
    pub fn complete_bucket_worm(&self, worm_id: &str) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::CompleteBucketWorm).param("wormId", worm_id)
    }

    /// `ExtendBucketWorm`: lengthens the locked retention policy `worm_id` to
    /// `retention_period_days` days.
    pub fn extend_bucket_worm(
        &self,
        worm_id: &str,
        retention_period_days: u32,
    ) -> PutConfig<M, ExtendWormConfiguration> {
        PutConfig::bucket(
            self,
            OpId::ExtendBucketWorm,
            ConfigInput::Model(ExtendWormConfiguration::new(retention_period_days)),
        )
        .param("wormId", worm_id)
    }
}
