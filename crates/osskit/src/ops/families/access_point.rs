//! Access points and their policies: [`osskit_proto::xml::access_point`].

use osskit_proto::headers::ACCESS_POINT_NAME;
use osskit_proto::ops::OpId;
use osskit_proto::policy::Policy;
use osskit_proto::xml::access_point::{
    CreateAccessPointConfiguration, CreateAccessPointResult, GetAccessPointResult,
    ListAccessPointsResult,
};

use super::model_call::ModelCall;
use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{config_models, ConfigInput, DeleteConfig, GetConfig, PutConfig};
use crate::service::ServiceClient;

config_models!(CreateAccessPointConfiguration);

impl<M: Mode> BucketClient<M> {
    /// `CreateAccessPoint`: creates an access point of the bucket; the answer carries its
    /// ARN and alias.
    pub fn create_access_point(
        &self,
        input: impl Into<ConfigInput<CreateAccessPointConfiguration>>,
    ) -> ModelCall<M, CreateAccessPointResult> {
        ModelCall::bucket(self, OpId::CreateAccessPoint).input(input.into())
    }

    /// `GetAccessPoint`: the access point `name`.
    pub fn get_access_point(&self, name: &str) -> ModelCall<M, GetAccessPointResult> {
        ModelCall::bucket(self, OpId::GetAccessPoint).header(ACCESS_POINT_NAME, name)
    }

    /// `DeleteAccessPoint`: deletes the access point `name`.
    pub fn delete_access_point(&self, name: &str) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::DeleteAccessPoint).header(ACCESS_POINT_NAME, name)
    }

    /// `ListBucketAccessPoints`: one page of the bucket's access points (set
    /// `max-keys` and `continuation-token` with [`ModelCall::param`]).
    pub fn list_bucket_access_points(&self) -> ModelCall<M, ListAccessPointsResult> {
        ModelCall::bucket(self, OpId::ListBucketAccessPoints)
    }

    /// `PutAccessPointPolicy`: sets the policy of the access point `name` (a [`Policy`] or
    /// its JSON text).
    pub fn put_access_point_policy(
        &self,
        name: &str,
        input: impl Into<ConfigInput<Policy>>,
    ) -> PutConfig<M, Policy> {
        PutConfig::bucket(self, OpId::PutAccessPointPolicy, input.into())
            .header(ACCESS_POINT_NAME, name)
    }

    /// `GetAccessPointPolicy`: the policy of the access point `name`, and its JSON text.
    pub fn get_access_point_policy(&self, name: &str) -> GetConfig<M, Policy> {
        GetConfig::bucket(self, OpId::GetAccessPointPolicy).header(ACCESS_POINT_NAME, name)
    }

    /// `DeleteAccessPointPolicy`: removes the policy of the access point `name`.
    pub fn delete_access_point_policy(&self, name: &str) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::DeleteAccessPointPolicy).header(ACCESS_POINT_NAME, name)
    }
}

impl<M: Mode> ServiceClient<M> {
    /// `ListAccessPoints`: one page of the account's access points (set `max-keys` and
    /// `continuation-token` with [`ModelCall::param`]).
    pub fn list_access_points(&self) -> ModelCall<M, ListAccessPointsResult> {
        ModelCall::service(self, OpId::ListAccessPoints)
    }
}
