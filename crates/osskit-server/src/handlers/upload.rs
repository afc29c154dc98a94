//! Reading request bodies without holding a thread for a slow client.
//!
//! A body arrives on the connection's async task. Small documents are collected in memory
//! ([`read_small_body`]). Object data ([`receive_blob`]) is written to a new blob:
//!
//! - a small body that arrives at once is collected and written by one blocking call (the
//!   common case: one thread hand-off);
//! - anything else goes through a pipeline of short blocking tasks, one batch (up to
//!   [`BATCH_BYTES`]) at a time: one task writes the batch while another hashes it (MD5 and
//!   CRC-64, see [`crate::store::digest`]) and the connection task receives the next batch.
//!   The writer and the digests move from task to task, so between batches no thread is
//!   held, however slowly the client sends;
//! - a client that pauses has what it sent so far written out after [`FLUSH_AFTER`], so a
//!   stalled upload holds a socket and a temporary file, not memory;
//! - a body that stops for longer than the stall timeout fails with `RequestTimeout`, and
//!   one that grows past the size limit fails with `EntityTooLarge` as soon as it does. The
//!   temporary file goes with the failed request.
//!
//! The bytes of an object under server-side encryption are encrypted as they are written
//! ([`BlobKeys`]); the digests are always those of the bytes received.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::quick;
use crate::dispatch::AppState;
use crate::error::OssError;
use crate::store::digest::Digests;
use crate::store::{BlobWriter, PendingBlob, Store, StoreError};

/// Bytes of request frames handed to the blob writer at once (one vectored write, one
/// thread wake-up).
pub const BATCH_BYTES: usize = 1024 * 1024;

/// Bodies up to this size that arrive without a pause are received into memory, then
/// written in one blocking call.
pub const SMALL_BODY: usize = 256 * 1024;

/// A pause of the client this long has what it sent so far written out (not held).
pub const FLUSH_AFTER: Duration = Duration::from_millis(50);

/// Batches smaller than this are hashed by the task that writes them (starting a second
/// task costs more than hashing them).
const HASH_APART: usize = 256 * 1024;

/// What waiting for the next piece of a body gave.
enum Next {
    /// Bytes.
    Data(Bytes),
    /// Nothing arrived for a short while (the body goes on).
    Quiet,
    /// The body is complete.
    End,
}

/// A request body read with the stall timeout (and, under a traffic limit, no faster than
/// the limit: see [`super::traffic`]).
struct TimedBody {
    body: Incoming,
    stall: Duration,
    last_data: Instant,
    pace: Option<crate::http::body::Pace>,
}

impl TimedBody {
    fn new(body: Incoming, stall: Duration) -> TimedBody {
        TimedBody {
            body,
            stall,
            last_data: Instant::now(),
            pace: super::traffic::upload_limit().map(crate::http::body::Pace::new),
        }
    }

    /// The next data, waiting at most `quiet` (then [`Next::Quiet`]), and failing with
    /// `RequestTimeout` once nothing arrived for the stall timeout.
    async fn next(&mut self, quiet: Duration) -> Result<Next, OssError> {
        let stall_deadline = self.last_data + self.stall;
        let deadline = (Instant::now() + quiet).min(stall_deadline);
        loop {
            match tokio::time::timeout_at(deadline, self.body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        if let Some(pace) = self.pace.as_mut() {
                            // Read no faster than the limit: the next frame is asked for
                            // once these bytes' time has passed.
                            tokio::time::sleep_until(pace.deadline_after(data.len() as u64)).await;
                        }
                        self.last_data = Instant::now();
                        return Ok(Next::Data(data));
                    }
                }
                Ok(Some(Err(e))) => return Err(body_failed(e)),
                Ok(None) => return Ok(Next::End),
                Err(_) if Instant::now() >= stall_deadline => return Err(request_timeout()),
                Err(_) => return Ok(Next::Quiet),
            }
        }
    }
}

/// `RequestTimeout`: the body stopped arriving.
pub fn request_timeout() -> OssError {
    OssError::new(ErrorCode::RequestTimeout)
}

fn body_failed(e: hyper::Error) -> OssError {
    OssError::with_message(
        ErrorCode::InvalidRequest,
        format!("Failed to read the request body: {e}"),
    )
}

fn too_large(limit: u64) -> OssError {
    OssError::with_message(
        ErrorCode::EntityTooLarge,
        format!("Your proposed upload exceeds the maximum allowed size of {limit} bytes."),
    )
}

