//! Request bodies ([`Body`]) and response bodies ([`ByteStream`]).
//!
//! A [`Body`] made from bytes or a file has a known length (sent with `Content-Length`) and
//! can be sent again when a request is retried. A body made from a reader or a stream is
//! sent once; without a length it goes out with chunked transfer encoding.
//!
//! ```
//! use osskit::Body;
//! let b = Body::from("hello");
//! assert_eq!(b.len(), Some(5));
//! assert!(b.is_replayable());
//! let s = Body::from_stream(futures_util::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from("x"))]));
//! assert_eq!(s.len(), None);
//! assert!(!s.is_replayable());
//! ```

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use osskit_proto::crc64::Crc64;
use tokio::io::AsyncRead;

use crate::error::{BoxError, Error, Result};
use crate::hooks::Positioned;
use crate::progress::ProgressFn;

/// Size of the pieces bytes and files are sent in (progress granularity).
const CHUNK: usize = 64 * 1024;

/// The body of an upload.
pub struct Body {
    kind: BodyKind,
    /// Applied to the bytes as they are sent (client-side encryption).
    codec: Option<Positioned>,
}

enum BodyKind {
    Bytes(Bytes),
    File {
        path: PathBuf,
        len: u64,
    },
    /// The mutex only makes the body `Sync`; it is reached through `&mut` without locking.
    Stream {
        stream: Mutex<Option<BoxStream<'static, std::io::Result<Bytes>>>>,
        len: Option<u64>,
    },
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            BodyKind::Bytes(b) => write!(f, "Body::Bytes({} bytes)", b.len()),
            BodyKind::File { path, len } => {
                write!(f, "Body::File({}, {len} bytes)", path.display())
            }
            BodyKind::Stream { len, .. } => write!(f, "Body::Stream({len:?})"),
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl Body {
    /// An empty body.
    pub fn empty() -> Body {
        Body {
            kind: BodyKind::Bytes(Bytes::new()),
            codec: None,
        }
    }

    /// The contents of a file, read when the request is sent (again on each retry).
    pub async fn from_file(path: impl AsRef<Path>) -> Result<Body> {
        let path = path.as_ref().to_path_buf();
        let meta = tokio::fs::metadata(&path).await.map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("cannot read {}: {e}", path.display()),
            ))
        })?;
        if !meta.is_file() {
            return Err(Error::client(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        Ok(Body {
            kind: BodyKind::File {
                path,
                len: meta.len(),
            },
            codec: None,
        })
    }

    /// Bytes read from `reader`, sent once. With `len`, exactly that many bytes are sent
    /// with a `Content-Length`; without, the body is sent chunked.
    pub fn from_reader<R>(reader: R, len: Option<u64>) -> Body
    where
        R: AsyncRead + Send + 'static,
    {
        let stream = tokio_util::io::ReaderStream::with_capacity(reader, CHUNK);
        let stream: BoxStream<'static, std::io::Result<Bytes>> = match len {
            Some(n) => limit(stream, n).boxed(),
            None => stream.boxed(),
        };
        Body {
            kind: BodyKind::Stream {
                stream: Mutex::new(Some(stream)),
                len,
            },
            codec: None,
        }
    }

    /// Chunks from a stream, sent once with chunked transfer encoding.
    pub fn from_stream<S, E>(stream: S) -> Body
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let stream = stream.map_err(|e| std::io::Error::other(e.into())).boxed();
        Body {
            kind: BodyKind::Stream {
                stream: Mutex::new(Some(stream)),
                len: None,
            },
            codec: None,
        }
    }

    /// The length, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.kind {
            BodyKind::Bytes(b) => Some(b.len() as u64),
            BodyKind::File { len, .. } => Some(*len),
            BodyKind::Stream { len, .. } => *len,
        }
    }

    /// True for a body known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Whether the body can be sent more than once (bytes and files).
    pub fn is_replayable(&self) -> bool {
        !matches!(self.kind, BodyKind::Stream { .. })
    }

    /// The bytes, when the body is held in memory.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            BodyKind::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// Base64 MD5 of the contents (`Content-Md5`); only bytes and file bodies can be hashed.
    pub(crate) async fn content_md5(&self) -> Result<String> {
        use base64::Engine as _;
        use md5::{Digest, Md5};
        match &self.kind {
            BodyKind::Bytes(b) => Ok(osskit_proto::digest::content_md5(b)),
            BodyKind::File { path, .. } => {
                use tokio::io::AsyncReadExt;
                let mut file = tokio::fs::File::open(path).await?;
                let mut hasher = Md5::new();
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = file.read(&mut buf).await?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
                Ok(base64::engine::general_purpose::STANDARD.encode(hasher.finalize()))
            }
            BodyKind::Stream { .. } => Err(Error::client(
                "Content-MD5 can only be computed for bytes or file bodies, not for a stream",
            )),
        }
    }

    /// The bytes of an in-memory body that can be sent whole: when no progress callback
    /// wants to follow it, or when it is one [`CHUNK`] at most (the callback would fire once
    /// either way). Such a body is counted and hashed up front and handed to HTTP as one
    /// buffer, written together with the request head, instead of as a stream.
    pub(crate) fn whole(&self, progress: bool) -> Option<&Bytes> {
        if self.codec.is_some() {
            return None;
        }
        match &self.kind {
            BodyKind::Bytes(b) if !progress || b.len() <= CHUNK => Some(b),
            _ => None,
        }
    }

    /// The same body with its bytes transformed by `codec` as they are sent, the first one
    /// at `codec.offset` (every attempt starts over from there).
    pub(crate) fn with_codec(mut self, codec: Positioned) -> Body {
        self.codec = Some(codec);
        self
    }

    /// The body for one attempt: `None` when a one-shot body was already consumed.
    pub(crate) async fn take_for_attempt(
        &mut self,
    ) -> Result<Option<(BoxStream<'static, std::io::Result<Bytes>>, Option<u64>)>> {
        let raw = self.take_raw().await?;
        Ok(match (raw, self.codec.clone()) {
            (Some((stream, len)), Some(codec)) => Some((encode_stream(stream, codec), len)),
            (raw, _) => raw,
        })
    }

    async fn take_raw(
        &mut self,
    ) -> Result<Option<(BoxStream<'static, std::io::Result<Bytes>>, Option<u64>)>> {
        match &mut self.kind {
            BodyKind::Bytes(b) => {
                let len = b.len() as u64;
                Ok(Some((bytes_chunks(b.clone()).boxed(), Some(len))))
            }
            BodyKind::File { path, len } => {
                let file = tokio::fs::File::open(&*path).await.map_err(|e| {
                    Error::Io(std::io::Error::new(
                        e.kind(),
                        format!("cannot open {}: {e}", path.display()),
                    ))
                })?;
                let stream = limit(
                    tokio_util::io::ReaderStream::with_capacity(file, CHUNK),
                    *len,
                );
                Ok(Some((stream.boxed(), Some(*len))))
            }
            BodyKind::Stream { stream, len } => {
                let slot = stream.get_mut().unwrap_or_else(|p| p.into_inner());
                Ok(slot.take().map(|s| (s, *len)))
            }
        }
    }
}

