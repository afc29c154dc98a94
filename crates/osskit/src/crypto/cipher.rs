//! The data cipher: AES-256 in CTR mode with a 128-bit big-endian counter (`AES/CTR/NoPadding`),
//! as oss2, the Go SDK and the C++ SDK use it, and the range and part-size rules that follow
//! from its 16-byte blocks.
//!
//! The counter of the block at byte offset `n` is `IV + n / 16` over the whole 128 bits, so
//! any block can be decrypted on its own: a ranged read starts at a block boundary, a part of
//! a multipart upload starts its counter at `part_size × (number − 1) / 16`. New IVs have
//! bytes 8 to 11 set to zero (as oss2 makes them), which keeps a counter from carrying into
//! the random high half for any object OSS can hold.
//!
//! `aes` picks the AES-NI instructions at run time when the processor has them.

use aes::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use rand::RngCore;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::hooks::Codec;

/// `AES/CTR/NoPadding`: the `cek-alg` of every object this SDK writes.
pub const AES_CTR: &str = "AES/CTR/NoPadding";
/// `AES/GCM/NoPadding`: the `cek-alg` of the legacy format, which is in fact CTR.
pub const AES_GCM_LEGACY: &str = "AES/GCM/NoPadding";
/// Bytes in a data key.
pub const KEY_LEN: usize = 32;
/// Bytes in an IV, and in a cipher block.
pub const BLOCK: u64 = 16;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

/// A fresh random data key.
pub(crate) fn random_key() -> Zeroizing<Vec<u8>> {
    let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

/// A fresh random IV with bytes 8..12 zero.
pub(crate) fn random_iv() -> [u8; 16] {
    let mut iv = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut iv);
    iv[8..12].fill(0);
    iv
}

/// The data cipher of one object: key and initial counter.
pub(crate) struct AesCtr {
    key: Zeroizing<[u8; 32]>,
    iv: [u8; 16],
}

impl std::fmt::Debug for AesCtr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AesCtr(..)")
    }
}

impl AesCtr {
    /// A cipher from a 32-byte key and a 16-byte IV (the initial counter).
    pub(crate) fn new(key: &[u8], iv: &[u8]) -> Result<AesCtr> {
        let key: [u8; 32] = key.try_into().map_err(|_| {
            Error::client(format!(
                "the data key has {} bytes; AES-256 needs {KEY_LEN}",
                key.len()
            ))
        })?;
        let iv: [u8; 16] = iv.try_into().map_err(|_| {
            Error::client(format!(
                "the IV has {} bytes; AES-CTR needs {BLOCK}",
                iv.len()
            ))
        })?;
        Ok(AesCtr {
            key: Zeroizing::new(key),
            iv,
        })
    }

    /// A cipher whose initial counter is a number (the legacy format's decimal `start`).
    pub(crate) fn from_counter(key: &[u8], counter: u128) -> Result<AesCtr> {
        AesCtr::new(key, &counter.to_be_bytes())
    }

    fn at(&self, offset: u64) -> Aes256Ctr {
        let mut c = Aes256Ctr::new((&*self.key).into(), (&self.iv).into());
        // The counter is 128 bits wide: every u64 offset is reachable.
        c.seek(offset);
        c
    }
}

impl Codec for AesCtr {
    fn apply(&self, offset: u64, data: &mut [u8]) {
        self.at(offset).apply_keystream(data);
    }

    fn apply_to(&self, offset: u64, input: &[u8], output: &mut [u8]) {
        // Same lengths by contract; a mismatch would be a bug, so copy what fits.
        let n = input.len().min(output.len());
        if self
            .at(offset)
            .apply_keystream_b2b(&input[..n], &mut output[..n])
            .is_err()
        {
            output[..n].copy_from_slice(&input[..n]);
            self.apply(offset, &mut output[..n]);
        }
    }
}

/// `start` rounded down to a block boundary (oss2's `adjust_range`).
pub(crate) fn align_down(start: u64) -> u64 {
    start - start % BLOCK
}

