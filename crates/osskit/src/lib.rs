//! Alibaba Cloud OSS SDK: an async client (tokio) with a blocking facade.
//!
//! The API follows the official Python SDK `oss2`: a [`Service`] for account-level calls, a
//! [`Bucket`] per bucket, operations named as in oss2. Each operation is a builder: set its
//! options, then `.await` it (or call `.send().await`); in [`blocking`] mode call `.send()`.
//!
//! * Signing: V1 ([`Auth`]), V2 ([`AuthV2`]), V4 ([`AuthV4`]), STS tokens ([`StsAuth`]),
//!   credentials providers ([`ProviderAuth`], [`ProviderAuthV2`], [`ProviderAuthV4`]) and explicit [`AnonymousAuth`]. The
//!   [`credentials`] module has the Alibaba Cloud providers (environment, profiles, RAM roles
//!   through STS, OIDC/RRSA, ECS instance roles, credentials URIs, processes), the
//!   [`DefaultCredentialsChain`] and the refreshing [`credentials::CredentialsCache`].
//! * Integrity: CRC-64 of uploads and downloads checked by default ([`Error::Inconsistent`]).
//! * Transport: a shared connection pool ([`Session`]) with proxies (the environment's by
//!   default), extra TLS roots or an HTTP client of one's own, connect, idle-read and
//!   operation timeouts, retries with jittered backoff for transport errors, 5xx and 429
//!   ([`RetryPolicy`]; non-idempotent requests only when they never left), clock-skew
//!   correction, and `tracing` events under the target `osskit`.
//! * Errors: one [`Error`] type with an [`ErrorKind`] to match on; server errors keep code,
//!   message, request id, EC and every detail of the `<Error>` document.
//!
//! ```
//! use futures_util::TryStreamExt;
//! use osskit::{Auth, Bucket};
//! use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start().await;
//! let auth = Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
//! let bucket = Bucket::new(auth, &server.endpoint(), "docs-example")?;
//! bucket.create_bucket().await?;
//!
//! let put = bucket.put_object("dir/hello.txt", "hello world").content_type("text/plain").await?;
//! assert_eq!(put.status(), 200);
//!
//! let got = bucket.get_object("dir/hello.txt").range((0, 4)).await?;
//! assert_eq!(got.body.collect_bytes().await?, "hello");
//!
//! let keys: Vec<String> = bucket
//!     .list_objects_v2()
//!     .prefix("dir/")
//!     .into_items()
//!     .map_ok(|item| item.key().to_string())
//!     .try_collect()
//!     .await?;
//! assert_eq!(keys, ["dir/hello.txt"]);
//!
//! let missing = bucket.get_object("nope").await.unwrap_err();
//! assert_eq!(missing.code(), Some("NoSuchKey"));
//! # Ok(())
//! # }
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod blocking;
pub mod body;
pub mod bucket;
mod config;
pub mod credentials;
pub mod crypto;
pub mod error;
mod hooks;
pub mod mime;
pub mod mode;
pub mod ops;
mod paginate;
pub mod progress;
pub(crate) mod rate;
mod request;
pub mod result;
pub mod retry;
pub mod service;
pub mod session;
pub mod transfer;
mod transport;
pub mod types;

