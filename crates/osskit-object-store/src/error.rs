//! How SDK errors become `object_store` errors.
//!
//! | OSS answer | `object_store::Error` |
//! |---|---|
//! | 304 (a `If-None-Match` or `If-Modified-Since` that held) | `NotModified` |
//! | 404 (`NoSuchKey`, `NoSuchBucket`, `NoSuchUpload`, …) | `NotFound` |
//! | 412 `PreconditionFailed` | `Precondition` |
//! | 409 `FileAlreadyExists` (`x-oss-forbid-overwrite`) | `AlreadyExists` |
//! | 403 `InvalidAccessKeyId`, `SignatureDoesNotMatch`, `InvalidSecurityToken`, `SecurityTokenExpired`, `RequestTimeTooSkewed`, and 401 | `Unauthenticated` |
//! | other 403 (`AccessDenied`, …) | `PermissionDenied` |
//! | 405, 501 `NotImplemented` | `NotSupported` |
//! | no credentials from the configured providers | `Unauthenticated` |
//! | anything else (transport, 5xx, CRC mismatch, bad argument) | `Generic` with the SDK error as source |
//!
//! The SDK's [`ErrorKind`](osskit::ErrorKind) decides; the table shows how its kinds map.

use object_store::Error as StoreError;

/// The store name in `Generic` errors.
pub(crate) const STORE: &str = "OSS";

/// What kind of `object_store` error an SDK error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    NotModified,
    NotFound,
    Precondition,
    AlreadyExists,
    Unauthenticated,
    PermissionDenied,
    NotSupported,
    Generic,
}

/// Classifies an SDK error by its [`ErrorKind`](osskit::ErrorKind).
pub(crate) fn kind(e: &osskit::Error) -> Kind {
    use osskit::ErrorKind as K;
    match e.kind() {
        K::NotModified => Kind::NotModified,
        K::NotFound => Kind::NotFound,
        K::PreconditionFailed => Kind::Precondition,
        K::AlreadyExists => Kind::AlreadyExists,
        K::InvalidCredentials | K::Credentials => Kind::Unauthenticated,
        K::AccessDenied => Kind::PermissionDenied,
        K::Unsupported => Kind::NotSupported,
        _ => Kind::Generic,
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Builds the error of `kind` about `path` with `source`.
pub(crate) fn build(kind: Kind, path: &str, source: Source) -> StoreError {
    let path = path.to_string();
    match kind {
        Kind::NotModified => StoreError::NotModified { path, source },
        Kind::NotFound => StoreError::NotFound { path, source },
        Kind::Precondition => StoreError::Precondition { path, source },
        Kind::AlreadyExists => StoreError::AlreadyExists { path, source },
        Kind::Unauthenticated => StoreError::Unauthenticated { path, source },
        Kind::PermissionDenied => StoreError::PermissionDenied { path, source },
        Kind::NotSupported => StoreError::NotSupported { source },
        Kind::Generic => StoreError::Generic {
            store: STORE,
            source,
        },
    }
}

/// An SDK error about `path` as an `object_store` error (the SDK error is kept as source).
pub(crate) fn map(e: osskit::Error, path: &str) -> StoreError {
    build(kind(&e), path, Box::new(e))
}

/// Like [`map`] for an error shared by several paths (one batch request): each gets the
/// same kind and message.
pub(crate) fn map_shared(e: &osskit::Error, path: &str) -> StoreError {
    build(kind(e), path, e.to_string().into())
}

/// A `Generic` error with `message`.
pub(crate) fn generic(message: impl Into<String>) -> StoreError {
    StoreError::Generic {
        store: STORE,
        source: message.into().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(status: u16, code: &str) -> osskit::Error {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>\
             <Message>m</Message><RequestId>R</RequestId></Error>"
        );
        osskit::Error::Server(Box::new(osskit::ServerError::from_response(
            status,
            Default::default(),
            body.into(),
        )))
    }

    #[test]
    fn statuses_and_codes_pick_the_kind() {
        let cases = [
            (304, "", Kind::NotModified),
            (404, "NoSuchKey", Kind::NotFound),
            (404, "NoSuchBucket", Kind::NotFound),
            (412, "PreconditionFailed", Kind::Precondition),
            (409, "FileAlreadyExists", Kind::AlreadyExists),
            (409, "BucketNotEmpty", Kind::Generic),
            (403, "AccessDenied", Kind::PermissionDenied),
            (403, "SignatureDoesNotMatch", Kind::Unauthenticated),
            (403, "InvalidAccessKeyId", Kind::Unauthenticated),
            (403, "SecurityTokenExpired", Kind::Unauthenticated),
            (501, "NotImplemented", Kind::NotSupported),
            (500, "InternalError", Kind::Generic),
            (400, "InvalidArgument", Kind::Generic),
        ];
        for (status, code, expected) in cases {
            assert_eq!(
                kind(&server_error(status, code)),
                expected,
                "{status} {code}"
            );
        }
        assert_eq!(
            kind(&osskit::Error::credentials("none")),
            Kind::Unauthenticated
        );
        assert_eq!(kind(&osskit::Error::client("bad key")), Kind::Generic);
    }

    #[test]
    fn mapped_errors_keep_path_and_source() {
        let e = map(server_error(404, "NoSuchKey"), "a/b");
        match e {
            StoreError::NotFound { path, source } => {
                assert_eq!(path, "a/b");
                assert!(source.to_string().contains("NoSuchKey"), "{source}");
            }
            other => panic!("{other:?}"),
        }
        let shared = server_error(403, "AccessDenied");
        assert!(matches!(
            map_shared(&shared, "x"),
            StoreError::PermissionDenied { .. }
        ));
        assert!(matches!(
            map_shared(&shared, "y"),
            StoreError::PermissionDenied { .. }
        ));
    }
}
