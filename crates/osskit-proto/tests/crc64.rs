//! CRC-64/XZ against oss2's verified values, and `combine` / `with_initial` against direct
//! computation over random splits.

use osskit_proto::crc64::{combine, combine_parts, crc64, Crc64, PARALLEL_MIN_LEN};

/// A tiny xorshift64* generator: deterministic, no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn check_value_and_oss2_vectors() {
    assert_eq!(crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
    assert_eq!(crc64(b"123456789"), 11_051_210_869_376_104_954);
    assert_eq!(crc64(b""), 0);
    assert_eq!(crc64(b"hello world"), 5_981_764_153_023_615_706);
    assert_eq!(crc64(b"12345"), 6_748_440_630_437_108_969);
    assert_eq!(crc64(b"67890"), 6_285_347_597_771_850_461);
    assert_eq!(crc64(b"1234567890"), 12_811_388_247_244_714_686);
}

#[test]
fn combine_oss2_vector() {
    let a = 6_748_440_630_437_108_969;
    let b = 6_285_347_597_771_850_461;
    assert_eq!(combine(a, b, 5), 12_811_388_247_244_714_686);
}

#[test]
fn combine_with_empty_sides() {
    let c = crc64(b"hello world");
    assert_eq!(combine(c, crc64(b""), 0), c);
    assert_eq!(combine(0, c, 11), c);
    assert_eq!(combine(0, 0, 0), 0);
}

#[test]
fn with_initial_continues_a_stream() {
    let mut h = Crc64::with_initial(6_748_440_630_437_108_969);
    h.update(b"67890");
    assert_eq!(h.finish(), 12_811_388_247_244_714_686);

    // Continuing from 0 is a fresh stream.
    let mut fresh = Crc64::with_initial(0);
    fresh.update(b"123456789");
    assert_eq!(fresh.finish(), 0x995D_C9BB_DF19_39FA);

    // Nothing fed: the initial value comes back unchanged.
    assert_eq!(Crc64::with_initial(42).finish(), 42);
}

#[test]
fn streaming_equals_one_shot_and_finish_does_not_reset() {
    let mut h = Crc64::new();
    assert_eq!(h.finish(), 0);
    h.update(b"hello");
    let partial = h.finish();
    assert_eq!(partial, crc64(b"hello"));
    assert_eq!(h.finish(), partial);
    h.update(b" world");
    assert_eq!(h.finish(), crc64(b"hello world"));
    assert_eq!(
        format!("{h:?}"),
        format!("Crc64({})", crc64(b"hello world"))
    );
}

#[test]
fn random_splits_agree_with_direct_computation() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for round in 0..200 {
        // Mix tiny inputs with ones long enough for the SIMD paths (> 256 bytes).
        let len = if round % 4 == 0 {
            rng.below(5000)
        } else {
            rng.below(300)
        } as usize;
        let data = rng.bytes(len);
        let whole = crc64(&data);
        let split = if len == 0 {
            0
        } else {
            rng.below(len as u64 + 1) as usize
        };
        let (a, b) = data.split_at(split);

        assert_eq!(
            combine(crc64(a), crc64(b), b.len() as u64),
            whole,
            "len {len} split {split}"
        );

        let mut chained = Crc64::with_initial(crc64(a));
        chained.update(b);
        assert_eq!(chained.finish(), whole, "len {len} split {split}");

        let mut streamed = Crc64::new();
        for chunk in data.chunks(1 + rng.below(97) as usize) {
            streamed.update(chunk);
        }
        assert_eq!(streamed.finish(), whole, "len {len}");
    }
}

#[test]
fn combine_parts_folds_many_parts() {
    let mut rng = XorShift(7);
    let data = rng.bytes(10_000);
    let mut parts = Vec::new();
    let mut rest: &[u8] = &data;
    while !rest.is_empty() {
        let n = (1 + rng.below(1500) as usize).min(rest.len());
        let (part, tail) = rest.split_at(n);
        parts.push((crc64(part), part.len() as u64));
        rest = tail;
    }
    assert!(parts.len() > 3);
    assert_eq!(combine_parts(parts), crc64(&data));
    assert_eq!(combine_parts(std::iter::empty()), 0);
}

#[test]
fn combine_is_fast_for_huge_lengths() {
    // O(log n): a length near 2^63 must not take noticeable time, and combining with a
    // run of zeros computed directly must agree for a moderate length.
    let zeros = vec![0u8; 1 << 20];
    let a = crc64(b"prefix");
    let mut direct = Crc64::with_initial(a);
    direct.update(&zeros);
    assert_eq!(
        combine(a, crc64(&zeros), zeros.len() as u64),
        direct.finish()
    );
    let _ = combine(a, 12345, u64::MAX / 2);
}

/// Bitwise CRC-64/XZ, independent of the library's kernels: a stream's register before the
/// final XOR, advanced over `data`.
fn reference_update(mut reg: u64, data: &[u8]) -> u64 {
    const POLY: u64 = 0xC96C_5795_D787_0F42;
    let table: Vec<u64> = (0..256u64)
        .map(|i| (0..8).fold(i, |c, _| (c >> 1) ^ (POLY & (c & 1).wrapping_neg())))
        .collect();
    for &b in data {
        reg = table[((reg ^ u64::from(b)) & 0xFF) as usize] ^ (reg >> 8);
    }
    reg
}

/// A deterministic buffer of `len` pseudo-random bytes, filled 8 bytes per step.
fn big_buffer(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = XorShift(seed);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next().to_le_bytes());
    }
    out.truncate(len);
    out
}

#[test]
fn reference_matches_check_value() {
    assert_eq!(!reference_update(!0, b"123456789"), 0x995D_C9BB_DF19_39FA);
}

#[test]
fn parallel_path_agrees_with_reference_around_the_threshold() {
    let t = PARALLEL_MIN_LEN;
    // Lengths just below, at and above the split, odd ones, and one split into many pieces.
    let lengths = [t - 1, t, t + 1, t + 7, 2 * t + 3, 3 * t - 1];
    let data = big_buffer(3 * t, 11);
    // One reference pass records the CRC of every prefix length of interest.
    let mut expected = Vec::new();
    let (mut reg, mut done) = (!0u64, 0usize);
    for &len in &lengths {
        reg = reference_update(reg, &data[done..len]);
        done = len;
        expected.push(!reg);
    }
    for (&len, &want) in lengths.iter().zip(&expected) {
        assert_eq!(crc64(&data[..len]), want, "len {len}");
        // The same bytes fed as a small head then one large slice.
        let mut h = Crc64::new();
        h.update(&data[..13]);
        h.update(&data[13..len]);
        assert_eq!(h.finish(), want, "len {len} after a 13-byte head");
    }
}

#[test]
fn parallel_path_continues_with_initial_and_combines() {
    let t = PARALLEL_MIN_LEN;
    let data = big_buffer(2 * t + 5, 12);
    let (a, b) = data.split_at(101);
    let whole = !reference_update(!0, &data);

    let mut chained = Crc64::with_initial(crc64(a));
    chained.update(b);
    assert_eq!(chained.finish(), whole);
    assert_eq!(combine(crc64(a), crc64(b), b.len() as u64), whole);

    // A stream mixing small updates with large (parallel) ones.
    let mut mixed = Crc64::new();
    let mut rest: &[u8] = &data;
    for n in [7, t + 3, 1, t - 9] {
        let (chunk, tail) = rest.split_at(n.min(rest.len()));
        mixed.update(chunk);
        rest = tail;
    }
    mixed.update(rest);
    assert_eq!(mixed.finish(), whole);
}
