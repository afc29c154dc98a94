//! Benchmark data: a fixed pseudo-random block repeated, produced without holding the whole
//! object in memory.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, ReadBuf};

/// Length of the repeated block.
pub const BLOCK: usize = 8 * 1024 * 1024;

/// The block: bytes of a xorshift sequence (not compressible, cheap to make).
pub fn block() -> Bytes {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(BLOCK);
    while out.len() < BLOCK {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(BLOCK);
    Bytes::from(out)
}

/// The chunks of an object of `size` bytes: the block repeated (shared, not copied), the
/// last one cut short.
pub fn chunks(size: u64) -> Vec<Bytes> {
    let block = block();
    let mut left = size;
    let mut out = Vec::new();
    while left > 0 {
        let n = left.min(BLOCK as u64) as usize;
        out.push(block.slice(..n));
        left -= n as u64;
    }
    out
}

/// An [`AsyncRead`] of `size` bytes of the repeated block.
pub struct PatternReader {
    block: Bytes,
    pos: u64,
    size: u64,
}

impl PatternReader {
    /// A reader of `size` bytes.
    pub fn new(size: u64) -> Self {
        PatternReader {
            block: block(),
            pos: 0,
            size,
        }
    }
}

impl AsyncRead for PatternReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let left = self.size - self.pos;
        let offset = (self.pos % BLOCK as u64) as usize;
        let n = (buf.remaining() as u64)
            .min(left)
            .min((BLOCK - offset) as u64) as usize;
        buf.put_slice(&self.block[offset..offset + n]);
        self.pos += n as u64;
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn reader_and_chunks_give_the_same_bytes() {
        let size = BLOCK as u64 * 2 + 12345;
        let mut all = Vec::new();
        PatternReader::new(size)
            .read_to_end(&mut all)
            .await
            .unwrap();
        assert_eq!(all.len() as u64, size);
        let joined: Vec<u8> = chunks(size)
            .iter()
            .flat_map(|c| c.iter().copied())
            .collect();
        assert_eq!(all, joined);
        assert_ne!(&all[..64], &all[64..128]);
    }
}
