//! Checks of a request made before it is routed: the key must decode to UTF-8, and user
//! metadata is taken as the bytes sent.

use crate::error::OssError;
use osskit_proto::error_code::ErrorCode;

/// Refuses a path whose percent-decoding is not UTF-8 (`InvalidObjectName`): an object key
/// is UTF-8, and decoding such a path lossily would address another key.
///
/// ```
/// use osskit_server::http::guard::check_path;
/// assert!(check_path("/bucket/caf%C3%A9").is_ok());
/// assert_eq!(check_path("/bucket/k%FF").unwrap_err().status(), 400);
/// ```
pub fn check_path(raw_path: &str) -> Result<(), OssError> {
    if !raw_path.contains('%') || osskit_proto::encoding::unquote_utf8(raw_path).is_some() {
        return Ok(());
    }
    Err(OssError::with_message(
        ErrorCode::InvalidObjectName,
        "The object key is not valid UTF-8 once percent-decoded.",
    )
    .with_detail("Key", &crate::http::log::escaped(raw_path)))
}

/// The `x-oss-meta-*` headers of a request: lower-case names and the values' bytes.
pub fn user_meta(headers: &http::HeaderMap) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .filter(|(k, _)| k.as_str().starts_with(osskit_proto::headers::META_PREFIX))
        .map(|(k, v)| (k.as_str().to_string(), v.as_bytes().to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_decode_to_utf8() {
        for ok in ["/", "/b/plain", "/b/%E4%B8%AD", "/b/100%25", "/b/%zz"] {
            assert!(check_path(ok).is_ok(), "{ok}");
        }
        for bad in ["/b/%FF", "/b/%C3", "/b/a%80b"] {
            let e = check_path(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidObjectName, "{bad}");
        }
    }

    #[test]
    fn user_meta_keeps_raw_bytes() {
        let mut h = http::HeaderMap::new();
        h.insert(
            "x-oss-meta-a",
            http::HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        );
        h.insert("content-type", http::HeaderValue::from_static("text/plain"));
        assert_eq!(
            user_meta(&h),
            vec![("x-oss-meta-a".to_string(), vec![0xff, 0xfe])]
        );
    }
}
