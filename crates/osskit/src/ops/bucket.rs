//! Bucket lifecycle and information: create, delete, info, location, ACL.

use osskit_proto::headers as h;
use osskit_proto::ops::OpId;
use osskit_proto::xml::bucket as x;

use crate::body::Body;
use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::mode::{Async, Mode};
use crate::ops::{builder_options, finish, impl_send, read_xml};
use crate::request::{OssRequest, RequestOptions};
use crate::result::{RequestResult, ResponseMeta};
use crate::transport::execute;
use crate::types::{BucketAcl, DataRedundancyType, StorageClass};

pub use osskit_proto::xml::bucket::{BucketInfo, Owner};

/// PutBucket: see [`BucketClient::create_bucket`].
pub struct CreateBucket<M: Mode = Async> {
    client: BucketClient<M>,
    acl: Option<BucketAcl>,
    storage_class: Option<StorageClass>,
    redundancy: Option<DataRedundancyType>,
    options: RequestOptions,
}

builder_options!(CreateBucket);
impl_send!(CreateBucket => RequestResult);

impl<M: Mode> CreateBucket<M> {
    /// Canned ACL (`x-oss-acl`).
    pub fn acl(mut self, acl: BucketAcl) -> Self {
        self.acl = Some(acl);
        self
    }

    /// Default storage class.
    pub fn storage_class(mut self, class: StorageClass) -> Self {
        self.storage_class = Some(class);
        self
    }

    /// Data redundancy (LRS or ZRS).
    pub fn data_redundancy_type(mut self, t: DataRedundancyType) -> Self {
        self.redundancy = Some(t);
        self
    }

    async fn execute(self) -> Result<RequestResult> {
        let config = &self.client.config;
        let mut req = OssRequest::new(OpId::PutBucket)
            .bucket(&self.client.name)
            .header_opt(h::ACL, self.acl.map(|a| a.as_str()));
        if self.storage_class.is_some() || self.redundancy.is_some() {
            let doc = x::CreateBucketConfiguration {
                storage_class: self.storage_class.map(|s| s.as_str().to_string()),
                data_redundancy_type: self.redundancy.map(|r| r.as_str().to_string()),
            };
            req = req
                .header("Content-Type", "application/xml")
                .body(Body::from(osskit_proto::xml::to_xml(&doc)));
        }
        let meta = finish(config, execute(config, req.options(self.options)).await?).await?;
        Ok(RequestResult { meta })
    }
}

/// A bucket-level request without body.
pub struct SimpleBucketRequest<M: Mode = Async> {
    client: BucketClient<M>,
    op: OpId,
    headers: Vec<(&'static str, String)>,
    options: RequestOptions,
}

builder_options!(SimpleBucketRequest);
impl_send!(SimpleBucketRequest => RequestResult);

impl<M: Mode> SimpleBucketRequest<M> {
    fn request(self) -> (BucketClient<M>, OssRequest) {
        let mut req = OssRequest::new(self.op).bucket(&self.client.name);
        for (k, v) in self.headers {
            req = req.header(k, v);
        }
        (self.client, req.options(self.options))
    }

    async fn execute(self) -> Result<RequestResult> {
        let (client, req) = self.request();
        let meta = finish(&client.config, execute(&client.config, req).await?).await?;
        Ok(RequestResult { meta })
    }
}

/// The output of GetBucketInfo.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BucketInfoOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// Name, location, creation date, endpoints, storage class, owner, ACL, …
    pub bucket: BucketInfo,
}

/// The output of GetBucketLocation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BucketLocationOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// e.g. `oss-cn-hangzhou`.
    pub location: String,
}

/// The output of GetBucketAcl.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BucketAclOutput {
    /// Status and headers.
    pub meta: ResponseMeta,
    /// The canned ACL.
    pub acl: BucketAcl,
    /// The bucket owner.
    pub owner: Owner,
}

crate::result::impl_response!(BucketInfoOutput, BucketLocationOutput, BucketAclOutput);

/// A bucket-level GET of a sub-resource whose XML answer becomes `$out`.
macro_rules! bucket_get {
    ($(#[$m:meta])* $b:ident, $op:ident, $doc:ty => $out:ty, |$meta:ident, $d:ident| $make:expr) => {
        $(#[$m])*
        pub struct $b<M: Mode = Async> {
            client: BucketClient<M>,
            options: RequestOptions,
        }

        builder_options!($b);
        impl_send!($b => $out);

        impl<M: Mode> $b<M> {
            async fn execute(self) -> Result<$out> {
                let config = &self.client.config;
                let req = OssRequest::new(OpId::$op)
                    .bucket(&self.client.name)
                    .options(self.options);
                let ($meta, $d): (ResponseMeta, $doc) = read_xml(config, execute(config, req).await?).await?;
                $make
            }
        }
    };
}

bucket_get!(
    /// GetBucketInfo: see [`BucketClient::get_bucket_info`].
    GetBucketInfo, GetBucketInfo, x::BucketInfoResult => BucketInfoOutput,
    |meta, doc| Ok(BucketInfoOutput { meta, bucket: doc.bucket })
);

bucket_get!(
    /// GetBucketLocation: see [`BucketClient::get_bucket_location`].
    GetBucketLocation, GetBucketLocation, x::LocationConstraint => BucketLocationOutput,
    |meta, doc| Ok(BucketLocationOutput { meta, location: doc.value })
);

bucket_get!(
    /// GetBucketAcl: see [`BucketClient::get_bucket_acl`].
    GetBucketAcl, GetBucketAcl, x::AccessControlPolicy => BucketAclOutput,
    |meta, doc| {
        let acl = doc.access_control_list.grant.parse::<BucketAcl>().map_err(|_| Error::InvalidResponse {
            message: format!("GetBucketAcl: unknown grant {:?}", doc.access_control_list.grant),
            request_id: meta.request_id().to_string(),
        })?;
        Ok(BucketAclOutput { meta, acl, owner: doc.owner })
    }
);

impl<M: Mode> BucketClient<M> {
    /// PutBucket: creates this bucket.
    pub fn create_bucket(&self) -> CreateBucket<M> {
        CreateBucket {
            client: self.clone(),
            acl: None,
            storage_class: None,
            redundancy: None,
            options: RequestOptions::default(),
        }
    }

    /// DeleteBucket: the bucket must be empty (`BucketNotEmpty` otherwise).
    pub fn delete_bucket(&self) -> SimpleBucketRequest<M> {
        SimpleBucketRequest {
            client: self.clone(),
            op: OpId::DeleteBucket,
            headers: vec![],
            options: RequestOptions::default(),
        }
    }

    /// PutBucketAcl: sets the canned ACL.
    pub fn put_bucket_acl(&self, acl: BucketAcl) -> SimpleBucketRequest<M> {
        SimpleBucketRequest {
            client: self.clone(),
            op: OpId::PutBucketAcl,
            headers: vec![(h::ACL, acl.as_str().to_string())],
            options: RequestOptions::default(),
        }
    }

    /// GetBucketInfo.
    pub fn get_bucket_info(&self) -> GetBucketInfo<M> {
        GetBucketInfo {
            client: self.clone(),
            options: RequestOptions::default(),
        }
    }

    /// GetBucketLocation.
    pub fn get_bucket_location(&self) -> GetBucketLocation<M> {
        GetBucketLocation {
            client: self.clone(),
            options: RequestOptions::default(),
        }
    }

    /// GetBucketAcl.
    pub fn get_bucket_acl(&self) -> GetBucketAcl<M> {
        GetBucketAcl {
            client: self.clone(),
            options: RequestOptions::default(),
        }
    }
}
