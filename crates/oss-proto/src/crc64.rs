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

use crc_fast::{CrcAlgorithm, Digest};

/// The final XOR of CRC-64/XZ; the register before finalisation is `crc ^ XOR_OUT`.
const XOR_OUT: u64 = u64::MAX;

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
    pub fn update(&mut self, data: &[u8]) {
        self.digest.update(data);
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
