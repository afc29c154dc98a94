//! Naming rules for buckets and object keys.
//!
//! ```
//! use oss_proto::names::*;
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
    let _ = name;
    todo!()
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
    let _ = key;
    todo!()
}
