//! Seams through which a wrapper changes what an operation sends and receives without a
//! copy of the operation: a length-preserving [`Codec`] of an object's bytes (applied to
//! upload bodies, download bodies and the parts of the transfer managers), a [`RequestHook`]
//! run once before a request is sent (and after a GET is answered), and a [`TransferCodecs`]
//! source the transfer managers ask for codecs. Client-side encryption is built on them.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::future::BoxFuture;
use http::HeaderMap;

use crate::error::Result;
use crate::ops::download::GetObjectOutput;
use crate::request::OssRequest;

/// A length-preserving transformation of an object's bytes that depends only on their
/// offset in the object (a stream cipher), so any range can be transformed on its own.
pub(crate) trait Codec: Send + Sync + 'static {
    /// Transforms `data`, which starts at byte `offset` of the object, in place.
    fn apply(&self, offset: u64, data: &mut [u8]);

    /// Transforms `input` (starting at `offset`) into `output` (of the same length).
    fn apply_to(&self, offset: u64, input: &[u8], output: &mut [u8]) {
        output.copy_from_slice(input);
        self.apply(offset, output);
    }

    /// Transforms a chunk, in place when it is not shared.
    fn apply_bytes(&self, offset: u64, chunk: Bytes) -> Bytes {
        match chunk.try_into_mut() {
            Ok(mut owned) => {
                self.apply(offset, &mut owned);
                owned.freeze()
            }
            Err(shared) => {
                let mut out = BytesMut::zeroed(shared.len());
                self.apply_to(offset, &shared, &mut out);
                out.freeze()
            }
        }
    }
}

/// A codec at a position: the offset in the object of the first byte it will see.
#[derive(Clone)]
pub(crate) struct Positioned {
    pub codec: Arc<dyn Codec>,
    pub offset: u64,
}

/// Runs once per operation, around its request (not per retry attempt).
pub(crate) trait RequestHook: Send + Sync + 'static {
    /// May change the request (headers, parameters, body) or refuse it with an error, before
    /// anything is sent.
    fn before<'a>(&'a self, req: &'a mut OssRequest) -> BoxFuture<'a, Result<()>>;

    /// May change the output of a GET (decode its body) before the caller sees it.
    fn after_get(&self, out: GetObjectOutput) -> BoxFuture<'_, Result<GetObjectOutput>> {
        Box::pin(async move { Ok(out) })
    }
}

/// A new object's codec, as the transfer managers get it for an upload.
pub(crate) struct NewObjectCodec {
    /// Headers for the request that creates the object (PutObject or
    /// InitiateMultipartUpload).
    pub headers: Vec<(String, String)>,
    /// What the bytes go through before they are sent.
    pub codec: Arc<dyn Codec>,
    /// What the checkpoint keeps so that an interrupted upload resumes with the same codec
    /// (never secret material).
    pub record: serde_json::Value,
}

/// Where the transfer managers get codecs: for a new object, for a resumed upload, and for
/// an existing object being downloaded.
pub(crate) trait TransferCodecs: Send + Sync + 'static {
    /// Part sizes must be a multiple of this.
    fn part_alignment(&self) -> u64;

    /// The codec of a new object of `size` bytes sent in parts of `part_size` (`None` for a
    /// single PutObject).
    fn new_object(
        &self,
        size: u64,
        part_size: Option<u64>,
    ) -> BoxFuture<'_, Result<NewObjectCodec>>;

    /// The codec recorded by [`NewObjectCodec::record`]; `None` when the record cannot be
    /// used (the upload then starts over).
    fn resume<'a>(
        &'a self,
        record: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Arc<dyn Codec>>>>;

    /// The codec of an existing object from its response headers; `None` for an object
    /// stored as is.
    fn existing<'a>(
        &'a self,
        headers: &'a HeaderMap,
    ) -> BoxFuture<'a, Result<Option<Arc<dyn Codec>>>>;

    /// The hook of a whole-object download (get_object_to_file) of such an object.
    fn download_hook(&self) -> Arc<dyn RequestHook>;
}
