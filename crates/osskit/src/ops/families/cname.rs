//! Custom domains (CNAME): ownership tokens, attaching and detaching domains with their
//! certificates, listing them.

use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{ConfigInput, DocCall, GetConfig, PutConfig};
use osskit_proto::ops::OpId;
use osskit_proto::xml::cname::{BucketCnameConfiguration, CnameToken, ListCnameResult};

crate::ops::config::config_models!(BucketCnameConfiguration);

impl<M: Mode> BucketClient<M> {
    /// `CreateCnameToken`: the token to publish in a TXT record to prove ownership of
    /// `domain`.
    pub fn create_bucket_cname_token(&self, domain: impl Into<String>) -> DocCall<M, CnameToken> {
        DocCall::bucket(self, OpId::CreateCnameToken)
            .input(ConfigInput::Model(BucketCnameConfiguration::new(domain)))
    }

    /// `GetCnameToken`: the token of `domain`.
    pub fn get_bucket_cname_token(&self, domain: impl Into<String>) -> GetConfig<M, CnameToken> {
        GetConfig::bucket(self, OpId::GetCnameToken).param("cname", domain)
    }

    /// `PutCname`: attaches a domain, with a certificate when the request has one (oss2's
    /// `PutBucketCnameRequest`).
    pub fn put_bucket_cname(
        &self,
        input: impl Into<ConfigInput<BucketCnameConfiguration>>,
    ) -> PutConfig<M, BucketCnameConfiguration> {
        PutConfig::bucket(self, OpId::PutCname, input.into())
    }

    /// `ListCname`: the attached domains and their certificates.
    pub fn list_bucket_cname(&self) -> GetConfig<M, ListCnameResult> {
        GetConfig::bucket(self, OpId::ListCname)
    }

    /// `DeleteCname`: detaches `domain`.
    pub fn delete_bucket_cname(
        &self,
        domain: impl Into<String>,
    ) -> PutConfig<M, BucketCnameConfiguration> {
        PutConfig::bucket(
            self,
            OpId::DeleteCname,
            BucketCnameConfiguration::new(domain).into(),
        )
    }
}