/// The chunks of `stream` transformed by `codec`, each at its offset.
fn encode_stream(
    stream: BoxStream<'static, std::io::Result<Bytes>>,
    codec: Positioned,
) -> BoxStream<'static, std::io::Result<Bytes>> {
    let mut offset = codec.offset;
    stream
        .map_ok(move |chunk| {
            let at = offset;
            offset += chunk.len() as u64;
            codec.codec.apply_bytes(at, chunk)
        })
        .boxed()
}

/// `bytes` split into pieces of at most [`CHUNK`].
fn bytes_chunks(bytes: Bytes) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let mut rest = bytes;
    futures_util::stream::iter(std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = rest.len().min(CHUNK);
        Some(Ok(rest.split_to(n)))
    }))
}

/// Ends `stream` after exactly `len` bytes; fails if it ends before.
fn limit<S>(stream: S, len: u64) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    let stream = Box::pin(stream);
    futures_util::stream::unfold((stream, len), |(mut s, rem)| async move {
        if rem == 0 {
            return None;
        }
        match s.next().await {
            Some(Ok(mut chunk)) => {
                if chunk.len() as u64 > rem {
                    chunk.truncate(rem as usize);
                }
                let left = rem - chunk.len() as u64;
                Some((Ok(chunk), (s, left)))
            }
            Some(Err(e)) => Some((Err(e), (s, 0))),
            None => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("the body ended {rem} bytes before its announced length"),
                )),
                (s, 0),
            )),
        }
    })
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body {
            kind: BodyKind::Bytes(Bytes::from_static(s.as_bytes())),
            codec: None,
        }
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body {
            kind: BodyKind::Bytes(Bytes::from(s)),
            codec: None,
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body {
            kind: BodyKind::Bytes(Bytes::from(v)),
            codec: None,
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body {
            kind: BodyKind::Bytes(b),
            codec: None,
        }
    }
}

