//! Response bodies: a buffer, or an object's bytes mapped window by window, either of them
//! possibly compressed or paced on the way out ([`Filtered`]).
//!
//! An object body never holds a thread while the client reads: each window of the file is
//! mapped by a short task on the blocking pool (the pages are faulted in there, so a cold
//! disk read never stalls an async thread), one window ahead of what the connection sends,
//! and the body hands the connection frames cut from the mapped windows (see
//! [`super::mapped`]). A client that stops reading stops the body: the connection stops
//! asking for frames, so nothing more is mapped.
//!
//! The first [`WARM_BYTES`] of a response go in small windows of [`WARM_WINDOW`]: a client
//! that never reads only makes the kernel's socket buffers fill (a few MiB at most), and
//! meanwhile holds one small window, not eight megabytes of mapped pages. Past that the
//! client has shown it reads, and windows grow to [`MAP_WINDOW`].
//!
//! Extents of blobs encrypted at rest cannot be served from the page cache as they are:
//! their windows (at most [`CHUNK_SIZE`]) are read and decrypted into a buffer by the same
//! kind of short blocking task, one window ahead.

use std::fs::File;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::task::JoinHandle;

use crate::store::{Extent, ObjectData};

/// Largest frame handed to the connection.
pub const CHUNK_SIZE: usize = 1024 * 1024;

/// Bytes mapped at a time once the client has shown it reads (and prefaulted in one
/// system call).
pub const MAP_WINDOW: usize = 8 * 1024 * 1024;

/// Bytes mapped at a time at the start of a response.
pub const WARM_WINDOW: usize = 64 * 1024;

/// How much of a response goes in [`WARM_WINDOW`]s.
pub const WARM_BYTES: u64 = 8 * 1024 * 1024;

/// The body of every response.
#[derive(Debug)]
pub enum ResponseBody {
    /// Bytes in memory (`None` once sent).
    Full(Option<Bytes>),
    /// An object's bytes, mapped window by window.
    Object(Box<ObjectStream>),
    /// Another body compressed (gzip) or paced to a traffic limit on the way out.
    Filtered(Box<Filtered>),
}

impl ResponseBody {
    /// An empty body.
    pub fn empty() -> Self {
        ResponseBody::Full(None)
    }

    /// A body holding `bytes`.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let b: Bytes = bytes.into();
        if b.is_empty() {
            ResponseBody::Full(None)
        } else {
            ResponseBody::Full(Some(b))
        }
    }

    /// Streams `len` bytes of `data` from byte `start` (see the module documentation).
    /// Memory does not grow with the object size, and no thread waits for the client.
    pub fn object(data: ObjectData, start: u64, len: u64) -> Self {
        ResponseBody::Object(Box::new(ObjectStream::new(data, start, len)))
    }
}

impl ResponseBody {
    /// This body gzip-compressed as it is sent (its length is then unknown: the response
    /// goes chunked).
    pub fn gzip(self) -> ResponseBody {
        let mut f = Filtered::around(self);
        f.gzip = Some(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        ResponseBody::Filtered(Box::new(f))
    }

    /// This body sent at no more than `bits_per_sec` (`x-oss-traffic-limit`): frames of a
    /// tenth of a second's worth, each sent once the time its bytes take at that rate has
    /// passed since the first.
    pub fn paced(self, bits_per_sec: u64) -> ResponseBody {
        let mut f = match self {
            ResponseBody::Filtered(f) if f.pace.is_none() => *f,
            other => Filtered::around(other),
        };
        f.pace = Some(Pace::new(bits_per_sec));
        ResponseBody::Filtered(Box::new(f))
    }
}

/// Sending at a given number of bits per second.
#[derive(Debug)]
pub struct Pace {
    bytes_per_sec: f64,
    started: Option<tokio::time::Instant>,
    sent: u64,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Pace {
    /// A pace of `bits_per_sec` (at least 8).
    pub fn new(bits_per_sec: u64) -> Pace {
        Pace {
            bytes_per_sec: (bits_per_sec.max(8) / 8) as f64,
            started: None,
            sent: 0,
            sleep: None,
        }
    }

    /// Bytes per frame: a tenth of a second's worth (at least 1 KiB).
    pub fn frame_bytes(&self) -> usize {
        ((self.bytes_per_sec / 10.0) as usize).max(1024)
    }

    /// When `bytes` more may have been sent, counting from the first call.
    pub fn deadline_after(&mut self, bytes: u64) -> tokio::time::Instant {
        let started = *self.started.get_or_insert_with(tokio::time::Instant::now);
        self.sent += bytes;
        started + std::time::Duration::from_secs_f64(self.sent as f64 / self.bytes_per_sec)
    }
}

/// A body compressed and/or paced (see [`ResponseBody::gzip`], [`ResponseBody::paced`]).
#[derive(Debug)]
pub struct Filtered {
    inner: ResponseBody,
    inner_done: bool,
    gzip: Option<flate2::write::GzEncoder<Vec<u8>>>,
    pace: Option<Pace>,
    /// Output waiting to be sent (cut into paced frames).
    ready: Bytes,
    /// A paced frame waiting for its time.
    held: Option<Bytes>,
}

impl Filtered {
    fn around(inner: ResponseBody) -> Filtered {
        Filtered {
            inner,
            inner_done: false,
            gzip: None,
            pace: None,
            ready: Bytes::new(),
            held: None,
        }
    }