tokio::task_local! {
    /// The stall timeout of the request being served (set by the connection around each
    /// request; [`crate::config::Limits::default`]'s when unset).
    pub static STALL_TIMEOUT: Duration;
}

/// The stall timeout of the current request.
pub fn stall_timeout() -> Duration {
    STALL_TIMEOUT
        .try_with(|d| *d)
        .unwrap_or_else(|_| crate::config::Limits::default().stall_timeout)
}

/// Reads a small request body (an XML document) into memory, refusing more than `limit`
/// bytes (`EntityTooLarge`) and a body that stalls for the server's stall timeout
/// (`RequestTimeout`).
pub async fn read_small_body(body: Incoming, limit: usize) -> Result<Bytes, OssError> {
    let stall = stall_timeout();
    let mut body = TimedBody::new(body, stall);
    let mut buf = Vec::new();
    loop {
        match body.next(stall).await? {
            Next::Data(data) => {
                if buf.len() + data.len() > limit {
                    return Err(OssError::with_message(
                        ErrorCode::EntityTooLarge,
                        format!("The request body exceeds the limit of {limit} bytes."),
                    ));
                }
                buf.extend_from_slice(&data);
            }
            Next::Quiet => {}
            Next::End => return Ok(Bytes::from(buf)),
        }
    }
}

/// How the bytes of a new blob are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobKeys {
    /// As they are.
    Plain,
    /// Encrypted under the blob's own key stream (a new encrypted object or part).
    Own,
    /// Encrypted under the key stream of blob `blob` from byte `offset`: bytes appended to
    /// an encrypted object.
    Append {
        /// The object's blob.
        blob: String,
        /// Where the bytes go.
        offset: u64,
    },
}

impl BlobKeys {
    /// [`BlobKeys::Own`] when `encrypted`, else [`BlobKeys::Plain`].
    pub fn own_if(encrypted: bool) -> BlobKeys {
        if encrypted {
            BlobKeys::Own
        } else {
            BlobKeys::Plain
        }
    }

    /// Sets up `writer` to keep its bytes this way (before the first write).
    pub fn apply(&self, writer: &mut BlobWriter) -> Result<(), StoreError> {
        match self {
            BlobKeys::Plain => Ok(()),
            BlobKeys::Own => writer.encrypt(None),
            BlobKeys::Append { blob, offset } => writer.encrypt(Some((blob, *offset))),
        }
    }
}

/// Streams the request body into a new blob of at most `limit` bytes (see the module
/// documentation). A body that fails or ends early leaves nothing behind.
pub async fn receive_blob(
    state: &AppState,
    body: Incoming,
    limit: u64,
) -> Result<PendingBlob, OssError> {
    receive_blob_with(state, body, limit, BlobKeys::Plain).await
}

/// [`receive_blob`], keeping the bytes as `keys` says (encrypted or not).
pub async fn receive_blob_with(
    state: &AppState,
    body: Incoming,
    limit: u64,
    keys: BlobKeys,
) -> Result<PendingBlob, OssError> {
    let mut body = TimedBody::new(body, state.limits.stall_timeout);
    let mut received = 0u64;
    let mut held: Vec<Bytes> = Vec::new();
    let mut held_len = 0usize;
    // A small body that arrives without a pause is collected and written in one call.
    loop {
        match body.next(FLUSH_AFTER).await? {
            Next::Data(data) => {
                received += data.len() as u64;
                if received > limit {
                    return Err(too_large(limit));
                }
                held_len += data.len();
                held.push(data);
                if held_len > SMALL_BODY {
                    break;
                }
            }
            Next::End => {
                return quick(state, move |store| {
                    let mut w = store.new_blob()?;
                    keys.apply(&mut w)?;
                    for data in &held {
                        w.write(data)?;
                    }
                    w.finish()
                })
                .await
                .map_err(|e| OssError::from_store(e, "", None));
            }
            Next::Quiet => break,
        }
    }
    let mut sink = BlobSink::start(state, keys).await?;
    match stream_rest(&mut body, &mut sink, held, received, limit).await {
        Ok(()) => sink.finish().await,
        Err(e) => {
            // The temporary file goes before the answer does.
            sink.discard().await;
            Err(e)
        }
    }
}