impl From<&'static [u8]> for Body {
    fn from(b: &'static [u8]) -> Self {
        Body {
            kind: BodyKind::Bytes(Bytes::from_static(b)),
            codec: None,
        }
    }
}

/// Counts and checksums the bytes that really go through a stream.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    state: Mutex<TallyState>,
}

#[derive(Debug, Default)]
struct TallyState {
    crc: Option<Crc64>,
    bytes: u64,
}

impl Tally {
    pub(crate) fn new(with_crc: bool) -> Arc<Tally> {
        Arc::new(Tally {
            state: Mutex::new(TallyState {
                crc: with_crc.then(Crc64::new),
                bytes: 0,
            }),
        })
    }

    /// Feeds `chunk`; returns the byte count so far.
    fn feed(&self, chunk: &[u8]) -> u64 {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(crc) = st.crc.as_mut() {
            crc.update(chunk);
        }
        st.bytes += chunk.len() as u64;
        st.bytes
    }

    /// CRC-64 of the bytes so far (when enabled).
    pub(crate) fn crc(&self) -> Option<u64> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .crc
            .as_ref()
            .map(Crc64::finish)
    }

    /// Number of bytes so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }
}

/// Counts (and hashes) a body sent whole, and reports it to `progress` as sent.
pub(crate) fn instrument_whole(bytes: &Bytes, tally: &Tally, progress: Option<&ProgressFn>) {
    let len = tally.feed(bytes);
    if let Some(cb) = progress {
        cb(len, Some(len));
    }
}

/// Wraps an upload stream so that the bytes handed to the transport are counted,
/// checksummed and reported.
pub(crate) fn instrument_upload(
    stream: BoxStream<'static, std::io::Result<Bytes>>,
    tally: Arc<Tally>,
    progress: Option<ProgressFn>,
    total: Option<u64>,
) -> BoxStream<'static, std::io::Result<Bytes>> {
    stream
        .inspect_ok(move |chunk| {
            let so_far = tally.feed(chunk);
            if let Some(cb) = &progress {
                cb(so_far, total);
            }
        })
        .boxed()
}

/// The body of a response, read as a stream of chunks.
///
/// When CRC checking is on, the CRC-64 of the bytes read so far is kept and available from
/// the operation's output (`client_crc()`).
pub struct ByteStream {
    inner: BoxStream<'static, Result<Bytes>>,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ByteStream")
    }
}

