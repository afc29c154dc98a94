//! Response bodies: a buffer, or bytes streamed from a file by a blocking reader.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::io::{Read, Seek, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

use super::mapped::MapError;

/// Size of the chunks read from object files (each is one frame handed to the connection).
pub const CHUNK_SIZE: usize = 1024 * 1024;

/// The body of every response.
#[derive(Debug)]
pub enum ResponseBody {
    /// Bytes in memory (`None` once sent).
    Full(Option<Bytes>),
    /// Bytes arriving from a reader task; `remaining` is what is still due.
    Stream {
        /// Chunks from the reader.
        rx: mpsc::Receiver<std::io::Result<Bytes>>,
        /// Bytes still to come.
        remaining: u64,
    },
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

    /// Streams `len` bytes of `file` starting at `start` from a blocking thread; at most two
    /// chunks wait in the channel, so memory does not grow with the object size. Reading stops
    /// when the receiver goes away.
    ///
    /// The bytes are mapped from the page cache ([`super::mapped`]) in windows of
    /// [`MAP_WINDOW`](super::mapped::MAP_WINDOW) and handed to the connection as frames of
    /// [`CHUNK_SIZE`] without a copy; where a file cannot be mapped they are read into
    /// buffers instead.
    pub fn file_range(file: std::fs::File, start: u64, len: u64) -> Self {
        let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(2);
        tokio::task::spawn_blocking(move || {
            match super::mapped::send_mapped(&file, start, len, &tx) {
                Ok(()) | Err(MapError::Closed) => {}
                Err(MapError::Io(e)) => {
                    let _ = tx.blocking_send(Err(e));
                }
                Err(MapError::Unsupported) => send_read(file, start, len, &tx),
            }
        });
        ResponseBody::Stream { rx, remaining: len }
    }
}

impl ResponseBody {
    /// Streams `len` bytes read from `reader` (for example a decrypting reader of an
    /// encrypted object) on a blocking thread, in chunks of [`CHUNK_SIZE`]; at most two
    /// chunks wait in the channel. A reader that ends early is an error.
    pub fn reader(reader: Box<dyn Read + Send>, len: u64) -> Self {
        let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(2);
        tokio::task::spawn_blocking(move || send_chunks(reader, len, &tx));
        ResponseBody::Stream { rx, remaining: len }
    }
}

/// Reads `len` bytes from `reader` into fresh buffers of [`CHUNK_SIZE`] and sends them.
fn send_chunks(mut reader: impl Read, len: u64, tx: &mpsc::Sender<std::io::Result<Bytes>>) {
    let mut left = len;
    while left > 0 {
        let want = left.min(CHUNK_SIZE as u64);
        let mut buf = Vec::with_capacity(want as usize);
        if let Err(e) = (&mut reader).take(want).read_to_end(&mut buf) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        if (buf.len() as u64) < want {
            let _ = tx.blocking_send(Err(short_file()));
            return;
        }
        left -= want;
        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
            return;
        }
    }
}

/// Reads `len` bytes of `file` from `start` into fresh buffers of [`CHUNK_SIZE`] and sends them.
fn send_read(
    mut file: std::fs::File,
    start: u64,
    len: u64,
    tx: &mpsc::Sender<std::io::Result<Bytes>>,
) {
    if let Err(e) = file.seek(SeekFrom::Start(start)) {
        let _ = tx.blocking_send(Err(e));
        return;
    }
    let mut left = len;
    while left > 0 {
        let want = left.min(CHUNK_SIZE as u64);
        // `read_to_end` fills the spare capacity without zeroing it first.
        let mut buf = Vec::with_capacity(want as usize);
        if let Err(e) = (&mut file).take(want).read_to_end(&mut buf) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        if (buf.len() as u64) < want {
            let _ = tx.blocking_send(Err(short_file()));
            return;
        }
        left -= want;
        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
            return;
        }
    }
}

/// The error of a file shorter than the object it holds.
pub(super) fn short_file() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "object file is shorter than its recorded size",
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
            ResponseBody::Stream { rx, remaining } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                match rx.poll_recv(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(Some(Ok(chunk))) => {
                        *remaining = remaining.saturating_sub(chunk.len() as u64);
                        Poll::Ready(Some(Ok(Frame::data(chunk))))
                    }
                    Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
                    Poll::Ready(None) => Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "object reader stopped early",
                    )))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Full(b) => b.is_none(),
            ResponseBody::Stream { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            ResponseBody::Stream { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::io::Write;

    #[tokio::test]
    async fn streams_a_file_range_in_chunks() {
        let mut f = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..(CHUNK_SIZE * 2 + 10))
            .map(|i| (i % 251) as u8)
            .collect();
        f.write_all(&data).unwrap();
        let body = ResponseBody::file_range(f, 5, (CHUNK_SIZE + 3) as u64);
        assert_eq!(body.size_hint().exact(), Some((CHUNK_SIZE + 3) as u64));
        let got = body.collect().await.unwrap().to_bytes();
        assert_eq!(&got[..], &data[5..5 + CHUNK_SIZE + 3]);
    }

    #[tokio::test]
    async fn the_read_fallback_streams_the_same_range() {
        let mut f = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..(CHUNK_SIZE * 2 + 10))
            .map(|i| (i % 253) as u8)
            .collect();
        f.write_all(&data).unwrap();
        let (tx, mut rx) = mpsc::channel(2);
        let len = (CHUNK_SIZE + 7) as u64;
        tokio::task::spawn_blocking(move || send_read(f, 3, len, &tx));
        let mut got = Vec::new();
        while let Some(frame) = rx.recv().await {
            got.extend_from_slice(&frame.unwrap());
        }
        assert_eq!(&got[..], &data[3..3 + CHUNK_SIZE + 7]);
    }

    #[tokio::test]
    async fn a_short_file_is_an_error() {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"abc").unwrap();
        let body = ResponseBody::file_range(f, 0, 10);
        assert!(body.collect().await.is_err());
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