/// Receives the rest of a body into `sink`, starting with what was `held`.
async fn stream_rest(
    body: &mut TimedBody,
    sink: &mut BlobSink,
    held: Vec<Bytes>,
    mut received: u64,
    limit: u64,
) -> Result<(), OssError> {
    sink.submit(held).await?;
    let mut batch: Vec<Bytes> = Vec::new();
    let mut batched = 0usize;
    loop {
        match body.next(FLUSH_AFTER).await? {
            Next::Data(data) => {
                received += data.len() as u64;
                if received > limit {
                    return Err(too_large(limit));
                }
                batched += data.len();
                batch.push(data);
                if batched >= BATCH_BYTES {
                    batched = 0;
                    sink.submit(std::mem::take(&mut batch)).await?;
                }
            }
            Next::Quiet => {
                // The client paused: write out what it sent instead of holding it.
                if !batch.is_empty() {
                    batched = 0;
                    sink.submit(std::mem::take(&mut batch)).await?;
                }
            }
            Next::End => break,
        }
    }
    sink.submit(batch).await
}

/// A batch being written: gives the writer back, with the digests when it hashed the batch
/// itself.
type WriteTask = JoinHandle<(BlobWriter, Option<Digests>, io::Result<()>)>;

/// A blob being written batch by batch on short blocking tasks (see the module docs).
struct BlobSink {
    writer: Option<BlobWriter>,
    digests: Option<Digests>,
    /// The batch in flight: its write, and its hashing when that runs apart.
    inflight: Option<(WriteTask, Option<JoinHandle<Digests>>)>,
}

fn task_failed(e: tokio::task::JoinError) -> OssError {
    OssError::internal(format!("object writer task failed: {e}"))
}

impl BlobSink {
    async fn start(state: &AppState, keys: BlobKeys) -> Result<BlobSink, OssError> {
        let store: Arc<dyn Store> = state.store.clone();
        let writer = tokio::task::spawn_blocking(move || {
            let mut w = store.new_blob()?;
            keys.apply(&mut w)?;
            w.hash_elsewhere()?;
            Ok::<_, StoreError>(w)
        })
        .await
        .map_err(task_failed)?
        .map_err(|e| OssError::from_store(e, "", None))?;
        Ok(BlobSink {
            writer: Some(writer),
            digests: Some(Digests::inline()),
            inflight: None,
        })
    }

    /// Waits for the batch in flight and takes the writer and digests back.
    async fn settle(&mut self) -> Result<(), OssError> {
        if let Some((write, hash)) = self.inflight.take() {
            let (writer, digests, written) = write.await.map_err(task_failed)?;
            // Keep the writer even on failure: dropping it removes the temporary file.
            self.writer = Some(writer);
            written.map_err(|e| OssError::from_io(e, "write object data"))?;
            self.digests = match (digests, hash) {
                (Some(d), _) => Some(d),
                (None, Some(hash)) => Some(hash.await.map_err(task_failed)?),
                (None, None) => None,
            };
        }
        Ok(())
    }

    /// Hands `batch` to the blocking pool once the previous one is done.
    async fn submit(&mut self, batch: Vec<Bytes>) -> Result<(), OssError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.settle().await?;
        let (Some(mut writer), Some(mut digests)) = (self.writer.take(), self.digests.take())
        else {
            return Err(OssError::internal("blob writer lost"));
        };
        let total: usize = batch.iter().map(Bytes::len).sum();
        if total < HASH_APART {
            let write = tokio::task::spawn_blocking(move || {
                digests.feed_chunks(&batch);
                let written = writer.write_chunks_through(&batch);
                (writer, Some(digests), written)
            });
            self.inflight = Some((write, None));
            return Ok(());
        }
        let hashed = batch.clone();
        let hash = tokio::task::spawn_blocking(move || {
            digests.feed_chunks(&hashed);
            digests
        });
        let write = tokio::task::spawn_blocking(move || {
            let written = writer.write_chunks_through(&batch);
            (writer, None, written)
        });
        self.inflight = Some((write, Some(hash)));
        Ok(())
    }

    /// Waits for the batch in flight, then drops the writer (removing its file).
    async fn discard(mut self) {
        if let Some((write, hash)) = self.inflight.take() {
            let _ = write.await;
            if let Some(hash) = hash {
                let _ = hash.await;
            }
        }
    }

    /// Waits for the last batch, then fsyncs the blob with its digests.
    async fn finish(mut self) -> Result<PendingBlob, OssError> {
        self.settle().await?;
        let (Some(writer), Some(digests)) = (self.writer.take(), self.digests.take()) else {
            return Err(OssError::internal("blob writer lost"));
        };
        let (md5, crc) = digests.finish();
        tokio::task::spawn_blocking(move || writer.finish_with(md5, crc))
            .await
            .map_err(task_failed)?
            .map_err(|e| OssError::from_store(e, "", None))
    }
}