impl ByteStream {
    /// A stream over bytes already in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> ByteStream {
        let b: Bytes = bytes.into();
        ByteStream {
            inner: futures_util::stream::once(async move { Ok(b) }).boxed(),
        }
    }

    /// Wraps a response body: idle timeout per read, counting/CRC, progress.
    pub(crate) fn from_response(
        response: reqwest::Response,
        read_timeout: Duration,
        tally: Arc<Tally>,
        progress: Option<ProgressFn>,
        what: String,
        limiter: Option<Arc<crate::rate::RateLimiter>>,
    ) -> ByteStream {
        let total = response.content_length();
        let raw = response.bytes_stream();
        let mut timed = IdleTimeout::new(raw.boxed(), read_timeout, what).boxed();
        if let Some(limiter) = limiter {
            timed = crate::rate::throttle(timed, limiter);
        }
        let inner = timed
            .inspect_ok(move |chunk| {
                let so_far = tally.feed(chunk);
                if let Some(cb) = &progress {
                    cb(so_far, total);
                }
            })
            .boxed();
        ByteStream {
            inner: pump_if_worthwhile(inner, total),
        }
    }

    /// Wraps a gzip-encoded response body (asked for with `Accept-Encoding: gzip`): the
    /// chunks are decompressed as they arrive, then counted and hashed like
    /// [`ByteStream::from_response`]'s, so the CRC-64 is that of the object's bytes. When
    /// CRC checks are on and the server announced the object's CRC-64 (`expected_crc`, with
    /// the request id to report), the stream ends with [`Error::Inconsistent`] if the
    /// decoded bytes differ.
    pub(crate) fn from_gzip_response(
        response: reqwest::Response,
        read_timeout: Duration,
        tally: Arc<Tally>,
        progress: Option<ProgressFn>,
        what: String,
        expected_crc: Option<(u64, String)>,
        limiter: Option<Arc<crate::rate::RateLimiter>>,
    ) -> ByteStream {
        use std::io::Write;
        let raw = response.bytes_stream();
        let mut timed = IdleTimeout::new(raw.boxed(), read_timeout, what).boxed();
        if let Some(limiter) = limiter {
            timed = crate::rate::throttle(timed, limiter);
        }
        let decoder = Arc::new(Mutex::new(Some(flate2::write::GzDecoder::new(Vec::new()))));
        let inflate = |e: std::io::Error| {
            Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the gzip-encoded body cannot be decompressed: {e}"),
            ))
        };
        let chunks_decoder = decoder.clone();
        let decoded = timed.and_then(move |chunk| {
            let mut guard = chunks_decoder.lock().unwrap_or_else(|p| p.into_inner());
            let out = match guard.as_mut() {
                Some(d) => d
                    .write_all(&chunk)
                    .map(|()| Bytes::from(std::mem::take(d.get_mut())))
                    .map_err(inflate),
                None => Ok(Bytes::new()),
            };
            futures_util::future::ready(out)
        });
        let tail_tally = tally.clone();
        let tail = futures_util::stream::once(async move {
            let finished = decoder
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .map(|d| d.finish().map_err(inflate))
                .transpose()?
                .unwrap_or_default();
            Ok::<Bytes, Error>(Bytes::from(finished))
        });
        let counted_tally = tally.clone();
        let inner = decoded
            .chain(tail)
            .try_filter(|chunk| futures_util::future::ready(!chunk.is_empty()))
            .inspect_ok(move |chunk| {
                let so_far = counted_tally.feed(chunk);
                if let Some(cb) = &progress {
                    cb(so_far, None);
                }
            })
            .chain(futures_util::stream::once(async move {
                match (tail_tally.crc(), expected_crc) {
                    (Some(got), Some((want, request_id))) if got != want => {
                        Err(Error::Inconsistent {
                            message:
                                "the CRC-64 of the decompressed body differs from the object's"
                                    .to_string(),
                            client_crc: Some(got),
                            server_crc: Some(want),
                            request_id,
                        })
                    }
                    _ => Ok(Bytes::new()),
                }
            }))
            .try_filter(|chunk| futures_util::future::ready(!chunk.is_empty()))
            .boxed();
        ByteStream { inner }
    }

    /// The same stream with its chunks transformed by `codec` (the first byte at
    /// `codec.offset`), minus its first `discard` bytes.
    pub(crate) fn decode(self, codec: Positioned, discard: u64) -> ByteStream {
        let mut offset = codec.offset;
        let mut discard = discard;
        let inner = self
            .inner
            .map_ok(move |chunk| {
                let at = offset;
                offset += chunk.len() as u64;
                let mut out = codec.codec.apply_bytes(at, chunk);
                if discard > 0 {
                    let n = (discard as usize).min(out.len());
                    discard -= n as u64;
                    out = out.slice(n..);
                }
                out
            })
            .try_filter(|chunk| futures_util::future::ready(!chunk.is_empty()))
            .boxed();
        ByteStream { inner }
    }

    /// Reads the whole body into memory.
    pub async fn collect_bytes(mut self) -> Result<Bytes> {
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.inner.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.freeze())
    }

    /// The body as a [`tokio::io::AsyncRead`].
    pub fn into_async_read(self) -> impl AsyncRead + Send + Unpin + 'static {
        tokio_util::io::StreamReader::new(self.inner.map_err(|e| match e {
            Error::Io(io) => io,
            other => std::io::Error::other(other),
        }))
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// Bodies at least this long are read on a task of their own on a multi-thread runtime.
const PUMP_MIN_LEN: u64 = 4 * 1024 * 1024;

