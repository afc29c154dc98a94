//! Naming rules for buckets and object keys.
//!
//! ```
//! use osskit_proto::names::*;
//! assert!(is_valid_bucket_name("my-bucket-1"));
//! assert!(!is_valid_bucket_name("My_Bucket"));
//! assert!(validate_object_key("dir/a.txt").is_ok());
//! assert!(validate_object_key("").is_err());
//! assert!(validate_object_key("/abs").is_err());
//! assert!(validate_object_key(&"k".repeat(1024)).is_err());
//! ```

/// Maximum object key length in bytes.
pub const MAX_KEY_LEN: usize = 1023;

/// 3–63 characters of `a-z0-9-`, starting with a letter or digit and not ending with `-`.
pub fn is_valid_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    (3..=63).contains(&bytes.len())
        && bytes.iter().all(allowed)
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// Why a key was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key is empty.
    #[error("the object key is empty")]
    Empty,
    /// The key is longer than 1023 bytes.
    #[error("the object key is {0} bytes long, the limit is 1023")]
    TooLong(usize),
    /// The key starts with `/` or `\`.
    #[error("the object key must not start with '/' or '\\'")]
    LeadingSlash,
}

/// 1–1023 UTF-8 bytes, not starting with `/` or `\`.
pub fn validate_object_key(key: &str) -> Result<(), KeyError> {
    if key.is_empty() {
        Err(KeyError::Empty)
    } else if key.len() > MAX_KEY_LEN {
        Err(KeyError::TooLong(key.len()))
    } else if key.starts_with('/') || key.starts_with('\\') {
        Err(KeyError::LeadingSlash)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for ok in ["abc", "a-b", "0ab", "my-bucket-1", &"a".repeat(63)] {
            assert!(is_valid_bucket_name(ok), "{ok}");
        }
        for bad in [
            "",
            "ab",
            "-ab",
            "ab-",
            "aB",
            "a_b",
            "a.b",
            "a b",
            "é-ab",
            &"a".repeat(64),
        ] {
            assert!(!is_valid_bucket_name(bad), "{bad}");
        }
    }

    #[test]
    fn object_keys() {
        assert_eq!(validate_object_key(""), Err(KeyError::Empty));
        assert_eq!(validate_object_key("/a"), Err(KeyError::LeadingSlash));
        assert_eq!(validate_object_key("\\a"), Err(KeyError::LeadingSlash));
        assert_eq!(
            validate_object_key(&"k".repeat(1024)),
            Err(KeyError::TooLong(1024))
        );
        // The limit counts bytes: 342 three-byte characters are 1026 bytes.
        assert_eq!(
            validate_object_key(&"中".repeat(342)),
            Err(KeyError::TooLong(1026))
        );
        assert!(validate_object_key(&"k".repeat(1023)).is_ok());
        for ok in ["a", "a/", "..", "a//b", "sp ace+plus%41?#", "a\\b", "中文"] {
            assert!(validate_object_key(ok).is_ok(), "{ok}");
        }
    }
}
