//! Interoperability tests between the official Python SDK `oss2`, `oss-server` and the Rust
//! SDK. The tests live in `tests/`; see `interop/oss2_scenarios.py` for the oss2 side.
#![deny(unsafe_code)]

use std::path::{Path, PathBuf};

/// The root of the workspace (where `interop/` and `target/` are).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python interpreter that has oss2 2.19.1: `$OSS2_PYTHON`, else the virtual
/// environment `scripts/test.sh` creates in `target/oss2-venv`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("OSS2_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = workspace_root().join("target/oss2-venv/bin/python");
    assert!(
        venv.exists(),
        "no Python with oss2: run scripts/test.sh (it creates target/oss2-venv) or set OSS2_PYTHON"
    );
    venv
}

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