/// Chunks (each at most hyper's read buffer, about 400 KiB) queued between a pumped body and
/// its reader. One, so that at most three chunks (the queued one, the one the pump waits to
/// queue and the one the reader holds) are out of hyper's read buffer at a time: with more,
/// hyper cannot reuse its buffer and allocates a fresh one for every read, and the page
/// faults of those allocations cost more than the deeper queue saves (measured: 2,900 page
/// faults and 240 ms of client CPU per GiB with one, 32,000 and 290 ms with four).
const PUMP_CHUNKS: usize = 1;

/// On a multi-thread runtime, moves the reading of a large body (socket reads, CRC-64,
/// progress) to a task of its own, which hands the chunks over through a bounded queue.
///
/// hyper drives a connection on a task of the runtime and hands each chunk of a body over
/// to its reader one at a time, waiting for the reader to take it before reading on. When
/// the reader is a future polled elsewhere (`block_on` on the main thread of
/// `#[tokio::main]`, or another worker), the connection waits for a wake-up across threads
/// at every chunk. The pump is woken by the connection's task and so runs on the same
/// worker, keeps the connection reading while the reader is being woken, and does the
/// CRC-64 there. Bodies that are short, of unknown length, or read on a current-thread
/// runtime (the blocking facade's) are read in place.
fn pump_if_worthwhile(
    inner: BoxStream<'static, Result<Bytes>>,
    total: Option<u64>,
) -> BoxStream<'static, Result<Bytes>> {
    let multi_thread = tokio::runtime::Handle::try_current()
        .map(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
        .unwrap_or(false);
    if !multi_thread || total.is_none_or(|n| n < PUMP_MIN_LEN) {
        return inner;
    }
    let (tx, rx) = tokio::sync::mpsc::channel(PUMP_CHUNKS);
    let task = tokio::spawn(async move {
        let mut inner = inner;
        loop {
            // `None` marks the end, so that a pump that stops early (its runtime shut
            // down, a progress callback panicked) is not taken for a complete body.
            let item = inner.next().await;
            let last = !matches!(item, Some(Ok(_)));
            if tx.send(item).await.is_err() || last {
                return;
            }
        }
    });
    Pumped {
        rx,
        task: task.abort_handle(),
        ended: false,
    }
    .boxed()
}

/// The reading end of a pumped body; dropping it stops the pump (and so the download).
struct Pumped {
    rx: tokio::sync::mpsc::Receiver<Option<Result<Bytes>>>,
    task: tokio::task::AbortHandle,
    /// The end (or an error) was handed out.
    ended: bool,
}

impl Stream for Pumped {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match self.rx.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Some(Ok(chunk)))) => Poll::Ready(Some(Ok(chunk))),
            Poll::Ready(Some(Some(Err(e)))) => {
                self.ended = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Some(None)) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(Some(Err(Error::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the body ended early: the task reading it stopped (was its runtime shut \
                     down?)",
                )))))
            }
        }
    }
}

