//! Content-MD5 and ETag helpers.
//!
//! ```
//! use osskit_proto::digest::*;
//! assert_eq!(content_md5(b"hello"), "XUFAKrxLKna5cZ2REBfFkg==");
//! assert_eq!(md5_hex(b"hello"), "5d41402abc4b2a76b9719d911017c592");
//! assert_eq!(etag_from_md5(&md5(b"hello")), "\"5D41402ABC4B2A76B9719D911017C592\"");
//! assert_eq!(strip_etag_quotes("\"5D41\""), "5D41");
//! ```

use base64::Engine as _;
use md5::{Digest as _, Md5};

/// The raw 16-byte MD5 digest of `data`.
pub fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// Base64 of the MD5 of `data`: the value of a `Content-MD5` header (oss2's `content_md5`).
pub fn content_md5(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(md5(data))
}

/// Lower-case hex MD5 of `data` (oss2's `md5_string`).
pub fn md5_hex(data: &[u8]) -> String {
    hex::encode(md5(data))
}

/// The quoted, upper-case hex ETag OSS gives an object from its MD5 digest: `"5B3C…A0FE"`.
pub fn etag_from_md5(md5: &[u8; 16]) -> String {
    format!("\"{}\"", hex::encode_upper(md5))
}

/// The ETag without its quotes, as oss2 exposes it (`result.etag`).
pub fn strip_etag_quotes(etag: &str) -> &str {
    etag.trim().trim_matches('"')
}
