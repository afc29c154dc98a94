//! Small value types of the API: ACLs, storage classes, redundancy, copy directives.
//!
//! ```
//! use osskit::types::{BucketAcl, StorageClass};
//! assert_eq!(BucketAcl::PublicRead.as_str(), "public-read");
//! assert_eq!("IA".parse::<StorageClass>().unwrap(), StorageClass::IA);
//! ```

use crate::error::Error;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $variant,)*
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s,)* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                match s {
                    $($s => Ok($name::$variant),)*
                    other => Err(Error::client(format!(concat!("{:?} is not a valid ", stringify!($name)), other))),
                }
            }
        }
    };
}

string_enum! {
    /// Canned ACL of a bucket.
    BucketAcl {
        /// Only the owner.
        Private => "private",
        /// Anyone may read.
        PublicRead => "public-read",
        /// Anyone may read and write.
        PublicReadWrite => "public-read-write",
    }
}

string_enum! {
    /// Canned ACL of an object.
    ObjectAcl {
        /// Inherit the bucket's ACL.
        Default => "default",
        /// Only the owner.
        Private => "private",
        /// Anyone may read.
        PublicRead => "public-read",
        /// Anyone may read and write.
        PublicReadWrite => "public-read-write",
    }
}

string_enum! {
    /// Storage class of a bucket or object.
    StorageClass {
        /// Standard.
        Standard => "Standard",
        /// Infrequent access.
        IA => "IA",
        /// Archive.
        Archive => "Archive",
        /// Cold archive.
        ColdArchive => "ColdArchive",
        /// Deep cold archive.
        DeepColdArchive => "DeepColdArchive",
    }
}

string_enum! {
    /// Data redundancy of a bucket.
    DataRedundancyType {
        /// Locally redundant.
        LRS => "LRS",
        /// Zone redundant.
        ZRS => "ZRS",
    }
}

string_enum! {
    /// Whether CopyObject keeps the source metadata or replaces it with the request's.
    MetadataDirective {
        /// Keep the source metadata.
        Copy => "COPY",
        /// Use the metadata of the request.
        Replace => "REPLACE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_error() {
        for acl in [
            BucketAcl::Private,
            BucketAcl::PublicRead,
            BucketAcl::PublicReadWrite,
        ] {
            assert_eq!(acl.as_str().parse::<BucketAcl>().unwrap(), acl);
        }
        let e = "public".parse::<BucketAcl>().unwrap_err();
        assert!(
            e.to_string()
                .contains("\"public\" is not a valid BucketAcl"),
            "{e}"
        );
        assert_eq!(MetadataDirective::Replace.to_string(), "REPLACE");
    }
}

string_enum! {
    /// Whether CopyObject keeps the source's tags or takes the request's
    /// (`x-oss-tagging-directive`).
    TaggingDirective {
        /// Keep the source's tags.
        Copy => "COPY",
        /// Use the tags sent with the copy.
        Replace => "REPLACE",
    }
}