pub use auth::{
    AnonymousAuth, Auth, AuthConfig, AuthV2, AuthV4, ProviderAuth, ProviderAuthV2, ProviderAuthV4,
    StsAuth,
};
pub use body::{Body, ByteStream};
pub use credentials::{
    Credentials, CredentialsProvider, DefaultCredentialsChain, EnvironmentCredentialsProvider,
    StaticCredentialsProvider,
};
pub use crypto::CryptoBucket;
pub use error::{Error, ErrorKind, Result, ServerError};
/// HTTP methods, for [`BucketClient::sign_url`](bucket::BucketClient::sign_url).
pub use http::Method;
pub use mode::{Async, Blocking, Mode};
pub use ops::bucket::{BucketAclOutput, BucketInfoOutput, BucketLocationOutput};
pub use ops::download::{
    GetObjectMetaOutput, GetObjectOutput, GetObjectToFileOutput, HeadObjectOutput,
};
pub use ops::list::{ListItem, ListObjectsOutput, ListObjectsV2Output, ObjectSummary};
pub use ops::multipart::{
    CompleteMultipartUploadOutput, InitMultipartUploadOutput, ListMultipartUploadsOutput,
    ListPartsOutput, MultipartUploadSummary, PartInfo, PartSummary, UploadItem,
    UploadPartCopyOutput, UploadPartOutput,
};
pub use ops::object::{
    AppendObjectOutput, BatchDeleteOutput, CopyObjectOutput, DeleteObjectOutput, PutObjectOutput,
};
pub use ops::service::{BucketSummary, ListBucketsOutput};
pub use ops::versions::{
    DeleteObjectVersionsOutput, DeletedVersion, ListObjectVersionsOutput, ObjectVersion,
    VersionItem,
};
pub use osskit_proto::range::ByteRange;
pub use result::{OssResponse, RequestResult, ResponseMeta};
pub use retry::RetryPolicy;
pub use session::Session;
pub use types::{BucketAcl, DataRedundancyType, MetadataDirective, ObjectAcl, StorageClass};
// Lifecycle, versioning, retention, encryption, tagging, statistics.
pub use ops::families::worm::{InitBucketWorm, InitBucketWormOutput};
pub use osskit_proto::xml::encryption::ServerSideEncryptionRule;
pub use osskit_proto::xml::lifecycle::{
    AbortMultipartUpload, LifecycleConfiguration, LifecycleExpiration, LifecycleFilter,
    LifecycleRule, LifecycleTransition, NoncurrentVersionTransition,
};
pub use osskit_proto::xml::stat::{BucketStat, BucketUserQos};
pub use osskit_proto::xml::tagging::{Tag, Tagging};
pub use osskit_proto::xml::versioning::VersioningConfiguration;
pub use osskit_proto::xml::worm::WormConfiguration;
// Browser-facing configuration families (their parts: `osskit::proto::xml::{referer, website,
// logging}`).
pub use osskit_proto::xml::logging::BucketLoggingStatus;
pub use osskit_proto::xml::referer::RefererConfiguration;
pub use osskit_proto::xml::website::WebsiteConfiguration;

/// The sans-IO protocol crate (signing, URLs, XML models, CRC-64, dates).
pub use osskit_proto as proto;

// Access control and data movement between buckets.
pub use ops::ModelCall;
pub use osskit_proto::policy::{Effect, Policy, Statement};
pub use osskit_proto::xml::access_point::CreateAccessPointConfiguration;
pub use osskit_proto::xml::inventory::{InventoryConfiguration, InventoryDestination};
pub use osskit_proto::xml::public_access_block::PublicAccessBlockConfiguration;
pub use osskit_proto::xml::replication::{ReplicationConfiguration, ReplicationRule};
pub use osskit_proto::xml::request_payment::{Payer, RequestPaymentConfiguration};

// Object tags, ACLs, symbolic links and restores.
pub use ops::object_extras::{
    GetSymlinkOutput, ObjectAclOutput, ObjectTaggingOutput, PutSymlinkOutput, RestoreObjectOutput,
};
pub use osskit_proto::xml::tagging::RestoreRequest;
pub use types::TaggingDirective;

/// A bucket client (async). See [`bucket::BucketClient`] for every operation.
pub type Bucket = bucket::BucketClient<Async>;

/// A service client (async). See [`service::ServiceClient`].
pub type Service = service::ServiceClient<Async>;

/// oss2's date helpers.
pub mod utils {
    pub use osskit_proto::crc64::{combine as crc64_combine, crc64, Crc64};
    pub use osskit_proto::date::{
        date_to_iso8601, http_date, http_to_unixtime, iso8601_to_date, iso8601_to_unixtime,
    };
    pub use osskit_proto::digest::{content_md5, md5_hex};
}
