//! An [`object_store`] backend for Alibaba Cloud OSS, built on the [`osskit`] SDK.
//!
//! [`OssStore`] implements [`ObjectStore`](object_store::ObjectStore),
//! [`MultipartStore`](object_store::multipart::MultipartStore),
//! [`PaginatedListStore`](object_store::list::PaginatedListStore) and
//! [`Signer`](object_store::signer::Signer) (presigned URLs) for one bucket. Build it with
//! [`OssBuilder`] (from code, from the `OSS_*` environment variables, or from string keys),
//! or wrap an SDK [`Bucket`](osskit::Bucket) with [`OssStore::new`].
//!
//! ```
//! use object_store::{path::Path, ObjectStore, ObjectStoreExt, PutPayload};
//! use osskit_object_store::OssBuilder;
//! use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start().await; // a local OSS server
//! let store = OssBuilder::new()
//!     .with_endpoint(server.endpoint())
//!     .with_region("cn-hangzhou")
//!     .with_bucket("object-store-example")
//!     .with_access_key_id(TEST_ACCESS_KEY_ID)
//!     .with_access_key_secret(TEST_ACCESS_KEY_SECRET)
//!     .build()?;
//! store.bucket().create_bucket().await?; // the SDK client underneath
//!
//! let path = Path::from("data/part-0.parquet");
//! store.put(&path, PutPayload::from("columns")).await?;
//! let bytes = store.get_range(&path, 0..3).await?;
//! assert_eq!(bytes.as_ref(), b"col");
//! let listed = store.list_with_delimiter(Some(&Path::from("data"))).await?;
//! assert_eq!(listed.objects[0].location, path);
//! # Ok(())
//! # }
//! ```
//!
//! Errors are mapped as [`error`] describes (`NoSuchKey` is `NotFound`,
//! `FileAlreadyExists` is `AlreadyExists`, …). OSS has no write conditional on an ETag:
//! `PutMode::Update` answers `NotImplemented`.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod builder;
pub mod error;
mod store;
mod upload;

pub use builder::{
    OssBuilder, OssConfigKey, DEFAULT_COPY_MULTIPART_THRESHOLD, DEFAULT_COPY_PART_SIZE,
};
pub use store::OssStore;

/// The examples of the README, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