    /// The next output bytes, before pacing.
    fn poll_output(&mut self, cx: &mut Context<'_>) -> Poll<Option<std::io::Result<Bytes>>> {
        use std::io::Write;
        loop {
            if self.inner_done {
                let Some(gz) = self.gzip.take() else {
                    return Poll::Ready(None);
                };
                let tail = gz.finish()?;
                if tail.is_empty() {
                    return Poll::Ready(None);
                }
                return Poll::Ready(Some(Ok(Bytes::from(tail))));
            }
            let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.inner_done = true;
                    continue;
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(frame))) => frame,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            match self.gzip.as_mut() {
                None => return Poll::Ready(Some(Ok(data))),
                Some(gz) => {
                    gz.write_all(&data)?;
                    let out = std::mem::take(gz.get_mut());
                    if !out.is_empty() {
                        return Poll::Ready(Some(Ok(Bytes::from(out))));
                    }
                }
            }
        }
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<std::io::Result<Frame<Bytes>>>> {
        loop {
            if let Some(pace) = self.pace.as_mut() {
                if let Some(sleep) = pace.sleep.as_mut() {
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    pace.sleep = None;
                    if let Some(frame) = self.held.take() {
                        return Poll::Ready(Some(Ok(Frame::data(frame))));
                    }
                }
            }
            if !self.ready.is_empty() {
                let Some(pace) = self.pace.as_mut() else {
                    return Poll::Ready(Some(Ok(Frame::data(std::mem::take(&mut self.ready)))));
                };
                let n = self.ready.len().min(pace.frame_bytes());
                let frame = self.ready.split_to(n);
                let deadline = pace.deadline_after(n as u64);
                if deadline <= tokio::time::Instant::now() {
                    return Poll::Ready(Some(Ok(Frame::data(frame))));
                }
                // The frame goes once its time has come.
                self.held = Some(frame);
                pace.sleep = Some(Box::pin(tokio::time::sleep_until(deadline)));
                continue;
            }
            match self.poll_output(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(bytes))) => self.ready = bytes,
            }
        }
    }

    fn is_end(&self) -> bool {
        self.inner_done && self.gzip.is_none() && self.ready.is_empty() && self.held.is_none()
    }
}

/// The open file of the blob being read, reused by the next window of the same blob.
type OpenBlob = (String, Arc<File>);

/// A window being mapped: gives back the open file and the mapped bytes.
type MapTask = JoinHandle<std::io::Result<(OpenBlob, Bytes)>>;

/// An object's bytes being sent (see the module documentation).
#[derive(Debug)]
pub struct ObjectStream {
    data: Arc<ObjectData>,
    /// The extents of the range, in order.
    pieces: Vec<Extent>,
    /// The extent the next window comes from, and how much of it is already mapped.
    piece: usize,
    piece_done: u64,
    /// Bytes mapped so far (decides the size of the next window).
    mapped: u64,
    /// The open file of the blob last mapped.
    file: Option<OpenBlob>,
    /// Mapped bytes not handed out yet.
    current: Bytes,
    /// The next window, being mapped.
    pending: Option<MapTask>,
    /// The next window, cut from a blob kept mapped.
    next: Option<Bytes>,
    /// Bytes still to hand out.
    remaining: u64,
}

impl ObjectStream {
    fn new(data: ObjectData, start: u64, len: u64) -> ObjectStream {
        let pieces = data.extents().slice(start, len).as_slice().to_vec();
        let remaining = pieces.iter().map(|e| e.len).sum();
        ObjectStream {
            data: Arc::new(data),
            pieces,
            piece: 0,
            piece_done: 0,
            mapped: 0,
            file: None,
            current: Bytes::new(),
            pending: None,
            next: None,
            remaining,
        }
    }

