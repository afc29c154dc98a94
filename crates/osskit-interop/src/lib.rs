//! Interoperability tests between the official Python SDK `oss2`, `oss-server` and the Rust
//! SDK. The tests live in `tests/`; see `interop/oss2_scenarios.py` for the oss2 side.
#![deny(unsafe_code)]

/// Deterministic test bytes shared with the Python side: byte `i` is `(i * 31 + seed) % 251`.
pub fn pattern(seed: u64, size: usize) -> Vec<u8> {
    (0..size as u64)
        .map(|i| ((i * 31 + seed) % 251) as u8)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn pattern_matches_the_python_definition() {
        assert_eq!(super::pattern(1, 4), vec![1, 32, 63, 94]);
        assert_eq!(super::pattern(5, 0), Vec::<u8>::new());
        assert_eq!(super::pattern(0, 10)[9], (9 * 31 % 251) as u8);
    }
}
