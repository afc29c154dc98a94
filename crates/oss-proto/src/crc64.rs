//! CRC-64/XZ, the checksum OSS returns in `x-oss-hash-crc64ecma`.
//!
//! Parameters: width 64, polynomial 0x42F0E1EBA9EA3693 (reflected 0xC96C5795D7870F42),
//! reflected in and out, init and xor-out all ones. Check value: `crc64(b"123456789") ==
//! 0x995DC9BBDF1939FA`. The value of the empty input is 0.
//!
//! ```
//! use oss_proto::crc64::{crc64, combine, Crc64};
//! assert_eq!(crc64(b"123456789"), 0x995DC9BBDF1939FA);
//! let mut h = Crc64::new();
//! h.update(b"12345");
//! h.update(b"67890");
//! assert_eq!(h.finish(), crc64(b"1234567890"));
//! assert_eq!(combine(crc64(b"12345"), crc64(b"67890"), 5), crc64(b"1234567890"));
//! ```
//!
//! # Large inputs
//!
//! One core streaming a buffer much larger than the caches is limited by memory bandwidth,
//! not by the carry-less-multiply kernel. [`Crc64::update`] (and so [`crc64`]) therefore
//! splits a slice of at least [`PARALLEL_MIN_LEN`] bytes into contiguous pieces, hashes them
//! on scoped threads (one per available core, at most [`MAX_THREADS`]) and joins the pieces'
//! CRCs with [`combine`]. The result is bit-for-bit the CRC of the whole slice; smaller slices
//! are hashed on the calling thread.

use std::sync::OnceLock;
use std::thread;

use crc_fast::{CrcAlgorithm, Digest};

/// The final XOR of CRC-64/XZ; the register before finalisation is `crc ^ XOR_OUT`.
const XOR_OUT: u64 = u64::MAX;

/// Slices at least this long are hashed in parallel by [`Crc64::update`] (16 MiB: below it
/// the data is mostly in cache and one core hashes it faster than threads start).
pub const PARALLEL_MIN_LEN: usize = 16 << 20;

/// The most threads one [`Crc64::update`] uses, the calling thread included.
pub const MAX_THREADS: usize = 8;

/// The smallest piece a parallel update hands to one thread.
const MIN_PIECE: usize = PARALLEL_MIN_LEN / 2;

/// Cores available to this process, read once (the lookup reads cgroup files on Linux).
fn available_cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| thread::available_parallelism().map_or(1, usize::from))
}

/// How many pieces a slice of `len` bytes is hashed in: 1 below [`PARALLEL_MIN_LEN`] or on
/// one core, else as many as there are cores (capped by [`MAX_THREADS`] and by pieces of at
/// least [`MIN_PIECE`] bytes).
fn pieces_for(len: usize, cores: usize) -> usize {
    if len < PARALLEL_MIN_LEN {
        return 1;
    }
    cores.min(MAX_THREADS).min(len / MIN_PIECE).max(1)
}

/// CRC state of `piece` hashed from a fresh stream.
fn digest_of(piece: &[u8]) -> Digest {
    let mut d = Digest::new(CrcAlgorithm::Crc64Xz);
    d.update(piece);
    d
}

/// Streaming CRC-64/XZ hasher.
#[derive(Clone)]
pub struct Crc64 {
    digest: Digest,
}

impl Crc64 {
    /// A hasher for a fresh stream (CRC of nothing = 0).
    pub fn new() -> Self {
        Crc64 {
            digest: Digest::new(CrcAlgorithm::Crc64Xz),
        }
    }

    /// A hasher that continues a stream whose CRC so far is `crc` (oss2's `Crc64(init_crc)`,
    /// used to chain appends).
    pub fn with_initial(crc: u64) -> Self {
        // The register holds the un-finalised value, so undoing the final XOR of a finished
        // CRC gives exactly the state reached after the preceding data.
        Crc64 {
            digest: Digest::new_with_init_state(CrcAlgorithm::Crc64Xz, crc ^ XOR_OUT),
        }
    }

    /// Feeds bytes.
    ///
    /// A slice of at least [`PARALLEL_MIN_LEN`] bytes is hashed on several cores (see the
    /// [module docs](self)); the result is the same as feeding it in one piece.
    pub fn update(&mut self, data: &[u8]) {
        let pieces = pieces_for(data.len(), available_cores());
        if pieces <= 1 {
            self.digest.update(data);
            return;
        }
        let piece_len = data.len().div_ceil(pieces);
        let (head, rest) = data.split_at(piece_len);
        thread::scope(|scope| {
            // The calling thread hashes the first piece, continuing this stream; each other
            // piece starts from a fresh stream on its own thread and is combined in order.
            let workers: Vec<_> = rest
                .chunks(piece_len)
                .map(|piece| {
                    let spawned = thread::Builder::new()
                        .name("crc64".into())
                        .spawn_scoped(scope, move || digest_of(piece));
                    // A thread that cannot be started leaves its piece to the calling thread.
                    spawned.map_err(|_| piece)
                })
                .collect();
            self.digest.update(head);
            for worker in workers {
                let piece_digest = match worker {
                    Ok(handle) => match handle.join() {
                        Ok(d) => d,
                        Err(panic) => std::panic::resume_unwind(panic),
                    },
                    Err(piece) => digest_of(piece),
                };
                self.digest.combine(&piece_digest);
            }
        });
    }

    /// The CRC of everything fed so far (does not reset).
    pub fn finish(&self) -> u64 {
        self.digest.finalize()
    }
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Crc64({})", self.finish())
    }
}

/// CRC-64/XZ of `data`.
pub fn crc64(data: &[u8]) -> u64 {
    let mut h = Crc64::new();
    h.update(data);
    h.finish()
}

/// CRC of `A ‖ B` given `crc(A)`, `crc(B)` and `len(B)` (zlib's `crc32_combine`, for 64 bits).
///
/// Runs in O(log `len_b`) (GF(2) matrix squaring). As in zlib, `len_b == 0` returns `crc_a`.
pub fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    if len_b == 0 {
        return crc_a;
    }
    crc_fast::checksum_combine(CrcAlgorithm::Crc64Xz, crc_a, crc_b, len_b)
}

/// CRC of an object assembled from parts, given `(crc, size)` of each part in order
/// (oss2's `calc_obj_crc_from_parts`, which folds [`combine`] from 0).
///
/// ```
/// use oss_proto::crc64::{crc64, combine_parts};
/// let parts = [(crc64(b"12345"), 5), (crc64(b"67890"), 5)];
/// assert_eq!(combine_parts(parts), crc64(b"1234567890"));
/// ```
pub fn combine_parts<I: IntoIterator<Item = (u64, u64)>>(parts: I) -> u64 {
    parts
        .into_iter()
        .fold(0, |acc, (crc, size)| combine(acc, crc, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_slices_or_one_core_are_not_split() {
        assert_eq!(pieces_for(0, 2), 1);
        assert_eq!(pieces_for(PARALLEL_MIN_LEN - 1, 2), 1);
        assert_eq!(pieces_for(1 << 30, 1), 1);
    }

    #[test]
    fn large_slices_use_every_core_up_to_the_cap() {
        assert_eq!(pieces_for(PARALLEL_MIN_LEN, 2), 2);
        assert_eq!(pieces_for(PARALLEL_MIN_LEN, 64), 2);
        assert_eq!(pieces_for(1 << 30, 2), 2);
        assert_eq!(pieces_for(1 << 30, 4), 4);
        assert_eq!(pieces_for(1 << 30, 64), MAX_THREADS);
        assert_eq!(pieces_for(5 * MIN_PIECE + 1, 64), 5);
    }
}
