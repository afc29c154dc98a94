//! CRC-64/XZ, the checksum OSS returns in `x-oss-hash-crc64ecma`.
//!
//! Parameters: width 64, polynomial 0x42F0E1EBA9EA3693 (reflected 0xC96C5795D7870F42),
//! reflected in and out, init and xor-out all ones. Check value: `crc64(b"123456789") ==
//! 0x995DC9BBDF1939FA`. The value of the empty input is 0.
//!
//! ```
//! use osskit_proto::crc64::{crc64, combine, Crc64};
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

/// CRC-64 of `piece` on its own, on the current thread.
fn crc_of(piece: &[u8]) -> u64 {
    crc_fast::checksum(CrcAlgorithm::Crc64Xz, piece)
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
                        .spawn_scoped(scope, move || crc_of(piece));
                    // A thread that cannot be started leaves its piece to the calling thread.
                    (piece, spawned)
                })
                .collect();
            self.digest.update(head);
            for (piece, spawned) in workers {
                let piece_crc = match spawned {
                    Ok(handle) => match handle.join() {
                        Ok(crc) => crc,
                        Err(panic) => std::panic::resume_unwind(panic),
                    },
                    Err(_) => crc_of(piece),
                };
                let joined = combine(self.finish(), piece_crc, piece.len() as u64);
                self.digest = Digest::new_with_init_state(CrcAlgorithm::Crc64Xz, joined ^ XOR_OUT);
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

/// The reflected CRC-64/XZ polynomial (x^64 implied): bit 63 is the coefficient of x^0.
const POLY_REFLECTED: u64 = 0xC96C_5795_D787_0F42;

/// `a·b mod P` for polynomials over GF(2) in the reflected bit order of the CRC register.
const fn mul_mod(a: u64, mut b: u64) -> u64 {
    let mut product = 0;
    let mut bit = 1u64 << 63; // x^0 of `a`
    while bit != 0 {
        if a & bit != 0 {
            product ^= b;
        }
        // b·x mod P: one step towards the high powers, reducing by P on overflow.
        b = if b & 1 != 0 {
            (b >> 1) ^ POLY_REFLECTED
        } else {
            b >> 1
        };
        bit >>= 1;
    }
    product
}

/// `X2N[k] = x^(2^k) mod P` for k in 0..67: enough for any byte count (8·2^63 = 2^66 bits).
const X2N: [u64; 67] = {
    let mut table = [0u64; 67];
    let mut p = 1u64 << 62; // x^1
    let mut k = 0;
    while k < 67 {
        table[k] = p;
        p = mul_mod(p, p);
        k += 1;
    }
    table
};

/// `x^(8·bytes) mod P`: the factor that shifts a CRC register past `bytes` zero bytes.
fn x_pow_8n(bytes: u64) -> u64 {
    let mut result = 1u64 << 63; // x^0
    let mut n = bytes;
    let mut k = 3; // x^(2^3) = x^8: one byte
    while n != 0 {
        if n & 1 != 0 {
            result = mul_mod(X2N[k], result);
        }
        n >>= 1;
        k += 1;
    }
    result
}

/// CRC of `A ‖ B` given `crc(A)`, `crc(B)` and `len(B)` (zlib's `crc32_combine`, for 64 bits).
///
/// Runs in O(log `len_b`) multiplications modulo the polynomial (a few microseconds at most).
/// As in zlib, `len_b == 0` returns `crc_a`.
pub fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    if len_b == 0 {
        return crc_a;
    }
    // The all-ones init and final XOR cancel out: shifting crc(A) past len(B) zero bytes and
    // adding crc(B) gives crc(A ‖ B).
    mul_mod(x_pow_8n(len_b), crc_a) ^ crc_b
}

/// CRC of an object assembled from parts, given `(crc, size)` of each part in order
/// (oss2's `calc_obj_crc_from_parts`, which folds [`combine`] from 0).
///
/// ```
/// use osskit_proto::crc64::{crc64, combine_parts};
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

    #[test]
    fn powers_of_x() {
        assert_eq!(x_pow_8n(0), 1 << 63);
        assert_eq!(X2N[0], 1 << 62);
        assert_eq!(X2N[1], 1 << 61); // x^2
        assert_eq!(x_pow_8n(1), 1 << 55); // x^8
                                          // x^64 mod P is P's low terms: the reflected polynomial itself.
        assert_eq!(x_pow_8n(8), POLY_REFLECTED);
    }

    #[test]
    fn combine_agrees_with_the_matrix_method() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for len in (0..64)
            .map(|k| 1u64 << k)
            .chain([3, 5, 1000, 8 << 20, u64::MAX / 3, u64::MAX])
        {
            x = x.rotate_left(17).wrapping_mul(0x2545_F491_4F6C_DD1D);
            let (a, b) = (x, x.rotate_left(29));
            assert_eq!(
                combine(a, b, len),
                crc_fast::checksum_combine(CrcAlgorithm::Crc64Xz, a, b, len),
                "len {len}"
            );
        }
    }
}