/// Whether `part_size` can be the part size of an encrypted multipart upload of `data_size`
/// bytes: a multiple of 16, at least 100 KiB, and at most 10,000 parts.
pub(crate) fn is_valid_part_size(part_size: u64, data_size: u64) -> bool {
    part_size.is_multiple_of(BLOCK)
        && part_size >= crate::transfer::MIN_PART_SIZE
        && part_size.saturating_mul(crate::transfer::MAX_PARTS) >= data_size
}

/// oss2's part size for `data_size` bytes when none is given: the default part size
/// (10 MiB), doubled until 10,000 parts hold the data, rounded up to a multiple of 16.
pub(crate) fn determine_part_size(data_size: u64) -> u64 {
    let mut part = 10 * 1024 * 1024u64;
    while part.saturating_mul(crate::transfer::MAX_PARTS) < data_size {
        part *= 2;
    }
    round_up(part)
}

/// `n` rounded up to a multiple of 16.
pub(crate) fn round_up(n: u64) -> u64 {
    n.div_ceil(BLOCK) * BLOCK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The wire examples of the protocol notes, produced by oss2 with key = bytes 0..31 and
    /// IV 0102030405060708000000000a0b0c0d.
    #[test]
    fn matches_oss2_single_put_and_part_two() {
        let key: Vec<u8> = (0u8..32).collect();
        let iv = hex("0102030405060708000000000a0b0c0d");
        let c = AesCtr::new(&key, &iv).unwrap();
        let mut data = b"hello world, this is plaintext!!!".to_vec();
        c.apply(0, &mut data);
        assert_eq!(
            data,
            hex("f01b808096dba9bff40c1d79cdd0567ce4a437cb90ec9650802c62079457419fc8")
        );
        let mut part2 = vec![b'x'; 32];
        c.apply(102_400, &mut part2);
        assert_eq!(
            part2,
            hex("99a479b58e5d2454bfff5e7f23432d858c9e2c521cfbc0461e4b1513dbb04ef4")
        );
    }

    #[test]
    fn any_offset_decrypts_on_its_own() {
        let c = AesCtr::new(&[7u8; 32], &random_iv()).unwrap();
        let plain: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mut whole = plain.clone();
        c.apply(0, &mut whole);
        for (start, end) in [(0, 1000), (1, 17), (15, 16), (16, 999), (333, 777)] {
            let mut piece = whole[start..end].to_vec();
            c.apply(start as u64, &mut piece);
            assert_eq!(piece, &plain[start..end]);
            let mut out = vec![0u8; end - start];
            c.apply_to(start as u64, &whole[start..end], &mut out);
            assert_eq!(out, &plain[start..end]);
        }
    }

    #[test]
    fn the_counter_carries_over_all_128_bits() {
        // An IV whose low 64 bits are all ones: the next block carries into the high half,
        // as pycryptodome's Counter.new(128) does.
        let iv = hex("0000000000000001ffffffffffffffff");
        let c = AesCtr::new(&[1u8; 32], &iv).unwrap();
        let d = AesCtr::new(&[1u8; 32], &hex("00000000000000020000000000000000")).unwrap();
        let mut a = [0u8; 16];
        c.apply(16, &mut a);
        let mut b = [0u8; 16];
        d.apply(0, &mut b);
        assert_eq!(a, b);
        assert_eq!(
            AesCtr::from_counter(&[1u8; 32], 8).unwrap().iv,
            hex("00000000000000000000000000000008")[..]
        );
    }

    #[test]
    fn ivs_and_part_sizes() {
        let iv = random_iv();
        assert_eq!(&iv[8..12], &[0, 0, 0, 0]);
        assert_eq!(random_key().len(), 32);
        assert!(AesCtr::new(&[0u8; 31], &iv).is_err());
        assert!(AesCtr::new(&[0u8; 32], &iv[..15]).is_err());
        assert_eq!(align_down(33), 32);
        assert_eq!(align_down(32), 32);
        assert!(is_valid_part_size(102_400, 1_000_000_000));
        assert!(!is_valid_part_size(102_401, 1 << 20));
        assert!(!is_valid_part_size(102_384, 1 << 20));
        assert!(!is_valid_part_size(102_400, 102_400 * 10_000 + 1));
        assert_eq!(determine_part_size(1 << 20), 10 << 20);
        assert_eq!(determine_part_size(100 << 30), 20 << 20);
        assert_eq!(round_up(17), 32);
    }
}
