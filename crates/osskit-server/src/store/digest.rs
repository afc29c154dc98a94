//! The digests of a blob (MD5 for the ETag, CRC-64/XZ), computed either inline or on a
//! thread of their own.
//!
//! MD5 runs at a few hundred MB/s, about the speed of writing the same bytes to a file, so a
//! large upload that hashes and writes on one thread is bounded by the sum of both. A
//! [`Digests::background`] instance takes reference-counted [`Bytes`] chunks (no copy) over
//! a bounded channel and hashes them on its own thread while the writer writes, so the
//! upload is bounded by the slower of the two instead.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use bytes::Bytes;
use md5::{Digest, Md5};
use osskit_proto::crc64::Crc64;

use super::StoreError;

/// Batches of chunks queued to a background hasher before the sender waits.
const QUEUED_BATCHES: usize = 4;

/// MD5 and CRC-64 of everything fed so far.
#[derive(Debug, Clone)]
struct Running {
    md5: Md5,
    crc: Crc64,
}

impl Running {
    fn new() -> Running {
        Running {
            md5: Md5::new(),
            crc: Crc64::new(),
        }
    }

    fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        self.crc.update(data);
    }

    fn finish(self) -> ([u8; 16], u64) {
        (self.md5.finalize().into(), self.crc.finish())
    }
}

/// The digests of a blob being written: MD5 and CRC-64/XZ.
///
/// ```
/// use bytes::Bytes;
/// use osskit_server::store::digest::Digests;
///
/// let mut d = Digests::background().unwrap();
/// d.feed_chunks(&[Bytes::from_static(b"hello "), Bytes::from_static(b"world")]).unwrap();
/// let (md5, crc) = d.finish().unwrap();
/// assert_eq!(crc, osskit_proto::crc64::crc64(b"hello world"));
/// assert_eq!(md5[0], 0x5e); // MD5("hello world") = 5eb63bbbe01eeed093cb22bb8f5acdc3
/// ```
#[derive(Debug)]
pub struct Digests {
    mode: Mode,
}

#[derive(Debug)]
enum Mode {
    /// Hashed on the caller's thread (boxed: the hash states are a few hundred bytes).
    Inline(Box<Running>),
    /// Hashed on a thread of its own, fed through a bounded channel.
    Background {
        tx: Option<SyncSender<Vec<Bytes>>>,
        thread: Option<JoinHandle<([u8; 16], u64)>>,
    },
}

impl Digests {
    /// Digests computed on the caller's thread (for small blobs: no thread to start).
    pub fn inline() -> Digests {
        Digests {
            mode: Mode::Inline(Box::new(Running::new())),
        }
    }

    /// Digests computed on a new thread while the caller goes on. Fails only when the
    /// thread cannot be started.
    pub fn background() -> Result<Digests, StoreError> {
        let (tx, rx) = mpsc::sync_channel::<Vec<Bytes>>(QUEUED_BATCHES);
        let thread = std::thread::Builder::new()
            .name("oss-blob-digest".into())
            .spawn(move || hash_all(rx))
            .map_err(|e| StoreError::Internal(format!("start the digest thread: {e}")))?;
        Ok(Digests {
            mode: Mode::Background {
                tx: Some(tx),
                thread: Some(thread),
            },
        })
    }

    /// Whether the hashing runs on a thread of its own.
    pub fn is_background(&self) -> bool {
        matches!(self.mode, Mode::Background { .. })
    }

    /// Feeds borrowed bytes. A background hasher gets a copy of them: prefer
    /// [`feed_chunks`](Digests::feed_chunks) when the bytes are already [`Bytes`].
    pub fn feed(&mut self, data: &[u8]) -> Result<(), StoreError> {
        match &mut self.mode {
            Mode::Inline(r) => {
                r.update(data);
                Ok(())
            }
            Mode::Background { .. } => self.feed_chunks(&[Bytes::copy_from_slice(data)]),
        }
    }

    /// Feeds chunks in order. A background hasher gets clones of the handles (no copy of
    /// the bytes); this waits while it is `QUEUED_BATCHES` batches behind.
    pub fn feed_chunks(&mut self, chunks: &[Bytes]) -> Result<(), StoreError> {
        match &mut self.mode {
            Mode::Inline(r) => {
                for c in chunks {
                    r.update(c);
                }
                Ok(())
            }
            Mode::Background { tx, .. } => {
                let sent = tx.as_ref().map(|tx| tx.send(chunks.to_vec()));
                match sent {
                    Some(Ok(())) => Ok(()),
                    _ => Err(StoreError::Internal(
                        "the digest thread stopped before the end of the data".into(),
                    )),
                }
            }
        }
    }

    /// The MD5 and CRC-64/XZ of everything fed, once the hasher has caught up.
    pub fn finish(mut self) -> Result<([u8; 16], u64), StoreError> {
        match &mut self.mode {
            Mode::Inline(r) => Ok(Running::clone(r).finish()),
            Mode::Background { tx, thread } => {
                drop(tx.take());
                let thread = thread.take().ok_or_else(|| {
                    StoreError::Internal("the digest thread was already joined".into())
                })?;
                thread
                    .join()
                    .map_err(|_| StoreError::Internal("the digest thread panicked".into()))
            }
        }
    }
}

/// Body of the background hasher: hashes every batch until the sender goes away.
fn hash_all(rx: Receiver<Vec<Bytes>>) -> ([u8; 16], u64) {
    let mut running = Running::new();
    while let Ok(batch) = rx.recv() {
        for chunk in &batch {
            running.update(chunk);
        }
    }
    running.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 253) as u8).collect()
    }

    #[test]
    fn background_and_inline_agree_with_one_shot_digests() {
        let data = sample(3 * 1024 * 1024 + 17);
        let want_md5: [u8; 16] = Md5::digest(&data).into();
        let want_crc = osskit_proto::crc64::crc64(&data);

        let mut inline = Digests::inline();
        let mut background = Digests::background().unwrap();
        assert!(background.is_background() && !inline.is_background());
        for (i, piece) in data.chunks(300_001).enumerate() {
            if i % 2 == 0 {
                inline.feed(piece).unwrap();
                background.feed(piece).unwrap();
            } else {
                let halves = piece.split_at(piece.len() / 2);
                let chunks = [
                    Bytes::copy_from_slice(halves.0),
                    Bytes::copy_from_slice(halves.1),
                ];
                inline.feed_chunks(&chunks).unwrap();
                background.feed_chunks(&chunks).unwrap();
            }
        }
        assert_eq!(inline.finish().unwrap(), (want_md5, want_crc));
        assert_eq!(background.finish().unwrap(), (want_md5, want_crc));
    }

    #[test]
    fn empty_input_gives_the_empty_digests() {
        let (md5, crc) = Digests::background().unwrap().finish().unwrap();
        assert_eq!(md5, <[u8; 16]>::from(Md5::digest(b"")));
        assert_eq!(crc, 0);
    }

    #[test]
    fn dropping_an_unfinished_background_hasher_stops_it() {
        let mut d = Digests::background().unwrap();
        d.feed(b"abc").unwrap();
        drop(d);
    }
}