impl Drop for Pumped {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Fails a response body stream that stays silent for longer than the read timeout.
struct IdleTimeout {
    inner: BoxStream<'static, reqwest::Result<Bytes>>,
    timeout: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
    what: String,
    done: bool,
}

impl IdleTimeout {
    fn new(
        inner: BoxStream<'static, reqwest::Result<Bytes>>,
        timeout: Duration,
        what: String,
    ) -> Self {
        IdleTimeout {
            inner,
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            what,
            done: false,
        }
    }
}

impl Stream for IdleTimeout {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let deadline = tokio::time::Instant::now() + self.timeout;
                self.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                let timeout = e.is_timeout();
                Poll::Ready(Some(Err(Error::request(
                    format!("reading the body of {}", self.what),
                    e,
                    timeout,
                ))))
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.done = true;
                    let msg = format!("reading the body of {}", self.what);
                    let secs = self.timeout.as_secs_f64();
                    Poll::Ready(Some(Err(Error::request(
                        msg,
                        std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            format!("no data for {secs} s"),
                        ),
                        true,
                    ))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

use std::future::Future as _;

#[cfg(test)]
mod tests {
    use super::*;

    async fn drain(mut b: Body) -> (Vec<u8>, Option<u64>) {
        let (mut s, len) = b.take_for_attempt().await.unwrap().unwrap();
        let mut out = Vec::new();
        while let Some(c) = s.next().await {
            out.extend_from_slice(&c.unwrap());
        }
        (out, len)
    }

    /// A pumped body whose reader stops before the end (here its stream panics) ends with
    /// an error, never as if complete.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pump_that_stops_early_is_an_error() {
        let chunks = (0..4).map(|i| {
            if i == 3 {
                panic!("the reader stops");
            }
            Ok(Bytes::from(vec![i as u8; 1000]))
        });
        let inner = futures_util::stream::iter(chunks).boxed();
        let mut s = pump_if_worthwhile(inner, Some(PUMP_MIN_LEN));
        for i in 0..3u8 {
            assert_eq!(s.next().await.unwrap().unwrap()[0], i);
        }
        let e = s.next().await.unwrap().unwrap_err();
        assert!(e.to_string().contains("ended early"), "{e}");
        assert!(s.next().await.is_none());

        // A body read to its end ends cleanly.
        let whole = futures_util::stream::iter((0..3).map(|_| Ok(Bytes::from_static(b"ab"))));
        let s = pump_if_worthwhile(whole.boxed(), Some(PUMP_MIN_LEN));
        let got: Vec<Result<Bytes>> = s.collect().await;
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|c| c.as_ref().is_ok_and(|b| b == "ab")));
    }

    #[tokio::test]
    async fn bytes_are_chunked_and_replayable() {
        let data = vec![7u8; CHUNK * 2 + 3];
        let mut b = Body::from(data.clone());
        for _ in 0..2 {
            let (mut s, len) = b.take_for_attempt().await.unwrap().unwrap();
            assert_eq!(len, Some(data.len() as u64));
            let mut sizes = Vec::new();
            while let Some(c) = s.next().await {
                sizes.push(c.unwrap().len());
            }
            assert_eq!(sizes, vec![CHUNK, CHUNK, 3]);
        }
    }

    #[tokio::test]
    async fn stream_body_is_sent_once() {
        let mut b = Body::from_stream(futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
            Bytes::from("ab"),
        )]));
        assert!(b.take_for_attempt().await.unwrap().is_some());
        assert!(b.take_for_attempt().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn reader_with_length_is_limited_and_short_reader_fails() {
        let b = Body::from_reader(&b"hello world"[..], Some(5));
        let (out, len) = drain(b).await;
        assert_eq!(out, b"hello");
        assert_eq!(len, Some(5));

        let mut short = Body::from_reader(&b"abc"[..], Some(10));
        let (mut s, _) = short.take_for_attempt().await.unwrap().unwrap();
        assert_eq!(s.next().await.unwrap().unwrap(), Bytes::from("abc"));
        let err = s.next().await.unwrap().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn file_body_reads_the_file_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.bin");
        std::fs::write(&p, b"file contents").unwrap();
        let b = Body::from_file(&p).await.unwrap();
        assert_eq!(b.len(), Some(13));
        assert!(b.is_replayable());
        let (out, _) = drain(b).await;
        assert_eq!(out, b"file contents");
        let missing = Body::from_file(dir.path().join("nope")).await.unwrap_err();
        assert!(missing.to_string().contains("nope"), "{missing}");
    }

    #[tokio::test]
    async fn instrumented_upload_counts_and_reports() {
        let tally = Tally::new(false);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let cb: ProgressFn = Arc::new(move |c, t| s2.lock().unwrap().push((c, t)));
        let mut b = Body::from(vec![1u8; CHUNK + 1]);
        let (s, len) = b.take_for_attempt().await.unwrap().unwrap();
        let mut s = instrument_upload(s, tally.clone(), Some(cb), len);
        while s.next().await.is_some() {}
        assert_eq!(tally.bytes(), CHUNK as u64 + 1);
        let total = Some(CHUNK as u64 + 1);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![(CHUNK as u64, total), (CHUNK as u64 + 1, total)]
        );
    }
}