    /// Starts mapping the next window, unless one is being mapped or nothing is left.
    fn prefetch(&mut self) {
        if self.pending.is_some() || self.next.is_some() {
            return;
        }
        let Some(piece) = self.pieces.get(self.piece) else {
            return;
        };
        // Warm windows are not prefaulted: a client that never reads then holds only the
        // pages the kernel copied into its socket.
        let (window, populate) = if self.mapped < WARM_BYTES {
            (WARM_WINDOW, false)
        } else {
            (MAP_WINDOW, true)
        };
        let encrypted = piece.encrypted;
        let window = if encrypted {
            window.min(CHUNK_SIZE)
        } else {
            window
        };
        let len = (piece.len - self.piece_done).min(window as u64) as usize;
        let offset = piece.offset + self.piece_done;
        let blob = piece.blob.clone();
        self.piece_done += len as u64;
        if self.piece_done >= piece.len {
            self.piece += 1;
            self.piece_done = 0;
        }
        self.mapped += len as u64;
        if !encrypted {
            if let Some(bytes) = self
                .data
                .map_cache()
                .and_then(|c| c.get(&blob, offset, len))
            {
                self.next = Some(bytes);
                return;
            }
        }
        let data = self.data.clone();
        let cached = self.file.take();
        self.pending = Some(tokio::task::spawn_blocking(move || {
            let file = match cached {
                Some((id, file)) if id == blob => file,
                _ => Arc::new(data.open_blob(&blob)?),
            };
            let cached = match data.map_cache() {
                Some(cache) if !encrypted => cache.get_or_map(&blob, &file, offset, len),
                _ => None,
            };
            let bytes = match cached {
                Some(bytes) => bytes,
                None if encrypted => data.read_decrypted(&file, &blob, offset, len)?,
                None => super::mapped::map_range(&file, offset, len, populate)?,
            };
            Ok(((blob, file), bytes))
        }));
    }
}

fn stopped_early() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "object reader stopped early",
    )
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            ResponseBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            ResponseBody::Object(stream) => stream.poll_next(cx),
            ResponseBody::Filtered(f) => f.poll_next(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Full(b) => b.is_none(),
            ResponseBody::Object(stream) => stream.remaining == 0,
            ResponseBody::Filtered(f) => f.is_end(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            ResponseBody::Object(stream) => SizeHint::with_exact(stream.remaining),
            ResponseBody::Filtered(f) if f.gzip.is_some() => SizeHint::default(),
            ResponseBody::Filtered(f) => {
                let inner = f.inner.size_hint();
                let pending = (f.ready.len() + f.held.as_ref().map_or(0, Bytes::len)) as u64;
                match inner.exact() {
                    Some(n) => SizeHint::with_exact(n + pending),
                    None => inner,
                }
            }
        }
    }
}

