//! The digests of a blob: MD5 (for the ETag) and CRC-64/XZ.
//!
//! MD5 runs at a few hundred MB/s, about the speed of writing the same bytes to a file, so a
//! large upload that hashes and writes on one thread is bounded by the sum of both. The
//! server's upload path therefore hashes each batch of a large body on one blocking task
//! while another writes the same batch (the chunks are reference-counted [`Bytes`], shared
//! without a copy), and moves a [`Digests`] value from batch to batch: no thread is held
//! between batches, however slowly the client sends.

use bytes::Bytes;
use md5::{Digest, Md5};
use osskit_proto::crc64::Crc64;

/// MD5 and CRC-64/XZ of everything fed so far.
///
/// ```
/// use bytes::Bytes;
/// use osskit_server::store::digest::Digests;
///
/// let mut d = Digests::inline();
/// d.feed(b"hello ");
/// d.feed_chunks(&[Bytes::from_static(b"wor"), Bytes::from_static(b"ld")]);
/// let (md5, crc) = d.finish();
/// assert_eq!(crc, osskit_proto::crc64::crc64(b"hello world"));
/// assert_eq!(md5[0], 0x5e); // MD5("hello world") = 5eb63bbbe01eeed093cb22bb8f5acdc3
/// ```
#[derive(Debug, Clone)]
pub struct Digests {
    md5: Md5,
    crc: Crc64,
}

impl Digests {
    /// Digests of nothing yet.
    pub fn inline() -> Digests {
        Digests {
            md5: Md5::new(),
            crc: Crc64::new(),
        }
    }

    /// Feeds bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.md5.update(data);
        self.crc.update(data);
    }

    /// Feeds chunks in order.
    pub fn feed_chunks(&mut self, chunks: &[Bytes]) {
        for c in chunks {
            self.feed(c);
        }
    }

    /// The MD5 and CRC-64/XZ of everything fed.
    pub fn finish(self) -> ([u8; 16], u64) {
        (self.md5.finalize().into(), self.crc.finish())
    }
}

impl Default for Digests {
    fn default() -> Self {
        Digests::inline()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_and_whole_feeding_agree_with_one_shot_digests() {
        let data: Vec<u8> = (0..3 * 1024 * 1024 + 17)
            .map(|i| (i * 31 % 253) as u8)
            .collect();
        let want_md5: [u8; 16] = Md5::digest(&data).into();
        let want_crc = osskit_proto::crc64::crc64(&data);
        let mut d = Digests::inline();
        for (i, piece) in data.chunks(300_001).enumerate() {
            if i % 2 == 0 {
                d.feed(piece);
            } else {
                let (a, b) = piece.split_at(piece.len() / 2);
                d.feed_chunks(&[Bytes::copy_from_slice(a), Bytes::copy_from_slice(b)]);
            }
        }
        assert_eq!(d.finish(), (want_md5, want_crc));
        let (md5, crc) = Digests::inline().finish();
        assert_eq!(md5, <[u8; 16]>::from(Md5::digest(b"")));
        assert_eq!(crc, 0);
    }
}
