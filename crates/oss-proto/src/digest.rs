//! Content-MD5 and ETag helpers.

/// Base64 of the MD5 of `data`: the value of a `Content-MD5` header (oss2's `content_md5`).
pub fn content_md5(data: &[u8]) -> String {
    let _ = data;
    todo!()
}

/// Lower-case hex MD5 of `data` (oss2's `md5_string`).
pub fn md5_hex(data: &[u8]) -> String {
    let _ = data;
    todo!()
}

/// The quoted, upper-case hex ETag OSS gives an object from its MD5 digest: `"5B3C…A0FE"`.
pub fn etag_from_md5(md5: &[u8; 16]) -> String {
    let _ = md5;
    todo!()
}

/// The ETag without its quotes, as oss2 exposes it (`result.etag`).
pub fn strip_etag_quotes(etag: &str) -> &str {
    etag.trim().trim_matches('"')
}
