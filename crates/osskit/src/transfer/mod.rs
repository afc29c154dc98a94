//! Transfer managers for large objects: resumable file upload and download, a copier and a
//! stream uploader. Each is a builder on [`BucketClient`], awaited in async mode and sent
//! with `.send()` in [`blocking`](crate::blocking) mode, like every other operation.
//!
//! * [`BucketClient::resumable_upload`]: a file, as one PutObject below the threshold, else
//!   as a parallel multipart upload that survives crashes and cancellation (a JSON
//!   checkpoint records the upload id; the parts already stored are listed from OSS and
//!   checked against the local bytes when the server gives their CRC).
//! * [`BucketClient::resumable_download`]: an object into a file, with parallel ranged GETs
//!   (`If-Match` on the ETag) into a temporary file beside the target and a checkpoint of
//!   the finished ranges; the length and combined CRC-64 are checked before the rename.
//! * [`BucketClient::copy`]: CopyObject below the threshold, else parallel UploadPartCopy.
//! * [`BucketClient::upload_stream`] / [`BucketClient::upload_reader`]: data of unknown
//!   length, in part-sized buffers with a bounded number of parts in flight.
//!
//! Memory stays near `parallelism × part size` whatever the object size: file parts are read
//! from the file one part at a time, downloads stream each range to its offset. Progress
//! callbacks get `(bytes done, total)`, each byte once; a resumed transfer reports the bytes
//! already done in one call at the start. The whole-object CRC-64 is verified at the end of
//! every transfer (unless the client's CRC checks are off).
//!
//! ```
//! use osskit::{Auth, Bucket};
//! use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start().await;
//! let auth = Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
//! let bucket = Bucket::new(auth, &server.endpoint(), "transfer-example")?;
//! bucket.create_bucket().await?;
//!
//! let dir = tempfile::tempdir()?;
//! let source = dir.path().join("big.bin");
//! let data: Vec<u8> = (0..350 * 1024u32).map(|i| (i % 251) as u8).collect();
//! std::fs::write(&source, &data)?;
//!
//! // Three parts of 128 KiB (the last one shorter), two at a time.
//! let up = bucket
//!     .resumable_upload("big.bin", &source)
//!     .multipart_threshold(100 * 1024)
//!     .part_size(128 * 1024)
//!     .parallelism(2)
//!     .checkpoint_dir(dir.path().join("checkpoints"))
//!     .await?;
//! assert_eq!(up.parts, 3);
//! assert_eq!(up.crc64, Some(osskit::utils::crc64(&data)));
//!
//! let target = dir.path().join("copy.bin");
//! let down = bucket
//!     .resumable_download("big.bin", &target)
//!     .multiget_threshold(100 * 1024)
//!     .part_size(100 * 1024)
//!     .checkpoint_dir(dir.path().join("checkpoints"))
//!     .await?;
//! assert_eq!(down.parts, 4);
//! assert_eq!(std::fs::read(&target)?, data);
//!
//! let copied = bucket.copy("transfer-example", "big.bin", "big-copy.bin").await?;
//! assert_eq!(copied.crc64, up.crc64);
//!
//! let streamed = bucket
//!     .upload_stream("streamed.bin", futures_util::stream::iter(vec![
//!         Ok::<_, std::io::Error>(bytes::Bytes::from(data.clone())),
//!     ]))
//!     .part_size(100 * 1024)
//!     .await?;
//! assert_eq!(streamed.size, data.len() as u64);
//! assert_eq!(streamed.parts, 4);
//! # Ok(())
//! # }
//! ```
//!
//! [`BucketClient`]: crate::bucket::BucketClient
//! [`BucketClient::resumable_upload`]: crate::bucket::BucketClient::resumable_upload
//! [`BucketClient::resumable_download`]: crate::bucket::BucketClient::resumable_download
//! [`BucketClient::copy`]: crate::bucket::BucketClient::copy
//! [`BucketClient::upload_stream`]: crate::bucket::BucketClient::upload_stream
//! [`BucketClient::upload_reader`]: crate::bucket::BucketClient::upload_reader

mod buffers;
mod checkpoint;
mod copy;
mod download;
mod files;
mod plan;
mod progress;
mod remote;
mod stream;
mod upload;

pub use checkpoint::default_checkpoint_dir;
pub use copy::{Copier, CopyOutput};
pub use download::{DownloadOutput, ResumableDownload};
pub use plan::{determine_part_size, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE};
pub use stream::UploadStream;
pub use upload::{ResumableUpload, UploadOutput};

use crate::bucket::BucketClient;
use crate::mode::{Async, Mode};

/// Default threshold of [`ResumableUpload`] and [`ResumableDownload`]: smaller objects go in
/// one request (10 MiB).
pub const DEFAULT_THRESHOLD: u64 = 10 * 1024 * 1024;
/// Default part size of uploads, downloads and streams (8 MiB).
pub const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;
/// Default number of parts in flight.
pub const DEFAULT_PARALLELISM: usize = 4;
/// Default threshold of the [`Copier`]: smaller objects are copied with CopyObject (200 MiB).
pub const DEFAULT_COPY_THRESHOLD: u64 = 200 * 1024 * 1024;
/// Default part size of the [`Copier`] (64 MiB).
pub const DEFAULT_COPY_PART_SIZE: u64 = 64 * 1024 * 1024;

/// The async client with the same settings: managers run on it whatever the caller's mode.
pub(crate) fn async_client<M: Mode>(client: &BucketClient<M>) -> BucketClient<Async> {
    BucketClient {
        config: client.config.clone(),
        name: client.name.clone(),
        mode: Async,
    }
}

/// A client of another bucket with the same settings.
pub(crate) fn other_bucket(client: &BucketClient<Async>, name: &str) -> BucketClient<Async> {
    BucketClient {
        config: client.config.clone(),
        name: std::sync::Arc::from(name),
        mode: Async,
    }
}

/// Adds the setters of the headers of a new object to a builder with a `headers` field.
macro_rules! object_header_setters {
    ($b:ident) => {
        impl<M: $crate::mode::Mode> $b<M> {
            /// `Content-Type` of the new object (guessed from the key when not given).
            pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
                self.headers.content_type = Some(content_type.into());
                self
            }

            /// User metadata of the new object, sent as `x-oss-meta-<name>`.
            pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.headers.metadata.push((name.into(), value.into()));
                self
            }

            /// An extra header for the request that creates the object (PutObject or
            /// InitiateMultipartUpload), e.g. `x-oss-object-acl` or `x-oss-storage-class`.
            pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.headers.headers.push((name.into(), value.into()));
                self
            }
        }
    };
}
pub(crate) use object_header_setters;
