//! Where data lives: `oss://bucket/key` URLs and local paths.

use std::fmt;
use std::path::PathBuf;

use crate::error::CliError;

/// The scheme of OSS URLs.
pub const SCHEME: &str = "oss://";

/// `oss://bucket/key`; `key` may be empty (the bucket itself) or a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssUrl {
    /// Bucket name.
    pub bucket: String,
    /// Key or prefix (without the leading `/`).
    pub key: String,
}

impl OssUrl {
    /// Parses `oss://bucket[/key]`.
    pub fn parse(s: &str) -> Result<OssUrl, CliError> {
        let rest = strip_scheme(s).ok_or_else(|| {
            CliError::usage(format!(
                "{s:?} is not an OSS URL (expected oss://bucket[/key])"
            ))
        })?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(CliError::usage(format!("{s:?} names no bucket")));
        }
        Ok(OssUrl {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }

    /// Parses a URL that must name the bucket only.
    pub fn parse_bucket(s: &str) -> Result<OssUrl, CliError> {
        let url = OssUrl::parse(s)?;
        if !url.key.is_empty() {
            return Err(CliError::usage(format!(
                "{s:?} should name a bucket only (oss://bucket)"
            )));
        }
        Ok(url)
    }

    /// Parses a URL that must name an object.
    pub fn parse_object(s: &str) -> Result<OssUrl, CliError> {
        let url = OssUrl::parse(s)?;
        if url.key.is_empty() || url.key.ends_with('/') {
            return Err(CliError::usage(format!(
                "{s:?} should name an object (oss://bucket/key)"
            )));
        }
        Ok(url)
    }

    /// The same bucket with another key.
    pub fn with_key(&self, key: impl Into<String>) -> OssUrl {
        OssUrl {
            bucket: self.bucket.clone(),
            key: key.into(),
        }
    }

    /// The key as a directory prefix: empty, or ending with `/`.
    pub fn dir_prefix(&self) -> String {
        if self.key.is_empty() || self.key.ends_with('/') {
            self.key.clone()
        } else {
            format!("{}/", self.key)
        }
    }

    /// The last segment of the key.
    pub fn file_name(&self) -> &str {
        self.key.rsplit('/').next().unwrap_or("")
    }
}

impl fmt::Display for OssUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.bucket, self.key)
    }
}

fn strip_scheme(s: &str) -> Option<&str> {
    let head = s.get(..SCHEME.len())?;
    head.eq_ignore_ascii_case(SCHEME)
        .then(|| &s[SCHEME.len()..])
}

/// A source or destination of `cp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An object or prefix.
    Oss(OssUrl),
    /// A local file or directory.
    Local(PathBuf),
}

impl Location {
    /// `oss://…` is OSS, anything else is a local path.
    pub fn parse(s: &str) -> Result<Location, CliError> {
        if strip_scheme(s).is_some() {
            OssUrl::parse(s).map(Location::Oss)
        } else if s.is_empty() {
            Err(CliError::usage("an empty path"))
        } else {
            Ok(Location::Local(PathBuf::from(s)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = OssUrl::parse("oss://bkt/dir/a.txt").unwrap();
        assert_eq!((u.bucket.as_str(), u.key.as_str()), ("bkt", "dir/a.txt"));
        assert_eq!(u.file_name(), "a.txt");
        assert_eq!(u.to_string(), "oss://bkt/dir/a.txt");
        assert_eq!(u.dir_prefix(), "dir/a.txt/");
        let b = OssUrl::parse("OSS://bkt").unwrap();
        assert_eq!((b.bucket.as_str(), b.key.as_str()), ("bkt", ""));
        assert_eq!(b.dir_prefix(), "");
        assert_eq!(OssUrl::parse("oss://bkt/").unwrap().key, "");
        assert!(OssUrl::parse("oss:///k").is_err());
        assert!(OssUrl::parse("s3://b/k").is_err());
        assert!(OssUrl::parse_object("oss://b/dir/").is_err());
        assert!(OssUrl::parse_bucket("oss://b/k").is_err());
    }

    #[test]
    fn tells_local_from_oss() {
        assert_eq!(
            Location::parse("./x").unwrap(),
            Location::Local(PathBuf::from("./x"))
        );
        assert!(matches!(
            Location::parse("oss://b/k").unwrap(),
            Location::Oss(_)
        ));
        assert!(Location::parse("").is_err());
    }
}