impl ObjectStream {
    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        loop {
            if self.remaining == 0 {
                return Poll::Ready(None);
            }
            if !self.current.is_empty() {
                let n = self.current.len().min(CHUNK_SIZE);
                let frame = self.current.split_to(n);
                self.remaining = self.remaining.saturating_sub(n as u64);
                return Poll::Ready(Some(Ok(Frame::data(frame))));
            }
            self.prefetch();
            if let Some(bytes) = self.next.take() {
                self.current = bytes;
                self.prefetch();
                continue;
            }
            let Some(pending) = self.pending.as_mut() else {
                self.remaining = 0;
                return Poll::Ready(Some(Err(stopped_early())));
            };
            let joined = match Pin::new(pending).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(joined) => joined,
            };
            self.pending = None;
            match joined {
                Ok(Ok((file, bytes))) => {
                    if bytes.is_empty() {
                        self.remaining = 0;
                        return Poll::Ready(Some(Err(stopped_early())));
                    }
                    self.file = Some(file);
                    self.current = bytes;
                    // The next window maps while this one is sent.
                    self.prefetch();
                }
                Ok(Err(e)) => {
                    self.remaining = 0;
                    return Poll::Ready(Some(Err(e)));
                }
                Err(e) => {
                    self.remaining = 0;
                    return Poll::Ready(Some(Err(std::io::Error::other(e))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::data::{BlobDir, Durability};
    use crate::store::Extents;
    use http_body_util::BodyExt;

    fn blob(dir: &BlobDir, bytes: &[u8]) -> String {
        let mut w = dir.writer().unwrap();
        w.write(bytes).unwrap();
        dir.install(w.finish().unwrap()).unwrap()
    }

    fn pattern(n: usize, seed: usize) -> Vec<u8> {
        (0..n).map(|i| ((i * 7 + seed) % 251) as u8).collect()
    }

    #[tokio::test]
    async fn streams_ranges_across_extents_and_window_sizes() {
        for cached in [false, true] {
            streams_ranges_across_extents(cached).await;
        }
    }

    /// Reads ranges of an object made of two extents, twice (the second time from the kept
    /// mappings when `cached`).
    async fn streams_ranges_across_extents(cached: bool) {
        let tmp = tempfile::tempdir().unwrap();
        let mut dir = BlobDir::open(tmp.path(), Durability::Volatile).unwrap();
        if cached {
            dir = dir.with_map_cache(1 << 30);
        }
        // Two blobs; the object takes a tail of the first and most of the second, so that
        // windows cross from the warm size to the full size inside an extent.
        let a = pattern(WARM_BYTES as usize + 3 * WARM_WINDOW + 17, 1);
        let b = pattern(MAP_WINDOW + CHUNK_SIZE + 5, 2);
        let (ia, ib) = (blob(&dir, &a), blob(&dir, &b));
        let extents = Extents::from_extents([
            Extent::new(ia.clone(), 10, a.len() as u64 - 10),
            Extent::new(ib, 0, b.len() as u64 - 3),
        ]);
        let whole: Vec<u8> = [&a[10..], &b[..b.len() - 3]].concat();
        for (start, len) in [
            (0u64, whole.len() as u64),
            (0u64, whole.len() as u64),
            (5, 100),
            (WARM_BYTES - 1, MAP_WINDOW as u64 + 2),
            (whole.len() as u64 - 7, 7),
        ] {
            let data = ObjectData::new(extents.clone(), dir.clone(), None);
            let body = ResponseBody::object(data, start, len);
            assert_eq!(body.size_hint().exact(), Some(len));
            let mut got = Vec::new();
            let mut body = body;
            while let Some(frame) = body.frame().await {
                let frame = frame.unwrap().into_data().unwrap();
                assert!(!frame.is_empty() && frame.len() <= CHUNK_SIZE);
                got.extend_from_slice(&frame);
            }
            assert_eq!(
                got,
                &whole[start as usize..(start + len) as usize],
                "{start}+{len}"
            );
        }
        let kept = dir.map_cache().map_or(0, |c| c.mapped());
        assert_eq!(
            kept,
            if cached {
                (a.len() + b.len()) as u64
            } else {
                0
            }
        );
        // A removed blob's mapping goes with it.
        dir.remove(&ia);
        let kept = dir.map_cache().map_or(0, |c| c.mapped());
        assert_eq!(kept, if cached { b.len() as u64 } else { 0 });
    }

    #[tokio::test]
    async fn encrypted_extents_stream_decrypted_next_to_plain_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = BlobDir::open(tmp.path(), Durability::Volatile).unwrap();
        let a = pattern(WARM_BYTES as usize + CHUNK_SIZE * 2 + 33, 3);
        let b = pattern(3 * WARM_WINDOW + 5, 4);
        let mut w = dir.writer().unwrap();
        w.encrypt(None).unwrap();
        w.write(&a).unwrap();
        let ia = dir.install(w.finish().unwrap()).unwrap();
        assert_ne!(
            std::fs::read(dir.path_of(&ia).unwrap()).unwrap(),
            a,
            "stored encrypted"
        );
        let ib = blob(&dir, &b);
        let extents = Extents::from_extents([
            Extent::new(ia.clone(), 17, a.len() as u64 - 17).encrypted(true),
            Extent::new(ib, 1, b.len() as u64 - 1),
            Extent::new(ia, 0, 40).encrypted(true),
        ]);
        let whole: Vec<u8> = [&a[17..], &b[1..], &a[..40]].concat();
        for (start, len) in [
            (0u64, whole.len() as u64),
            (3, 29),
            (WARM_BYTES - 5, CHUNK_SIZE as u64 + 9),
            (whole.len() as u64 - 45, 45),
        ] {
            let data = ObjectData::new(extents.clone(), dir.clone(), None);
            let mut body = ResponseBody::object(data, start, len);
            let mut got = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = frame.unwrap().into_data().unwrap();
                assert!(!frame.is_empty() && frame.len() <= CHUNK_SIZE);
                got.extend_from_slice(&frame);
            }
            assert!(
                got == whole[start as usize..(start + len) as usize],
                "{start}+{len}"
            );
        }
    }

    #[tokio::test]
    async fn a_short_file_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = BlobDir::open(tmp.path(), Durability::Volatile).unwrap();
        let id = blob(&dir, b"abc");
        let data = ObjectData::new(Extents::whole(id, 10), dir, None);
        assert!(ResponseBody::object(data, 0, 10).collect().await.is_err());
    }

    #[tokio::test]
    async fn full_body_yields_once() {
        let got = ResponseBody::full("hello")
            .collect()
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(&got[..], b"hello");
        assert!(ResponseBody::full("").is_end_stream());
    }
}
